import type { Entity } from '@backstage/catalog-model';

/** The ALB's ARN; account and region are read from it. */
export const ANNOTATION_ELBV2_LOAD_BALANCER_ARN =
  'aws.amazon.com/elbv2-load-balancer-arn';
/**
 * Tags that identify the ALB(s), as `key=value` pairs separated by commas. The templates
 * write the AWS Load Balancer Controller's tags, because the ARN is unknown until the
 * controller creates the ALB:
 * `elbv2.k8s.aws/cluster=<cluster>,ingress.k8s.aws/stack=<namespace>/<ingress>`.
 * Needs {@link ANNOTATION_ACCOUNT_ID} and {@link ANNOTATION_REGION}.
 */
export const ANNOTATION_ELBV2_LOAD_BALANCER_TAGS =
  'aws.amazon.com/elbv2-load-balancer-tags';
/** The account that owns the ALB (Account-A, the network account). */
export const ANNOTATION_ACCOUNT_ID = 'aws.amazon.com/account-id';
/** The region of the ALB. */
export const ANNOTATION_REGION = 'aws.amazon.com/region';

/** The AWS Load Balancer Controller's tag naming the cluster. */
export const LBC_TAG_CLUSTER = 'elbv2.k8s.aws/cluster';
/** The controller's tag naming the ingress stack (`group.name` or `namespace/ingress`). */
export const LBC_TAG_STACK = 'ingress.k8s.aws/stack';
/** The controller's tag naming the kind of resource. */
export const LBC_TAG_RESOURCE = 'ingress.k8s.aws/resource';

/** True when the entity carries one of the two ALB annotations. */
export function isAlbAnnotated(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[ANNOTATION_ELBV2_LOAD_BALANCER_ARN] ||
      annotations[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS],
  );
}
