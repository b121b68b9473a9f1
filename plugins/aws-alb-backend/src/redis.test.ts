import { randomUUID } from 'node:crypto';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { cacheServiceFactory } from '@backstage/backend-defaults/cache';
import {
  TestCaches,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { mockClient } from 'aws-sdk-client-mock';
import request from 'supertest';
import {
  ACCOUNT,
  callCounts,
  entity,
  healthy,
  tgArn,
  lbArn,
  stubAlbs,
  taggedEntity,
} from './__testUtils__/fixtures';
import { awsAlbPlugin } from './plugin';
import { Entity } from '@backstage/catalog-model';
import {
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';

/** Backstage's mock scheduler, whose instance also makes its service factory. */
type TestScheduler = SchedulerService & {
  factory(): ServiceFactory<SchedulerService>;
};
const testScheduler = () => mockServices.scheduler() as TestScheduler;

/** Ten entities on ten different ALB tag sets: ten reads of 5 calls each. */
const tenEntities = Array.from({ length: 10 }, (_, i) =>
  entity(
    {
      'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=demo,ingress.k8s.aws/stack=app/${i}`,
      'aws.amazon.com/account-id': ACCOUNT,
      'aws.amazon.com/region': 'us-east-1',
    },
    `app-${i}`,
  ),
);

jest.setTimeout(60_000);

const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const caches = TestCaches.create({ ids: ['REDIS_7'] });
const path =
  '/api/aws-alb/v1/entity/default/component/game-2048/load-balancers';

/** A backend replica: its own plugin instance and process state, the shared Redis. */
function startReplica(
  connection: string,
  namespace: string,
  options: {
    awsAlb?: object;
    entities?: Entity[];
    scheduler?: TestScheduler;
  } = {},
) {
  return startTestBackend({
    features: [
      awsAlbPlugin,
      cacheServiceFactory,
      catalogServiceMock.factory({
        entities: options.entities ?? [taggedEntity()],
      }),
      ...(options.scheduler ? [options.scheduler.factory()] : []),
      mockServices.rootConfig.factory({
        data: {
          ...(options.awsAlb ? { awsAlb: options.awsAlb } : {}),
          // A namespace per test: entries of another test (or run) never answer for this one.
          backend: {
            cache: {
              store: 'redis',
              connection,
              redis: { client: { namespace } },
            },
          },
          aws: {
            accounts: [
              { accountId: ACCOUNT, roleName: 'backstage-alb-network' },
            ],
          },
        },
      }),
    ],
  });
}

describe('two backend replicas sharing Redis', () => {
  if (!caches.supports('REDIS_7')) {
    // Needs BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING (or Docker).
    // eslint-disable-next-line jest/no-disabled-tests, jest/expect-expect
    it.skip('needs a Redis 7', () => {});
    return;
  }

  it('the second replica answers from the cache without AWS calls', async () => {
    const { connection } = await caches.init('REDIS_7');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn: lbArn('k8s-game'),
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
    const namespace = `aws-alb-test-${randomUUID()}`;
    const first = await startReplica(connection, namespace);
    const second = await startReplica(connection, namespace);
    try {
      const auth = mockCredentials.user.header();
      const a = await request(first.server)
        .get(path)
        .set('Authorization', auth);
      expect(a.status).toBe(200);
      const callsAfterFirst = callCounts(elbv2Mock, taggingMock);
      expect(callsAfterFirst).toEqual({
        GetResources: 1,
        DescribeLoadBalancers: 1,
        DescribeListeners: 1,
        DescribeTargetGroups: 1,
        DescribeTargetHealth: 1,
      });

      const b = await request(second.server)
        .get(path)
        .set('Authorization', auth);
      expect(b.status).toBe(200);
      expect(b.body).toEqual(a.body);
      expect(callCounts(elbv2Mock, taggingMock)).toEqual(callsAfterFirst);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('views through both replicas at the same moment make the AWS calls of one', async () => {
    const { connection } = await caches.init('REDIS_7');
    elbv2Mock.reset();
    taggingMock.reset();
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn: lbArn('k8s-game'),
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
    const namespace = `aws-alb-test-${randomUUID()}`;
    const replicas = [
      await startReplica(connection, namespace),
      await startReplica(connection, namespace),
    ];
    try {
      const auth = mockCredentials.user.header();
      const views = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(replicas[i % 2].server)
            .get(path)
            .set('Authorization', auth),
        ),
      );
      expect(views.map(v => v.status)).toEqual(Array(20).fill(200));
      expect(new Set(views.map(v => v.body.fetchedAt)).size).toBe(1);
      expect(callCounts(elbv2Mock, taggingMock)).toEqual({
        GetResources: 1,
        DescribeLoadBalancers: 1,
        DescribeListeners: 1,
        DescribeTargetGroups: 1,
        DescribeTargetHealth: 1,
      });
    } finally {
      await Promise.all(replicas.map(r => r.stop()));
    }
  });

  it('two replicas spend one budget together: the configured burst, not twice it', async () => {
    const { connection } = await caches.init('REDIS_7');
    elbv2Mock.reset();
    taggingMock.reset();
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn: lbArn('k8s-game'),
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
    const namespace = `aws-alb-test-${randomUUID()}`;
    // A burst of 10 calls and (almost) no refill: room for exactly two 5-call reads.
    const awsAlb = {
      rateLimit: { callsPerSecond: 0.001, burst: 10, maxWaitMs: 0 },
      sweep: { enabled: false },
    };
    const replicas = [
      await startReplica(connection, namespace, {
        awsAlb,
        entities: tenEntities,
      }),
      await startReplica(connection, namespace, {
        awsAlb,
        entities: tenEntities,
      }),
    ];
    try {
      const auth = mockCredentials.user.header();
      const statuses = [];
      for (let i = 0; i < 10; i++) {
        const res = await request(replicas[i % 2].server)
          .get(
            `/api/aws-alb/v1/entity/default/component/app-${i}/load-balancers`,
          )
          .set('Authorization', auth);
        statuses.push(res.status);
      }
      // Each replica alone would have had 10 calls: four reads would have gone through.
      expect(statuses.filter(st => st === 200)).toHaveLength(2);
      expect(statuses.filter(st => st === 503)).toHaveLength(8);
      const total = Object.values(callCounts(elbv2Mock, taggingMock)).reduce(
        (a, b) => a + b,
        0,
      );
      expect(total).toBe(10);
    } finally {
      await Promise.all(replicas.map(r => r.stop()));
    }
  });

  it('with the sweep, a never-read entity is queued (202), and the sweep on one replica answers both', async () => {
    const { connection } = await caches.init('REDIS_7');
    elbv2Mock.reset();
    taggingMock.reset();
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn: lbArn('k8s-game'),
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
    const namespace = `aws-alb-test-${randomUUID()}`;
    const awsAlb = {
      // Room for one 5-call read, then 4 calls: not a second read, but one sweep batch.
      rateLimit: { callsPerSecond: 0.001, burst: 9, maxWaitMs: 0 },
      sweep: { headroomCalls: 0 },
    };
    // The controller tags its target groups like its ALB: the sweep finds them by tag.
    const game = {
      Tags: [
        { Key: 'elbv2.k8s.aws/cluster', Value: 'demo' },
        { Key: 'ingress.k8s.aws/stack', Value: 'game-2048/ingress-2048' },
      ],
    };
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: lbArn('k8s-game'), ...game },
        { ResourceARN: tgArn('tg'), ...game },
      ],
    });
    elbv2Mock
      .on(DescribeTargetGroupsCommand, { TargetGroupArns: [tgArn('tg')] })
      .resolves({
        TargetGroups: [
          {
            TargetGroupArn: tgArn('tg'),
            TargetGroupName: 'tg',
            LoadBalancerArns: [lbArn('k8s-game')],
          },
        ],
      });
    const schedulers = [testScheduler(), testScheduler()];
    const replicas = [
      await startReplica(connection, namespace, {
        awsAlb,
        entities: [taggedEntity(), ...tenEntities],
        scheduler: schedulers[0],
      }),
      await startReplica(connection, namespace, {
        awsAlb,
        entities: [taggedEntity(), ...tenEntities],
        scheduler: schedulers[1],
      }),
    ];
    try {
      const auth = mockCredentials.user.header();
      const get = (replica: number, name: string) =>
        request(replicas[replica].server)
          .get(
            `/api/aws-alb/v1/entity/default/component/${name}/load-balancers`,
          )
          .set('Authorization', auth);
      // A view reads at once while the bucket holds a whole read: 9 - 5 leaves 4.
      const first = await get(0, 'app-0');
      expect(first.status).toBe(200);
      const second = await get(1, 'game-2048');
      expect(second.status).toBe(202);
      expect(second.body.queued.expectedWaitSeconds).toBeGreaterThanOrEqual(1);
      expect(second.headers['retry-after']).toBe(
        String(second.body.queued.expectedWaitSeconds),
      );
      expect(second.body.loadBalancers).toEqual([]);
      const before = callCounts(elbv2Mock, taggingMock);
      expect(before.DescribeTargetHealth).toBe(1);

      // The scheduler runs the global task on one replica: it reads game-2048 (asked for)
      // with the 4 calls left in the shared budget: tag lookup, two describes, one health.
      const tasks = await schedulers[0].getScheduledTasks();
      expect(tasks.map(t => [t.id, t.scope])).toEqual([
        ['aws-alb-health-sweep', 'global'],
      ]);
      await schedulers[0].triggerTask('aws-alb-health-sweep');
      const after = await get(1, 'game-2048');
      expect(after.status).toBe(200);
      expect(after.body.loadBalancers[0].name).toBe('k8s-game');
      expect(after.body.listenersPending).toBe(true);
      const counts = callCounts(elbv2Mock, taggingMock);
      const spent =
        Object.values(counts).reduce((a, b) => a + b, 0) -
        Object.values(before).reduce((a, b) => a + b, 0);
      expect(spent).toBe(4);
    } finally {
      await Promise.all(replicas.map(r => r.stop()));
    }
  });
});
