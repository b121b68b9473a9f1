import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ANNOTATION_ACCOUNT_ID,
  ANNOTATION_ELBV2_LOAD_BALANCER_ARN,
  ANNOTATION_ELBV2_LOAD_BALANCER_TAGS,
  ANNOTATION_REGION,
  AWS_ACCOUNT_ID_PATTERN,
  AWS_REGION_PATTERN,
  LBC_TAG_CLUSTER,
  LBC_TAG_STACK,
  LOAD_BALANCER_ARN_PATTERN,
  ANNOTATION_INGRESS,
  INGRESS_REF_PATTERN,
  loadBalancerArnContradiction,
} from '@cross-account-alb/plugin-aws-alb-common';
import { partitionOf } from '@cross-account-alb/plugin-aws-cross-account-node';

/** One `key=value` pair of the tags annotation. */
export interface TagFilter {
  key: string;
  value: string;
}

/** Where an entity's load balancers are, as read from its annotations. */
export type LoadBalancerLocator =
  | {
      kind: 'arn';
      arn: string;
      partition: string;
      accountId: string;
      region: string;
    }
  | {
      kind: 'tags';
      tags: TagFilter[];
      partition: string;
      accountId: string;
      region: string;
    };

const ARN_RE = new RegExp(LOAD_BALANCER_ARN_PATTERN);
const ACCOUNT_RE = new RegExp(AWS_ACCOUNT_ID_PATTERN);
const REGION_RE = new RegExp(AWS_REGION_PATTERN);
const EXAMPLE_TAGS = `${LBC_TAG_CLUSTER}=<cluster>,${LBC_TAG_STACK}=<namespace>/<ingress>`;

/** Parses `k=v,k2=v2`; values may contain `=` and `/`, keys may not be empty. */
export function parseTagsAnnotation(value: string): TagFilter[] {
  const pairs = value
    .split(',')
    .map(p => p.trim())
    .filter(Boolean);
  if (pairs.length === 0) {
    throw new InputError(
      `Annotation ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS} is empty; expected ${EXAMPLE_TAGS}`,
    );
  }
  const seen = new Set<string>();
  return pairs.map(pair => {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq).trim() : '';
    const tagValue = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!key || !tagValue) {
      throw new InputError(
        `Annotation ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS} has "${pair}", which is not key=value; expected ${EXAMPLE_TAGS}`,
      );
    }
    if (seen.has(key)) {
      throw new InputError(
        `Annotation ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS} names the tag ${key} twice`,
      );
    }
    seen.add(key);
    return { key, value: tagValue };
  });
}

/**
 * Reads the entity's ALB annotations. Exactly one of the ARN and the tags annotation must be
 * present; the tags form also needs the account and region annotations.
 */
export function locatorFromEntity(entity: Entity): LoadBalancerLocator {
  const annotations = entity.metadata.annotations ?? {};
  const arn = annotations[ANNOTATION_ELBV2_LOAD_BALANCER_ARN]?.trim();
  const tags = annotations[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS]?.trim();

  if (arn && tags) {
    throw new InputError(
      `The entity has both ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} and ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS}; keep exactly one`,
    );
  }
  if (arn) {
    const match = ARN_RE.exec(arn);
    if (!match) {
      throw new InputError(
        `Annotation ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} is not a load balancer ARN: "${arn}"; expected arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`,
      );
    }
    const located = { region: match[2], accountId: match[3] };
    const contradiction = loadBalancerArnContradiction(annotations, located);
    if (contradiction) throw new InputError(contradiction);
    return { kind: 'arn', arn, partition: match[1], ...located };
  }
  if (tags) {
    const accountId = annotations[ANNOTATION_ACCOUNT_ID]?.trim();
    const region = annotations[ANNOTATION_REGION]?.trim();
    if (!accountId || !ACCOUNT_RE.test(accountId)) {
      throw new InputError(
        accountId
          ? `Annotation ${ANNOTATION_ACCOUNT_ID} must be a 12-digit AWS account ID, got "${accountId}"`
          : `Annotation ${ANNOTATION_ACCOUNT_ID} is required with ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS}: the account that owns the load balancer (the network account)`,
      );
    }
    if (!region || !REGION_RE.test(region)) {
      throw new InputError(
        region
          ? `Annotation ${ANNOTATION_REGION} must be an AWS region such as us-east-1, got "${region}"`
          : `Annotation ${ANNOTATION_REGION} is required with ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS}: the region of the load balancer`,
      );
    }
    return {
      kind: 'tags',
      tags: parseTagsAnnotation(tags),
      accountId,
      region,
      partition: partitionOf(region),
    };
  }
  throw new InputError(
    `The entity has neither ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} nor ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS}; add one to show its load balancers`,
  );
}

/** A stable cache key: two entities that point at the same ALB share one cache entry. */
export function locatorCacheKey(locator: LoadBalancerLocator): string {
  if (locator.kind === 'arn') return `arn:${locator.arn}`;
  const tags = [...locator.tags]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(t => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`)
    .join(',');
  return `tags:${locator.accountId}:${locator.region}:${tags}`;
}

/** `k=v, k2=v2` for messages. */
export function describeTags(tags: TagFilter[]): string {
  return tags.map(t => `${t.key}=${t.value}`).join(', ');
}

/**
 * The entity's Ingress (`cross-account-alb.io/ingress`, `<namespace>/<name>`) when its ALB is
 * shared by an Ingress group, else undefined.
 */
export function ingressFromEntity(entity: Entity): string | undefined {
  const value = entity.metadata.annotations?.[ANNOTATION_INGRESS]?.trim();
  if (!value) return undefined;
  if (!new RegExp(INGRESS_REF_PATTERN).test(value)) {
    throw new InputError(
      `Annotation ${ANNOTATION_INGRESS} must be <namespace>/<ingress> (Kubernetes names), got "${value}"`,
    );
  }
  return value;
}
