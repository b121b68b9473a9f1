import { AuthService } from '@backstage/backend-plugin-api';
import { randomUUID } from 'node:crypto';
import {
  TestCaches,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  FaultProxy,
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID,
  sandboxAwsConfig,
  sandboxCredentialsManager,
  seedSandboxNetwork,
  startFaultProxy,
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
import { RedisTokenBuckets } from './service/RedisTokenBuckets';
import {
  AccountRegionLimiters,
  CallBudgets,
} from './service/TokenBucketLimiter';

const caches = TestCaches.create({ ids: ['REDIS_7'] });

jest.setTimeout(180_000);

/** 23 entities: two sweep batches (20 + 3); app-0 has two target groups. */
const FLEET = 23;

const fleetEntity = (i: number) =>
  entity(
    {
      'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=fleet,ingress.k8s.aws/stack=fleet/app-${i}`,
      'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
      'aws.amazon.com/region': 'us-east-1',
    },
    `app-${i}`,
  );
const notDeployed = entity(
  {
    'aws.amazon.com/elbv2-load-balancer-tags':
      'elbv2.k8s.aws/cluster=fleet,ingress.k8s.aws/stack=fleet/not-deployed',
    'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
    'aws.amazon.com/region': 'us-east-1',
  },
  'not-deployed',
);
const entities = [
  ...Array.from({ length: FLEET }, (_, i) => fleetEntity(i)),
  notDeployed,
];
const auth = {
  getOwnServiceCredentials: async () => mockCredentials.service(),
} as unknown as AuthService;

describe('the health sweep against moto_server', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let restore: () => void;

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    const network = await seedSandboxNetwork();
    const elbv2 = await networkElbv2();
    for (let i = 0; i < FLEET; i++) {
      await createLbcAlb({
        elbv2,
        network,
        name: `fleet-app-${i}`,
        cluster: 'fleet',
        stack: `fleet/app-${i}`,
        targetGroups: i === 0 ? 2 : 1,
        targetsPerGroup: 2,
      });
    }
    restore();
    proxy = await startFaultProxy({ target: moto.endpoint });
    restore = useSandboxEndpoint(proxy.endpoint);
  });
  afterAll(async () => {
    restore?.();
    await proxy?.stop();
    await moto?.stop();
  });

  function setUp(limits: { ratePerSecond: number; burst: number }) {
    return replica(
      new AccountRegionLimiters({ ...limits, maxWaitMs: 0 }),
      new MemoryCache(),
      // The service's settings say the same as the bucket: the sweep paces itself by them.
      {
        rateLimit: {
          callsPerSecond: limits.ratePerSecond,
          burst: limits.burst,
          maxWaitMs: 0,
        },
      },
    );
  }

  /** A backend replica: its own client factory and budget object, the given cache. */
  function replica(
    limiters: CallBudgets,
    cache: MemoryCache,
    awsAlb: object = {},
  ) {
    let clock = Date.now();
    const settings = readAwsAlbSettings(
      new ConfigReader({ aws: sandboxAwsConfig(), awsAlb }),
    );
    const clientFactory = new DefaultAlbAwsClientFactory({
      awsClients: createAwsClientFactory({
        credentialsManager: sandboxCredentialsManager(),
      }),
      limiters,
      maxAttempts: 1,
    });
    const service = new DefaultAwsAlbService({
      catalog: catalogServiceMock({ entities }),
      cache,
      logger: mockServices.logger.mock(),
      settings,
      clientFactory,
      now: () => clock,
    });
    // The single-read path, for comparison: no sweep, its own cache.
    const single = new DefaultAwsAlbService({
      catalog: catalogServiceMock({ entities }),
      cache: new MemoryCache(),
      logger: mockServices.logger.mock(),
      settings,
      clientFactory: new DefaultAlbAwsClientFactory({
        awsClients: createAwsClientFactory({
          credentialsManager: sandboxCredentialsManager(),
        }),
        limiters: new AccountRegionLimiters({
          ratePerSecond: 1000,
          burst: 1000,
          maxWaitMs: 0,
        }),
        maxAttempts: 1,
      }),
    });
    return {
      settings,
      service,
      single,
      limiters,
      clientFactory,
      sweep: () => service.createSweep(auth),
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }
  const view = (service: DefaultAwsAlbService, name: string) =>
    service.getEntityLoadBalancers({
      entityRef: `component:default/${name}`,
      credentials: mockCredentials.user(),
    });
  const readCounts = (from: number) => {
    const counts: Record<string, number> = {};
    for (const c of proxy.calls.slice(from)) {
      if (c.service === 'sts') continue;
      counts[c.action] = (counts[c.action] ?? 0) + 1;
    }
    return counts;
  };

  it('reads the fleet in batches: health first, listeners on the next pass, same data as single reads', async () => {
    const up = setUp({ ratePerSecond: 200, burst: 40 });
    const { service, single, advance, settings } = up;
    const sweep = up.sweep();
    let mark = proxy.calls.length;
    const first = await sweep.run(60_000);
    expect(first.entitiesRefreshed).toBe(FLEET + 1);
    // Two batches: one tag lookup and 20-ARN describes each; health one group a call.
    expect(readCounts(mark)).toEqual({
      GetResources: 2,
      DescribeLoadBalancers: 2,
      // 21 groups in the first batch (app-0 has two): 20 ARNs a call.
      DescribeTargetGroups: 3,
      DescribeTargetHealth: FLEET + 1,
    });

    mark = proxy.calls.length;
    const cold = await view(service, 'app-0');
    expect(readCounts(mark)).toEqual({});
    expect(cold.listenersPending).toBe(true);
    // Rules asked for before the sweep read the listeners: they are read now, not "no rules".
    const early = await service.getEntityListenerRules({
      entityRef: 'component:default/app-0',
      credentials: mockCredentials.user(),
    });
    expect(early.listeners.length).toBeGreaterThan(0);
    expect(early.listeners.every(l => l.rules.some(r => r.isDefault))).toBe(
      true,
    );
    const reference = await view(single, 'app-0');
    expect(cold.loadBalancers.map(lb => ({ ...lb, listeners: [] }))).toEqual(
      reference.loadBalancers.map(lb => ({ ...lb, listeners: [] })),
    );
    expect(cold.loadBalancers[0].targetGroups).toHaveLength(2);
    await expect(view(service, 'not-deployed')).rejects.toMatchObject({
      name: 'NotFoundError',
    });

    // Past the sweep's minimum age: the next passes also read listeners, at most 5 a batch
    // (app-0 to app-4 in the first batch, app-20 to app-22 in the second).
    advance(settings.sweep!.minAgeMs + 1);
    mark = proxy.calls.length;
    const second = await sweep.run(60_000);
    expect(second.entitiesRefreshed).toBe(FLEET + 1);
    expect(readCounts(mark)).toEqual({
      GetResources: 2,
      DescribeLoadBalancers: 2,
      // 21 groups in the first batch (app-0 has two): 20 ARNs a call.
      DescribeTargetGroups: 3,
      DescribeTargetHealth: FLEET + 1,
      DescribeListeners: 8,
    });
    const warm = await view(service, 'app-0');
    expect(warm.listenersPending).toBeUndefined();
    expect(warm.loadBalancers).toEqual(reference.loadBalancers);
    // Three more passes read the other 15, each load balancer's listeners once.
    for (let pass = 0; pass < 3; pass++) {
      advance(settings.sweep!.minAgeMs + 1);
      await sweep.run(60_000);
    }
    expect(readCounts(mark).DescribeListeners).toBe(FLEET);
    for (let i = 0; i < FLEET; i++) {
      expect(
        (await view(service, `app-${i}`)).listenersPending,
      ).toBeUndefined();
    }

    // A long health cycle (a large fleet): past their TTL, listeners still wait for three
    // health refreshes of their entity, so they never take more than a third of its calls.
    advance(settings.sweep!.listenersTtlMs + 1);
    mark = proxy.calls.length;
    expect((await sweep.run(60_000)).entitiesRefreshed).toBe(FLEET + 1);
    expect(readCounts(mark).DescribeListeners).toBeUndefined();
    // Short cycles again: the TTL rules, 5 load balancers a batch.
    advance(settings.sweep!.minAgeMs + 1);
    mark = proxy.calls.length;
    await sweep.run(60_000);
    expect(readCounts(mark).DescribeListeners).toBe(8);

    // Fresh answers are left alone.
    mark = proxy.calls.length;
    expect((await sweep.run(60_000)).entitiesRefreshed).toBe(0);
    expect(readCounts(mark)).toEqual({});
  });

  it('answers a never-read entity "queued" when the budget is spent, and the sweep reads it first', async () => {
    const up = setUp({ ratePerSecond: 0.001, burst: 8 });
    const { service, limiters } = up;
    const sweep = up.sweep();
    const budget = limiters.get(SANDBOX_NETWORK_ACCOUNT_ID, 'us-east-1');
    expect(await budget.takeAvailable(8, 0)).toBe(8);
    const mark = proxy.calls.length;
    const res = await view(service, 'app-7');
    expect(res).toMatchObject({
      loadBalancers: [],
      queued: { expectedWaitSeconds: expect.any(Number) },
    });
    expect(res.queued!.expectedWaitSeconds).toBeGreaterThanOrEqual(1);
    expect(readCounts(mark)).toEqual({});
    // With nothing in the bucket the sweep spends nothing either.
    expect((await sweep.run(500)).calls).toBe(0);
    expect(readCounts(mark)).toEqual({});
  });

  it('puts entities someone asked for ahead of the others', async () => {
    const up = setUp({ ratePerSecond: 0.001, burst: 8 });
    const { service, limiters } = up;
    const sweep = up.sweep();
    const budget = limiters.get(SANDBOX_NETWORK_ACCOUNT_ID, 'us-east-1');
    await budget.takeAvailable(8, 0);
    await view(service, 'app-21'); // queued, and wanted
    await budget.refund(8);
    // Enough for one small batch: a tag lookup, two describes and one health read (+2 kept).
    const run = await sweep.run(1000);
    expect(run.entitiesRefreshed).toBeGreaterThanOrEqual(1);
    const res = await view(service, 'app-21');
    expect(res.queued).toBeUndefined();
    expect(res.loadBalancers[0].name).toBe('fleet-app-21');
  });

  describe('two replicas sharing Redis', () => {
    if (!caches.supports('REDIS_7')) {
      // Needs BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING (or Docker).
      // eslint-disable-next-line jest/no-disabled-tests, jest/expect-expect
      it.skip('needs a Redis 7', () => {});
      return;
    }
    const open: RedisTokenBuckets[] = [];
    afterAll(() => Promise.all(open.map(b => b.close())));
    const redisBudget = (
      connection: string,
      keyPrefix: string,
      limits: { ratePerSecond: number; burst: number; maxWaitMs: number },
    ) => {
      const budgets = new RedisTokenBuckets({
        connection,
        keyPrefix,
        ...limits,
        logger: mockServices.logger.mock(),
      });
      open.push(budgets);
      return budgets;
    };

    it('spend one budget together: calls through both stay within burst + rate × time', async () => {
      const { connection } = await caches.init('REDIS_7');
      const prefix = `aws-alb-test-${randomUUID()}`;
      const limits = { ratePerSecond: 2, burst: 6, maxWaitMs: 2000 };
      const cache = new MemoryCache();
      const replicas = [0, 1].map(
        () =>
          replica(redisBudget(connection, prefix, limits), cache, {
            sweep: { enabled: false },
            rateLimit: { callsPerSecond: 2, burst: 6, maxWaitMs: 2000 },
          }).service,
      );
      const mark = proxy.calls.length;
      const started = Date.now();
      // Every entity at once, half through each replica: 23 reads of 5 calls wanted.
      const results = await Promise.allSettled(
        entities.map((e, i) => view(replicas[i % 2], e.metadata.name)),
      );
      const elapsedS = (Date.now() - started) / 1000;
      const calls = Object.values(readCounts(mark)).reduce((a, b) => a + b, 0);
      expect(
        results.filter(r => r.status === 'fulfilled').length,
      ).toBeGreaterThan(0);
      // One bucket: at most the burst plus what refilled while the reads ran. Two buckets of
      // the same size would have allowed twice the burst at once.
      expect(calls).toBeLessThanOrEqual(
        limits.burst + Math.ceil(limits.ratePerSecond * elapsedS),
      );
      expect(calls).toBeGreaterThanOrEqual(5);
    });

    it('a never-read entity is queued on one replica, and the sweep on the other answers it', async () => {
      const { connection } = await caches.init('REDIS_7');
      const prefix = `aws-alb-test-${randomUUID()}`;
      // Room for one 6-call read (app-0 has two groups), then 4 calls: not a second read,
      // but one sweep batch (tag lookup, two describes, one target health).
      const limits = { ratePerSecond: 0.001, burst: 10, maxWaitMs: 0 };
      const cache = new MemoryCache();
      const awsAlb = {
        sweep: { headroomCalls: 0 },
        rateLimit: { callsPerSecond: 0.001, burst: 10, maxWaitMs: 0 },
      };
      const a = replica(redisBudget(connection, prefix, limits), cache, awsAlb);
      const b = replica(redisBudget(connection, prefix, limits), cache, awsAlb);
      const sweepA = a.sweep();
      b.sweep(); // b runs no sweep: the scheduler's global task runs on one replica only

      let mark = proxy.calls.length;
      const first = await view(a.service, 'app-0');
      expect(first.loadBalancers).toHaveLength(1);
      expect(readCounts(mark)).toEqual({
        GetResources: 1,
        DescribeLoadBalancers: 1,
        DescribeListeners: 1,
        DescribeTargetGroups: 1,
        DescribeTargetHealth: 2,
      });
      mark = proxy.calls.length;
      const queued = await view(b.service, 'app-1');
      expect(queued.queued?.expectedWaitSeconds).toBeGreaterThanOrEqual(1);
      expect(readCounts(mark)).toEqual({});

      const run = await sweepA.run(2000);
      expect(run.entitiesRefreshed).toBeGreaterThanOrEqual(1);
      expect(readCounts(mark)).toEqual({
        GetResources: 1,
        DescribeLoadBalancers: 1,
        DescribeTargetGroups: 1,
        DescribeTargetHealth: 1,
      });
      const answered = await view(b.service, 'app-1');
      expect(answered.queued).toBeUndefined();
      expect(answered.loadBalancers[0].name).toBe('fleet-app-1');
      expect(answered.listenersPending).toBe(true);
    });
  });
});
