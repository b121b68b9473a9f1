import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_ACCOUNT_ID,
  ANNOTATION_ELBV2_LOAD_BALANCER_ARN,
  ANNOTATION_ELBV2_LOAD_BALANCER_TAGS,
  ANNOTATION_REGION,
  LBC_TAG_CLUSTER,
  LBC_TAG_STACK,
  isAlbAnnotated,
} from '@cross-account-alb/plugin-aws-alb-common';

/**
 * True when the entity page should show the load balancer tab or card: the entity carries
 * `aws.amazon.com/elbv2-load-balancer-arn` or `aws.amazon.com/elbv2-load-balancer-tags`.
 *
 * @public
 */
export function isAlbAvailable(entity: Entity): boolean {
  return isAlbAnnotated(entity);
}

/**
 * The annotations still needed before the backend can look the ALB up: tags, account and
 * region when nothing is set (the way the templates annotate, as the ARN is unknown before
 * the controller creates the ALB); account and region when only tags are. An ARN alone is
 * enough: it carries both.
 */
export function missingAlbAnnotations(entity: Entity): string[] {
  const annotations = entity.metadata.annotations ?? {};
  if (annotations[ANNOTATION_ELBV2_LOAD_BALANCER_ARN]) {
    return [];
  }
  if (!annotations[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS]) {
    return [
      ANNOTATION_ELBV2_LOAD_BALANCER_TAGS,
      ANNOTATION_ACCOUNT_ID,
      ANNOTATION_REGION,
    ];
  }
  return [ANNOTATION_ACCOUNT_ID, ANNOTATION_REGION].filter(
    name => !annotations[name],
  );
}

/** True when the backend finds the ALB by the controller's tags rather than by its ARN. */
export function isLookupByTags(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return (
    !annotations[ANNOTATION_ELBV2_LOAD_BALANCER_ARN] &&
    Boolean(annotations[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS])
  );
}

/** The exact YAML to paste under `metadata` of the entity's catalog-info.yaml. */
export function exampleAnnotationsYaml(entity?: Entity): string {
  const annotations = entity?.metadata.annotations ?? {};
  const account = annotations[ANNOTATION_ACCOUNT_ID] ?? '111111111111';
  const region = annotations[ANNOTATION_REGION] ?? 'us-east-1';
  const tags =
    annotations[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS] ??
    `${LBC_TAG_CLUSTER}=<eks-cluster-name>,${LBC_TAG_STACK}=<k8s-namespace>/<ingress-name>`;
  return [
    'metadata:',
    '  annotations:',
    '    # Tags the AWS Load Balancer Controller puts on the ALB of the Ingress',
    `    ${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS}: ${tags}`,
    '    # The network account (Account-A) that owns the ALB, and its region',
    `    ${ANNOTATION_ACCOUNT_ID}: '${account}'`,
    `    ${ANNOTATION_REGION}: ${region}`,
    '    # Or, once the ALB exists, instead of the three lines above:',
    `    # ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN}: arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/<name>/<id>`,
  ].join('\n');
}

/** The tags annotation of the entity, split for display. */
export function albTagsOf(entity: Entity): string[] {
  const value =
    entity.metadata.annotations?.[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS] ?? '';
  return value
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
}
