import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
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
  seedSandboxCertificate,
  seedSandboxDnsZone,
  seedSandboxNetwork,
} from '../seed';
import {
  modelOfIngress,
  parseKubernetesManifest,
  sandboxDeleteIngress,
  sandboxReconcileIngress,
} from './lbc';
import { buildIngressGroupModel, IngressGroupConflictError } from './lbcGroup';
import {
  ensureSandboxAlbSecurityGroup,
  sandboxAppManifest,
  seedSandboxClusterWithController,
} from './seeding';

jest.setTimeout(120_000);

const SUBNETS = ['subnet-0a', 'subnet-0b'];
const A = 'alb.ingress.kubernetes.io/';

/** The model of the one Ingress of an app manifest (no AWS). */
function member(options: Parameters<typeof sandboxAppManifest>[0]) {
  const objects = parseKubernetesManifest(sandboxAppManifest(options));
  return modelOfIngress(
    objects.find(o => o.kind === 'Ingress')!,
    objects,
    'shop',
  );
}

describe('Ingress group rules (controller v3.5.0)', () => {
  const base = {
    subnetIds: SUBNETS,
    securityGroupIds: ['sg-0aaa'],
    groupName: 'storefront',
  };

  it('sorts members by group.order, then namespace/name, and numbers their rules in that order', () => {
    const b = member({ ...base, namespace: 'web', ingressName: 'b' });
    const a = member({ ...base, namespace: 'web', ingressName: 'a' });
    const group = buildIngressGroupModel([b, a], 'shop');
    expect(group.members.map(m => m.ingressName)).toEqual(['a', 'b']);
    expect(group.rules).toEqual([
      {
        priority: 1,
        pathPatterns: ['/*'],
        resourceId: 'web/a-a:80',
        memberKey: 'web/a',
      },
      {
        priority: 2,
        pathPatterns: ['/*'],
        resourceId: 'web/b-b:80',
        memberKey: 'web/b',
      },
    ]);
    expect(group.defaultResourceId).toBeUndefined();
    expect(group.loadBalancerName).toMatch(/^k8s-storefront-[0-9a-f]{10}$/);
  });

  it('refuses members that name different security groups, in the controller words', () => {
    const a = member({ ...base, namespace: 'web', ingressName: 'a' });
    const b = member({
      ...base,
      namespace: 'web',
      ingressName: 'b',
      securityGroupIds: ['sg-0bbb'],
    });
    expect(() => buildIngressGroupModel([a, b], 'shop')).toThrow(
      IngressGroupConflictError,
    );
    expect(() => buildIngressGroupModel([a, b], 'shop')).toThrow(
      'Ingress group storefront on cluster shop: the Load Balancer Controller reconciles none of its Ingresses ("Failed build model due to conflicting securityGroups: [sg-0aaa] | [sg-0bbb]")',
    );
  });

  it('ignores the order of subnets but not of security groups', () => {
    const a = member({ ...base, namespace: 'web', ingressName: 'a' });
    const b = member({
      ...base,
      namespace: 'web',
      ingressName: 'b',
      subnetIds: [...SUBNETS].reverse(),
    });
    expect(() => buildIngressGroupModel([a, b], 'shop')).not.toThrow();
    const c = member({
      ...base,
      namespace: 'web',
      ingressName: 'c',
      securityGroupIds: ['sg-0aaa', 'sg-0ccc'],
    });
    const d = member({
      ...base,
      namespace: 'web',
      ingressName: 'd',
      securityGroupIds: ['sg-0ccc', 'sg-0aaa'],
    });
    expect(() => buildIngressGroupModel([c, d], 'shop')).toThrow(
      'conflicting securityGroups: [sg-0aaa sg-0ccc] | [sg-0ccc sg-0aaa]',
    );
  });

  it('refuses tags that differ on the shared ALB, and schemes that differ', () => {
    const a = member({
      ...base,
      namespace: 'web',
      ingressName: 'a',
      tags: { 'backstage.io/component': 'a' },
    });
    const b = member({
      ...base,
      namespace: 'web',
      ingressName: 'b',
      tags: { 'backstage.io/component': 'b' },
    });
    expect(() => buildIngressGroupModel([a, b], 'shop')).toThrow(
      'conflicting tag backstage.io/component: a | b',
    );
    const internal = member({
      ...base,
      namespace: 'web',
      ingressName: 'c',
      scheme: 'internal',
    });
    expect(() => buildIngressGroupModel([a, internal], 'shop')).toThrow(
      'conflicting scheme: map[internal:{} internet-facing:{}]',
    );
  });

  it('refuses a group.order outside [-1000, 1000]', () => {
    const objects = parseKubernetesManifest(
      sandboxAppManifest({ ...base, namespace: 'web', ingressName: 'a' }),
    );
    const ingress = objects.find(o => o.kind === 'Ingress')!;
    ingress.metadata!.annotations!['alb.ingress.kubernetes.io/group.order'] =
      '1001';
    expect(() => modelOfIngress(ingress, objects, 'shop')).toThrow(
      'explicit Ingress group order must be within [-1000:1000], Ingress: web/a, order: 1001',
    );
  });
});

