import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/**
 * SDK options acting as an account's administrator (not evaluated by the
 * gateway, still reported): the static key `sandbox-admin` assumes `sandbox-admin` there.
 */
export async function adminClientOptions(
  endpoint: string,
  region: string,
  accountId: string,
) {
  const { Credentials } = await new STSClient({
    region,
    endpoint,
    credentials: { accessKeyId: 'sandbox-admin', secretAccessKey: 'x' },
  }).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/sandbox-admin`,
      RoleSessionName: 'sandbox-admin',
    }),
  );
  return {
    region,
    endpoint,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    },
  };
}
