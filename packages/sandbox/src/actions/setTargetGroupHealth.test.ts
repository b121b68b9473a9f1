/*
 * A target group that fails when asked, and recovers: the sandbox action the sandbox
 * template runs in the portal, against the sandbox AWS (moto behind the IAM gateway). The
 * component's own target group (Ingress group: only its own) fails its health checks at once,
 * the metrics published for the minutes after show the failure and stop showing it after the
 * recovery, and the other member's target group is untouched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CloudWatchClient,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  sandboxAdminCredentials,
  useSandboxEndpoint,
} from '../accounts';
import { startMoto } from '../moto';
import { arnSuffix, sandboxPublishAlbMetrics } from '../standins/albMetrics';
import { readTargetGroupFailures } from '../standins/albFailures';
import { seedSandboxAlb } from '../standins/seeding';
import { createSetTargetGroupHealthAction } from './setTargetGroupHealth';

jest.setTimeout(300_000);

const component = (name: string, ingress: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'aws.amazon.com/elbv2-load-balancer-tags':
        'elbv2.k8s.aws/cluster=failing-demo,ingress.k8s.aws/stack=failing-store',
      'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
      'aws.amazon.com/region': SANDBOX_REGION,
      'cross-account-alb.io/ingress': ingress,
    },
  },
  spec: { type: 'service', owner: 'group:default/guests', lifecycle: 'x' },
});

describe('sandbox:alb:set-target-group-health', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let restore: () => void;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-failure-'));
  const previousStateDir = process.env.SANDBOX_STATE_DIR;
  let shop: Awaited<ReturnType<typeof seedSandboxAlb>>;
  let cart: Awaited<ReturnType<typeof seedSandboxAlb>>;
  let elbv2: ElasticLoadBalancingV2Client;
  let cloudwatch: CloudWatchClient;
  const action = createSetTargetGroupHealthAction({
    catalog: catalogServiceMock({
      entities: [
        component('shop', 'shop/shop'),
        component('cart', 'cart/cart'),
      ],
    }),
  });

  async function run(input: { component: string; health: string }) {
    const outputs: Record<string, unknown> = {};
    await action.handler({
      ...createMockActionContext({ input: input as any }),
      output: (k: string, v: unknown) => {
        outputs[k] = v;
      },
    } as any);
    return outputs.targetGroupArns as string[];
  }

  const states = async (arn: string) =>
    (
      (
        await elbv2.send(
          new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
        )
      ).TargetHealthDescriptions ?? []
    ).map(d => d.TargetHealth?.State);

  /** Target 5xx per minute of a target group, oldest first. */
  async function target5xx(arn: string, start: Date, end: Date) {
    const { MetricDataResults = [] } = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'e5xx',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ApplicationELB',
                MetricName: 'HTTPCode_Target_5XX_Count',
                Dimensions: [
                  { Name: 'TargetGroup', Value: arnSuffix(arn) },
                  {
                    Name: 'LoadBalancer',
                    Value: arnSuffix(shop.loadBalancerArn),
                  },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    return MetricDataResults[0]?.Values ?? [];
  }

  beforeAll(async () => {
    process.env.SANDBOX_STATE_DIR = stateDir;
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    const seed = (name: string) =>
      seedSandboxAlb({
        clusterName: 'failing-demo',
        namespace: name,
        ingressName: name,
        groupName: 'failing-store',
        replicas: 2,
      });
    cart = await seed('cart');
    shop = await seed('shop');
    const credentials = (
      await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID)
    ).sdkCredentialProvider;
    elbv2 = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials,
    });
    cloudwatch = new CloudWatchClient({ region: SANDBOX_REGION, credentials });
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
    if (previousStateDir === undefined) delete process.env.SANDBOX_STATE_DIR;
    else process.env.SANDBOX_STATE_DIR = previousStateDir;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("fails the component's own target group, health and metrics, then recovers it", async () => {
    const minute = (d: Date) =>
      new Date(Math.floor(d.getTime() / 60_000) * 60_000);
    const failedAt = minute(new Date());
    const failed = await run({
      component: 'component:default/shop',
      health: 'failing',
    });
    expect(failed).toEqual(shop.targetGroupArns);
    expect(await states(failed[0])).toEqual(['unhealthy', 'unhealthy']);
    expect(await states(cart.targetGroupArns[0])).toEqual([
      'healthy',
      'healthy',
    ]);

    // Metrics for the 10 minutes up to 5 minutes after the failure began.
    const publish = (until: Date, minutes: number) =>
      sandboxPublishAlbMetrics({
        networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
        region: SANDBOX_REGION,
        loadBalancerArn: shop.loadBalancerArn,
        minutes,
        until,
        failurePeriods: readTargetGroupFailures(),
      });
    const later = new Date(failedAt.getTime() + 5 * 60_000);
    await publish(later, 10);
    // The publisher keeps health in line with the metrics at `until`.
    expect(await states(failed[0])).toEqual(['unhealthy', 'unhealthy']);
    const during = await target5xx(
      failed[0],
      new Date(failedAt.getTime() - 5 * 60_000),
      later,
    );
    expect(during).toHaveLength(10);
    const share = (values: number[]) => values.reduce((a, b) => a + b, 0);
    // Before: a few stray 5xx at most; after: 40 % of the group's requests.
    expect(share(during.slice(5))).toBeGreaterThan(
      5 * share(during.slice(0, 5)) + 5,
    );

    const recovered = await run({
      component: 'component:default/shop',
      health: 'healthy',
    });
    expect(recovered).toEqual(failed);
    expect(await states(failed[0])).toEqual(['healthy', 'healthy']);
    expect(readTargetGroupFailures()[failed[0]]).toEqual([
      { since: expect.any(String), until: expect.any(String) },
    ]);
  });

  it('says what the component lacks when it has no ALB annotations', async () => {
    const bare = createSetTargetGroupHealthAction({
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'plain', namespace: 'default' },
            spec: { type: 'service', owner: 'x', lifecycle: 'x' },
          },
        ],
      }),
    });
    await expect(
      bare.handler(
        createMockActionContext({
          input: { component: 'plain', health: 'failing' },
        }) as any,
      ),
    ).rejects.toThrow(
      "component:default/plain has no load balancer found by the controller's tags: it needs aws.amazon.com/elbv2-load-balancer-tags",
    );
  });
});
