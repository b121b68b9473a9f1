/**
 * The AWS partition of a region: `aws`, `aws-cn` or `aws-us-gov`.
 *
 * @public
 */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The parts of an ARN: `arn:<partition>:<service>:<region>:<accountId>:<resource>`.
 *
 * @public
 */
export interface ArnParts {
  partition: string;
  service: string;
  /** Empty for global services such as IAM. */
  region: string;
  accountId: string;
  /** Everything after the account, e.g. `subnet/subnet-0abc` or `role/path/name`. */
  resource: string;
}

/** @public */
export function formatArn(parts: ArnParts): string {
  return `arn:${parts.partition}:${parts.service}:${parts.region}:${parts.accountId}:${parts.resource}`;
}

/**
 * Splits an ARN into its parts; undefined when it is not one.
 *
 * @public
 */
export function parseArn(arn: string): ArnParts | undefined {
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, partition, service, region, accountId, resource] = m;
  return { partition, service, region, accountId, resource };
}

/**
 * A regional resource's ARN; the partition follows from the region.
 *
 * @public
 */
export function regionalArn(
  service: string,
  region: string,
  accountId: string,
  resource: string,
): string {
  return formatArn({
    partition: partitionOf(region),
    service,
    region,
    accountId,
    resource,
  });
}

/** @public */
export function subnetArn(
  region: string,
  accountId: string,
  subnetId: string,
): string {
  return regionalArn('ec2', region, accountId, `subnet/${subnetId}`);
}

/** @public */
export function securityGroupArn(
  region: string,
  accountId: string,
  groupId: string,
): string {
  return regionalArn('ec2', region, accountId, `security-group/${groupId}`);
}

/** @public */
export function eksClusterArn(
  region: string,
  accountId: string,
  clusterName: string,
): string {
  return regionalArn('eks', region, accountId, `cluster/${clusterName}`);
}

/**
 * An IAM resource's ARN (IAM is global: no region). `kind` is `role`, `policy`,
 * `oidc-provider`, `user`…; `path` is the IAM path (`/` or `/a/b/`).
 *
 * @public
 */
export function iamArn(
  partition: string,
  accountId: string,
  kind: string,
  name: string,
  path = '/',
): string {
  return formatArn({
    partition,
    service: 'iam',
    region: '',
    accountId,
    resource: `${kind}${path}${name}`,
  });
}

/** @public */
export function iamRoleArn(
  partition: string,
  accountId: string,
  roleName: string,
  path = '/',
): string {
  return iamArn(partition, accountId, 'role', roleName, path);
}

/** @public */
export function iamPolicyArn(
  partition: string,
  accountId: string,
  policyName: string,
  path = '/',
): string {
  return iamArn(partition, accountId, 'policy', policyName, path);
}

/**
 * `oidc.eks.us-east-1.amazonaws.com/id/ABC` from `https://oidc.eks.us-east-1.amazonaws.com/id/ABC/`.
 *
 * @public
 */
export function issuerHostPath(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, '').replace(/\/$/, '');
}

/**
 * The IAM OIDC identity provider of an issuer (given as URL or as host and path).
 *
 * @public
 */
export function oidcProviderArn(
  partition: string,
  accountId: string,
  issuerUrl: string,
): string {
  return iamArn(
    partition,
    accountId,
    'oidc-provider',
    issuerHostPath(issuerUrl),
    '/',
  );
}
