/* Shared by the reliability tests: the sandbox behind the fault proxy, the recipe's actions and resource counts. */
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject, JsonValue } from '@backstage/types';
import {
  AwsCommandListener,
  createAwsClientFactory,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  createAwsCrossAccountActions,
  createShareSubnetsAction,
} from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxNetwork,
  sandboxAwsConfig,
  sandboxAdminCredentials,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import {
  FaultProxy,
  FaultProxyOptions,
  FaultRule,
  nodeRulesFrom,
  recipeInventory,
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
  // share-subnets waits briefly: the sandbox associates at once.
  const shareSubnets = createShareSubnetsAction({
    clients,
    auditor: auditor as any,
    backoff: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  const list = createAwsCrossAccountActions({
    clients,
    auditor: auditor as any,
  }).map(a => (a.id === shareSubnets.id ? shareSubnets : a));
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
  const { sdkCredentialProvider } = await sandboxAdminCredentials(accountId);
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

/**
 * What {@link resourceCounts} reads after the recipe ran once for a cluster, however often it
 * was interrupted or retried: one of each, the ALB group's two listener rules, and one rule on
 * the node group from the ALB group (its id when known).
 */
export function oneOfEach(albGroupId?: string) {
  return {
    shares: 1,
    oidcProviders: 1,
    policies: 1,
    roles: 1,
    albSecurityGroups: 1,
    albIngressRules: ['tcp/443/0.0.0.0/0', 'tcp/80/0.0.0.0/0'],
    nodeSecurityGroupRulesFromAlb: [
      albGroupId
        ? `tcp/80/${albGroupId}`
        : expect.stringMatching(/^tcp\/80\/sg-/),
    ],
  };
}

/** How many of each resource the recipe makes exist in the two accounts. */
export async function resourceCounts(
  network: SandboxNetwork,
  clusterName: string,
) {
  const found = await recipeInventory(network, clusterName);
  const albGroups = found.securityGroups.filter(
    g => g.groupName === `${clusterName}-alb`,
  );
  return {
    shares: found.shares.length,
    oidcProviders: found.oidcProviders.length,
    policies: found.policies.length,
    roles: found.roles.length,
    albSecurityGroups: albGroups.length,
    albIngressRules: albGroups[0]?.ingress ?? [],
    nodeSecurityGroupRulesFromAlb: nodeRulesFrom(found, albGroups[0]?.groupId),
  };
}
