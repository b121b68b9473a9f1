import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ACCOUNT,
  MemoryCache,
  ROLE_ARN,
  arnEntity,
  callCounts,
  entity,
  healthy,
  lbArn,
  plainClientFactory,
  settings,
  stubAlbs,
  taggedEntity,
} from '../__testUtils__/fixtures';
import {
  AwsAlbSettings,
  DefaultAwsAlbService,
  expectedCalls,
  readAwsAlbSettings,
} from './DefaultAwsAlbService';
import { AwsThrottledError } from './errors';
import { LimiterSaturatedError } from './TokenBucketLimiter';

const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const credentials = mockCredentials.user();
const ARN = lbArn('k8s-game');

function setup(
  overrides: Partial<AwsAlbSettings> = {},
  entities = [taggedEntity(), arnEntity(ARN)],
) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const cache = new MemoryCache(clock.now);
  const service = new DefaultAwsAlbService({
    catalog: catalogServiceMock({ entities }),
    cache,
    logger: mockServices.logger.mock(),
    settings: settings(overrides),
    clientFactory: plainClientFactory,
    now: clock.now,
  });
  const get = (ref = 'component:default/game-2048') =>
    service.getEntityLoadBalancers({ entityRef: ref, credentials });
  return { service, cache, clock, get };
}

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $retryable: { throttling: true },
  });

beforeEach(() => {
  elbv2Mock.reset();
  taggingMock.reset();
  stubAlbs(elbv2Mock, taggingMock, [
    {
      arn: ARN,
      name: 'k8s-game',
      targetGroups: [
        { name: 'tg', health: [healthy('10.0.0.1'), healthy('10.0.0.2')] },
      ],
    },
  ]);
});

