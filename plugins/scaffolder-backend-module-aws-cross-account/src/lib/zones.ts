import type { CertificateDetail } from '@aws-sdk/client-acm';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
  ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { InputError } from '@backstage/errors';
import {
  awsErrorName,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { call, ScopeBase } from './action';
import {
  buildExternalDnsRoleName,
  decodePolicyDocument,
  EXTERNAL_DNS_POLICY_NAME,
} from './builders';

/** A DNS name compared as DNS does: lower case, without the trailing dot. */
export const dnsName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * The hosted zone, as its account has it: it must exist, be the zone named in the input and
 * be public (`whyPublic` says what needs that, for the message). Read-only: a dry-run makes
 * the same check.
 */
export async function checkPublicZone(
  scope: ScopeBase,
  route53: Route53Client,
  input: { dnsAccountId: string; hostedZoneId: string; hostedZoneName: string },
  whyPublic: string,
): Promise<void> {
  const zone = await call(scope, 'route53:GetHostedZone', () =>
    route53.send(new GetHostedZoneCommand({ Id: input.hostedZoneId })),
  ).catch(error => {
    if (awsErrorName((error as Error).cause ?? error) === 'NoSuchHostedZone') {
      throw new InputError(
        `hostedZoneId: no hosted zone ${input.hostedZoneId} in DNS account ${input.dnsAccountId}. Pick the zone of ${input.hostedZoneName} in the account that holds it.`,
      );
    }
    throw error;
  });
  const name = dnsName(zone.HostedZone?.Name ?? '');
  if (name !== input.hostedZoneName) {
    throw new InputError(
      `hostedZoneId: ${input.hostedZoneId} is the zone of ${name}, not of hostedZoneName ${input.hostedZoneName}. Pick the zone ${input.hostedZoneName} (or give its name as hostedZoneName).`,
    );
  }
  if (zone.HostedZone?.Config?.PrivateZone) {
    throw new InputError(
      `hostedZoneId: ${input.hostedZoneId} (${name}) is a private hosted zone; ${whyPublic} of ${name}.`,
    );
  }
}

/** A DNS validation record ACM asks for. */
export interface ValidationRecord {
  name: string;
  type: string;
  value: string;
}

/**
 * The zone's CNAME of the validation record's name, if any, and its values (as DNS compares
 * them): what ensure-certificate writes unless there, and delete-certificate deletes only
 * while it still holds ACM's value.
 */
export async function findValidationRecord(
  scope: ScopeBase,
  route53: Route53Client,
  hostedZoneId: string,
  record: ValidationRecord,
): Promise<{ existing?: ResourceRecordSet; values: string[] }> {
  const { ResourceRecordSets = [] } = await call(
    scope,
    'route53:ListResourceRecordSets',
    () =>
      route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: record.name,
          StartRecordType: 'CNAME',
          MaxItems: 1,
        }),
      ),
  );
  const existing = ResourceRecordSets.find(
    r => dnsName(r.Name ?? '') === dnsName(record.name) && r.Type === 'CNAME',
  );
  const values = (existing?.ResourceRecords ?? []).map(r =>
    dnsName(r.Value ?? ''),
  );
  return { existing, values };
}

/** The validation records ACM asks for, once it has made them (a few seconds after request). */
export function validationRecords(cert: CertificateDetail): ValidationRecord[] {
  const records = new Map<string, ValidationRecord>();
  for (const option of cert.DomainValidationOptions ?? []) {
    const r = option.ResourceRecord;
    if (r?.Name && r.Value && r.Type) {
      // `*.x` and `x` share one record.
      records.set(dnsName(r.Name), {
        name: r.Name,
        type: r.Type,
        value: r.Value,
      });
    }
  }
  return [...records.values()];
}

/**
 * The zone's account has external-dns's role of the cluster (template 2), allowed to change
 * records of this zone: else a certificate would be issued for a name nothing points at the
 * ALB (external-dns writes only in the zone its role allows, `--zone-id-filter`). Read-only.
 */
export async function checkExternalDnsServesZone(
  scope: ScopeBase,
  iam: IAMClient,
  input: {
    dnsAccountId: string;
    clusterName: string;
    workloadAccountId: string;
    hostName: string;
    hostedZoneId: string;
    hostedZoneName: string;
  },
): Promise<void> {
  const roleName = buildExternalDnsRoleName(
    input.clusterName,
    input.workloadAccountId,
  );
  const notFound = ['NoSuchEntity', 'NoSuchEntityException'];
  const role = await call(scope, 'iam:GetRole', () =>
    unlessAwsError(
      notFound,
      iam.send(new GetRoleCommand({ RoleName: roleName })),
    ),
  );
  if (!role?.Role) {
    throw new InputError(
      `hostedZoneId: cluster ${input.clusterName} has no external-dns role in DNS account ${input.dnsAccountId} (${roleName}), so nothing would point ${input.hostName} at the ALB. Run template 2 for the cluster with zone ${input.hostedZoneName} (${input.hostedZoneId}) first, or leave the host name empty.`,
    );
  }
  const policy = await call(scope, 'iam:GetRolePolicy', () =>
    unlessAwsError(
      notFound,
      iam.send(
        new GetRolePolicyCommand({
          RoleName: roleName,
          PolicyName: EXTERNAL_DNS_POLICY_NAME,
        }),
      ),
    ),
  );
  const zones = zonesOfPolicy(policy?.PolicyDocument);
  if (!zones.includes(input.hostedZoneId)) {
    throw new InputError(
      `hostedZoneId: external-dns of cluster ${
        input.clusterName
      } keeps records in ${
        zones.length ? `zone ${zones.join(', ')}` : 'no zone'
      } only (its role ${roleName} in DNS account ${
        input.dnsAccountId
      }), not in ${input.hostedZoneName} (${
        input.hostedZoneId
      }). Use a name in its zone, or run template 2 for the cluster with zone ${
        input.hostedZoneName
      }.`,
    );
  }
}

/** The hosted zone IDs a policy's statements name (`arn:…:route53:::hostedzone/<id>`). */
function zonesOfPolicy(document: string | undefined): string[] {
  if (!document) return [];
  const zones = new Set<string>();
  try {
    const statements = [
      (decodePolicyDocument(document) as { Statement?: unknown }).Statement ??
        [],
    ].flat() as Array<{ Resource?: string | string[] }>;
    for (const statement of statements) {
      for (const resource of [statement.Resource ?? []].flat()) {
        const id = /:hostedzone\/([A-Za-z0-9]+)$/.exec(resource)?.[1];
        if (id) zones.add(id);
      }
    }
  } catch {
    // An unreadable policy names no zone.
  }
  return [...zones].sort();
}
