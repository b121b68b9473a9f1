import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { MotoServer, startMoto } from '../moto';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAdminCredentials,
  useSandboxEndpoint,
} from '../accounts';
import { sandboxEc2 } from '../seed';
import { seedSandboxAlb, seedSandboxCluster } from '../standins/seeding';
import {
  createEksctlDeleteClusterAction,
  createLbcDeleteIngressAction,
  ingressStack,
} from './teardown';

jest.setTimeout(60_000);

describe('sandbox teardown stand-ins', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  const dir = createMockDirectory();

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  async function run(
    action: any,
    input: Record<string, unknown>,
    dryRun = false,
  ) {
    const outputs: Record<string, unknown> = {};
    await action.handler({
      ...createMockActionContext({
        input: input as any,
        workspacePath: dir.resolve('ws'),
      }),
      output: (k: string, v: unknown) => {
        outputs[k] = v;
      },
      isDryRun: dryRun,
    });
    return outputs;
  }

  it('deletes the ALB stack of an Ingress from its manifest, with a dry run first', async () => {
    const seeded = await seedSandboxAlb({
      clusterName: 'td',
      namespace: 'shop',
      ingressName: 'web',
    });
    // Another stack that must survive.
    const other = await seedSandboxAlb({
      clusterName: 'td',
      namespace: 'shop',
      ingressName: 'admin',
    });
    dir.setContent({ ws: { kubernetes: { 'app.yaml': seeded.manifest } } });
    expect(ingressStack(seeded.manifest)).toBe('shop/web');
    const action = createLbcDeleteIngressAction();
    const input = {
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName: 'td',
    };
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    const elbv2 = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
    const arns = async () =>
      (
        await elbv2.send(new DescribeLoadBalancersCommand({}))
      ).LoadBalancers?.map(l => l.LoadBalancerArn);

    const dry = await run(action, input, true);
    expect(dry.stack).toBe('shop/web');
    expect(dry.deleted).toEqual(
      expect.arrayContaining([
        seeded.loadBalancerArn,
        ...seeded.targetGroupArns,
      ]),
    );
    expect(await arns()).toContain(seeded.loadBalancerArn);

    const out = await run(action, input);
    expect(out.deleted).toEqual(dry.deleted);
    expect(await arns()).toEqual([other.loadBalancerArn]);
    const tgs = await elbv2.send(new DescribeTargetGroupsCommand({}));
    expect(tgs.TargetGroups?.map(t => t.TargetGroupArn)).toEqual(
      other.targetGroupArns,
    );

    const again = await run(action, input);
    expect(again.deleted).toEqual([]);
  });

  it('deletes the cluster, its node group, cluster security group and roles', async () => {
    const cluster = await seedSandboxCluster({ clusterName: 'td-cluster' });
    const action = createEksctlDeleteClusterAction();
    const input = {
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      clusterName: 'td-cluster',
      region: SANDBOX_REGION,
    };
    const dry = await run(action, input, true);
    expect(dry.deleted).toEqual([
      'nodegroup/td-cluster/td-cluster-nodes',
      cluster.clusterArn,
      'role/eksctl-td-cluster-nodegroup-NodeInstanceRole',
      'role/eksctl-td-cluster-cluster-ServiceRole',
    ]);
    const out = await run(action, input);
    expect(out.deleted).toEqual(dry.deleted);
    const b = await sandboxAdminCredentials(SANDBOX_WORKLOAD_ACCOUNT_ID);
    const eks = new EKSClient({
      region: SANDBOX_REGION,
      credentials: b.sdkCredentialProvider,
    });
    expect(
      (await eks.send(new ListClustersCommand({}))).clusters,
    ).not.toContain('td-cluster');
    const ec2B = await sandboxEc2(SANDBOX_WORKLOAD_ACCOUNT_ID);
    await expect(
      ec2B.send(
        new DescribeSecurityGroupsCommand({
          GroupIds: [cluster.clusterSecurityGroupId],
        }),
      ),
    ).rejects.toThrow(/does not exist|NotFound/);
    expect((await run(action, input)).deleted).toEqual([]);
  });
});