describe('DefaultAwsAlbService', () => {
  it('answers with the entity ref, account, region and fetchedAt', async () => {
    const { get } = setup();
    const res = await get();
    expect(res).toMatchObject({
      entityRef: 'component:default/game-2048',
      accountId: ACCOUNT,
      region: 'us-east-1',
      fetchedAt: '2026-01-01T00:00:00.000Z',
      stale: false,
    });
    expect(res.staleReason).toBeUndefined();
    expect(res.loadBalancers[0].targetGroups[0].counts).toEqual({ healthy: 2 });
  });

  it('serves from the cache within the TTL, with no AWS call', async () => {
    const { get, clock } = setup();
    await get();
    const before = elbv2Mock.calls().length + taggingMock.calls().length;
    clock.advance(14_000);
    await get();
    expect(elbv2Mock.calls().length + taggingMock.calls().length).toBe(before);
    clock.advance(2_000);
    const fresh = await get();
    expect(fresh.fetchedAt).toBe('2026-01-01T00:00:16.000Z');
    expect(taggingMock.commandCalls(GetResourcesCommand)).toHaveLength(2);
  });

  it('shares one AWS read between identical concurrent requests', async () => {
    const { get } = setup();
    const results = await Promise.all(Array.from({ length: 50 }, () => get()));
    expect(new Set(results.map(r => r.fetchedAt)).size).toBe(1);
    expect(callCounts(elbv2Mock, taggingMock)).toEqual({
      GetResources: 1,
      DescribeLoadBalancers: 1,
      DescribeListeners: 1,
      DescribeTargetGroups: 1,
      DescribeTargetHealth: 1,
    });
  });

  describe('two replicas on one shared cache', () => {
    function twoReplicas() {
      const { cache, clock } = setup();
      const replica = () =>
        new DefaultAwsAlbService({
          catalog: catalogServiceMock({ entities: [taggedEntity()] }),
          cache,
          logger: mockServices.logger.mock(),
          settings: settings({ sharedCache: true }),
          clientFactory: plainClientFactory,
          now: clock.now,
          // Real time passes while the other replica reads; the clock stands still.
          sleep: ms => new Promise(r => setTimeout(r, Math.min(ms, 5))),
        });
      const a = replica();
      const b = replica();
      const view = (service: DefaultAwsAlbService) =>
        service.getEntityLoadBalancers({
          entityRef: 'component:default/game-2048',
          credentials,
        });
      return { a, b, view, clock };
    }

    it('make the AWS calls of one when both are viewed at the same time', async () => {
      const { a, b, view } = twoReplicas();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => view(i % 2 ? a : b)),
      );
      expect(new Set(results.map(r => r.fetchedAt)).size).toBe(1);
      expect(results.every(r => !r.stale)).toBe(true);
      expect(callCounts(elbv2Mock, taggingMock)).toEqual({
        GetResources: 1,
        DescribeLoadBalancers: 1,
        DescribeListeners: 1,
        DescribeTargetGroups: 1,
        DescribeTargetHealth: 1,
      });
    });

    it('the waiting replica reads for itself when the reader fails', async () => {
      const { a, b, view } = twoReplicas();
      taggingMock
        .on(GetResourcesCommand)
        .rejectsOnce(throttled())
        .resolves({
          ResourceTagMappingList: [
            {
              ResourceARN: ARN,
              Tags: [
                { Key: 'elbv2.k8s.aws/cluster', Value: 'demo' },
                {
                  Key: 'ingress.k8s.aws/stack',
                  Value: 'game-2048/ingress-2048',
                },
              ],
            },
          ],
        });
      const [fromB, fromA] = await Promise.allSettled([view(b), view(a)]);
      // One of them got the throttling error; the other read again and got the ALB.
      const outcomes = [fromB, fromA].map(r => r.status).sort();
      expect(outcomes).toEqual(['fulfilled', 'rejected']);
      expect(taggingMock.commandCalls(GetResourcesCommand)).toHaveLength(2);
    });
  });

  it('shares the cache entry between entities pointing at the same ALB', async () => {
    const { get } = setup({}, [taggedEntity('a'), taggedEntity('b')]);
    await get('component:default/a');
    const res = await get('component:default/b');
    expect(res.entityRef).toBe('component:default/b');
    expect(taggingMock.commandCalls(GetResourcesCommand)).toHaveLength(1);
  });

  it('serves the last good answer marked stale when AWS fails, for a bounded time', async () => {
    const { get, clock } = setup({ staleTtlMs: 60_000 });
    await get();
    clock.advance(20_000);
    elbv2Mock.on(DescribeTargetHealthCommand).rejects(throttled());
    const stale = await get();
    expect(stale).toMatchObject({
      stale: true,
      fetchedAt: '2026-01-01T00:00:00.000Z',
      staleReason: expect.stringContaining(
        'AWS throttled elasticloadbalancing:DescribeTargetHealth in account 111111111111',
      ),
    });
    expect(stale.loadBalancers).toHaveLength(1);
    clock.advance(41_000);
    await expect(get()).rejects.toBeInstanceOf(AwsThrottledError);
  });

  it('does not serve a deleted ALB as stale', async () => {
    const { get, clock } = setup();
    await get('component:default/game-arn');
    clock.advance(20_000);
    elbv2Mock.on(DescribeLoadBalancersCommand).rejects(
      Object.assign(new Error('not found'), {
        name: 'LoadBalancerNotFoundException',
      }),
    );
    elbv2Mock.on(DescribeListenersCommand).rejects(
      Object.assign(new Error('not found'), {
        name: 'LoadBalancerNotFoundException',
      }),
    );
    await expect(get('component:default/game-arn')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'aws.amazon.com/elbv2-load-balancer-arn',
      ),
    });
  });

  describe('errors', () => {
    it('404 when the entity is missing or not visible to the caller', async () => {
      const { get } = setup();
      await expect(get('component:default/nope')).rejects.toMatchObject({
        name: 'NotFoundError',
        message:
          'Entity component:default/nope was not found in the catalog, or you are not allowed to see it',
      });
    });

    it('400 naming the annotation when annotations are missing', async () => {
      const { get } = setup({}, [entity({}, 'bare')]);
      await expect(get('component:default/bare')).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(
          'aws.amazon.com/elbv2-load-balancer-arn',
        ),
      });
    });

    it('403 naming aws.accounts when the account is not configured', async () => {
      const { get } = setup({ allowedAccountIds: ['999999999999'] });
      await expect(get()).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringMatching(
          /Account 111111111111 is not configured .* aws\.accounts/,
        ),
      });
      expect(taggingMock.calls()).toHaveLength(0);
    });

    it('403 naming awsAlb.allowedAccountIds when that list is used', async () => {
      const { get } = setup({
        allowedAccountIds: ['999999999999'],
        allowListConfigKey: 'awsAlb.allowedAccountIds',
      });
      await expect(get()).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining('add it to awsAlb.allowedAccountIds'),
      });
    });

    it('403 naming account, role and API action on AccessDenied', async () => {
      const { get } = setup();
      elbv2Mock
        .on(DescribeTargetHealthCommand)
        .rejects(
          Object.assign(
            new Error(
              'User: arn:aws:sts::111111111111:assumed-role/backstage-alb-network/backstage is not authorized to perform: elasticloadbalancing:DescribeTargetHealth',
            ),
            { name: 'AccessDenied' },
          ),
        );
      const error = await get().catch(e => e);
      expect(error.name).toBe('NotAllowedError');
      expect(error.message).toContain(
        `AWS denied elasticloadbalancing:DescribeTargetHealth to role ${ROLE_ARN} in account 111111111111 (us-east-1): add elasticloadbalancing:DescribeTargetHealth to that role's policy`,
      );
    });

    it('403 naming sts:AssumeRole when the role cannot be assumed', async () => {
      const { get } = setup();
      taggingMock
        .on(GetResourcesCommand)
        .rejects(
          Object.assign(
            new Error(
              'User: arn:aws:iam::999999999999:user/backstage is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/backstage-alb-network',
            ),
            { name: 'AccessDenied' },
          ),
        );
      await expect(get()).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining(
          `could not assume role ${ROLE_ARN} in account 111111111111: allow sts:AssumeRole`,
        ),
      });
    });

    it('404 saying the controller has not created the ALB, with the tags searched', async () => {
      const { get } = setup();
      taggingMock
        .on(GetResourcesCommand)
        .resolves({ ResourceTagMappingList: [] });
      await expect(get()).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringContaining(
          'No load balancer in account 111111111111 (us-east-1) has the tags elbv2.k8s.aws/cluster=demo, ingress.k8s.aws/stack=game-2048/ingress-2048: the AWS Load Balancer Controller has not created it yet',
        ),
      });
    });

    it('caches "not created yet" too, so polling a missing ALB stays cheap', async () => {
      const { get } = setup();
      taggingMock
        .on(GetResourcesCommand)
        .resolves({ ResourceTagMappingList: [] });
      await expect(get()).rejects.toThrow();
      await expect(get()).rejects.toThrow();
      expect(taggingMock.commandCalls(GetResourcesCommand)).toHaveLength(1);
    });

    it('404 when the ARN annotation names a deleted ALB', async () => {
      const { get } = setup();
      elbv2Mock.on(DescribeLoadBalancersCommand).rejects(
        Object.assign(new Error('not found'), {
          name: 'LoadBalancerNotFoundException',
        }),
      );
      await expect(get('component:default/game-arn')).rejects.toMatchObject({
        name: 'NotFoundError',
      });
    });

    it('503 with retryAfterSeconds when AWS throttles and nothing is cached', async () => {
      const { get } = setup();
      taggingMock.on(GetResourcesCommand).rejects(throttled());
      const error = await get().catch(e => e);
      expect(error).toBeInstanceOf(AwsThrottledError);
      expect(error.name).toBe('ServiceUnavailableError');
      expect(error.retryAfterSeconds).toBe(5);
      expect(error.message).toContain('tag:GetResources');
    });

    it('503 with the limiter wait when the portal budget is exhausted', async () => {
      const { get } = setup();
      taggingMock
        .on(GetResourcesCommand)
        .rejects(
          new LimiterSaturatedError('account 111111111111 in us-east-1', 3200),
        );
      const error = await get().catch(e => e);
      expect(error.name).toBe('ServiceUnavailableError');
      expect(error.retryAfterSeconds).toBe(4);
      expect(error.message).toContain('awsAlb.rateLimit');
    });

    it('names the failing action for other AWS errors', async () => {
      const { get } = setup();
      elbv2Mock
        .on(DescribeListenersCommand)
        .rejects(Object.assign(new Error('boom'), { name: 'InternalFailure' }));
      await expect(get()).rejects.toThrow(
        'AWS elasticloadbalancing:DescribeListeners failed in account 111111111111 (us-east-1)',
      );
    });
  });
});

