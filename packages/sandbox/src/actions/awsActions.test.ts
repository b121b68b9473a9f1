import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import yaml from 'yaml';
import { MotoServer, startMoto } from '../moto';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  useSandboxEndpoint,
} from '../accounts';
import {
  SandboxNetwork,
  seedSandboxNetwork,
  shareSandboxSubnets,
} from '../seed';
import {
  ensureSandboxAlbSecurityGroup,
  sandboxAppManifest,
  seedSandboxClusterWithController,
} from '../standins/seeding';
import { createEksctlCreateClusterAction } from './eksctlCreateCluster';
import { createLbcReconcileIngressAction } from './lbcReconcileIngress';

jest.setTimeout(60_000);

describe('sandbox AWS stand-in actions', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  let network: SandboxNetwork;
  const dir = createMockDirectory();

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    await shareSandboxSubnets(network);
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
    const ctx = {
      ...createMockActionContext({
        input: input as any,
        workspacePath: dir.resolve('ws'),
      }),
      output: (k: string, v: unknown) => {
        outputs[k] = v;
      },
      isDryRun: dryRun,
    };
    await action.handler(ctx);
    return outputs;
  }

  const clusterConfig = (name: string) =>
    yaml.stringify({
      apiVersion: 'eksctl.io/v1alpha5',
      kind: 'ClusterConfig',
      metadata: { name, region: SANDBOX_REGION, version: '1.33' },
      vpc: {
        id: network.vpcId,
        subnets: {
          private: Object.fromEntries(
            network.privateSubnets.map(s => [
              s.availabilityZone,
              { id: s.subnetId },
            ]),
          ),
        },
      },
      managedNodeGroups: [
        { name: `${name}-ng`, privateNetworking: true, desiredCapacity: 2 },
      ],
    });

  it('sandbox:eksctl:create-cluster creates the cluster from the workspace ClusterConfig', async () => {
    dir.setContent({
      ws: { cluster: { 'eksctl-cluster.yaml': clusterConfig('from-file') } },
    });
    const action = createEksctlCreateClusterAction();
    expect(action.id).toBe('sandbox:eksctl:create-cluster');

    const dry = await run(
      action,
      { workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID },
      true,
    );
    expect(dry).toMatchObject({ clusterName: 'from-file', created: false });

    const out = await run(action, {
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
    });
    expect(out).toEqual({
      clusterName: 'from-file',
      issuer: expect.stringMatching(/\/id\/[0-9A-F]{32}$/),
      clusterSecurityGroupId: expect.stringMatching(/^sg-/),
      clusterArn: `arn:aws:eks:${SANDBOX_REGION}:${SANDBOX_WORKLOAD_ACCOUNT_ID}:cluster/from-file`,
      vpcId: network.vpcId,
      created: true,
    });
    const again = await run(action, {
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
    });
    expect(again).toEqual({ ...out, created: false });
  });

  it('sandbox:eksctl:create-cluster takes the values directly too', async () => {
    dir.setContent({ ws: {} });
    const action = createEksctlCreateClusterAction();
    const out = await run(action, {
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      clusterName: 'direct',
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      version: '1.32',
    });
    expect(out).toMatchObject({
      clusterName: 'direct',
      created: true,
      vpcId: network.vpcId,
    });
    await expect(
      run(action, { workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID }),
    ).rejects.toThrow(
      /No eksctl ClusterConfig at cluster\/eksctl-cluster.yaml/,
    );
  });

  it('sandbox:lbc:reconcile-ingress creates the ALB from the workspace manifest', async () => {
    const sg = await ensureSandboxAlbSecurityGroup(network);
    dir.setContent({
      ws: {
        kubernetes: {
          'app.yaml': sandboxAppManifest({
            namespace: 'shop',
            ingressName: 'web',
            subnetIds: network.publicSubnets.map(s => s.subnetId),
            securityGroupIds: [sg],
            replicas: 2,
          }),
        },
      },
    });
    const action = createLbcReconcileIngressAction();
    expect(action.id).toBe('sandbox:lbc:reconcile-ingress');
    // The controller calls AWS as its IRSA role: the cluster and that role come first.
    await seedSandboxClusterWithController({ clusterName: 'from-file' });
    const input = {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName: 'from-file',
    };
    const dry = await run(action, input, true);
    expect(dry).toMatchObject({
      stack: 'shop/web',
      loadBalancerName: expect.stringMatching(/^k8s-shop-web-[0-9a-f]{10}$/),
      created: false,
    });
    const out = await run(action, input);
    expect(out).toEqual({
      loadBalancerArn: expect.stringContaining(
        `:${SANDBOX_NETWORK_ACCOUNT_ID}:loadbalancer/app/${dry.loadBalancerName}/`,
      ),
      loadBalancerName: dry.loadBalancerName,
      dnsName: expect.any(String),
      stack: 'shop/web',
      targetGroupArns: [expect.stringContaining(':targetgroup/k8s-shop-web-')],
      created: true,
    });
    const again = await run(action, input);
    expect(again).toEqual({ ...out, created: false });
  });
});
