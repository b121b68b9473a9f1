import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_NETWORK_ROLE_NAME,
  SandboxNetwork,
  ensureSandboxPrincipals,
  sandboxAwsConfig,
  shippedPolicy,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { MemoryCache, entity } from './__testUtils__/fixtures';
import { createLbcAlb, networkElbv2 } from './__testUtils__/motoAlb';
import { DefaultAlbAwsClientFactory } from './service/clients';
import {
  DefaultAwsAlbService,
  readAwsAlbSettings,
} from './service/DefaultAwsAlbService';
import { AccountRegionLimiters } from './service/TokenBucketLimiter';
import { sandboxCredentialsManager, startFaultProxy } from 'sandbox';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';

jest.setTimeout(120_000);

describe('against moto_server', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let albArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    const created = await createLbcAlb({
      elbv2: await networkElbv2(),
      network,
      name: 'k8s-game2048-ingress2-abc123',
      cluster: 'demo',
      stack: 'game-2048/ingress-2048',
      targetGroups: 2,
      targetsPerGroup: 3,
    });
    albArn = created.arn;
  });
  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  const entities = [
    entity(
      {
        'aws.amazon.com/elbv2-load-balancer-tags':
          'elbv2.k8s.aws/cluster=demo,ingress.k8s.aws/stack=game-2048/ingress-2048',
        'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
        'aws.amazon.com/region': 'us-east-1',
      },
      'game-2048',
    ),
    entity(
      {
        'aws.amazon.com/elbv2-load-balancer-tags':
          'elbv2.k8s.aws/cluster=demo,ingress.k8s.aws/stack=game-2048/not-deployed',
        'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
        'aws.amazon.com/region': 'us-east-1',
      },
      'not-deployed',
    ),
  ];

  function service() {
    return DefaultAwsAlbService.fromConfig(
      new ConfigReader({ aws: sandboxAwsConfig() }),
      {
        catalog: catalogServiceMock({ entities }),
        cache: new MemoryCache(),
        logger: mockServices.logger.mock(),
      },
    );
  }

  it('finds the controller-tagged ALB in Account-A through the assumed role, with its targets', async () => {
    const res = await service().getEntityLoadBalancers({
      entityRef: 'component:default/game-2048',
      credentials: mockCredentials.user(),
    });
    expect(res.stale).toBe(false);
    expect(res.loadBalancers).toHaveLength(1);
    const [lb] = res.loadBalancers;
    expect(lb).toMatchObject({
      arn: albArn,
      name: 'k8s-game2048-ingress2-abc123',
      scheme: 'internet-facing',
      type: 'application',
      vpcId: network.vpcId,
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      tags: expect.objectContaining({ 'elbv2.k8s.aws/cluster': 'demo' }),
    });
    expect(lb.arn).toContain(':111111111111:');
    expect(lb.availabilityZones.map(az => az.subnetId).sort()).toEqual(
      network.publicSubnets.map(s => s.subnetId).sort(),
    );
    expect(lb.listeners.map(l => [l.port, l.defaultActions[0].type])).toEqual([
      [80, 'forward'],
      [81, 'forward'],
    ]);
    expect(lb.targetGroups).toHaveLength(2);
    for (const tg of lb.targetGroups) {
      expect(tg.targetType).toBe('ip');
      expect(tg.targets).toHaveLength(3);
      // moto reports every registered target healthy; other states are unit-tested.
      expect(tg.counts).toEqual({ healthy: 3 });
    }
  });

  it('says the controller has not created the ALB when no ALB has the tags', async () => {
    await expect(
      service().getEntityLoadBalancers({
        entityRef: 'component:default/not-deployed',
        credentials: mockCredentials.user(),
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'ingress.k8s.aws/stack=game-2048/not-deployed: the AWS Load Balancer Controller has not created it yet',
      ),
    });
  });

  it('needs its shipped policy statement: without it the read is refused, naming the account, role and action', async () => {
    // The sandbox's IAM gateway evaluates the network role with the policies it carries.
    const principals = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      networkAccountIds: [SANDBOX_NETWORK_ACCOUNT_ID],
      workloadAccountIds: [],
      networkRoleName: SANDBOX_NETWORK_ROLE_NAME,
      workloadRoleName: 'backstage-alb-workload',
    };
    const health = shippedPolicy('health');
    expect(health.Statement.map((st: { Sid: string }) => st.Sid)).toEqual([
      'ReadLoadBalancerHealth',
      'ReadLoadBalancerMetrics',
      // Needed by the certificates route: certificates.moto.test.ts.
      'ReadListenerCertificates',
    ]);
    // The sandbox's network role also carries the scaffolder's policy (one role for both
    // plugins), which may read tags too: the health policy is judged alone, as a portal that
    // gives the health backend a role of its own would run it.
    await ensureSandboxPrincipals({
      ...principals,
      policyOverrides: {
        health: { ...health, Statement: [] },
        network: { ...shippedPolicy('network'), Statement: [] },
      },
    });
    try {
      await expect(
        service().getEntityLoadBalancers({
          entityRef: 'component:default/game-2048',
          credentials: mockCredentials.user(),
        }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining(
          `AWS denied tag:GetResources to role arn:aws:iam::${SANDBOX_NETWORK_ACCOUNT_ID}:role/${SANDBOX_NETWORK_ROLE_NAME} in account ${SANDBOX_NETWORK_ACCOUNT_ID}`,
        ),
      });
    } finally {
      await ensureSandboxPrincipals(principals);
    }
    await expect(
      service().getEntityLoadBalancers({
        entityRef: 'component:default/game-2048',
        credentials: mockCredentials.user(),
      }),
    ).resolves.toMatchObject({ loadBalancers: [{ arn: albArn }] });

    // The golden signals need the metrics statement, and only it.
    await ensureSandboxPrincipals({
      ...principals,
      policyOverrides: {
        health: {
          ...health,
          Statement: health.Statement.filter(
            (st: { Sid: string }) => st.Sid !== 'ReadLoadBalancerMetrics',
          ),
        },
        network: { ...shippedPolicy('network'), Statement: [] },
      },
    });
    try {
      await expect(
        service().getEntityLoadBalancerSignals({
          entityRef: 'component:default/game-2048',
          credentials: mockCredentials.user(),
        }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining('AWS denied cloudwatch:GetMetricData'),
      });
    } finally {
      await ensureSandboxPrincipals(principals);
    }
    await expect(
      service().getEntityLoadBalancerSignals({
        entityRef: 'component:default/game-2048',
        credentials: mockCredentials.user(),
      }),
    ).resolves.toMatchObject({
      range: '3h',
      loadBalancers: [{ loadBalancerArn: albArn, status: 'no-traffic' }],
    });
  });

  it('spends at most the configured budget, refusing whole reads rather than half', async () => {
    const proxy = await startFaultProxy({ target: moto.endpoint });
    const restoreProxy = useSandboxEndpoint(proxy.endpoint);
    try {
      const settings = readAwsAlbSettings(
        new ConfigReader({ aws: sandboxAwsConfig() }),
      );
      // 8 tokens, practically no refill, no waiting.
      const limiters = new AccountRegionLimiters({
        ratePerSecond: 0.001,
        burst: 8,
        maxWaitMs: 0,
      });
      const clientFactory = new DefaultAlbAwsClientFactory({
        awsClients: createAwsClientFactory({
          credentialsManager: sandboxCredentialsManager(),
        }),
        limiters,
        maxAttempts: 1,
      });
      const make = () =>
        new DefaultAwsAlbService({
          catalog: catalogServiceMock({ entities }),
          cache: new MemoryCache(),
          logger: mockServices.logger.mock(),
          settings,
          clientFactory,
        });
      const view = () =>
        make().getEntityLoadBalancers({
          entityRef: 'component:default/game-2048',
          credentials: mockCredentials.user(),
        });
      const reads = () => proxy.calls.filter(c => c.service !== 'sts').length;

      // Cold: 1 lookup + 3 describes + 2 target groups = 6 calls; 5 were reserved up front.
      await view();
      expect(reads()).toBe(6);
      // 2 tokens left, a read needs 5: refused before any call.
      await expect(view()).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
        retryAfterSeconds: expect.any(Number),
      });
      expect(reads()).toBe(6);
      expect(proxy.countsSince()).toEqual({
        'sts:AssumeRole': 1,
        'tag:GetResources': 1,
        'elasticloadbalancing:DescribeLoadBalancers': 1,
        'elasticloadbalancing:DescribeListeners': 1,
        'elasticloadbalancing:DescribeTargetGroups': 1,
        'elasticloadbalancing:DescribeTargetHealth': 2,
      });
    } finally {
      restoreProxy();
      await proxy.stop();
    }
  });
});