describe('readAwsAlbSettings', () => {
  it('defaults and the aws.accounts allow-list', () => {
    const s = readAwsAlbSettings(
      new ConfigReader({
        aws: {
          accounts: [{ accountId: ACCOUNT, roleName: 'backstage-alb-network' }],
        },
      }),
    );
    expect(s).toEqual({
      allowedAccountIds: [ACCOUNT],
      allowListConfigKey: 'aws.accounts',
      roleArns: { [ACCOUNT]: ROLE_ARN },
      cacheTtlMs: 15_000,
      staleTtlMs: 600_000,
      rulesTtlMs: 300_000,
      targetHealthConcurrency: 8,
      rateLimit: { callsPerSecond: 4, burst: 8, maxWaitMs: 2000 },
      maxAttempts: 3,
      sharedCache: false,
      sweep: {
        enabled: true,
        frequencyMs: 10_000,
        headroomCalls: 2,
        listenersTtlMs: 600_000,
        entitiesRefreshMs: 60_000,
        minAgeMs: 45_000,
      },
    });
  });

  it('shares the call budget through Redis when the cache is Redis', () => {
    const s = readAwsAlbSettings(
      new ConfigReader({
        backend: {
          cache: {
            store: 'redis',
            connection: 'redis://cache:6379',
            redis: { client: { namespace: 'portal' } },
          },
        },
      }),
    );
    expect(s.sharedBudget).toEqual({
      connection: 'redis://cache:6379',
      keyPrefix: 'aws-alb:portal',
    });
    expect(
      readAwsAlbSettings(new ConfigReader({ backend: { cache: {} } }))
        .sharedBudget,
    ).toBeUndefined();
  });

  it('knows when replicas share the cache', () => {
    const read = (store?: string) =>
      readAwsAlbSettings(
        new ConfigReader({ backend: store ? { cache: { store } } : {} }),
      ).sharedCache;
    expect([read(), read('memory'), read('redis'), read('valkey')]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });

  it('reads every awsAlb setting', () => {
    const s = readAwsAlbSettings(
      new ConfigReader({
        awsAlb: {
          allowedAccountIds: ['333333333333'],
          cache: { ttlSeconds: 30, staleTtlSeconds: 120 },
          rateLimit: { callsPerSecond: 2, burst: 4, maxWaitMs: 500 },
          targetHealthConcurrency: 2,
          maxAttempts: 5,
        },
      }),
    );
    expect(s).toMatchObject({
      allowedAccountIds: ['333333333333'],
      allowListConfigKey: 'awsAlb.allowedAccountIds',
      cacheTtlMs: 30_000,
      staleTtlMs: 120_000,
      rateLimit: { callsPerSecond: 2, burst: 4, maxWaitMs: 500 },
      targetHealthConcurrency: 2,
      maxAttempts: 5,
    });
  });

  it('refuses a non-positive rate', () => {
    expect(() =>
      readAwsAlbSettings(
        new ConfigReader({ awsAlb: { rateLimit: { callsPerSecond: 0 } } }),
      ),
    ).toThrow('awsAlb.rateLimit.callsPerSecond must be a positive number');
  });
});

describe('expectedCalls', () => {
  const tags = {
    kind: 'tags' as const,
    tags: [],
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
  };
  const byArn = {
    kind: 'arn' as const,
    arn: ARN,
    accountId: ACCOUNT,
    region: 'us-east-1',
    partition: 'aws',
  };
  const lb = (tgs: string[]) =>
    ({ targetGroups: tgs.map(arn => ({ arn })) } as any);

  it('guesses one ALB with one group when nothing is cached', () => {
    expect(expectedCalls(tags, undefined)).toBe(5);
    expect(expectedCalls(byArn, undefined)).toBe(4);
  });

  it('counts from the last answer', () => {
    expect(
      expectedCalls(tags, { loadBalancers: [lb(['a', 'b', 'c', 'd'])] }),
    ).toBe(8);
    expect(
      expectedCalls(tags, { loadBalancers: [lb(['a']), lb(['a', 'b'])] }),
    ).toBe(1 + 1 + 4 + 2);
    expect(expectedCalls(tags, { loadBalancers: [] })).toBe(1);
    expect(expectedCalls(byArn, { loadBalancers: [] })).toBe(3);
  });
});

describe('budget priority', () => {
  it('refreshes a stale-servable answer only if budget is free now, first reads may wait', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const withBudget = jest.fn(
      async (
        _a: string,
        _r: string,
        _calls: number,
        fn: () => Promise<unknown>,
        _options?: { maxWaitMs?: number },
      ) => fn(),
    );
    const service = new DefaultAwsAlbService({
      catalog: catalogServiceMock({ entities: [taggedEntity()] }),
      cache: new MemoryCache(() => now),
      logger: mockServices.logger.mock(),
      settings: settings(),
      clientFactory: { ...plainClientFactory, withBudget } as any,
      now: () => now,
    });
    const get = () =>
      service.getEntityLoadBalancers({
        entityRef: 'component:default/game-2048',
        credentials,
      });
    await get();
    expect(withBudget).toHaveBeenLastCalledWith(
      ACCOUNT,
      'us-east-1',
      5,
      expect.any(Function),
      undefined,
    );
    now += 20_000;
    await get();
    expect(withBudget).toHaveBeenLastCalledWith(
      ACCOUNT,
      'us-east-1',
      5,
      expect.any(Function),
      {
        maxWaitMs: 0,
      },
    );
  });
});
