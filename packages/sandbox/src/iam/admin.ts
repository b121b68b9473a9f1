import { AssumeRoleCommand, Credentials, STSClient } from '@aws-sdk/client-sts';
import {
  iamRoleArn,
  partitionOf,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/** The static access key the IAM gateway treats as every account's administrator. */
export const SANDBOX_ADMIN_ACCESS_KEY = 'sandbox-admin';

/** The static access key of the platform engineer who runs eksctl (the eksctl stand-in). */
export const SANDBOX_OPERATOR_ACCESS_KEY = 'sandbox-operator';

/** SDK client options acting with the temporary credentials STS answered. */
export function sessionClientOptions(
  region: string,
  credentials: Credentials | undefined,
  endpoint?: string,
) {
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    credentials: {
      accessKeyId: credentials!.AccessKeyId!,
      secretAccessKey: credentials!.SecretAccessKey!,
      sessionToken: credentials!.SessionToken,
    },
  };
}

/**
 * SDK options acting as an account's administrator (not evaluated by the gateway, still
 * reported): the static administrator key assumes `roleName` there (moto needs no such role
 * to hand out keys acting in that account).
 */
export async function adminClientOptions(
  endpoint: string,
  region: string,
  accountId: string,
  roleName = 'sandbox-admin',
) {
  const { Credentials: answered } = await new STSClient({
    region,
    endpoint,
    credentials: {
      accessKeyId: SANDBOX_ADMIN_ACCESS_KEY,
      secretAccessKey: 'x',
    },
  }).send(
    new AssumeRoleCommand({
      RoleArn: iamRoleArn(partitionOf(region), accountId, roleName),
      RoleSessionName: roleName,
    }),
  );
  return sessionClientOptions(region, answered, endpoint);
}
