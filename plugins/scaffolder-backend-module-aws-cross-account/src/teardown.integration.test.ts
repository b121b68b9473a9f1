/*
 * The teardown actions against a real moto_server with two accounts: the recipe's ensure
 * actions first, then the delete actions in reverse order, then a read-back that everything
 * is gone, and a second teardown that changes nothing.
 */
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConfigReader } from '@backstage/config';
import {
  MotoServer,
  nodeRulesFrom,
  recipeInventory,
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
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  actionContext,
  actionsWithShareKnobs,
  mockAuditor,
} from './__testUtils__/testing';
import { RecipeIds, recipeInput } from './__testUtils__/recipe';
import {
  BACKSTAGE_NETWORK_ACCOUNT_POLICY,
  BACKSTAGE_WORKLOAD_ACCOUNT_POLICY,
} from './policies';
import { policyActions } from './policies/policyActions';

jest.setTimeout(120_000);

const CLUSTER = 'teardown-sandbox';
const READ_ONLY = /:(Describe|Get|List)/;

let moto: MotoServer;
let restoreEnv: () => void;
let network: SandboxNetwork;
const recorded: Array<{ accountId: string; action: string }> = [];

function actions() {
  const clients = createAwsClientFactory({
    config: new ConfigReader({ aws: sandboxAwsConfig() }),
    onCommand: e => recorded.push({ accountId: e.accountId, action: e.action }),
  });
  const list = actionsWithShareKnobs({
    clients,
    auditor: mockAuditor().auditor,
  });
  return Object.fromEntries(list.map(a => [a.id, a]));
}

async function client<T>(
  Ctor: new (c: object) => T,
  accountId: string,
): Promise<T> {
  const { sdkCredentialProvider } = await sandboxAdminCredentials(accountId);
  return new Ctor({ region: REGION, credentials: sdkCredentialProvider });
}

async function run(
  id: string,
  input: Record<string, any>,
  options: { isDryRun?: boolean } = {},
) {
  const { ctx, outputs } = actionContext(input, options);
  await actions()[id].handler(ctx);
  return outputs() as Record<string, any>;
}

const ensured: Record<string, any> = {};

/** The teardown's actions, in reverse recipe order. */
const TEARDOWN = [
  'aws:ec2:revoke-alb-to-nodes',
  'aws:ec2:delete-alb-security-group',
  'aws:iam:delete-load-balancer-controller-role',
  'aws:iam:delete-oidc-provider',
  'aws:ram:delete-subnet-share',
];

/** The inputs of the teardown, in reverse recipe order. */
function teardownSteps(): Array<[string, Record<string, any>]> {
  return TEARDOWN.map(id => [id, recipeInput(id, recipeIds())]);
}

function recipeIds(): RecipeIds {
  return { network, clusterName: CLUSTER, ...ensured };
}

async function remaining() {
  const found = await recipeInventory(network, CLUSTER);
  return {
    shares: found.shares,
    providers: found.oidcProviders,
    roles: found.roles,
    policies: found.policies,
    albGroups: found.securityGroups
      .filter(g => g.groupName === `${CLUSTER}-alb`)
      .map(g => g.groupId),
    nodeRulesFromAlb: nodeRulesFrom(found, ensured.albSecurityGroupId).length,
  };
}

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = useSandboxEndpoint(moto.endpoint);
  network = await seedSandboxNetwork();

  const share = await run(
    'aws:ram:share-subnets',
    recipeInput('aws:ram:share-subnets', recipeIds()),
  );
  ensured.resourceShareArn = share.resourceShareArn;
  const eks = await client(EKSClient, WORKLOAD);
  await eks.send(
    new CreateClusterCommand({
      name: CLUSTER,
      roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
      resourcesVpcConfig: {
        subnetIds: network.privateSubnets.map(s => s.subnetId),
      },
    }),
  );
  await eks.send(new DescribeClusterCommand({ name: CLUSTER }));
  const cluster = await run(
    'aws:eks:describe-cluster',
    recipeInput('aws:eks:describe-cluster', recipeIds()),
  );
  ensured.issuer = cluster.oidcIssuerUrl;
  ensured.nodeSecurityGroupId = cluster.clusterSecurityGroupId;
  for (const id of [
    'aws:iam:ensure-oidc-provider',
    'aws:iam:ensure-load-balancer-controller-role',
  ]) {
    await run(id, recipeInput(id, recipeIds()));
  }
  const sg = await run(
    'aws:ec2:ensure-alb-security-group',
    recipeInput('aws:ec2:ensure-alb-security-group', recipeIds()),
  );
  ensured.albSecurityGroupId = sg.securityGroupId;
  await run(
    'aws:ec2:allow-alb-to-nodes',
    recipeInput('aws:ec2:allow-alb-to-nodes', recipeIds()),
  );
});

afterAll(async () => {
  restoreEnv?.();
  await moto?.stop();
});

