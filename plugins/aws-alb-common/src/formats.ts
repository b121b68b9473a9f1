/**
 * Formats of the identifiers this project accepts, shared by the actions' zod schemas, the
 * templates' form patterns and the health backend, so a value refused in one place is refused
 * everywhere. Anchored, ASCII only: unicode look-alikes never match.
 */
export const AWS_ACCOUNT_ID_PATTERN = '^[0-9]{12}$';
export const AWS_REGION_PATTERN = '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$';
export const VPC_ID_PATTERN = '^vpc-[0-9a-f]{8}([0-9a-f]{9})?$';
export const SUBNET_ID_PATTERN = '^subnet-[0-9a-f]{8}([0-9a-f]{9})?$';
export const SECURITY_GROUP_ID_PATTERN = '^sg-[0-9a-f]{8}([0-9a-f]{9})?$';
/** A DNS-1123 label, as Kubernetes namespaces and service accounts use (max 63). */
export const KUBERNETES_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** EKS cluster names: letters, digits, `-` and `_`, starting with a letter or digit, max 100. */
export const EKS_CLUSTER_NAME_PATTERN = '^[0-9A-Za-z][A-Za-z0-9\\-_]{0,99}$';
/** `https://oidc.eks.<region>.amazonaws.com/id/<32 upper-case hex>` */
export const EKS_OIDC_ISSUER_PATTERN =
  '^https://oidc\\.eks\\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]\\.amazonaws\\.com/id/[0-9A-F]{32}$';
/** An ELBv2 load balancer ARN; captures partition, region, account, type, name and id. */
export const LOAD_BALANCER_ARN_PATTERN =
  '^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:([a-z0-9-]+):([0-9]{12}):loadbalancer/(app|net|gwy)/([A-Za-z0-9-]{1,32})/([0-9a-f]{16})$';
/**
 * A regional AWS WAF (v2) web ACL ARN, the kind an ALB takes:
 * `arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id>`. Name and ID as the
 * WAFV2 API defines them (EntityName: 1-128 of letters, digits, `_` and `-`; EntityId: a
 * lower-case UUID); captures partition, region, account, name and id.
 */
export const WAFV2_REGIONAL_WEB_ACL_ARN_PATTERN =
  '^arn:(aws|aws-cn|aws-us-gov):wafv2:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]):([0-9]{12}):regional/webacl/([A-Za-z0-9_-]{1,128})/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$';
