import {
  CreateSubnetCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { MotoServer, startMoto } from '../moto';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAdminCredentials,
  useSandboxEndpoint,
} from '../accounts';
import {
  SandboxNetwork,
  sandboxEc2,
  seedSandboxNetwork,
  shareSandboxSubnets,
} from '../seed';
import {
  managedNodeGroupSizes,
  parseEksctlClusterConfig,
  sandboxEksctlCreateCluster,
} from './eksctl';
import {
  buildIngressModel,
  lbcLoadBalancerName,
  parseKubernetesManifest,
  sandboxReconcileIngress,
} from './lbc';
import {
  ensureSandboxAlbSecurityGroup,
  sandboxAppManifest,
  seedSandboxAlb,
  seedSandboxCluster,
  seedSandboxClusterWithController,
} from './seeding';

jest.setTimeout(60_000);

function eksctlConfig(
  network: SandboxNetwork,
  name: string,
  keyBy: 'az' | 'wrong' = 'az',
) {
  const subnets: Record<string, { id: string }> = {};
  network.privateSubnets.forEach((s, i) => {
    const key =
      keyBy === 'az'
        ? s.availabilityZone
        : network.privateSubnets[(i + 1) % 2].availabilityZone;
    subnets[key] = { id: s.subnetId };
  });
  return yaml.stringify({
    apiVersion: 'eksctl.io/v1alpha5',
    kind: 'ClusterConfig',
    metadata: { name, region: SANDBOX_REGION, version: '1.33' },
    vpc: { id: network.vpcId, subnets: { private: subnets } },
    managedNodeGroups: [
      {
        name: `${name}-nodes`,
        instanceType: 't3.large',
        desiredCapacity: 3,
        minSize: 1,
        maxSize: 4,
        privateNetworking: true,
      },
    ],
  });
}