describe('teardown against moto with two accounts', () => {
  it('starts from a complete set-up', async () => {
    const before = await remaining();
    expect(before.shares).toContain(ensured.resourceShareArn);
    expect(before.providers).toHaveLength(1);
    expect(before.roles).toEqual([`${CLUSTER}-${WORKLOAD}-aws-lbc`]);
    expect(before.policies).toHaveLength(1);
    expect(before.albGroups).toEqual([ensured.albSecurityGroupId]);
    expect(before.nodeRulesFromAlb).toBe(1);
  });

  it("stops before changing anything while the controller's load balancer exists", async () => {
    const elbv2 = await client(ElasticLoadBalancingV2Client, NETWORK);
    const created = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'k8s-game2048-game2048-0123456789',
        Subnets: network.publicSubnets.map(s => s.subnetId),
        SecurityGroups: [ensured.albSecurityGroupId],
        Tags: [
          { Key: 'elbv2.k8s.aws/cluster', Value: CLUSTER },
          { Key: 'ingress.k8s.aws/stack', Value: 'game-2048/game-2048' },
        ],
      }),
    );
    const arn = created.LoadBalancers![0].LoadBalancerArn!;
    recorded.length = 0;
    const check = recipeInput('aws:elbv2:check-no-load-balancers', recipeIds());
    for (const isDryRun of [true, false]) {
      await expect(
        run('aws:elbv2:check-no-load-balancers', check, { isDryRun }),
      ).rejects.toThrow(
        `Nothing was changed: 1 load balancer of cluster ${CLUSTER} still exists in network account ${NETWORK} (${REGION}). Removing the set-up now would cut their traffic and strand them there. With kubectl on the cluster: k8s-game2048-game2048-0123456789 (${arn}) of Ingress game-2048/game-2048: kubectl delete ingress game-2048 -n game-2048.`,
      );
    }
    // An application's check looks at its own stack only.
    await expect(
      run('aws:elbv2:check-no-load-balancers', {
        ...check,
        stack: 'other/app',
      }),
    ).resolves.toEqual({
      loadBalancerArns: [],
      groupLoadBalancerRemains: false,
      otherMembers: [],
    });
    expect(recorded.filter(r => !READ_ONLY.test(r.action))).toEqual([]);
    expect(await remaining()).toMatchObject({
      roles: [`${CLUSTER}-${WORKLOAD}-aws-lbc`],
    });

    await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await expect(
      run('aws:elbv2:check-no-load-balancers', check),
    ).resolves.toEqual({
      loadBalancerArns: [],
      groupLoadBalancerRemains: false,
      otherMembers: [],
    });
  });

  it('lists everything in a dry-run and changes nothing', async () => {
    recorded.length = 0;
    const listed: string[] = [];
    for (const [id, input] of teardownSteps()) {
      const out = await run(id, input, { isDryRun: true });
      expect([id, out.dryRun]).toEqual([id, true]);
      expect([id, out.wouldDelete.length > 0]).toEqual([id, true]);
      listed.push(...out.wouldDelete);
    }
    expect(recorded.filter(r => !READ_ONLY.test(r.action))).toEqual([]);
    expect(listed.join('\n')).toContain(ensured.albSecurityGroupId);
    expect(listed.join('\n')).toContain(ensured.resourceShareArn);
    expect((await remaining()).roles).toHaveLength(1);
  });

  it('deletes everything in reverse recipe order', async () => {
    recorded.length = 0;
    for (const [id, input] of teardownSteps()) {
      const out = await run(id, input);
      expect([id, out.dryRun]).toEqual([id, undefined]);
    }
    expect(await remaining()).toEqual({
      shares: [],
      providers: [],
      roles: [],
      policies: [],
      albGroups: [],
      nodeRulesFromAlb: 0,
    });
    const mutations = recorded
      .filter(r => !READ_ONLY.test(r.action))
      .map(r => r.action);
    expect(mutations).toEqual([
      'ec2:RevokeSecurityGroupIngress',
      'ec2:DeleteSecurityGroup',
      'iam:DetachRolePolicy',
      'iam:DeleteRole',
      'iam:DeletePolicy',
      'iam:DeleteOpenIDConnectProvider',
      'ram:DeleteResourceShare',
    ]);
    const allowed: Record<string, Set<string>> = {
      [NETWORK]: policyActions(BACKSTAGE_NETWORK_ACCOUNT_POLICY),
      [WORKLOAD]: policyActions(BACKSTAGE_WORKLOAD_ACCOUNT_POLICY),
    };
    expect(recorded.filter(r => !allowed[r.accountId].has(r.action))).toEqual(
      [],
    );
  });

  it('succeeds without any mutation when run again', async () => {
    recorded.length = 0;
    for (const [id, input] of teardownSteps()) {
      await run(id, input);
      const dry = await run(id, input, { isDryRun: true });
      expect([id, dry.wouldDelete]).toEqual([id, []]);
    }
    expect(recorded.filter(r => !READ_ONLY.test(r.action))).toEqual([]);
  });
});
