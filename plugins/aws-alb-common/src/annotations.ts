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

/**
 * The entity's Ingress, `<namespace>/<name>`, when its ALB is shared by an Ingress group: the
 * load balancer tab then shows only the target groups the controller made for this Ingress
 * (tag `ingress.k8s.aws/resource` = `<namespace>/<name>-<service>:<port>`) and the rules
 * that forward to them, and names the group's other Ingresses.
 */
export const ANNOTATION_INGRESS = 'cross-account-alb.io/ingress';

/**
 * The Ingress (`<namespace>/<name>`) a controller target group belongs to, from its
 * `ingress.k8s.aws/resource` tag (`<namespace>/<ingress>-<service>:<port>`). The tag joins the
 * Ingress and Service names with `-`, which both may contain: the split where both names are
 * equal (the templates' case) is taken, else the whole `<namespace>/<ingress>-<service>`.
 * Undefined for a tag of another shape (`LoadBalancer`).
 */
export function ingressOfTargetGroupResource(
  resource: string,
): string | undefined {
  const match = /^([a-z0-9][-a-z0-9]*)\/(.+):([^:/]+)$/.exec(resource);
  if (!match) return undefined;
  const [, namespace, rest] = match;
  for (let i = rest.indexOf('-'); i > 0; i = rest.indexOf('-', i + 1)) {
    if (rest.slice(0, i) === rest.slice(i + 1)) {
      return `${namespace}/${rest.slice(0, i)}`;
    }
  }
  return `${namespace}/${rest}`;
}

/** True when the target group resource tag belongs to the Ingress `<namespace>/<name>`. */
export function isTargetGroupOfIngress(
  resource: string,
  ingress: string,
): boolean {
  return resource.startsWith(`${ingress}-`) && resource.includes(':');
}

/** True when the entity carries one of the two ALB annotations. */
export function isAlbAnnotated(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[ANNOTATION_ELBV2_LOAD_BALANCER_ARN] ||
      annotations[ANNOTATION_ELBV2_LOAD_BALANCER_TAGS],
  );
}

/*
 * Annotations of the `Resource` entity (spec.type `eks-cluster`) that the cluster onboarding
 * template registers. The controller and application templates read them through
 * `catalog:fetch`, so nobody copies an account, VPC or subnet ID by hand.
 */
/** Account-A, the network account that owns the VPC, the ALB and the controller's role. */
export const ANNOTATION_NETWORK_ACCOUNT_ID =
  'cross-account-alb.io/network-account-id';
/** Account-B, the workload account that runs the EKS cluster. */
export const ANNOTATION_WORKLOAD_ACCOUNT_ID =
  'cross-account-alb.io/workload-account-id';
/** The EKS cluster's name, in the workload account. */
export const ANNOTATION_EKS_CLUSTER_NAME =
  'cross-account-alb.io/eks-cluster-name';
/** The shared VPC's ID. */
export const ANNOTATION_VPC_ID = 'cross-account-alb.io/vpc-id';
/** Comma-separated public subnet IDs of Account-A, for the ALB. */
export const ANNOTATION_ALB_SUBNET_IDS = 'cross-account-alb.io/alb-subnet-ids';
/** Comma-separated private subnet IDs shared with Account-B, for the nodes. */
export const ANNOTATION_NODE_SUBNET_IDS =
  'cross-account-alb.io/node-subnet-ids';
/** The RAM resource share that shares the subnets. */
export const ANNOTATION_RESOURCE_SHARE_ARN =
  'cross-account-alb.io/resource-share-arn';
/** The IAM role in Account-A that the Load Balancer Controller assumes. */
export const ANNOTATION_CONTROLLER_ROLE_ARN =
  'cross-account-alb.io/controller-role-arn';
/** The `spec.type` of the cluster Resource entity. */
export const EKS_CLUSTER_RESOURCE_TYPE = 'eks-cluster';

/** `<namespace>/<name>` of a Kubernetes Ingress, as the ingress annotation holds it. */
export const INGRESS_REF_PATTERN =
  '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$';