describe('sandbox stand-ins', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  let network: SandboxNetwork;
  let elbv2: ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    elbv2 = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  describe('eksctl create cluster', () => {
    it('refuses subnets that are not shared with the workload account', async () => {
      const spec = parseEksctlClusterConfig(eksctlConfig(network, 'unshared'));
      await expect(
        sandboxEksctlCreateCluster({
          spec,
          workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        }),
      ).rejects.toThrow(/cannot see the subnets.*shared with it through RAM/);
    });

    it('creates the cluster and node group from a ClusterConfig, idempotently', async () => {
      await shareSandboxSubnets(network);
      const spec = parseEksctlClusterConfig(eksctlConfig(network, 'demo'));
      expect(spec).toMatchObject({
        clusterName: 'demo',
        region: SANDBOX_REGION,
        vpcId: network.vpcId,
        version: '1.33',
        privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
        nodeGroup: {
          name: 'demo-nodes',
          instanceType: 't3.large',
          desiredCapacity: 3,
        },
      });
      const first = await sandboxEksctlCreateCluster({
        spec,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      });
      expect(first.created).toBe(true);
      expect(first.clusterName).toBe('demo');
      expect(first.issuer).toMatch(
        /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/,
      );
      expect(first.vpcId).toBe(network.vpcId);
      expect(first.clusterArn).toBe(
        `arn:aws:eks:us-east-1:${SANDBOX_WORKLOAD_ACCOUNT_ID}:cluster/demo`,
      );

      const second = await sandboxEksctlCreateCluster({
        spec,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      });
      expect(second).toEqual({ ...first, created: false });

      const b = await sandboxAdminCredentials(SANDBOX_WORKLOAD_ACCOUNT_ID);
      const eks = new EKSClient({
        region: SANDBOX_REGION,
        credentials: b.sdkCredentialProvider,
      });
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({
          clusterName: 'demo',
          nodegroupName: 'demo-nodes',
        }),
      );
      expect(nodegroup?.subnets).toEqual(spec.privateSubnetIds);
      expect(nodegroup?.scalingConfig).toEqual({
        desiredSize: 3,
        minSize: 1,
        maxSize: 4,
      });
      expect(nodegroup?.instanceTypes).toEqual(['t3.large']);

      const ec2B = await sandboxEc2(SANDBOX_WORKLOAD_ACCOUNT_ID);
      const { SecurityGroups = [] } = await ec2B.send(
        new DescribeSecurityGroupsCommand({
          GroupIds: [first.clusterSecurityGroupId],
        }),
      );
      expect(SecurityGroups[0]?.VpcId).toBe(network.vpcId);
    });

    it('rejects private subnets keyed by the wrong AZ name (eksctl #2910)', async () => {
      await shareSandboxSubnets(network);
      const spec = parseEksctlClusterConfig(
        eksctlConfig(network, 'wrongaz', 'wrong'),
      );
      await expect(
        sandboxEksctlCreateCluster({
          spec,
          workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        }),
      ).rejects.toThrow(/keyed .* but the workload account sees it in/);
    });

    it('rejects an invalid spec before calling AWS', async () => {
      await expect(
        sandboxEksctlCreateCluster({
          spec: {
            clusterName: 'bad name',
            region: SANDBOX_REGION,
            privateSubnetIds: ['subnet-1', 'subnet-2'],
          },
          workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        }),
      ).rejects.toThrow(/Invalid cluster name/);
    });

    it('settles and refuses node group sizes as eksctl does, before calling AWS', async () => {
      expect(managedNodeGroupSizes({})).toEqual({
        desiredCapacity: 2,
        minSize: 2,
        maxSize: 2,
      });
      expect(managedNodeGroupSizes({ desiredCapacity: 0 })).toEqual({
        desiredCapacity: 0,
        minSize: 0,
        maxSize: 1,
      });
      expect(
        managedNodeGroupSizes({ minSize: 1, desiredCapacity: 3, maxSize: 5 }),
      ).toEqual({ desiredCapacity: 3, minSize: 1, maxSize: 5 });
      expect(() =>
        managedNodeGroupSizes({ minSize: 3, desiredCapacity: 2, maxSize: 4 }),
      ).toThrow('cannot use --nodes-min=3 and --nodes=2 at the same time');
      expect(() =>
        managedNodeGroupSizes({ minSize: 1, desiredCapacity: 5, maxSize: 4 }),
      ).toThrow('cannot use --nodes-max=4 and --nodes=5 at the same time');
      expect(() => managedNodeGroupSizes({ minSize: 5, maxSize: 4 })).toThrow(
        'cannot use --nodes-min=5 and --nodes-max=4 at the same time',
      );
      // The stand-in stops there, with eksctl's words, before its first AWS call.
      await expect(
        sandboxEksctlCreateCluster({
          spec: {
            clusterName: 'sizes',
            region: SANDBOX_REGION,
            privateSubnetIds: ['subnet-1', 'subnet-2'],
            nodeGroup: { desiredCapacity: 5, minSize: 1, maxSize: 4 },
          },
          workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        }),
      ).rejects.toThrow('cannot use --nodes-max=4 and --nodes=5');
    });
  });

  describe('Load Balancer Controller', () => {
    it('names the ALB like the controller does', () => {
      const name = lbcLoadBalancerName({
        clusterName: 'demo',
        namespace: 'game-2048',
        ingressName: 'ingress-2048',
        scheme: 'internet-facing',
      });
      expect(name).toMatch(/^k8s-game2048-ingress2-[0-9a-f]{10}$/);
      expect(name.length).toBeLessThanOrEqual(32);
      const grouped = lbcLoadBalancerName({
        clusterName: 'demo',
        namespace: 'x',
        ingressName: 'y',
        groupName: 'shared.public-apps-group',
        scheme: 'internal',
      });
      expect(grouped).toMatch(/^k8s-sharedpublicappsg-[0-9a-f]{10}$/);
    });

    it('reconciles the 2048 sample Ingress into an ALB with the controller tags, idempotently', async () => {
      const sg = await ensureSandboxAlbSecurityGroup(network);
      const objects = parseKubernetesManifest(
        fs.readFileSync(
          path.join(__dirname, '__fixtures__', '2048_full.yaml'),
          'utf8',
        ),
      );
      const ingress = objects.find(o => o.kind === 'Ingress')!;
      Object.assign(ingress.metadata!.annotations!, {
        'alb.ingress.kubernetes.io/subnets': network.publicSubnets
          .map(s => s.subnetId)
          .join(', '),
        'alb.ingress.kubernetes.io/security-groups': sg,
        'alb.ingress.kubernetes.io/healthcheck-path': '/healthz',
        'alb.ingress.kubernetes.io/tags': 'backstage.io/component=game,team=a',
      });
      const manifest = objects.map(o => yaml.stringify(o)).join('---\n');
      await seedSandboxClusterWithController({ clusterName: 'demo' });
      const input = {
        manifest,
        networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        region: SANDBOX_REGION,
        clusterName: 'demo',
        podSubnetIds: network.privateSubnets.map(s => s.subnetId),
      };
      const first = await sandboxReconcileIngress(input);
      expect(first.created).toBe(true);
      expect(first.stack).toBe('game-2048/ingress-2048');
      expect(first.loadBalancerName).toMatch(
        /^k8s-game2048-ingress2-[0-9a-f]{10}$/,
      );

      const { LoadBalancers = [] } = await elbv2.send(
        new DescribeLoadBalancersCommand({
          LoadBalancerArns: [first.loadBalancerArn],
        }),
      );
      const lb = LoadBalancers[0];
      expect(lb.DNSName).toBe(first.dnsName);
      expect(lb.Scheme).toBe('internet-facing');
      expect(lb.Type).toBe('application');
      expect(lb.VpcId).toBe(network.vpcId);
      expect(lb.SecurityGroups).toEqual([sg]);
      expect(lb.AvailabilityZones?.map(z => z.SubnetId).sort()).toEqual(
        network.publicSubnets.map(s => s.subnetId).sort(),
      );

      const { TargetGroups = [] } = await elbv2.send(
        new DescribeTargetGroupsCommand({
          LoadBalancerArn: first.loadBalancerArn,
        }),
      );
      expect(TargetGroups).toHaveLength(1);
      const tg = TargetGroups[0];
      expect(tg.TargetType).toBe('ip');
      expect(tg.HealthCheckPath).toBe('/healthz');
      expect(tg.Port).toBe(80);
      expect(tg.TargetGroupName).toMatch(
        /^k8s-game2048-service2-[0-9a-f]{10}$/,
      );

      const { TagDescriptions = [] } = await elbv2.send(
        new DescribeTagsCommand({
          ResourceArns: [first.loadBalancerArn, tg.TargetGroupArn!],
        }),
      );
      const tagsOf = (arn: string) =>
        Object.fromEntries(
          TagDescriptions.find(d => d.ResourceArn === arn)!.Tags!.map(t => [
            t.Key,
            t.Value,
          ]),
        );
      expect(tagsOf(first.loadBalancerArn)).toEqual({
        'elbv2.k8s.aws/cluster': 'demo',
        'ingress.k8s.aws/stack': 'game-2048/ingress-2048',
        'ingress.k8s.aws/resource': 'LoadBalancer',
        'backstage.io/component': 'game',
        team: 'a',
      });
      expect(tagsOf(tg.TargetGroupArn!)).toEqual({
        'elbv2.k8s.aws/cluster': 'demo',
        'ingress.k8s.aws/stack': 'game-2048/ingress-2048',
        'ingress.k8s.aws/resource': 'game-2048/ingress-2048-service-2048:80',
        'backstage.io/component': 'game',
        team: 'a',
      });

      // Five replicas, five pod IPs in the private subnets (the ones the ALB does not use).
      const { TargetHealthDescriptions = [] } = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
      );
      const ips = TargetHealthDescriptions.map(d => d.Target!.Id!).sort();
      expect(ips).toHaveLength(5);
      expect(ips.every(ip => /^10\.20\.1[01]\.\d+$/.test(ip))).toBe(true);
      expect(TargetHealthDescriptions.every(d => d.Target!.Port === 80)).toBe(
        true,
      );

      const { Listeners = [] } = await elbv2.send(
        new DescribeListenersCommand({
          LoadBalancerArn: first.loadBalancerArn,
        }),
      );
      expect(Listeners).toHaveLength(1);
      expect(Listeners[0]).toMatchObject({ Port: 80, Protocol: 'HTTP' });
      // model_build_listener.go: no defaultBackend, so a fixed 404; the Ingress's path is a
      // rule (model_build_listener_rules.go).
      expect(Listeners[0].DefaultActions?.[0]).toMatchObject({
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' },
      });
      const { Rules = [] } = await elbv2.send(
        new DescribeRulesCommand({ ListenerArn: Listeners[0].ListenerArn }),
      );
      expect(
        Rules.filter(r => !r.IsDefault).map(r => ({
          priority: r.Priority,
          paths: r.Conditions?.[0]?.PathPatternConfig?.Values,
          tg: r.Actions?.[0]?.TargetGroupArn,
        })),
      ).toEqual([{ priority: '1', paths: ['/*'], tg: tg.TargetGroupArn }]);

      // Again: nothing new.
      const second = await sandboxReconcileIngress(input);
      expect(second).toEqual({ ...first, created: false });
      const all = await elbv2.send(new DescribeLoadBalancersCommand({}));
      expect(
        all.LoadBalancers?.filter(
          l => l.LoadBalancerArn === first.loadBalancerArn,
        ),
      ).toHaveLength(1);
      const allTgs = await elbv2.send(new DescribeTargetGroupsCommand({}));
      expect(allTgs.TargetGroups).toHaveLength(1);
      const again = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
      );
      expect(again.TargetHealthDescriptions).toHaveLength(5);
    });

    it('seeds an ALB for a group, reusing the cluster from the eksctl stand-in', async () => {
      const cluster = await seedSandboxCluster({ clusterName: 'seeded' });
      expect(cluster.issuer).toMatch(/\/id\/[0-9A-F]{32}$/);
      const seeded = await seedSandboxAlb({
        clusterName: 'seeded',
        namespace: 'shop',
        ingressName: 'web',
        groupName: 'shop-public',
        replicas: 3,
      });
      expect(seeded.stack).toBe('shop-public');
      expect(seeded.podIps).toHaveLength(3);
      const again = await seedSandboxAlb({
        clusterName: 'seeded',
        namespace: 'shop',
        ingressName: 'web',
        groupName: 'shop-public',
        replicas: 3,
      });
      expect(again.loadBalancerArn).toBe(seeded.loadBalancerArn);
      expect(again.created).toBe(false);
    });

    it('rejects what the controller would reject or cannot do across accounts', () => {
      const base = {
        namespace: 'n',
        ingressName: 'i',
        subnetIds: ['subnet-0a', 'subnet-0b'],
        securityGroupIds: ['sg-0a'],
      };
      const model = (mutate: (o: any[]) => void) => {
        const objects = parseKubernetesManifest(sandboxAppManifest(base));
        mutate(objects);
        return () => buildIngressModel(objects, { clusterName: 'c' });
      };
      const ann = (o: any[]) =>
        o.find(x => x.kind === 'Ingress').metadata.annotations;
      expect(model(() => {})()).toMatchObject({
        stack: 'n/i',
        scheme: 'internet-facing',
      });
      expect(
        model(o => {
          ann(o)['alb.ingress.kubernetes.io/target-type'] = 'instance';
        }),
      ).toThrow(/LBC #2652/);
      expect(
        model(o => {
          delete ann(o)['alb.ingress.kubernetes.io/subnets'];
        }),
      ).toThrow(/at least two subnet IDs/);
      expect(
        model(o => {
          ann(o)['alb.ingress.kubernetes.io/security-groups'] = 'my-alb-sg';
        }),
      ).toThrow(/security group IDs/);
      expect(
        model(o => {
          o.find(x => x.kind === 'Ingress').spec.ingressClassName = 'nginx';
        }),
      ).toThrow(/not "alb"/);
      expect(
        model(o => {
          ann(o)['alb.ingress.kubernetes.io/load-balancer-name'] = 'x'.repeat(
            33,
          );
        }),
      ).toThrow(/at most 32/);
      expect(
        model(o => {
          ann(o)['alb.ingress.kubernetes.io/group.name'] = 'Upper_Case';
        }),
      ).toThrow(/Invalid group.name/);
      expect(
        model(o => {
          o.splice(
            o.findIndex(x => x.kind === 'Deployment'),
            1,
          );
        }),
      ).toThrow(/No Deployment/);
      // Kubernetes annotation values are strings: a YAML list would not even apply.
      expect(
        model(o => {
          ann(o)['alb.ingress.kubernetes.io/subnets'] = [
            'subnet-0a',
            'subnet-0b',
          ];
        }),
      ).toThrow(/not a string/);
    });

    it('finds the pod subnets from the cluster when given the workload account', async () => {
      const unusedSubnet = await (
        await sandboxEc2(SANDBOX_NETWORK_ACCOUNT_ID)
      ).send(
        new CreateSubnetCommand({
          VpcId: network.vpcId,
          CidrBlock: '10.20.50.0/24',
        }),
      );
      expect(unusedSubnet.Subnet?.SubnetId).toBeDefined();
      const seeded = await seedSandboxClusterWithController({
        clusterName: 'bycluster',
      });
      const manifest = sandboxAppManifest({
        namespace: 'ns2',
        ingressName: 'app',
        subnetIds: network.publicSubnets.map(s => s.subnetId),
        securityGroupIds: [await ensureSandboxAlbSecurityGroup(network)],
        replicas: 4,
      });
      const result = await sandboxReconcileIngress({
        manifest,
        networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
        region: SANDBOX_REGION,
        clusterName: seeded.clusterName,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      });
      expect(result.podIps.every(ip => /^10\.20\.1[01]\./.test(ip))).toBe(true);
    });
  });
});
