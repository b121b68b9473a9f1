/*
 * The actions in recipe order against a real moto_server with two accounts, each reached by
 * assuming the role configured in `aws.accounts`, as the backend does.
 */
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import {
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  RAMClient,
} from '@aws-sdk/client-ram';
import { ConfigReader } from '@backstage/config';
import {
  MotoServer,
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
import { decodePolicyDocument } from './lib/builders';
import {
  actionContext,
  actionsWithShareKnobs,
  checkpointStore,
  mockAuditor,
} from './__testUtils__/testing';
import {
  BACKSTAGE_NETWORK_ACCOUNT_POLICY,
  BACKSTAGE_WORKLOAD_ACCOUNT_POLICY,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY,
} from './policies';
import { policyActions } from './policies/policyActions';

jest.setTimeout(120_000);

const CLUSTER = 'shop-sandbox';
const READ_ONLY = /:(Describe|Get|List)/;

let moto: MotoServer;
let restoreEnv: () => void;
let network: SandboxNetwork;
let nodeSecurityGroupId: string;
const recorded: Array<{ accountId: string; action: string }> = [];
/** Every call of every run, never cleared. */
const allRecorded: Array<{ accountId: string; action: string }> = [];

function actions() {
  const clients = createAwsClientFactory({
    config: new ConfigReader({ aws: sandboxAwsConfig() }),
    onCommand: e => {
      recorded.push({ accountId: e.accountId, action: e.action });
      allRecorded.push({ accountId: e.accountId, action: e.action });
    },
  });
  const audit = mockAuditor();
  const list = actionsWithShareKnobs({
    clients,
    auditor: audit.auditor,
  });
  const byId = Object.fromEntries(list.map(a => [a.id, a]));
  return { byId, audit };
}

async function client<T>(
  Ctor: new (c: object) => T,
  accountId: string,
): Promise<T> {
  const { sdkCredentialProvider } = await sandboxAdminCredentials(accountId);
  return new Ctor({ region: REGION, credentials: sdkCredentialProvider });
}

/**
 * Step 3 of the recipe, which eksctl does in real life (not available here): the cluster in
 * the workload account on the shared private subnets. Only after the share can the workload
 * account see them.
 */
async function ensureSandboxCluster(subnetIds: string[]) {
  const eks = await client(EKSClient, WORKLOAD);
  const existing = await eks
    .send(new DescribeClusterCommand({ name: CLUSTER }))
    .catch(() => undefined);
  if (!existing) {
    await eks.send(
      new CreateClusterCommand({
        name: CLUSTER,
        roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
        resourcesVpcConfig: { subnetIds },
      }),
    );
  }
  const cluster = await eks.send(new DescribeClusterCommand({ name: CLUSTER }));
  // The sandbox's moto creates the cluster security group in the workload account, as EKS does.
  nodeSecurityGroupId =
    cluster.cluster!.resourcesVpcConfig!.clusterSecurityGroupId!;
}

interface RunState {
  outputs: Record<string, Record<string, any>>;
}

/** Runs the recipe's steps that moto supports end to end and returns each step's outputs. */
async function runRecipe(
  checkpoint?: ReturnType<typeof checkpointStore>['checkpoint'],
): Promise<RunState> {
  const { byId } = actions();
  const outputs: RunState['outputs'] = {};
  const run = async (id: string, input: Record<string, any>) => {
    const { ctx, outputs: out } = actionContext(
      input,
      checkpoint ? { checkpoint } : {},
    );
    await byId[id].handler(ctx);
    outputs[id] = out();
    return outputs[id];
  };
  const net = await run('aws:ec2:describe-shared-network', {
    networkAccountId: NETWORK,
    region: REGION,
    vpcId: network.vpcId,
    albSubnetIds: network.publicSubnets.map(s => s.subnetId),
    nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
  });
  await run('aws:ram:share-subnets', {
    networkAccountId: NETWORK,
    region: REGION,
    subnetIds: [...net.nodeSubnets, ...net.albSubnets].map(
      (s: any) => s.subnetId,
    ),
    principals: [WORKLOAD],
  });
  await run('aws:ec2:resolve-shared-subnets', {
    workloadAccountId: WORKLOAD,
    networkAccountId: NETWORK,
    region: REGION,
    subnetIds: net.nodeSubnets.map((s: any) => s.subnetId),
  });
  await ensureSandboxCluster(net.nodeSubnets.map((sn: any) => sn.subnetId));
  const cluster = await run('aws:eks:describe-cluster', {
    workloadAccountId: WORKLOAD,
    region: REGION,
    clusterName: CLUSTER,
  });
  const issuer = cluster.oidcIssuerUrl;
  await run('aws:iam:ensure-oidc-provider', {
    networkAccountId: NETWORK,
    region: REGION,
    oidcIssuerUrl: issuer,
  });
  await run('aws:iam:ensure-load-balancer-controller-role', {
    networkAccountId: NETWORK,
    workloadAccountId: WORKLOAD,
    region: REGION,
    clusterName: CLUSTER,
    oidcIssuerUrl: issuer,
  });
  await run('aws:ec2:ensure-alb-security-group', {
    networkAccountId: NETWORK,
    region: REGION,
    vpcId: net.vpcId,
    clusterName: CLUSTER,
    listenerPorts: [80, 443],
  });
  await run('aws:ec2:allow-alb-to-nodes', {
    workloadAccountId: WORKLOAD,
    networkAccountId: NETWORK,
    region: REGION,
    nodeSecurityGroupId: cluster.clusterSecurityGroupId,
    albSecurityGroupId:
      outputs['aws:ec2:ensure-alb-security-group'].securityGroupId,
    fromPort: 80,
  });
  return { outputs };
}

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = useSandboxEndpoint(moto.endpoint);
  network = await seedSandboxNetwork();
});

