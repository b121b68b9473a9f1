/* Shared by the reliability tests: the sandbox behind the fault proxy, the recipe's actions and resource counts. */
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';
import {
  AwsCommandListener,
  createAwsClientFactory,
  createAwsCrossAccountActions,
} from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxNetwork,
  sandboxAwsConfig,
  sandboxCredentials,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import {
  FaultProxy,
  FaultProxyOptions,
  FaultRule,
  startFaultProxy,
} from 'sandbox';

export { NETWORK, WORKLOAD, REGION };

/** Read-only API actions; everything else mutates. */
export const READ_ONLY_ACTION = /:(Describe|Get|List)[A-Za-z]*$/;

/**
 * The issue's flaky AWS: 20% throttling and 5% HTTP 500 on every API action of EC2, IAM, RAM,
 * EKS, ELBv2 and the tagging API. Not on STS's AssumeRole: the credential exchange happens
 * inside the SDK's credential provider, which the clients do not retry (see the report).
 */
export const FLAKY_AWS: FaultRule[] = [
  { match: 'sts:*' },
  { match: '*', throttle: 0.2, serverError: 0.05 },
];

export interface FlakySandbox {
  moto: MotoServer;
  proxy: FaultProxy;
  network: SandboxNetwork;
  stop(): Promise<void>;
}

/**
 * moto behind the fault proxy, with the SDK of this process pointed at the proxy and Account-A's
 * network seeded (without faults: the rules start empty).
 */
export async function startFlakySandbox(
  seed: string | number = 7,
  options: Pick<FaultProxyOptions, 'onUpstreamResponse'> = {},
): Promise<FlakySandbox> {
  const moto = await startMoto();
  const proxy = await startFaultProxy({
    ...options,
    target: moto.endpoint,
    seed,
    // The credentials STS hands out, for the tests that look for leaks.
    recordResponses: /^sts:AssumeRole$/,
  });
  const restore = useSandboxEndpoint(proxy.endpoint);
  const network = await seedSandboxNetwork();
  return {
    moto,
    proxy,
    network,
    async stop() {
      restore();
      await proxy.stop();
      await moto.stop();
    },
  };
}

/** What the actions logged, at every level, including child loggers. */
export function capturingLogger(lines: string[] = []): LoggerService & {
  lines: string[];
} {
  const write =
    (level: string, fields: JsonObject = {}) =>
    (message: string, meta?: unknown) => {
      lines.push(
        `${level} ${message} ${JSON.stringify(fields)} ${
          meta instanceof Error
            ? `${meta.name}: ${meta.message} ${meta.stack}`
            : JSON.stringify(meta ?? {})
        }`,
      );
    };
  const make = (fields: JsonObject): LoggerService & { lines: string[] } => ({
    lines,
    info: write('info', fields),
    warn: write('warn', fields),
    error: write('error', fields),
    debug: write('debug', fields),
    child: (more: JsonObject) => make({ ...fields, ...more }),
  });
  return make({});
}

export interface RecipeActionsOptions {
  credentialsManager?: AwsCredentialsManager;
  onCommand?: AwsCommandListener;
}

