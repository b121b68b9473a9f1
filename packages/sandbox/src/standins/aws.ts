import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { InputError } from '@backstage/errors';
import { sandboxAdminClients } from '../accounts';
import {
  SANDBOX_OPERATOR_ACCESS_KEY,
  sessionClientOptions,
} from '../iam/admin';
import { SANDBOX_EKSCTL_ROLE_NAME } from '../iam/sandboxPrincipals';
import {
  IamPropagationRetryOptions,
  retryWhileIamPropagates,
} from './iamPropagation';
import {
  iamRoleArn,
  partitionOf,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

function sandboxEndpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL;
}

/**
 * SDK client options acting as eksctl does: the operator assumes `sandbox-eksctl` in the
 * workload account, a role carrying eksctl's documented minimum IAM policies.
 */
export async function eksctlClientOptions(accountId: string, region: string) {
  const { Credentials } = await new STSClient({
    region,
    endpoint: sandboxEndpoint(),
    // The platform engineer's own identity (see iam/iamGateway.ts).
    credentials: {
      accessKeyId: SANDBOX_OPERATOR_ACCESS_KEY,
      secretAccessKey: 'x',
    },
  }).send(
    new AssumeRoleCommand({
      RoleArn: iamRoleArn(
        partitionOf(region),
        accountId,
        SANDBOX_EKSCTL_ROLE_NAME,
      ),
      RoleSessionName: 'eksctl',
    }),
  );
  return sessionClientOptions(region, Credentials);
}

/** The projected service account token kubelet gives a pod: issuer, subject, audience. */
export function serviceAccountToken(
  issuer: string,
  namespace: string,
  serviceAccount: string,
  audience = 'sts.amazonaws.com',
): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (v: object) =>
    Buffer.from(JSON.stringify(v)).toString('base64url');
  // Not signed: the sandbox's STS (the IAM gateway) reads the claims; see iam/README.
  return `${part({ alg: 'RS256', kid: 'sandbox' })}.${part({
    iss: issuer,
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    aud: [audience],
    iat: now,
    exp: now + 3600,
  })}.sandbox-unsigned`;
}

export const CONTROLLER_NAMESPACE = 'kube-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'aws-load-balancer-controller';

/**
 * SDK client options acting as the Load Balancer Controller of a cluster: IRSA, i.e.
 * `AssumeRoleWithWebIdentity` with the cluster's service account token for
 * `kube-system/aws-load-balancer-controller`, into the role its service account names. The
 * stand-in has no Kubernetes, so the role is the one given, or else the role in the network
 * account whose trust policy names the cluster's OIDC provider (what template 2 annotates
 * the service account with). Whether STS lets the token in is the trust policy's call.
 */
export async function controllerClientOptions(options: {
  networkAccountId: string;
  workloadAccountId: string;
  region: string;
  clusterName: string;
  roleArn?: string;
  /** How long to wait for a fresh role to propagate (tests shorten it). */
  propagation?: IamPropagationRetryOptions;
}) {
  const { region } = options;
  const issuer = await clusterIssuer(options);
  const roleArn =
    options.roleArn ??
    (await roleTrustingIssuer(options.networkAccountId, region, issuer));
  if (!roleArn) {
    throw new InputError(
      `No role in the network account ${options.networkAccountId} trusts the OIDC provider of ` +
        `cluster ${options.clusterName} (${issuer}): run the load-balancer-controller template first`,
    );
  }
  return webIdentityClientOptions({
    region,
    issuer,
    roleArn,
    namespace: CONTROLLER_NAMESPACE,
    serviceAccount: CONTROLLER_SERVICE_ACCOUNT,
    sessionName: 'aws-load-balancer-controller',
    propagation: options.propagation,
  });
}

/** The cluster's OIDC issuer, read as eksctl in the workload account. */
export async function clusterIssuer(options: {
  workloadAccountId: string;
  region: string;
  clusterName: string;
}): Promise<string> {
  const eks = new EKSClient(
    await eksctlClientOptions(options.workloadAccountId, options.region),
  );
  const { cluster } = await eks.send(
    new DescribeClusterCommand({ name: options.clusterName }),
  );
  const issuer = cluster?.identity?.oidc?.issuer;
  if (!issuer) {
    throw new InputError(
      `Cluster ${options.clusterName} in ${options.workloadAccountId} has no OIDC issuer`,
    );
  }
  return issuer;
}

/**
 * SDK client options of a pod running as `namespace/serviceAccount` whose service account
 * names `roleArn` (IRSA): the SDK's web identity provider calls `AssumeRoleWithWebIdentity`
 * with the projected token of that service account. Whether STS lets the token in is the
 * role's trust policy's call (the sandbox's IAM gateway judges it as STS would).
 */
export async function webIdentityClientOptions(options: {
  region: string;
  issuer: string;
  roleArn: string;
  namespace: string;
  serviceAccount: string;
  sessionName: string;
  propagation?: IamPropagationRetryOptions;
}) {
  const sts = new STSClient({
    region: options.region,
    endpoint: sandboxEndpoint(),
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  // The role (and the OIDC provider it trusts) may have been created a moment ago by a
  // template or the seeding: retry while IAM propagates them (see iamPropagation.ts).
  const { Credentials } = await retryWhileIamPropagates(
    () =>
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.sessionName,
          WebIdentityToken: serviceAccountToken(
            options.issuer,
            options.namespace,
            options.serviceAccount,
          ),
        }),
      ),
    options.propagation,
  );
  return sessionClientOptions(options.region, Credentials);
}

/** Read as the network account's administrator: what the cluster's service account says. */
async function roleTrustingIssuer(
  networkAccountId: string,
  region: string,
  issuer: string,
): Promise<string | undefined> {
  const iam = await sandboxAdminClients().client(IAMClient, {
    accountId: networkAccountId,
    region,
  });
  const provider = `:oidc-provider/${issuer.replace(/^https:\/\//, '')}`;
  let Marker: string | undefined;
  do {
    const page = await iam.send(new ListRolesCommand({ Marker }));
    for (const role of page.Roles ?? []) {
      const trust = decodeURIComponent(role.AssumeRolePolicyDocument ?? '');
      if (
        trust.includes(provider) &&
        trust.includes(CONTROLLER_SERVICE_ACCOUNT)
      ) {
        return role.Arn;
      }
    }
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return undefined;
}
