import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  createMockDirectory,
} from '@backstage/backend-test-utils';
import { mockClient } from 'aws-sdk-client-mock';
import request from 'supertest';
import {
  ACCOUNT,
  healthy,
  lbArn,
  stubAlbs,
  TAGS_ANNOTATION,
} from './__testUtils__/fixtures';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { awsAlbPlugin } from './plugin';

jest.setTimeout(60_000);
const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);

// The real catalog backend, so the entity is read through catalogServiceRef with the
// caller's credentials exactly as in a deployed backend.
it('reads the entity through the real catalog backend', async () => {
  const dir = createMockDirectory({
    content: {
      'entities.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: game-2048
  annotations:
    aws.amazon.com/elbv2-load-balancer-tags: ${TAGS_ANNOTATION}
    aws.amazon.com/account-id: '${ACCOUNT}'
    aws.amazon.com/region: us-east-1
spec: { type: service, lifecycle: experimental, owner: team-a }
`,
    },
  });
  stubAlbs(elbv2Mock, taggingMock, [
    {
      arn: lbArn('k8s-game'),
      name: 'k8s-game',
      targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
    },
  ]);
  const backend = await startTestBackend({
    features: [
      awsAlbPlugin,
      catalogPlugin,
      mockServices.rootConfig.factory({
        data: {
          aws: {
            accounts: [
              { accountId: ACCOUNT, roleName: 'backstage-alb-network' },
            ],
          },
          catalog: {
            rules: [{ allow: ['Component'] }],
            locations: [{ type: 'file', target: dir.resolve('entities.yaml') }],
            processingInterval: { seconds: 1 },
          },
        },
      }),
    ],
  });
  try {
    let res;
    for (let i = 0; i < 40; i++) {
      res = await request(backend.server)
        .get(
          '/api/aws-alb/v1/entity/default/component/game-2048/load-balancers',
        )
        .set('Authorization', mockCredentials.user.header());
      if (res.status === 200) break;
      await new Promise(r => setTimeout(r, 500));
    }
    expect(res!.status).toBe(200);
    expect(res!.body.loadBalancers[0].name).toBe('k8s-game');
    const missing = await request(backend.server)
      .get('/api/aws-alb/v1/entity/default/component/nope/load-balancers')
      .set('Authorization', mockCredentials.user.header());
    expect(missing.status).toBe(404);
  } finally {
    await backend.stop();
  }
});
