import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  BackstageCredentials,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EntityLoadBalancersResponse } from '@cross-account-alb/plugin-aws-alb-common';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchClient,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import request from 'supertest';
import {
  ACCOUNT,
  entity,
  healthy,
  lbArn,
  stubAlbs,
  taggedEntity,
} from './__testUtils__/fixtures';
import { awsAlbPlugin } from './plugin';

const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
const cloudwatchMock = mockClient(CloudWatchClient);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const ARN = lbArn('k8s-game');
const OWNER = 'user:default/alice';

const entities: Entity[] = [
  taggedEntity('game-2048'),
  entity(
    {
      'aws.amazon.com/elbv2-load-balancer-tags': 'elbv2.k8s.aws/cluster=demo',
      'aws.amazon.com/account-id': '333333333333',
      'aws.amazon.com/region': 'us-east-1',
    },
    'elsewhere',
  ),
  entity({}, 'bare'),
  ...['denied', 'throttled', 'missing'].map(cluster =>
    entity(
      {
        'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=${cluster}`,
        'aws.amazon.com/account-id': ACCOUNT,
        'aws.amazon.com/region': 'us-east-1',
      },
      cluster,
    ),
  ),
];
const byCluster = (cluster: string) => ({
  TagFilters: [{ Key: 'elbv2.k8s.aws/cluster', Values: [cluster] }],
});

/** A catalog where only alice may read entities, like a permission policy would do. */
const catalog = catalogServiceMock.mock({
  getEntityByRef: async (ref, options) => {
    const { credentials } = options as { credentials: BackstageCredentials };
    const principal = credentials.principal as { userEntityRef?: string };
    if (principal.userEntityRef !== OWNER) return undefined;
    return entities.find(e => stringifyEntityRef(e) === ref);
  },
});
const actionsRegistry = actionsRegistryServiceMock();

async function startBackend() {
  const backend = await startTestBackend({
    features: [
      awsAlbPlugin,
      catalog.factory,
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actionsRegistry,
      }),
      mockServices.rootConfig.factory({
        data: {
          aws: {
            accounts: [
              { accountId: ACCOUNT, roleName: 'backstage-alb-network' },
            ],
          },
        },
      }),
    ],
  });
  return backend;
}

const path = (name: string) =>
  `/api/aws-alb/v1/entity/default/component/${name}/load-balancers`;
const asAlice = mockCredentials.user.header(OWNER);

