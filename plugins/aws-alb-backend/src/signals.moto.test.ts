import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConfigReader } from '@backstage/config';
import {
  AlbLoadBalancer,
  AlbTargetGroup,
} from '@cross-account-alb/plugin-aws-alb-common';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  sandboxAwsConfig,
  sandboxPublishAlbMetrics,
  seedSandboxAlb,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { readSignals } from './service/readSignals';

jest.setTimeout(120_000);

/**
 * The golden signals read as the health backend's role (through the sandbox's IAM gateway,
 * so the shipped policy must allow cloudwatch:GetMetricData) from the metrics the sandbox
 * publishes for its ALBs.
 */
describe('golden signals from CloudWatch (sandbox)', () => {
  let moto: MotoServer;
  let restore: () => void;

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
  });
  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  async function cloudwatch() {
    return createAwsClientFactory({
      config: new ConfigReader({ aws: sandboxAwsConfig() }),
    }).client(CloudWatchClient, {
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
    });
  }

  const asAlb = (
    arn: string,
    targetGroupArns: string[],
    ingressGroup?: AlbLoadBalancer['ingressGroup'],
  ): AlbLoadBalancer =>
    ({
      arn,
      name: arn.split('/')[2],
      listeners: [],
      availabilityZones: [],
      securityGroups: [],
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
      consoleUrl: '',
      targetGroups: targetGroupArns.map(
        tg =>
          ({
            arn: tg,
            name: tg.split('/')[1],
            healthCheck: {},
            targets: [],
            counts: {},
          } as AlbTargetGroup),
      ),
      ...(ingressGroup ? { ingressGroup } : {}),
    } as AlbLoadBalancer);

  it('reads requests, 5xx, latency and host counts in one call, and marks a failing target group', async () => {
    const alb = await seedSandboxAlb({
      clusterName: 'signals',
      namespace: 'web',
      ingressName: 'web',
      replicas: 3,
    });
    const now = Date.now();
    const { datapoints } = await sandboxPublishAlbMetrics({
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
      loadBalancerArn: alb.loadBalancerArn,
      minutes: 60,
      until: new Date(now),
      failingTargetGroupArns: alb.targetGroupArns,
      failingSince: new Date(now - 10 * 60_000),
    });
    expect(datapoints).toBe(60 * 10);
    const lb = asAlb(alb.loadBalancerArn, alb.targetGroupArns);
    const { signals, calls } = await readSignals(await cloudwatch(), [lb], {
      range: '1h',
      now,
      errorRateThresholdPercent: 5,
    });
    expect(calls).toBe(1);
    const [s] = signals;
    expect(s.requests.points.length).toBeGreaterThanOrEqual(58);
    expect(s.requests.current).toBeGreaterThan(0);
    // Failing for the last 10 minutes: 40% target 5xx, all 3 hosts unhealthy, slow.
    expect(s.errorRatePercent.current).toBeGreaterThan(30);
    expect(s.targetGroups[0].unhealthy.current).toBe(3);
    expect(s.targetGroups[0].healthy.current).toBe(0);
    expect(s.p99Seconds.current).toBeGreaterThan(s.p50Seconds.current!);
    expect(s.p50Seconds.current).toBeCloseTo(0.4, 5);
    expect(s.status).toBe('degraded');
    expect(s.statusReason).toMatch(/^5xx rate \d+\.\d% is at or above 5%$/);
    // Before the failure: healthy hosts, a low error rate.
    const early = s.errorRatePercent.points[0];
    expect(early.v).toBeLessThan(5);
    // ELB's health checks tell the same: the failing group's targets are unhealthy.
    const elbv2 = await createAwsClientFactory({
      config: new ConfigReader({ aws: sandboxAwsConfig() }),
    }).client(ElasticLoadBalancingV2Client, {
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
    });
    const health = await elbv2.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: alb.targetGroupArns[0],
      }),
    );
    expect(
      health.TargetHealthDescriptions?.map(d => [
        d.TargetHealth?.State,
        d.TargetHealth?.Reason,
      ]),
    ).toEqual([
      ['unhealthy', 'Target.ResponseCodeMismatch'],
      ['unhealthy', 'Target.ResponseCodeMismatch'],
      ['unhealthy', 'Target.ResponseCodeMismatch'],
    ]);
    // Published without the failure: healthy again.
    await sandboxPublishAlbMetrics({
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
      loadBalancerArn: alb.loadBalancerArn,
      minutes: 1,
      until: new Date(now),
    });
    const again = await elbv2.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: alb.targetGroupArns[0],
      }),
    );
    expect(
      again.TargetHealthDescriptions?.every(
        d => d.TargetHealth?.State === 'healthy',
      ),
    ).toBe(true);
  });

  it('says "no traffic" for a load balancer CloudWatch has no metrics for', async () => {
    const alb = await seedSandboxAlb({
      clusterName: 'signals',
      namespace: 'quiet',
      ingressName: 'quiet',
    });
    const { signals } = await readSignals(
      await cloudwatch(),
      [asAlb(alb.loadBalancerArn, alb.targetGroupArns)],
      { range: '3h', now: Date.now(), errorRateThresholdPercent: 5 },
    );
    expect(signals[0].status).toBe('no-traffic');
    expect(signals[0].requests.points).toEqual([]);
  });

  it("reads a grouped Ingress's own target groups, not the whole shared ALB", async () => {
    const members = [];
    for (const name of ['cart', 'shop']) {
      members.push(
        await seedSandboxAlb({
          clusterName: 'signals',
          namespace: name,
          ingressName: name,
          groupName: 'store',
        }),
      );
    }
    const [cart, shop] = members;
    const now = Date.now();
    await sandboxPublishAlbMetrics({
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
      loadBalancerArn: cart.loadBalancerArn,
      minutes: 60,
      until: new Date(now),
      failingTargetGroupArns: shop.targetGroupArns,
    });
    const read = async (own: string[], ingress: string, others: string[]) =>
      (
        await readSignals(
          await cloudwatch(),
          [
            asAlb(cart.loadBalancerArn, own, {
              ingress,
              otherIngresses: others,
            }),
          ],
          { range: '1h', now, errorRateThresholdPercent: 5 },
        )
      ).signals[0];
    const cartSignals = await read(cart.targetGroupArns, 'cart/cart', [
      'shop/shop',
    ]);
    const shopSignals = await read(shop.targetGroupArns, 'shop/shop', [
      'cart/cart',
    ]);
    // shop fails, cart does not: each sees its own.
    expect(cartSignals.status).toBe('ok');
    expect(shopSignals.status).toBe('degraded');
  });
});
