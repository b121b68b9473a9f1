import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { RAMClient } from '@aws-sdk/client-ram';
import { Config } from '@backstage/config';
import {
  AwsCredentialsManager,
  DefaultAwsCredentialsManager,
} from '@backstage/integration-aws-node';

/** Names the project in every AWS request, so CloudTrail shows who made the call. */
export const USER_AGENT = 'backstage-cross-account-alb/0.1.0';

/** Where a call lands: an account (through its role in `aws.accounts`) and a region. */
export interface AwsTarget {
  accountId: string;
  region: string;
}

/** Told about every command sent through clients built by the default factory. */
export type AwsCommandListener = (event: {
  accountId: string;
  region: string;
  /** IAM action name, e.g. `ec2:CreateSecurityGroup`. */
  action: string;
}) => void;

/**
 * Builds SDK clients acting as one account. Actions receive it as an option so tests can
 * hand out clients mocked with aws-sdk-client-mock, or clients that record their commands.
 */
export interface AwsClientFactory {
  ec2(target: AwsTarget): Promise<EC2Client>;
  ram(target: AwsTarget): Promise<RAMClient>;
  iam(target: AwsTarget): Promise<IAMClient>;
  eks(target: AwsTarget): Promise<EKSClient>;
  /** The role Backstage assumes in the account, for error messages; undefined if unknown. */
  roleNameFor(accountId: string): string | undefined;
}

const SERVICE_PREFIX: Record<string, string> = {
  EC2Client: 'ec2',
  RAMClient: 'ram',
  IAMClient: 'iam',
  EKSClient: 'eks',
  STSClient: 'sts',
};

/** `ec2:CreateSecurityGroup` from the SDK's client and command names. */
export function iamActionName(clientName: string, commandName: string): string {
  const prefix =
    SERVICE_PREFIX[clientName] ??
    clientName.replace(/Client$/, '').toLowerCase();
  return `${prefix}:${commandName.replace(/Command$/, '')}`;
}

export interface CreateAwsClientFactoryOptions {
  /** Root config; `aws.accounts` names the role assumed in each account. */
  config?: Config;
  /** Defaults to `DefaultAwsCredentialsManager.fromConfig(config)`. */
  credentialsManager?: AwsCredentialsManager;
  /** Retries for throttling and transient errors, adaptive mode (default 8 attempts). */
  maxAttempts?: number;
  onCommand?: AwsCommandListener;
}

type ClientCtor<T> = new (config: {
  region: string;
  credentials: unknown;
  retryMode: string;
  maxAttempts: number;
  customUserAgent: string;
}) => T;

export function createAwsClientFactory(
  options: CreateAwsClientFactoryOptions,
): AwsClientFactory {
  const { config, onCommand } = options;
  if (!options.credentialsManager && !config) {
    throw new Error(
      'createAwsClientFactory needs a config or a credentialsManager to assume the account roles',
    );
  }
  const credentialsManager =
    options.credentialsManager ??
    DefaultAwsCredentialsManager.fromConfig(config!);
  const roles = new Map<string, string>();
  const defaultRole = config?.getOptionalString('aws.accountDefaults.roleName');
  for (const account of config?.getOptionalConfigArray('aws.accounts') ?? []) {
    const accountId = account.getOptionalString('accountId');
    const roleName = account.getOptionalString('roleName');
    if (accountId && roleName) roles.set(accountId, roleName);
  }

  // One provider per account for the life of the factory: each provider assumes the role
  // once and refreshes its session itself, instead of one sts:AssumeRole per action (which
  // also made every action depend on STS answering, throttled or not).
  const providers = new Map<
    string,
    ReturnType<AwsCredentialsManager['getCredentialProvider']>
  >();
  function credentialProviderFor(accountId: string) {
    let provider = providers.get(accountId);
    if (!provider) {
      provider = credentialsManager.getCredentialProvider({ accountId });
      providers.set(accountId, provider);
      // A failed lookup is not remembered: the next action tries again.
      provider.catch(() => providers.delete(accountId));
    }
    return provider;
  }

  async function build<T extends { middlewareStack: any }>(
    Ctor: ClientCtor<T>,
    target: AwsTarget,
  ): Promise<T> {
    let sdkCredentialProvider;
    try {
      ({ sdkCredentialProvider } = await credentialProviderFor(
        target.accountId,
      ));
    } catch (error) {
      throw new Error(
        `Backstage has no AWS credentials for account ${
          target.accountId
        }: add it to aws.accounts in app-config with the role Backstage assumes there (${
          (error as Error).message
        })`,
      );
    }
    const client = new Ctor({
      region: target.region,
      credentials: sdkCredentialProvider,
      retryMode: 'adaptive',
      maxAttempts: options.maxAttempts ?? 8,
      customUserAgent: USER_AGENT,
    });
    if (onCommand) {
      client.middlewareStack.add(
        (next: any, context: any) => async (args: any) => {
          onCommand({
            accountId: target.accountId,
            region: target.region,
            action: iamActionName(context.clientName, context.commandName),
          });
          return next(args);
        },
        { step: 'initialize', name: 'crossAccountAlbCommandListener' },
      );
    }
    return client;
  }

  return {
    ec2: target => build(EC2Client as unknown as ClientCtor<EC2Client>, target),
    ram: target => build(RAMClient as unknown as ClientCtor<RAMClient>, target),
    iam: target => build(IAMClient as unknown as ClientCtor<IAMClient>, target),
    eks: target => build(EKSClient as unknown as ClientCtor<EKSClient>, target),
    roleNameFor: accountId => roles.get(accountId) ?? defaultRole,
  };
}

/** The AWS partition of a region: `aws`, `aws-cn` or `aws-us-gov`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function subnetArn(
  region: string,
  accountId: string,
  subnetId: string,
): string {
  return `arn:${partitionOf(
    region,
  )}:ec2:${region}:${accountId}:subnet/${subnetId}`;
}

export function securityGroupArn(
  region: string,
  accountId: string,
  groupId: string,
): string {
  return `arn:${partitionOf(
    region,
  )}:ec2:${region}:${accountId}:security-group/${groupId}`;
}