describe('aws-alb plugin', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(() => backend.stop());
  beforeEach(() => {
    elbv2Mock.reset();
    taggingMock.reset();
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn: ARN,
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
  });

  it('returns the entity load balancers', async () => {
    const res = await request(backend.server)
      .get(path('game-2048'))
      .set('Authorization', asAlice);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body: EntityLoadBalancersResponse = res.body;
    expect(body).toMatchObject({
      entityRef: 'component:default/game-2048',
      accountId: ACCOUNT,
      region: 'us-east-1',
      stale: false,
      loadBalancers: [{ arn: ARN, targetGroups: [{ counts: { healthy: 1 } }] }],
    });
  });

  it('404 for a user who may not see the entity, without touching AWS', async () => {
    const res = await request(backend.server)
      .get(path('game-2048'))
      .set(
        'Authorization',
        mockCredentials.user.header('user:default/mallory'),
      );
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('not allowed to see it');
    expect(taggingMock.calls()).toHaveLength(0);
  });

  it('401 without credentials', async () => {
    const res = await request(backend.server)
      .get(path('game-2048'))
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('400 naming the annotation', async () => {
    const res = await request(backend.server)
      .get(path('bare'))
      .set('Authorization', asAlice);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(
      'aws.amazon.com/elbv2-load-balancer-tags',
    );
  });

  it('403 naming the config key for an account outside aws.accounts', async () => {
    const res = await request(backend.server)
      .get(path('elsewhere'))
      .set('Authorization', asAlice);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      'Account 333333333333 is not configured',
    );
    expect(res.body.error.message).toContain('aws.accounts');
  });

  it('403 naming account, role and action on AccessDenied', async () => {
    elbv2Mock
      .on(DescribeTargetHealthCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied' }),
      );
    const res = await request(backend.server)
      .get(path('denied'))
      .set('Authorization', asAlice);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      'AWS denied elasticloadbalancing:DescribeTargetHealth to role arn:aws:iam::111111111111:role/backstage-alb-network in account 111111111111',
    );
  });

  it('404 saying the controller has not created the ALB yet', async () => {
    taggingMock.on(GetResourcesCommand, byCluster('missing')).resolves({
      ResourceTagMappingList: [],
    });
    const res = await request(backend.server)
      .get(path('missing'))
      .set('Authorization', asAlice);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain(
      'has the tags elbv2.k8s.aws/cluster=missing: the AWS Load Balancer Controller has not created it yet',
    );
  });

  it('503 with Retry-After when AWS throttles and nothing is cached', async () => {
    taggingMock.on(GetResourcesCommand, byCluster('throttled')).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
      }),
    );
    const res = await request(backend.server)
      .get(path('throttled'))
      .set('Authorization', asAlice);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error.name).toBe('ServiceUnavailableError');
  });

  it('the action answers with the same data and the caller credentials, and the signals', async () => {
    // CloudWatch refused (nothing cached yet): the health still answers, saying why the signals are missing.
    cloudwatchMock.on(GetMetricDataCommand).rejects(
      Object.assign(
        new Error('not authorized to perform: cloudwatch:GetMetricData'),
        {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        },
      ),
    );
    const withoutSignals = await actionsRegistry.invoke({
      id: 'test:get-entity-load-balancers',
      input: { entityRef: 'component:default/game-2048' },
      credentials: mockCredentials.user(OWNER),
    });
    expect(withoutSignals.output).toMatchObject({
      loadBalancers: [{ arn: ARN }],
      signalsError: expect.stringContaining('cloudwatch:GetMetricData'),
    });
    expect(withoutSignals.output).not.toHaveProperty('signals');

    const minute = new Date('2026-12-01T07:00:00Z');
    cloudwatchMock.on(GetMetricDataCommand).callsFake(input => ({
      MetricDataResults: input.MetricDataQueries.map(
        (q: { Id: string; MetricStat: { Metric: { MetricName: string } } }) => {
          const value: Record<string, number> = {
            RequestCount: 200,
            HTTPCode_Target_5XX_Count: 20,
            HTTPCode_ELB_5XX_Count: 0,
            TargetResponseTime: 0.05,
            UnHealthyHostCount: 1,
          };
          const v = value[q.MetricStat.Metric.MetricName];
          return v === undefined
            ? { Id: q.Id, Timestamps: [], Values: [] }
            : { Id: q.Id, Timestamps: [minute], Values: [v] };
        },
      ),
    }));
    const result = await actionsRegistry.invoke({
      id: 'test:get-entity-load-balancers',
      input: { entityRef: 'component:default/game-2048' },
      credentials: mockCredentials.user(OWNER),
    });
    expect(result.output).toMatchObject({
      entityRef: 'component:default/game-2048',
      loadBalancers: [{ arn: ARN, name: 'k8s-game' }],
      signals: [
        {
          loadBalancerArn: ARN,
          status: 'degraded',
          statusReason: '5xx rate 10.0% is at or above 5%',
          requestsPerMinute: 200,
          errorRatePercent: 10,
          p50Milliseconds: 50,
          p99Milliseconds: 50,
        },
      ],
    });
    // One GetMetricData for the view (the refused one before it is the other call).
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(2);

    await expect(
      actionsRegistry.invoke({
        id: 'test:get-entity-load-balancers',
        input: { entityRef: 'component:default/game-2048' },
        credentials: mockCredentials.user('user:default/mallory'),
      }),
    ).rejects.toThrow('not allowed to see it');
  });

  it('health is open', async () => {
    const res = await request(backend.server).get('/api/aws-alb/health');
    expect(res.status).toBe(200);
  });
});
