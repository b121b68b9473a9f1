import { ConfigReader } from '@backstage/config';
import { adminClientOptions } from './iam/admin';
import {
  AwsCredentialProvider,
  DefaultAwsCredentialsManager,
} from '@backstage/integration-aws-node';
import {
  AwsClientFactory,
  createAwsClientFactory,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/** Account-A: owns the VPC, the ALB and the IAM role the controller assumes. */
export const SANDBOX_NETWORK_ACCOUNT_ID = '111111111111';
/** Account-B: runs the EKS cluster on the shared subnets. */
export const SANDBOX_WORKLOAD_ACCOUNT_ID = '222222222222';
/**
 * A second workload account of the same Organization, for the fleet case: clusters of two
 * workload accounts on one network account (RAM shares, controller roles and cluster names
 * must not collide between them).
 */
export const SANDBOX_SECOND_WORKLOAD_ACCOUNT_ID = '333333333333';
/** Every workload account of the sandbox. */
export const SANDBOX_WORKLOAD_ACCOUNT_IDS = [
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SANDBOX_SECOND_WORKLOAD_ACCOUNT_ID,
];
/**
 * The DNS account: holds the public hosted zone the applications' names live in, as many
 * organizations keep DNS apart from both the network and the workload accounts. Backstage
 * writes certificate validation records there with its own role (SANDBOX_DNS_ROLE_NAME).
 */
export const SANDBOX_DNS_ACCOUNT_ID = '555555555555';
/** Every account of the sandbox's Organization besides the network account. */
export const SANDBOX_MEMBER_ACCOUNT_IDS = [
  ...SANDBOX_WORKLOAD_ACCOUNT_IDS,
  SANDBOX_DNS_ACCOUNT_ID,
];
export const SANDBOX_REGION = 'us-east-1';
/** Role names Backstage assumes in each account, as in app-config.yaml. */
export const SANDBOX_NETWORK_ROLE_NAME = 'backstage-alb-network';
export const SANDBOX_WORKLOAD_ROLE_NAME = 'backstage-alb-workload';
export const SANDBOX_DNS_ROLE_NAME = 'backstage-alb-dns';

/**
 * moto accepts any key pair; these stand in for the portal's own identity (the default
 * credential chain in production) from which it assumes the per-account roles.
 */
export const SANDBOX_BASE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
};

/** The `aws` block the sandbox uses: the same shape as production's. */
export function sandboxAwsConfig() {
  return {
    accounts: [
      {
        accountId: SANDBOX_NETWORK_ACCOUNT_ID,
        roleName: SANDBOX_NETWORK_ROLE_NAME,
      },
      ...SANDBOX_WORKLOAD_ACCOUNT_IDS.map(accountId => ({
        accountId,
        roleName: SANDBOX_WORKLOAD_ROLE_NAME,
      })),
      { accountId: SANDBOX_DNS_ACCOUNT_ID, roleName: SANDBOX_DNS_ROLE_NAME },
    ],
  };
}

/**
 * Points the AWS SDK at the sandbox through the standard variables, for this process and
 * the ones it starts. Returns a function that restores the previous values.
 */
export function useSandboxEndpoint(endpoint: string): () => void {
  const values: Record<string, string> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: SANDBOX_REGION,
    ...SANDBOX_BASE_CREDENTIALS,
  };
  const previous: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(values)) {
    previous[key] = process.env[key];
    process.env[key] = value;
  }
  // The SDK would otherwise read ~/.aws and could pick a real profile.
  previous.AWS_PROFILE = process.env.AWS_PROFILE;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** The credential manager the backend builds from config, over the sandbox accounts. */
export function sandboxCredentialsManager() {
  return DefaultAwsCredentialsManager.fromConfig(
    new ConfigReader({ aws: sandboxAwsConfig() }),
  );
}

/** Assumed-role credentials for one sandbox account, as the plugins obtain them. */
export async function sandboxCredentials(
  accountId: string,
): Promise<AwsCredentialProvider> {
  return sandboxCredentialsManager().getCredentialProvider({ accountId });
}

/**
 * Credentials of an account's administrator, for what plays the account owner rather than a
 * caller the project ships: seeding, test fixtures, the inventory that counts what exists.
 * The sandbox's IAM gateway lets them through without evaluation (and reports them apart).
 */
export async function sandboxAdminCredentials(accountId: string): Promise<{
  sdkCredentialProvider: () => Promise<SessionCredentials>;
}> {
  let cached: Promise<SessionCredentials> | undefined;
  return {
    sdkCredentialProvider: () => {
      cached ??= adminClientOptions(
        process.env.AWS_ENDPOINT_URL ?? '',
        process.env.AWS_REGION ?? SANDBOX_REGION,
        accountId,
      ).then(o => o.credentials);
      return cached;
    },
  };
}

/**
 * Clients acting as each sandbox account's administrator, built by the same factory as the
 * plugins' clients (user agent, one credential memo per account), with the SDK's default
 * number of attempts. A new factory per use: the sessions belong to one moto server.
 */
export function sandboxAdminClients(): AwsClientFactory {
  return createAwsClientFactory({
    credentialsManager: {
      getCredentialProvider: async options =>
        sandboxAdminCredentials(options?.accountId ?? ''),
    },
    maxAttempts: 3,
  });
}

type SessionCredentials = Awaited<
  ReturnType<typeof adminClientOptions>
>['credentials'];
