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
