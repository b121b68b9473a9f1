/*
 * Checks of the workload-side actions against the sandbox AWS (moto behind the IAM gateway,
 * Backstage's roles holding the shipped policies): the wait for shared subnets to appear, and
 * the refusal of an ALB security group of another VPC before any rule is added.
 */
import {
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { ConfigReader } from '@backstage/config';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxNetwork,
  sandboxAdminCredentials,
  sandboxAwsConfig,
  sandboxEc2,
  seedSandboxNetwork,
  shareSandboxSubnets,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { createAllowAlbToNodesAction } from './actions/allowAlbToNodes';
import { createResolveSharedSubnetsAction } from './actions/resolveSharedSubnets';
import { actionContext } from './__testUtils__/testing';

jest.setTimeout(120_000);

let moto: MotoServer;
let restoreEnv: () => void;
let network: SandboxNetwork;
const calls: string[] = [];

const clients = () =>
  createAwsClientFactory({
    config: new ConfigReader({ aws: sandboxAwsConfig() }),
    onCommand: e => calls.push(`${e.accountId} ${e.action}`),
  });

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = useSandboxEndpoint(moto.endpoint);
  network = await seedSandboxNetwork();
});

afterAll(async () => {
  restoreEnv?.();
  await moto?.stop();
});

describe('aws:ec2:resolve-shared-subnets in the sandbox', () => {
  /** A clock that moves only when the action sleeps; `onSleep` plays what happens meanwhile. */
  function fakeTime(onSleep: (n: number) => Promise<void> = async () => {}) {
    const clock = { now: 0, sleeps: [] as number[] };
    return {
      clock,
      now: () => clock.now,
      sleep: async (ms: number) => {
        clock.sleeps.push(ms);
        clock.now += ms;
        await onSleep(clock.sleeps.length);
      },
    };
  }
  const input = (subnetIds: string[], waitTimeoutSeconds?: number) => ({
    workloadAccountId: WORKLOAD,
    networkAccountId: NETWORK,
    region: REGION,
    subnetIds,
    ...(waitTimeoutSeconds !== undefined ? { waitTimeoutSeconds } : {}),
  });

  it('waits for subnets that appear after the share, then maps them', async () => {
    const privateIds = network.privateSubnets.map(s => s.subnetId);
    // Not shared yet: the workload account sees nothing; the share lands during the wait.
    const time = fakeTime(async n => {
      if (n === 1) await shareSandboxSubnets(network, { includePublic: false });
    });
    const action = createResolveSharedSubnetsAction({
      clients: clients(),
      ...time,
    });
    const { ctx, outputs } = actionContext(input(privateIds));
    await action.handler(ctx);
    expect(time.clock.sleeps).toEqual([2000]);
    expect(
      Object.values(outputs().eksctlSubnets as Record<string, { id: string }>)
        .map(s => s.id)
        .sort(),
    ).toEqual([...privateIds].sort());
  });

  it('fails after a bounded wait for subnets that never appear, saying what to check', async () => {
    const publicIds = network.publicSubnets.map(s => s.subnetId);
    const time = fakeTime();
    const action = createResolveSharedSubnetsAction({
      clients: clients(),
      ...time,
    });
    await expect(
      action.handler(actionContext(input(publicIds, 30)).ctx),
    ).rejects.toThrow(
      `Workload account ${WORKLOAD} cannot see the subnets ${publicIds.join(
        ', ',
      )} after waiting 30s (waitTimeoutSeconds). Share them first with aws:ram:share-subnets`,
    );
    expect(time.clock.sleeps).toEqual([2000, 4000, 8000, 15000]);
    expect(time.clock.now).toBeLessThanOrEqual(30_000);
  });
});

describe('aws:ec2:allow-alb-to-nodes in the sandbox', () => {
  it('refuses an ALB security group of another VPC, before adding any rule', async () => {
    await shareSandboxSubnets(network, { includePublic: false });
    const eks = new EKSClient({
      region: REGION,
      credentials: (await sandboxAdminCredentials(WORKLOAD))
        .sdkCredentialProvider,
    });
    await eks.send(
      new CreateClusterCommand({
        name: 'checks-cluster',
        roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
        resourcesVpcConfig: {
          subnetIds: network.privateSubnets.map(s => s.subnetId),
        },
      }),
    );
    const { cluster } = await eks.send(
      new DescribeClusterCommand({ name: 'checks-cluster' }),
    );
    const nodeSecurityGroupId =
      cluster!.resourcesVpcConfig!.clusterSecurityGroupId!;
    expect(cluster!.resourcesVpcConfig!.vpcId).toBe(network.vpcId);

    // An ALB group the network account made in another of its VPCs.
    const ec2A = await sandboxEc2(NETWORK);
    const { Vpc } = await ec2A.send(
      new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }),
    );
    const { GroupId } = await ec2A.send(
      new CreateSecurityGroupCommand({
        GroupName: 'other-vpc-alb',
        Description: 'ALB group in another VPC',
        VpcId: Vpc!.VpcId!,
      }),
    );

    calls.length = 0;
    const action = createAllowAlbToNodesAction({ clients: clients() });
    await expect(
      action.handler(
        actionContext({
          workloadAccountId: WORKLOAD,
          networkAccountId: NETWORK,
          region: REGION,
          nodeSecurityGroupId,
          albSecurityGroupId: GroupId,
          fromPort: 80,
        }).ctx,
      ),
    ).rejects.toThrow(
      `albSecurityGroupId: ${GroupId} is in ${
        Vpc!.VpcId
      } but nodeSecurityGroupId: ${nodeSecurityGroupId} is in ${
        network.vpcId
      }. The ALB security group must be in the shared VPC the cluster runs in`,
    );
    // Read-only calls only, and the ALB group was read as its owner, the network account.
    expect(calls.filter(c => !/:(Describe|Get|List)/.test(c))).toEqual([]);
    expect(calls).toContain(`${NETWORK} ec2:DescribeSecurityGroups`);
    const ec2B = new EC2Client({
      region: REGION,
      credentials: (await sandboxAdminCredentials(WORKLOAD))
        .sdkCredentialProvider,
    });
    const { SecurityGroups } = await ec2B.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [nodeSecurityGroupId] }),
    );
    expect(
      SecurityGroups![0]
        .IpPermissions!.flatMap(p => p.UserIdGroupPairs ?? [])
        .map(p => p.GroupId),
    ).not.toContain(GroupId);
  });
});
