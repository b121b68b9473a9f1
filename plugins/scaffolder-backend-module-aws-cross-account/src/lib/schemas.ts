import {
  AWS_ACCOUNT_ID_PATTERN,
  AWS_REGION_PATTERN,
  EKS_CLUSTER_NAME_PATTERN,
  EKS_OIDC_ISSUER_PATTERN,
  KUBERNETES_NAME_PATTERN,
  SECURITY_GROUP_ID_PATTERN,
  SUBNET_ID_PATTERN,
  VPC_ID_PATTERN,
} from '@cross-account-alb/plugin-aws-alb-common';
import { InputError } from '@backstage/errors';
import type { z as zod, ZodTypeAny } from 'zod/v3';

/** The zod the scaffolder hands to schema factories. */
export type Zod = typeof zod;

const ORG_ARN =
  '^arn:(aws|aws-cn|aws-us-gov):organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$';
const OU_ARN =
  '^arn:(aws|aws-cn|aws-us-gov):organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$';

/**
 * A DNS host name as ACM and Route 53 take it for one certificate: lower-case labels of
 * letters, digits and inner hyphens, at most 63 characters each, at least two labels, at most
 * 253 characters, no trailing dot and no wildcard.
 */
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * A Route 53 hosted zone ID without the `/hostedzone/` prefix the API puts before it: upper-case
 * letters and digits, at most 32 (the API's length limit; IDs often, not always, start with Z).
 */
const HOSTED_ZONE_ID = /^[A-Z0-9]{1,32}$/;

/** Whether a host name is the zone's apex or a name under it. */
export function isInZone(hostName: string, zoneName: string): boolean {
  return hostName === zoneName || hostName.endsWith(`.${zoneName}`);
}

/** Field builders over the shared formats, each with a message naming the expected form. */
export function fields(z: Zod) {
  const pattern = (source: string, expected: string) =>
    z.string().regex(new RegExp(source), `expected ${expected}`);
  return {
    networkAccountId: () =>
      pattern(AWS_ACCOUNT_ID_PATTERN, 'a 12-digit AWS account ID').describe(
        'Account-A: the network account that owns the VPC, the ALB and the controller role',
      ),
    accountId: () =>
      pattern(AWS_ACCOUNT_ID_PATTERN, 'a 12-digit AWS account ID'),
    hostName: () =>
      z
        .string()
        .regex(
          HOST_NAME,
          'expected a DNS name in lower case such as shop.example.com: labels of a-z, 0-9 and inner -, separated by dots, no trailing dot or wildcard, at most 253 characters',
        ),
    hostedZoneId: () =>
      z
        .string()
        .regex(
          HOSTED_ZONE_ID,
          'expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ: upper-case letters and digits, at most 32, without /hostedzone/',
        ),
    workloadAccountId: () =>
      pattern(AWS_ACCOUNT_ID_PATTERN, 'a 12-digit AWS account ID').describe(
        'Account-B: the workload account that runs the EKS cluster on the shared subnets',
      ),
    region: () =>
      pattern(AWS_REGION_PATTERN, 'an AWS region such as us-east-1').describe(
        'AWS region',
      ),
    vpcId: () =>
      pattern(
        VPC_ID_PATTERN,
        'a VPC ID such as vpc-0123456789abcdef0',
      ).describe('The shared VPC (owned by the network account)'),
    subnetId: () =>
      pattern(
        SUBNET_ID_PATTERN,
        'a subnet ID such as subnet-0123456789abcdef0',
      ),
    securityGroupId: () =>
      pattern(
        SECURITY_GROUP_ID_PATTERN,
        'a security group ID such as sg-0123456789abcdef0',
      ),
    clusterName: () =>
      pattern(
        EKS_CLUSTER_NAME_PATTERN,
        'an EKS cluster name: letters, digits, - and _, starting with a letter or digit, at most 100 characters',
      ).describe('EKS cluster name (in the workload account)'),
    oidcIssuerUrl: () =>
      pattern(
        EKS_OIDC_ISSUER_PATTERN,
        'an EKS OIDC issuer URL: https://oidc.eks.<region>.amazonaws.com/id/<32 upper-case hex>',
      ).describe(
        'The cluster OIDC issuer (output of aws:eks:describe-cluster)',
      ),
    kubernetesName: (description: string) =>
      pattern(
        KUBERNETES_NAME_PATTERN,
        'a Kubernetes name: lower-case letters, digits and -, at most 63 characters',
      ).describe(description),
    principal: () =>
      z
        .string()
        .refine(
          v =>
            new RegExp(AWS_ACCOUNT_ID_PATTERN).test(v) ||
            new RegExp(ORG_ARN).test(v) ||
            new RegExp(OU_ARN).test(v),
          'expected a 12-digit AWS account ID, an Organization ARN or an OU ARN',
        ),
    port: () =>
      z
        .number()
        .int('expected an integer port')
        .min(0, 'expected a port between 0 and 65535')
        .max(65535, 'expected a port between 0 and 65535'),
    /** A security group name as EC2 accepts it (and not one that reads like an ID). */
    securityGroupName: () =>
      pattern(
        '^[A-Za-z0-9 ._\\-:/()#,@[\\]+=&;{}!$*]{1,255}$',
        'a security group name of at most 255 characters',
      ).refine(
        v => !v.toLowerCase().startsWith('sg-'),
        'expected a name not starting with sg-',
      ),
    resourceShareName: () =>
      pattern(
        '^[A-Za-z0-9._-]{1,255}$',
        'letters, digits, ., _ and -, at most 255 characters',
      ),
    iamRoleName: () =>
      pattern(
        '^[\\w+=,.@-]{1,64}$',
        'an IAM role name: at most 64 of A-Z a-z 0-9 +=,.@_-',
      ),
    iamPolicyName: () =>
      pattern(
        '^[\\w+=,.@-]{1,128}$',
        'an IAM policy name: at most 128 of A-Z a-z 0-9 +=,.@_-',
      ),
  };
}

/** Refinement shared by the actions that take both accounts. */
export function accountsMustDiffer(
  value: { networkAccountId: string; workloadAccountId: string },
  ctx: zod.RefinementCtx,
) {
  if (value.networkAccountId === value.workloadAccountId) {
    ctx.addIssue({
      code: 'custom',
      path: ['workloadAccountId'],
      message:
        'expected an account different from networkAccountId: the workload account (Account-B) and the network account (Account-A) must differ',
    });
  }
}

/**
 * Validates the raw input before any AWS call. The scaffolder checks the JSON schema too, but
 * handlers also run from tests and dry-runs; this also applies the defaults.
 */
export function parseInput<S extends ZodTypeAny>(
  schema: S,
  input: unknown,
  actionId: string,
): zod.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(issue => {
    const path = issue.path.length ? issue.path.join('.') : '(input)';
    return `${path}: ${issue.message}`;
  });
  throw new InputError(`Invalid input to ${actionId}: ${problems.join('; ')}`);
}
