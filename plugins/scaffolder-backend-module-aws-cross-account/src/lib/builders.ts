/**
 * Pure builders: names, tags, policy documents. No AWS I/O, so they are tested alone and the
 * actions only call them.
 */

import { createHash } from 'node:crypto';
import {
  buildControllerRoleName,
  issuerHostPath,
  oidcProviderArn,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/** Tag key marking what this project created, so ensure-actions never adopt foreign resources. */
export const MANAGED_BY_TAG_KEY = 'cross-account-alb:managed-by';
export const MANAGED_BY_TAG_VALUE = 'backstage';

export const DEFAULT_NAMESPACE = 'kube-system';
export const DEFAULT_SERVICE_ACCOUNT = 'aws-load-balancer-controller';
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** The tags put on everything the actions create, plus the caller's extra ones. */
export function managedTags(
  extra: Record<string, string> = {},
): Array<{ Key: string; Value: string }> {
  return Object.entries({
    [MANAGED_BY_TAG_KEY]: MANAGED_BY_TAG_VALUE,
    ...extra,
  }).map(([Key, Value]) => ({ Key, Value }));
}

/** RAM spells tag fields in lower case. */
export function managedRamTags(
  extra: Record<string, string> = {},
): Array<{ key: string; value: string }> {
  return managedTags(extra).map(t => ({ key: t.Key, value: t.Value }));
}

export function isManaged(
  tags: Array<{
    Key?: string;
    Value?: string;
    key?: string;
    value?: string;
  }> = [],
): boolean {
  return tags.some(
    t =>
      (t.Key ?? t.key) === MANAGED_BY_TAG_KEY &&
      (t.Value ?? t.value) === MANAGED_BY_TAG_VALUE,
  );
}

/**
 * Tag naming the cluster a resource was made for (a RAM share, a controller role), where one
 * network account serves many clusters.
 */
export const CLUSTER_TAG_KEY = 'cross-account-alb:cluster';

/**
 * The default resource share name: stable, so a re-run finds the share it created. With a
 * cluster, the share is that cluster's own (`cross-account-alb-subnets-<principal>-<cluster>`):
 * tearing one cluster down then deletes only its share, and the subnets stay shared with the
 * account through the shares of its other clusters (RAM lets a resource be in several shares).
 * RAM names allow letters, digits, `-`, `_` and `.`.
 */
export function buildShareName(
  principal: string,
  clusterName?: string,
): string {
  const ou = /:ou\/o-[a-z0-9]+\/(ou-[a-z0-9-]+)$/.exec(principal);
  const org = /:organization\/(o-[a-z0-9]+)$/.exec(principal);
  const suffix = ou?.[1] ?? org?.[1] ?? principal;
  const base = `cross-account-alb-subnets-${suffix}`;
  return clusterName ? `${base}-${clusterName}` : base;
}

/**
 * IAM role name for the controller of one cluster: `<clusterName>-<workloadAccountId>-aws-lbc`
 * within IAM's 64 characters (see the shared node library for the long-name rule). The
 * sandbox's seeding uses the same function.
 */
export { buildControllerRoleName };

/**
 * The ALB security group of one application on one cluster:
 * `<cluster entity>-<namespace>-<application>-alb` (EC2 allows 255 characters, the parts are
 * at most 63 each). The templates take it from `aws:catalog:read-cluster`.
 */
export function buildApplicationAlbSecurityGroupName(application: {
  clusterEntityName: string;
  namespace: string;
  name: string;
}): string {
  return `${application.clusterEntityName}-${application.namespace}-${application.name}-alb`;
}

/**
 * The ALB security group of one Ingress group on one cluster:
 * `<cluster entity>-group.<group>-alb`. Every Ingress of a group must name the same security
 * groups (the controller refuses the group otherwise: "conflicting securityGroups"), so the
 * applications of a group share this one. The `.` keeps it apart from every application's
 * name (namespaces cannot contain one).
 */
export function buildIngressGroupAlbSecurityGroupName(group: {
  clusterEntityName: string;
  groupName: string;
}): string {
  return `${group.clusterEntityName}-group.${group.groupName}-alb`;
}

/**
 * The ALB security group name the actions use for one cluster when the template names none
 * (EC2 allows 255 characters).
 */
export function buildAlbSecurityGroupName(clusterName: string): string {
  return `${clusterName}-alb`;
}

export interface IrsaTrustPolicyInput {
  partition: string;
  networkAccountId: string;
  oidcIssuerUrl: string;
  namespace: string;
  serviceAccountName: string;
}

/** The IRSA trust policy, exactly the shape in DOMAIN.md. */
export function buildIrsaTrustPolicy(input: IrsaTrustPolicyInput) {
  const issuer = issuerHostPath(input.oidcIssuerUrl);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {
          Federated: oidcProviderArn(
            input.partition,
            input.networkAccountId,
            input.oidcIssuerUrl,
          ),
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${input.namespace}:${input.serviceAccountName}`,
            [`${issuer}:aud`]: STS_AUDIENCE,
          },
        },
      },
    ],
  };
}

/**
 * IAM returns policy documents URL-encoded and may reorder keys or turn one-element arrays
 * into strings; compare documents after normalising both sides.
 */
export function decodePolicyDocument(document: string): unknown {
  const text = document.trim().startsWith('{')
    ? document
    : decodeURIComponent(document);
  return JSON.parse(text);
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalise);
    if (items.length === 1) return items[0];
    return items
      .map(v => JSON.stringify(v))
      .sort()
      .map(v => JSON.parse(v));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}

export function policyDocumentsEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/** With {@link CLUSTER_TAG_KEY}, the tags naming whom a controller role was made for. */
export const WORKLOAD_ACCOUNT_TAG_KEY = 'cross-account-alb:workload-account';

/** Whom a controller role this project created belongs to: its tags and its trust policy. */
export interface ControllerRoleOwner {
  clusterName?: string;
  workloadAccountId?: string;
  /** The OIDC providers (cluster issuers) its trust policy names. */
  oidcProviderArns: string[];
}

export function controllerRoleOwner(role: {
  Tags?: Array<{ Key?: string; Value?: string }>;
  AssumeRolePolicyDocument?: string;
}): ControllerRoleOwner {
  const tag = (key: string) => role.Tags?.find(t => t.Key === key)?.Value;
  const providers = new Set<string>();
  try {
    const trust = decodePolicyDocument(
      role.AssumeRolePolicyDocument ?? '{}',
    ) as { Statement?: unknown };
    const statements = [trust.Statement ?? []].flat() as Array<{
      Principal?: { Federated?: string | string[] };
    }>;
    for (const s of statements) {
      for (const p of [s.Principal?.Federated ?? []].flat()) providers.add(p);
    }
  } catch {
    // An unreadable trust policy names no provider; the tags still name the owner.
  }
  return {
    clusterName: tag(CLUSTER_TAG_KEY),
    workloadAccountId: tag(WORKLOAD_ACCOUNT_TAG_KEY),
    oidcProviderArns: [...providers].sort(),
  };
}

/** "cluster shop in workload account 222222222222 (trusting <provider>)", for messages. */
export function describeOwner(owner: ControllerRoleOwner): string {
  const who = owner.clusterName
    ? `cluster ${owner.clusterName}`
    : 'an unnamed cluster (no cross-account-alb:cluster tag)';
  const where = owner.workloadAccountId
    ? ` in workload account ${owner.workloadAccountId}`
    : '';
  const trusts = owner.oidcProviderArns.length
    ? ` (trusting ${owner.oidcProviderArns.join(', ')})`
    : '';
  return `${who}${where}${trusts}`;
}

/** The region of an EKS issuer's OIDC provider ARN (`…:oidc-provider/oidc.eks.<region>.amazonaws.com/id/…`). */
export function oidcProviderRegion(providerArn: string): string | undefined {
  return /:oidc-provider\/oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(
    providerArn,
  )?.[1];
}

/**
 * The external-dns release template 2 installs; its role's policy is what this release calls
 * (see {@link buildExternalDnsPolicy}).
 */
export const EXTERNAL_DNS_VERSION = 'v0.19.0';

/** Where template 2 runs external-dns, and the only service account its role trusts. */
export const EXTERNAL_DNS_NAMESPACE = 'external-dns';
export const EXTERNAL_DNS_SERVICE_ACCOUNT = 'external-dns';
/** The inline policy of external-dns's role: the records of one hosted zone. */
export const EXTERNAL_DNS_POLICY_NAME = 'external-dns-route53';

/**
 * IAM role name for external-dns of one cluster, in the account of the hosted zone:
 * `<clusterName>-<workloadAccountId>-external-dns` within IAM's 64 characters. A longer
 * cluster name is cut and ends with the first 8 hex digits of its SHA-256, as the
 * controller's role name does, so the name stays deterministic and distinct.
 */
export function buildExternalDnsRoleName(
  clusterName: string,
  workloadAccountId: string,
): string {
  const tail = `-${workloadAccountId}-external-dns`;
  const room = 64 - tail.length;
  const cluster =
    clusterName.length <= room
      ? clusterName
      : `${clusterName.slice(0, room - 9)}-${createHash('sha256')
          .update(clusterName)
          .digest('hex')
          .slice(0, 8)}`;
  return `${cluster}${tail}`;
}

/**
 * external-dns's `--txt-owner-id` for one cluster: the TXT ownership records it writes carry
 * it, and it changes or deletes only records whose TXT names it. One per cluster (name,
 * region, workload account), so two clusters writing in one zone never take over each
 * other's names.
 */
export function buildExternalDnsTxtOwnerId(cluster: {
  clusterName: string;
  region: string;
  workloadAccountId: string;
}): string {
  return `${cluster.clusterName}.${cluster.region}.${cluster.workloadAccountId}`;
}

/**
 * The record types external-dns manages by default (`--managed-record-types`: A, AAAA,
 * CNAME; an ALB's name becomes alias A and AAAA records) and its TXT ownership records.
 */
export const EXTERNAL_DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'];

/**
 * external-dns's policy, limited to one hosted zone. What external-dns v0.19.0 calls with
 * `--provider=aws --zone-id-filter=<zone>` and no `--aws-zone-tags` (provider/aws/aws.go):
 * ListHostedZones (zones(), which has no resource-level permission), ListResourceRecordSets
 * (records()) and ChangeResourceRecordSets (submitChanges()) on the zone. It reads zone tags
 * (ListTagsForResources) only with `--aws-zone-tags`, which template 2 does not set, so the
 * policy does not grant it; and only the record types above may change.
 */
export function buildExternalDnsPolicy(
  partition: string,
  hostedZoneId: string,
) {
  const zone = `arn:${partition}:route53:::hostedzone/${hostedZoneId}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ChangeRecordsOfTheZone',
        Effect: 'Allow',
        Action: 'route53:ChangeResourceRecordSets',
        Resource: zone,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsRecordTypes':
              EXTERNAL_DNS_RECORD_TYPES,
          },
        },
      },
      {
        Sid: 'ListRecordsOfTheZone',
        Effect: 'Allow',
        Action: 'route53:ListResourceRecordSets',
        Resource: zone,
      },
      {
        Sid: 'ListHostedZones',
        Effect: 'Allow',
        Action: 'route53:ListHostedZones',
        Resource: '*',
      },
    ],
  };
}