describe('Ingress groups in the sandbox (controller stand-in)', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  let network: SandboxNetwork;
  let elbv2: ElasticLoadBalancingV2Client;
  let groupSg: string;
  const clusterName = 'groups';

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    elbv2 = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
    await seedSandboxClusterWithController({ clusterName });
    groupSg = await ensureSandboxAlbSecurityGroup(network, 'storefront-alb');
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  const apply = (
    options: Omit<Parameters<typeof sandboxAppManifest>[0], 'subnetIds'> & {
      subnetIds?: string[];
    },
  ) =>
    sandboxReconcileIngress({
      manifest: sandboxAppManifest({
        subnetIds: network.publicSubnets.map(s => s.subnetId),
        ...options,
      }),
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName,
    });

  async function tagsOf(arns: string[]) {
    const { TagDescriptions = [] } = await elbv2.send(
      new DescribeTagsCommand({ ResourceArns: arns }),
    );
    return Object.fromEntries(
      TagDescriptions.map(d => [
        d.ResourceArn!,
        Object.fromEntries((d.Tags ?? []).map(t => [t.Key!, t.Value!])),
      ]),
    );
  }

  it('puts two Ingresses of a group on one ALB, each with its own target group and rule, and refuses a third that disagrees', async () => {
    const cart = await apply({
      namespace: 'cart',
      ingressName: 'cart',
      groupName: 'storefront',
      securityGroupIds: [groupSg],
      serviceTags: { 'backstage.io/component': 'cart' },
    });
    const shop = await apply({
      namespace: 'shop',
      ingressName: 'shop',
      groupName: 'storefront',
      securityGroupIds: [groupSg],
      serviceTags: { 'backstage.io/component': 'shop' },
    });
    expect(cart.created).toBe(true);
    expect(shop.created).toBe(false);
    expect(shop.loadBalancerArn).toBe(cart.loadBalancerArn);
    expect(shop.members).toEqual(['cart/cart', 'shop/shop']);
    expect(shop.targetGroupArns).toHaveLength(1);
    expect(shop.targetGroupArns[0]).not.toBe(cart.targetGroupArns[0]);

    const tags = await tagsOf([
      cart.loadBalancerArn,
      ...cart.targetGroupArns,
      ...shop.targetGroupArns,
    ]);
    expect(tags[cart.loadBalancerArn]).toEqual({
      'elbv2.k8s.aws/cluster': clusterName,
      'ingress.k8s.aws/stack': 'storefront',
      'ingress.k8s.aws/resource': 'LoadBalancer',
    });
    expect(tags[shop.targetGroupArns[0]]).toEqual({
      'elbv2.k8s.aws/cluster': clusterName,
      'ingress.k8s.aws/stack': 'storefront',
      'ingress.k8s.aws/resource': 'shop/shop-shop:80',
      'backstage.io/component': 'shop',
    });
    // The pods of the two applications have different (made-up) IPs.
    expect(shop.podIps.some(ip => cart.podIps.includes(ip))).toBe(false);

    const { Listeners = [] } = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: cart.loadBalancerArn }),
    );
    expect(Listeners).toHaveLength(1);
    const rules = async () =>
      (
        await elbv2.send(
          new DescribeRulesCommand({ ListenerArn: Listeners[0].ListenerArn }),
        )
      )
        .Rules!.filter(r => !r.IsDefault)
        .map(r => [r.Priority, r.Actions?.[0]?.TargetGroupArn]);
    expect(await rules()).toEqual([
      ['1', cart.targetGroupArns[0]],
      ['2', shop.targetGroupArns[0]],
    ]);

    // A member with its own security group: the controller refuses the whole group and the
    // ALB stays as it was.
    const ec2 = await sandboxEc2(SANDBOX_NETWORK_ACCOUNT_ID);
    const { GroupId: ownSg } = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'blog-alb',
        Description: 'an application ALB group',
        VpcId: network.vpcId,
      }),
    );
    await expect(
      apply({
        namespace: 'blog',
        ingressName: 'blog',
        groupName: 'storefront',
        securityGroupIds: [ownSg!],
      }),
    ).rejects.toThrow(
      // blog/blog sorts first, so its groups are the ones the others are compared with.
      `("Failed build model due to conflicting securityGroups: [${ownSg}] | [${groupSg}]")`,
    );
    expect(await rules()).toHaveLength(2);
    // Fixed (the same security group), the group reconciles with the third member.
    const blog = await apply({
      namespace: 'blog',
      ingressName: 'blog',
      groupName: 'storefront',
      securityGroupIds: [groupSg],
    });
    expect(blog.members).toEqual(['blog/blog', 'cart/cart', 'shop/shop']);
    expect(await rules()).toEqual([
      ['1', blog.targetGroupArns[0]],
      ['2', cart.targetGroupArns[0]],
      ['3', shop.targetGroupArns[0]],
    ]);

    // kubectl delete of one member: its target group and rule go, the ALB stays.
    const removed = await sandboxDeleteIngress({
      manifest: sandboxAppManifest({
        namespace: 'cart',
        ingressName: 'cart',
        groupName: 'storefront',
        subnetIds: network.publicSubnets.map(s => s.subnetId),
        securityGroupIds: [groupSg],
      }),
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName,
    });
    expect(removed).toEqual({
      stack: 'storefront',
      deleted: cart.targetGroupArns,
      remainingMembers: ['blog/blog', 'shop/shop'],
    });
    expect(await rules()).toEqual([
      ['1', blog.targetGroupArns[0]],
      ['2', shop.targetGroupArns[0]],
    ]);
    const { TargetGroups = [] } = await elbv2.send(
      new DescribeTargetGroupsCommand({
        LoadBalancerArn: cart.loadBalancerArn,
      }),
    );
    expect(TargetGroups.map(t => t.TargetGroupArn).sort()).toEqual(
      [blog.targetGroupArns[0], shop.targetGroupArns[0]].sort(),
    );

    // The last two: the ALB goes with the last one.
    for (const name of ['blog', 'shop']) {
      await sandboxDeleteIngress({
        manifest: sandboxAppManifest({
          namespace: name,
          ingressName: name,
          groupName: 'storefront',
          subnetIds: network.publicSubnets.map(s => s.subnetId),
          securityGroupIds: [groupSg],
        }),
        networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        region: SANDBOX_REGION,
        clusterName,
      });
    }
    const { LoadBalancers = [] } = await elbv2.send(
      new DescribeLoadBalancersCommand({}),
    );
    expect(
      LoadBalancers.filter(l => l.LoadBalancerArn === cart.loadBalancerArn),
    ).toEqual([]);
  });

  it('makes the HTTPS listener with the certificate and TLS policy, and an HTTP listener that only redirects', async () => {
    const certificateArn = await seedSandboxCertificate(
      'secure.example.test',
      await seedSandboxDnsZone(),
    );
    const secure = {
      namespace: 'secure',
      ingressName: 'secure',
      securityGroupIds: [groupSg],
    };
    const https = {
      [`${A}listen-ports`]: '[{"HTTP": 80}, {"HTTPS": 443}]',
      [`${A}certificate-arn`]: certificateArn,
      [`${A}ssl-policy`]: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    };
    const first = await apply({
      ...secure,
      annotations: { ...https, [`${A}ssl-redirect`]: '443' },
    });
    const listeners = async () => {
      const { Listeners = [] } = await elbv2.send(
        new DescribeListenersCommand({
          LoadBalancerArn: first.loadBalancerArn,
        }),
      );
      const out: Record<number, object> = {};
      for (const l of Listeners.sort((x, y) => x.Port! - y.Port!)) {
        const { Rules = [] } = await elbv2.send(
          new DescribeRulesCommand({ ListenerArn: l.ListenerArn }),
        );
        out[l.Port!] = {
          arn: l.ListenerArn,
          protocol: l.Protocol,
          certificates: (l.Certificates ?? []).map(c => c.CertificateArn),
          // moto reports a policy on HTTP listeners too; AWS has one on HTTPS ones only.
          sslPolicy: l.Protocol === 'HTTPS' ? l.SslPolicy : undefined,
          default: l.DefaultActions?.map(a =>
            a.Type === 'redirect'
              ? `redirect ${a.RedirectConfig?.Protocol}:${a.RedirectConfig?.Port} ${a.RedirectConfig?.StatusCode}`
              : `${a.Type} ${a.FixedResponseConfig?.StatusCode ?? ''}`,
          ),
          rules: Rules.filter(r => !r.IsDefault).map(
            r => `${r.Priority} ${r.Actions?.[0]?.TargetGroupArn}`,
          ),
        };
      }
      return out;
    };
    const tg = first.targetGroupArns[0];
    const redirecting = await listeners();
    expect(redirecting).toEqual({
      80: {
        arn: expect.any(String),
        protocol: 'HTTP',
        certificates: [],
        sslPolicy: undefined,
        default: ['redirect HTTPS:443 HTTP_301'],
        rules: [],
      },
      443: {
        arn: expect.any(String),
        protocol: 'HTTPS',
        certificates: [certificateArn],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        default: ['fixed-response 404'],
        rules: [`1 ${tg}`],
      },
    });
    // Again: nothing changes.
    await apply({
      ...secure,
      annotations: { ...https, [`${A}ssl-redirect`]: '443' },
    });
    expect(await listeners()).toEqual(redirecting);
    // Without the redirect, port 80 serves the application too.
    await apply({ ...secure, annotations: https });
    expect((await listeners())[80]).toMatchObject({
      arn: (redirecting[80] as { arn: string }).arn,
      default: ['fixed-response 404'],
      rules: [`1 ${tg}`],
    });
    // Back to plain HTTP: the HTTPS listener goes.
    await apply(secure);
    expect(Object.keys(await listeners())).toEqual(['80']);
    // A redirect to a port the Ingress does not listen on: refused, nothing changes.
    await expect(
      apply({ ...secure, annotations: { [`${A}ssl-redirect`]: '443' } }),
    ).rejects.toThrow(
      '("Failed build model due to listener does not exist for SSLRedirect port: 443")',
    );
    expect(Object.keys(await listeners())).toEqual(['80']);
  });
});
