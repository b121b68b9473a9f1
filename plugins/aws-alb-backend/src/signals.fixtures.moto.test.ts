/*
 * The signals route's answers, recorded from the sandbox: the real backend plugin reads
 * CloudWatch in the sandbox AWS (moto behind the IAM gateway, the shipped health policy)
 * for an ALB with a day of metrics and a failing target group (each range), for a new ALB
 * with no metrics, and with the metrics statement taken out of the policy (a denied read).
 * The frontend's component tests (plugins/aws-alb, SignalsCard.recorded.test.tsx) answer
 * with these recordings.
 *
 * Re-record (and commit the files) with
 *   RECORD_SIGNALS_FIXTURES=1 yarn backstage-cli repo test plugins/aws-alb-backend/src/signals.fixtures.moto.test.ts
 * Without it, this test records again and fails when the committed fixtures no longer have
 * the shape of today's answers (keys and value types), so they cannot rot silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_NETWORK_ROLE_NAME,
  SANDBOX_REGION,
  ensureSandboxPrincipals,
  sandboxAwsConfig,
  sandboxPublishAlbMetrics,
  seedSandboxAlb,
  shippedPolicy,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { entity } from './__testUtils__/fixtures';
import { awsAlbPlugin } from './plugin';

jest.setTimeout(300_000);

const FIXTURES = path.resolve(
  __dirname,
  '../../aws-alb/src/__fixtures__/signals',
);
const RECORD = process.env.RECORD_SIGNALS_FIXTURES === '1';

/** A recorded answer of the route: its status and JSON body. */
interface Recording {
  status: number;
  body: unknown;
}

/** The shape of a JSON value: object keys and value types, arrays by their first item. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map(k => [k, shapeOf((value as Record<string, unknown>)[k])]),
    );
  }
  return typeof value;
}

const tags = (cluster: string, stack: string) => ({
  'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=${cluster},ingress.k8s.aws/stack=${stack}`,
  'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
  'aws.amazon.com/region': SANDBOX_REGION,
});

describe('signals route answers recorded from the sandbox', () => {
  let moto: MotoServer;
  let restore: () => void;
  const recorded: Record<string, Recording> = {};

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    // An ALB with a day of traffic whose target group started failing 20 minutes ago.
    const busy = await seedSandboxAlb({
      clusterName: 'signals-demo',
      namespace: 'shop',
      ingressName: 'shop',
      replicas: 3,
    });
    const now = new Date();
    await sandboxPublishAlbMetrics({
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
      loadBalancerArn: busy.loadBalancerArn,
      minutes: 24 * 60,
      until: now,
      failingTargetGroupArns: busy.targetGroupArns,
      failingSince: new Date(now.getTime() - 20 * 60_000),
    });
    // A new ALB: no metrics yet.
    await seedSandboxAlb({
      clusterName: 'signals-demo',
      namespace: 'fresh',
      ingressName: 'fresh',
      replicas: 2,
    });
    // An ALB of its own for the denied read: the backend caches the others' signals.
    await seedSandboxAlb({
      clusterName: 'signals-demo',
      namespace: 'denied',
      ingressName: 'denied',
      replicas: 2,
    });

    const entities = [
      entity(tags('signals-demo', 'shop/shop'), 'shop'),
      entity(tags('signals-demo', 'fresh/fresh'), 'fresh'),
      entity(tags('signals-demo', 'denied/denied'), 'denied'),
    ];
    const { server } = await startTestBackend({
      features: [
        awsAlbPlugin,
        catalogServiceMock.factory({ entities }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistryServiceMock(),
        }),
        // Every view reads what it needs: with the sweep on, its scheduled runs may spend the
        // budget first and a view of the never-read 'denied' entity would be answered
        // "queued" (200, no load balancers) instead of reaching CloudWatch.
        mockServices.rootConfig.factory({
          data: {
            aws: sandboxAwsConfig(),
            awsAlb: { sweep: { enabled: false } },
          },
        }),
      ],
    });
    const get = async (name: string, range?: string) => {
      const res = await request(server)
        .get(
          `/api/aws-alb/v1/entity/default/component/${name}/signals${
            range ? `?range=${range}` : ''
          }`,
        )
        .set('Authorization', mockCredentials.user.header());
      return { status: res.status, body: res.body };
    };
    for (const range of ['1h', '3h', '24h', '7d']) {
      recorded[`busy-${range}`] = await get('shop', range);
    }
    recorded['new-alb-3h'] = await get('fresh', '3h');

    const principals = {
      endpoint: moto.endpoint,
      region: SANDBOX_REGION,
      networkAccountIds: [SANDBOX_NETWORK_ACCOUNT_ID],
      workloadAccountIds: [],
      networkRoleName: SANDBOX_NETWORK_ROLE_NAME,
      workloadRoleName: 'backstage-alb-workload',
    };
    const health = shippedPolicy('health');
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
      recorded['denied-3h'] = await get('denied', '3h');
    } finally {
      await ensureSandboxPrincipals(principals);
    }

    if (RECORD) {
      fs.mkdirSync(FIXTURES, { recursive: true });
      for (const [name, recording] of Object.entries(recorded)) {
        fs.writeFileSync(
          path.join(FIXTURES, `${name}.json`),
          `${JSON.stringify(recording, null, 2)}\n`,
        );
      }
    }
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  it('answers each range with a series per signal, and the failing target group degraded', () => {
    for (const range of ['1h', '3h', '24h', '7d']) {
      const { status, body } = recorded[`busy-${range}`] as any;
      expect(status).toBe(200);
      expect(body.range).toBe(range);
      expect(body.loadBalancers[0].requests.points.length).toBeGreaterThan(0);
    }
    // 20 failing minutes show in the 1 h, 3 h and 24 h views; the 7 d view's hourly points
    // average them away.
    for (const range of ['1h', '3h', '24h']) {
      const [lb] = (recorded[`busy-${range}`] as any).body.loadBalancers;
      expect(lb.status).toBe('degraded');
      expect(lb.targetGroups[0].unhealthy.current).toBe(3);
    }
  });

  it('answers "no traffic" for a new ALB and 403 for a denied read', () => {
    expect(recorded['new-alb-3h']).toMatchObject({
      status: 200,
      body: { loadBalancers: [{ status: 'no-traffic' }] },
    });
    expect(recorded['denied-3h']).toMatchObject({
      status: 403,
      body: {
        error: {
          name: 'NotAllowedError',
          message: expect.stringContaining(
            'AWS denied cloudwatch:GetMetricData',
          ),
        },
      },
    });
  });

  it('matches the committed fixtures in shape (keys and value types)', () => {
    const committed = fs
      .readdirSync(FIXTURES)
      .filter(f => f.endsWith('.json'))
      .sort();
    expect(committed).toEqual(
      Object.keys(recorded)
        .map(n => `${n}.json`)
        .sort(),
    );
    for (const [name, recording] of Object.entries(recorded)) {
      const fixture = JSON.parse(
        fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'),
      );
      expect({ name, shape: shapeOf(fixture) }).toEqual({
        name,
        shape: shapeOf(recording),
      });
    }
  });
});
