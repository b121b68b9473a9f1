import { Config } from '@backstage/config';
import {
  AwsCredentialProvider,
  AwsCredentialsManager,
  DefaultAwsCredentialsManager,
} from '@backstage/integration-aws-node';

/**
 * Names the project in every AWS request, so CloudTrail shows who made the call.
 *
 * @public
 */
export const USER_AGENT = 'backstage-cross-account-alb/0.1.0';

/**
 * Where a call lands: an account (through its role in `aws.accounts`) and a region.
 *
 * @public
 */
export interface AwsTarget {
  accountId: string;
  region: string;
}

/**
 * Told about every command sent through clients built by the default factory.
 *
 * @public
 */
export type AwsCommandListener = (event: {
  accountId: string;
  region: string;
  /** IAM action name, e.g. `ec2:CreateSecurityGroup`. */
  action: string;
}) => void;

/**
 * What an AWS SDK v3 client offers that the factory uses: its middleware stack.
 *
 * @public
 */
export interface AwsSdkClient {
  middlewareStack: { add(middleware: any, options: any): void };
}

/**
 * An AWS SDK v3 client class, e.g. `EC2Client`.
 *
 * @public
 */
export type AwsClientConstructor<C extends AwsSdkClient> = new (
  config: any,
) => C;

/** @public */
export interface AwsClientOptions {
  /** SDK attempts per call, adaptive retry mode; defaults to the factory's. */
  maxAttempts?: number;
}

/**
 * Builds SDK clients acting as one account: credentials of the role `aws.accounts` names
 * for it, adaptive retries and the project's user agent. Plugins receive it through
 * `awsClientFactoryServiceRef`; tests can hand out clients mocked with aws-sdk-client-mock.
 *
 * @public
 */
export interface AwsClientFactory {
  client<C extends AwsSdkClient>(
    Client: AwsClientConstructor<C>,
    target: AwsTarget,
    options?: AwsClientOptions,
  ): Promise<C>;
  /** The role Backstage assumes in the account, for error messages; undefined if unknown. */
  roleNameFor(accountId: string): string | undefined;
}

const SERVICE_PREFIX: Record<string, string> = {
  EC2Client: 'ec2',
  RAMClient: 'ram',
  IAMClient: 'iam',
  EKSClient: 'eks',
  STSClient: 'sts',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  ResourceGroupsTaggingAPIClient: 'tag',
};

/**
 * `ec2:CreateSecurityGroup` from the SDK's client and command names.
 *
 * @public
 */
export function iamActionName(clientName: string, commandName: string): string {
  const prefix =
    SERVICE_PREFIX[clientName] ??
    clientName.replace(/Client$/, '').toLowerCase();
  return `${prefix}:${commandName.replace(/Command$/, '')}`;
}

/**
 * What the AWS SDK takes as `credentials`: the provider of an account's role session.
 *
 * @public
 */
export type SdkCredentialProvider =
  AwsCredentialProvider['sdkCredentialProvider'];
type Credentials = Awaited<ReturnType<SdkCredentialProvider>>;

/**
 * Each SDK client memoizes credentials for itself only; sharing one memo lets every client
 * of an account use one `sts:AssumeRole` instead of one each. Credentials are renewed five
 * minutes before they expire; a failed renewal is not remembered.
 *
 * @public
 */
export function shareCredentials(
  provider: SdkCredentialProvider,
): SdkCredentialProvider {
  let current: Promise<Credentials> | undefined;
  const fresh = (c: Credentials) =>
    !c.expiration || c.expiration.getTime() - Date.now() > 5 * 60_000;
  return async () => {
    if (current) {
      const credentials = await current.catch(() => undefined);
      if (credentials && fresh(credentials)) return credentials;
    }
    current = provider();
    return current;
  };
}

/**
 * The role name per account from `aws.accounts`, else `aws.accountDefaults.roleName`.
 *
 * @public
 */
export function readAccountRoleNames(
  config: Config | undefined,
): (accountId: string) => string | undefined {
  const roles = new Map<string, string>();
  const defaultRole = config?.getOptionalString('aws.accountDefaults.roleName');
  for (const account of config?.getOptionalConfigArray('aws.accounts') ?? []) {
    const accountId = account.getOptionalString('accountId');
    const roleName = account.getOptionalString('roleName');
    if (accountId && roleName) roles.set(accountId, roleName);
  }
  return accountId => roles.get(accountId) ?? defaultRole;
}

/** @public */
export interface CreateAwsClientFactoryOptions {
  /** Root config; `aws.accounts` names the role assumed in each account. */
  config?: Config;
  /** Defaults to `DefaultAwsCredentialsManager.fromConfig(config)`. */
  credentialsManager?: AwsCredentialsManager;
  /** Retries for throttling and transient errors, adaptive mode (default 8 attempts). */
  maxAttempts?: number;
  onCommand?: AwsCommandListener;
}

function commandListener(
  onCommand: AwsCommandListener,
  target: AwsTarget,
): (next: any, context: any) => (args: any) => Promise<any> {
  return (next, context) => async args => {
    onCommand({
      accountId: target.accountId,
      region: target.region,
      action: iamActionName(context.clientName, context.commandName),
    });
    return next(args);
  };
}

/** @public */
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
  const roleNameFor = readAccountRoleNames(config);

  // One provider per account for the life of the factory: it assumes the role once and
  // refreshes its session itself, for all the clients of the account, instead of one
  // sts:AssumeRole per client (which also made every call depend on STS answering).
  const providers = new Map<string, Promise<SdkCredentialProvider>>();
  function credentialsFor(accountId: string) {
    let provider = providers.get(accountId);
    if (!provider) {
      provider = credentialsManager
        .getCredentialProvider({ accountId })
        .then(p => shareCredentials(p.sdkCredentialProvider));
      providers.set(accountId, provider);
      // A failed lookup is not remembered: the next call tries again.
      provider.catch(() => providers.delete(accountId));
    }
    return provider;
  }

  return {
    roleNameFor,
    async client(Client, target, clientOptions) {
      let credentials: SdkCredentialProvider;
      try {
        credentials = await credentialsFor(target.accountId);
      } catch (error) {
        throw new Error(
          `Backstage has no AWS credentials for account ${
            target.accountId
          }: add it to aws.accounts in app-config with the role Backstage assumes there (${
            (error as Error).message
          })`,
          { cause: error },
        );
      }
      const client = new Client({
        region: target.region,
        credentials,
        retryMode: 'adaptive',
        maxAttempts: clientOptions?.maxAttempts ?? options.maxAttempts ?? 8,
        customUserAgent: USER_AGENT,
      });
      if (onCommand) {
        client.middlewareStack.add(commandListener(onCommand, target), {
          step: 'initialize',
          name: 'crossAccountAlbCommandListener',
        });
      }
      return client;
    },
  };
}