afterAll(async () => {
  restoreEnv?.();
  await moto?.stop();
});

describe('recipe against moto with two accounts', () => {
  let first: RunState;

  it('runs the Account-A and Account-B actions in recipe order', async () => {
    recorded.length = 0;
    first = await runRecipe();
    expect(first.outputs['aws:ec2:describe-shared-network'].vpcCidr).toBe(
      network.vpcCidr,
    );
    expect(first.outputs['aws:ec2:ensure-alb-security-group'].created).toBe(
      true,
    );
    // Each account's calls were made with that account's credentials.
    expect(new Set(recorded.map(r => r.accountId))).toEqual(
      new Set([NETWORK, WORKLOAD]),
    );
    expect(
      recorded.filter(r => r.accountId === WORKLOAD).map(r => r.action),
    ).toEqual([
      'ec2:DescribeSubnets',
      'ec2:DescribeAvailabilityZones',
      'eks:DescribeCluster',
      'ec2:DescribeSecurityGroups',
      'ec2:AuthorizeSecurityGroupIngress',
    ]);
    // moto gives every account the same AZ names; real accounts differ (eksctl #2910).
    expect(
      first.outputs['aws:ec2:resolve-shared-subnets'].eksctlSubnets,
    ).toEqual(
      Object.fromEntries(
        network.privateSubnets.map(s => [
          s.availabilityZone,
          { id: s.subnetId },
        ]),
      ),
    );
  });

  it('left a share of the subnets for the workload account, without external principals', async () => {
    const ram = await client(RAMClient, NETWORK);
    const arn = first.outputs['aws:ram:share-subnets'].resourceShareArn;
    const shares = await ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        resourceShareArns: [arn],
      }),
    );
    expect(shares.resourceShares?.[0]).toMatchObject({
      allowExternalPrincipals: false,
      owningAccountId: NETWORK,
    });
    const principals = await ram.send(
      new GetResourceShareAssociationsCommand({
        associationType: 'PRINCIPAL',
        resourceShareArns: [arn],
      }),
    );
    expect(
      principals.resourceShareAssociations?.map(a => [
        a.associatedEntity,
        a.status,
      ]),
    ).toEqual([[WORKLOAD, 'ASSOCIATED']]);
    const resources = await ram.send(
      new GetResourceShareAssociationsCommand({
        associationType: 'RESOURCE',
        resourceShareArns: [arn],
      }),
    );
    expect(
      resources.resourceShareAssociations?.map(a => a.associatedEntity).sort(),
    ).toEqual(
      [...network.privateSubnets, ...network.publicSubnets]
        .map(s => `arn:aws:ec2:${REGION}:${NETWORK}:subnet/${s.subnetId}`)
        .sort(),
    );
  });

  it('left the OIDC provider for the issuer with client ID sts.amazonaws.com', async () => {
    const iam = await client(IAMClient, NETWORK);
    const provider = await iam.send(
      new GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn:
          first.outputs['aws:iam:ensure-oidc-provider'].oidcProviderArn,
      }),
    );
    const issuer = first.outputs['aws:eks:describe-cluster'].oidcIssuerUrl;
    expect(provider.Url).toBe(issuer.replace('https://', ''));
    expect(provider.ClientIDList).toEqual(['sts.amazonaws.com']);
  });

  it('left the controller role trusting exactly the service account, with the pinned policy', async () => {
    const iam = await client(IAMClient, NETWORK);
    const out = first.outputs['aws:iam:ensure-load-balancer-controller-role'];
    const role = await iam.send(new GetRoleCommand({ RoleName: out.roleName }));
    expect(role.Role?.Arn).toBe(out.roleArn);
    const trust = decodePolicyDocument(
      role.Role!.AssumeRolePolicyDocument!,
    ) as any;
    const issuer = first.outputs[
      'aws:eks:describe-cluster'
    ].oidcIssuerUrl.replace('https://', '');
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${NETWORK}:oidc-provider/${issuer}`,
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${issuer}:sub`]:
            'system:serviceaccount:kube-system:aws-load-balancer-controller',
          [`${issuer}:aud`]: 'sts.amazonaws.com',
        },
      },
    });
    const policy = await iam.send(
      new GetPolicyCommand({ PolicyArn: out.policyArn }),
    );
    const version = await iam.send(
      new GetPolicyVersionCommand({
        PolicyArn: out.policyArn,
        VersionId: policy.Policy!.DefaultVersionId!,
      }),
    );
    const document = decodePolicyDocument(version.PolicyVersion!.Document!);
    expect(document).toEqual(LOAD_BALANCER_CONTROLLER_IAM_POLICY);
    expect((document as any).Statement).toHaveLength(16);
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: out.roleName }),
    );
    expect(attached.AttachedPolicies?.map(p => p.PolicyArn)).toEqual([
      out.policyArn,
    ]);
  });

  it('left the ALB security group in the shared VPC, owned by the network account', async () => {
    const ec2 = await client(EC2Client, NETWORK);
    const id =
      first.outputs['aws:ec2:ensure-alb-security-group'].securityGroupId;
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [id] }),
    );
    const group = groups.SecurityGroups![0];
    expect(group.VpcId).toBe(network.vpcId);
    expect(group.OwnerId).toBe(NETWORK);
    expect(
      group.IpPermissions?.map(p => [
        p.FromPort,
        p.IpRanges?.map(r => r.CidrIp),
      ]).sort(),
    ).toEqual([
      [443, ['0.0.0.0/0']],
      [80, ['0.0.0.0/0']],
    ]);
  });

  it('left a rule on the cluster security group of the workload account referencing the ALB group', async () => {
    const ec2 = await client(EC2Client, WORKLOAD);
    const albGroupId =
      first.outputs['aws:ec2:ensure-alb-security-group'].securityGroupId;
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [nodeSecurityGroupId] }),
    );
    const group = groups.SecurityGroups![0];
    expect(group.OwnerId).toBe(WORKLOAD);
    expect(group.VpcId).toBe(network.vpcId);
    const rules = group.IpPermissions!.filter(p =>
      p.UserIdGroupPairs?.some(pair => pair.GroupId === albGroupId),
    );
    expect(rules).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        IpRanges: [],
        UserIdGroupPairs: [
          expect.objectContaining({ GroupId: albGroupId, UserId: NETWORK }),
        ],
      }),
    ]);
    expect(first.outputs['aws:ec2:allow-alb-to-nodes'].created).toBe(true);
  });

  it('makes no mutating call on a second run and leaves resource counts unchanged', async () => {
    const before = await recipeInventory(network, CLUSTER);
    recorded.length = 0;
    const second = await runRecipe();
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.filter(r => !READ_ONLY.test(r.action))).toEqual([]);
    expect(await recipeInventory(network, CLUSTER)).toEqual(before);
    expect(
      second.outputs['aws:ec2:ensure-alb-security-group'].securityGroupId,
    ).toBe(first.outputs['aws:ec2:ensure-alb-security-group'].securityGroupId);
    expect(second.outputs['aws:ram:share-subnets'].resourceShareArn).toBe(
      first.outputs['aws:ram:share-subnets'].resourceShareArn,
    );
  });

  it('does not repeat a checkpointed step when the task is resumed', async () => {
    const { byId } = actions();
    const store = checkpointStore();
    const input = {
      networkAccountId: NETWORK,
      region: REGION,
      vpcId: network.vpcId,
      clusterName: 'resumed-cluster',
    };
    await byId['aws:ec2:ensure-alb-security-group'].handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    const createKey = Object.keys(store.state).find(k =>
      k.endsWith('.create'),
    )!;
    expect(createKey).toContain('resumed-cluster-alb');
    recorded.length = 0;
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await byId['aws:ec2:ensure-alb-security-group'].handler(ctx);
    expect(recorded.map(r => r.action)).not.toContain(
      'ec2:CreateSecurityGroup',
    );
    expect(recorded.map(r => r.action)).not.toContain(
      'ec2:AuthorizeSecurityGroupIngress',
    );
    expect(outputs().securityGroupId).toBe(store.state[createKey]);
  });

  it('is covered by the shipped least-privilege policies of each account', async () => {
    // Every call of the runs above (creation, second run, resume), by account.
    expect(allRecorded.some(r => r.action === 'iam:CreateRole')).toBe(true);
    expect(
      allRecorded.some(r => r.action === 'ec2:AuthorizeSecurityGroupIngress'),
    ).toBe(true);
    const allowed: Record<string, Set<string>> = {
      [NETWORK]: policyActions(BACKSTAGE_NETWORK_ACCOUNT_POLICY),
      [WORKLOAD]: policyActions(BACKSTAGE_WORKLOAD_ACCOUNT_POLICY),
    };
    for (const { accountId, action } of allRecorded) {
      expect([accountId, action, allowed[accountId].has(action)]).toEqual([
        accountId,
        action,
        true,
      ]);
    }
  });
});