/** The module's actions, built as the module builds them, with an auditor that records events. */
export function recipeActions(options: RecipeActionsOptions = {}) {
  const clients = createAwsClientFactory({
    config: new ConfigReader({ aws: sandboxAwsConfig() }),
    credentialsManager: options.credentialsManager,
    onCommand: options.onCommand,
  });
  const auditEvents: JsonValue[] = [];
  const auditor = {
    createEvent: async (event: any) => {
      auditEvents.push(JSON.parse(JSON.stringify(event)));
      return {
        success: async (o?: any) => {
          auditEvents.push(JSON.parse(JSON.stringify(o ?? {})));
        },
        fail: async (o?: any) => {
          auditEvents.push(String(o?.error?.message ?? o));
        },
      };
    },
  };
  const list = createAwsCrossAccountActions({
    clients,
    auditor: auditor as any,
    backoff: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  const byId = Object.fromEntries(list.map(a => [a.id, a]));
  return { byId, list, auditEvents };
}

export type ActionsById = ReturnType<typeof recipeActions>['byId'];

/** Runs one action as the task engine would, returning its outputs. */
export async function runAction(
  byId: ActionsById,
  id: string,
  input: JsonObject,
  options: {
    logger?: LoggerService;
    checkpoints?: Record<string, JsonValue>;
  } = {},
): Promise<Record<string, any>> {
  const outputs: Record<string, any> = {};
  const checkpoints = options.checkpoints ?? {};
  const ctx = {
    ...createMockActionContext({
      input,
      user: { ref: 'user:default/alice' },
      ...(options.logger ? { logger: options.logger as any } : {}),
    }),
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
    async checkpoint(opts: { key: string; fn: () => Promise<any> | any }) {
      if (opts.key in checkpoints) return checkpoints[opts.key];
      const value = await opts.fn();
      checkpoints[opts.key] = value ?? null;
      return value;
    },
  };
  await byId[id].handler(ctx as any);
  return outputs;
}

/** Creates the EKS cluster in Account-B on the shared private subnets, as eksctl would. */
export async function createSandboxCluster(
  network: SandboxNetwork,
  clusterName: string,
) {
  const eks = await client(EKSClient, WORKLOAD);
  await eks.send(
    new CreateClusterCommand({
      name: clusterName,
      roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
      resourcesVpcConfig: {
        subnetIds: network.privateSubnets.map(s => s.subnetId),
      },
    }),
  );
}

export async function client<T>(
  Ctor: new (c: object) => T,
  accountId: string,
): Promise<T> {
  const { sdkCredentialProvider } = await sandboxCredentials(accountId);
  return new Ctor({ region: REGION, credentials: sdkCredentialProvider });
}

export interface RecipeRun {
  outputs: Record<string, Record<string, any>>;
}

/**
 * The whole recipe in order: Account-A's network checks and share, Account-B's view of the
 * subnets, the cluster (eksctl's part, through `createCluster`), then the IAM, the ALB group
 * and the node rule.
 */
export async function runRecipe(
  byId: ActionsById,
  network: SandboxNetwork,
  clusterName: string,
  hooks: {
    /** Runs between resolve-shared-subnets and describe-cluster (eksctl's step). */
    createCluster?: () => Promise<void>;
    logger?: LoggerService;
    checkpoints?: Record<string, JsonValue>;
  } = {},
): Promise<RecipeRun> {
  const outputs: RecipeRun['outputs'] = {};
  const run = async (id: string, input: JsonObject) => {
    outputs[id] = await runAction(byId, id, input, hooks);
    return outputs[id];
  };
  const net = await run('aws:ec2:describe-shared-network', {
    networkAccountId: NETWORK,
    region: REGION,
    vpcId: network.vpcId,
    albSubnetIds: network.publicSubnets.map(s => s.subnetId),
    nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
  });
  const subnetIds = [...net.nodeSubnets, ...net.albSubnets].map(
    (s: any) => s.subnetId,
  );
  await run('aws:ram:share-subnets', {
    networkAccountId: NETWORK,
    region: REGION,
    subnetIds,
    principals: [WORKLOAD],
  });
  await run('aws:ec2:resolve-shared-subnets', {
    workloadAccountId: WORKLOAD,
    networkAccountId: NETWORK,
    region: REGION,
    subnetIds: network.privateSubnets.map(s => s.subnetId),
  });
  await hooks.createCluster?.();
  const cluster = await run('aws:eks:describe-cluster', {
    workloadAccountId: WORKLOAD,
    region: REGION,
    clusterName,
  });
  await run('aws:iam:ensure-oidc-provider', {
    networkAccountId: NETWORK,
    region: REGION,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
  });
  await run('aws:iam:ensure-load-balancer-controller-role', {
    networkAccountId: NETWORK,
    workloadAccountId: WORKLOAD,
    region: REGION,
    clusterName,
    oidcIssuerUrl: cluster.oidcIssuerUrl,
  });
  const albGroup = await run('aws:ec2:ensure-alb-security-group', {
    networkAccountId: NETWORK,
    region: REGION,
    vpcId: network.vpcId,
    clusterName,
    listenerPorts: [80, 443],
  });
  await run('aws:ec2:allow-alb-to-nodes', {
    workloadAccountId: WORKLOAD,
    networkAccountId: NETWORK,
    region: REGION,
    nodeSecurityGroupId: cluster.clusterSecurityGroupId,
    albSecurityGroupId: albGroup.securityGroupId,
    fromPort: 80,
  });
  return { outputs };
}

/** How many of each resource the recipe makes exist in the two accounts. */
export async function resourceCounts(
  network: SandboxNetwork,
  clusterName: string,
) {
  const ram = await client(RAMClient, NETWORK);
  const iam = await client(IAMClient, NETWORK);
  const ec2A = await client(EC2Client, NETWORK);
  const ec2B = await client(EC2Client, WORKLOAD);
  const shares = await ram.send(
    new GetResourceSharesCommand({ resourceOwner: 'SELF' }),
  );
  const providers = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  const roles = await iam.send(
    new ListRolesCommand({ PathPrefix: '/cross-account-alb/' }),
  );
  const policies = await iam.send(
    new ListPoliciesCommand({
      Scope: 'Local',
      PathPrefix: '/cross-account-alb/',
    }),
  );
  const albGroups = await ec2A.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [network.vpcId] },
        { Name: 'group-name', Values: [`${clusterName}-alb`] },
      ],
    }),
  );
  const albGroup = albGroups.SecurityGroups?.[0];
  const nodeGroups = await ec2B.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'tag:aws:eks:cluster-name', Values: [clusterName] }],
    }),
  );
  const nodeGroup = nodeGroups.SecurityGroups?.[0];
  const nodeRules = (nodeGroup?.IpPermissions ?? []).flatMap(p =>
    (p.UserIdGroupPairs ?? [])
      .filter(pair => pair.GroupId === albGroup?.GroupId)
      .map(pair => `${p.IpProtocol}/${p.FromPort}-${p.ToPort}/${pair.GroupId}`),
  );
  const albRules = albGroup?.GroupId
    ? (
        await ec2A.send(
          new DescribeSecurityGroupRulesCommand({
            Filters: [{ Name: 'group-id', Values: [albGroup.GroupId] }],
          }),
        )
      ).SecurityGroupRules?.filter(r => !r.IsEgress).map(
        r => `${r.IpProtocol}/${r.FromPort}/${r.CidrIpv4}`,
      ) ?? []
    : [];
  return {
    shares: shares.resourceShares?.filter(s => s.status === 'ACTIVE').length,
    oidcProviders: providers.OpenIDConnectProviderList?.length,
    policies: policies.Policies?.length,
    roles: roles.Roles?.length,
    albSecurityGroups: albGroups.SecurityGroups?.length,
    albIngressRules: albRules.sort(),
    nodeSecurityGroupRulesFromAlb: nodeRules,
  };
}
