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
  healthy,
  lbArn,
  stubAlbs,
  taggedEntity,
} from './__testUtils__/fixtures';
import { awsAlbPlugin } from './plugin';

jest.setTimeout(60_000);

const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const caches = TestCaches.create({ ids: ['REDIS_7'] });
const path =
  '/api/aws-alb/v1/entity/default/component/game-2048/load-balancers';

/** A backend replica: its own plugin instance and process state, the shared Redis. */
function startReplica(connection: string, namespace: string) {
  return startTestBackend({
    features: [
      awsAlbPlugin,
      cacheServiceFactory,
      catalogServiceMock.factory({ entities: [taggedEntity()] }),
      mockServices.rootConfig.factory({
        data: {
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
});
