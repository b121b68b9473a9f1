/*
 * Plays Elastic Load Balancing publishing an ALB's CloudWatch metrics (namespace
 * AWS/ApplicationELB, one datapoint a minute, in the ALB's account), so the sandbox portal's
 * tab has golden signals to show. AWS publishes them itself; no customer writes to an AWS/
 * namespace, so this runs as the sandbox's administrator of the network account, like the
 * other parts of the sandbox that play AWS. The traffic is made up but plausible and stable
 * per load balancer (a request rate from its ARN, a slow daily swing), and a target group can
 * be made to fail: its targets turn unhealthy, it answers 5xx and slowly.
 *
 * Metrics and dimensions as CloudWatch documents them for Application Load Balancers:
 * RequestCount, HTTPCode_ELB_5XX_Count, HTTPCode_Target_5XX_Count, RejectedConnectionCount
 * and TargetResponseTime by LoadBalancer; RequestCount, HTTPCode_Target_5XX_Count,
 * TargetResponseTime, HealthyHostCount and UnHealthyHostCount by TargetGroup and
 * LoadBalancer. Dimension values are the ARN suffixes (`app/<name>/<id>`,
 * `targetgroup/<name>/<id>`).
 */
import {
  CloudWatchClient,
  MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  AddTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createHash } from 'node:crypto';
import { sandboxAdminClients, sandboxAdminCredentials } from '../accounts';

export const ALB_METRICS_NAMESPACE = 'AWS/ApplicationELB';

/** `app/<name>/<id>` or `targetgroup/<name>/<id>`: the dimension value of an ELB ARN. */
export function arnSuffix(arn: string): string {
  const i = arn.indexOf(':loadbalancer/');
  if (i >= 0) return arn.slice(i + ':loadbalancer/'.length);
  return arn.slice(arn.indexOf(':targetgroup/') + 1);
}

export interface PublishAlbMetricsOptions {
  networkAccountId: string;
  region: string;
  loadBalancerArn: string;
  /** Minutes of history to publish, ending at `until` (default 180, the tab's default). */
  minutes?: number;
  until?: Date;
  /** Target groups that fail from `failingSince` on: unhealthy targets, 5xx, slow answers. */
  failingTargetGroupArns?: string[];
  failingSince?: Date;
  /**
   * Failures asked for while the sandbox runs (albFailures.ts), per target group: each is
   * failing during its periods, as well as by the two options above.
   */
  failurePeriods?: Record<string, Array<{ since: string; until?: string }>>;
}

/** A number in [0, 1) fixed by the text: the same ALB always gets the same traffic. */
function unit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** Publishes the ALB's metrics for each minute; returns how many datapoints were written. */
export async function sandboxPublishAlbMetrics(
  options: PublishAlbMetricsOptions,
): Promise<{ datapoints: number }> {
  const target = {
    accountId: options.networkAccountId,
    region: options.region,
  };
  const clients = sandboxAdminClients();
  const elbv2 = await clients.client(ElasticLoadBalancingV2Client, target);
  // Uncompressed: the SDK gzips large PutMetricData bodies, which the sandbox's IAM gateway
  // (reading each request's parameters as text) does not pass on intact.
  const cloudwatch = new CloudWatchClient({
    region: options.region,
    credentials: (await sandboxAdminCredentials(options.networkAccountId))
      .sdkCredentialProvider,
    disableRequestCompression: true,
  });
  const { TargetGroups = [] } = await elbv2.send(
    new DescribeTargetGroupsCommand({
      LoadBalancerArn: options.loadBalancerArn,
    }),
  );
  const groups = await Promise.all(
    TargetGroups.map(async tg => {
      const { TargetHealthDescriptions = [] } = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
      );
      return {
        arn: tg.TargetGroupArn!,
        targets: TargetHealthDescriptions.length,
      };
    }),
  );
  const failing = new Set(options.failingTargetGroupArns ?? []);
  const failingSince = options.failingSince
    ? Math.floor(options.failingSince.getTime() / 60_000)
    : -Infinity;
  /** Whether a target group fails in the minute `m` (minutes since the epoch). */
  const isDown = (arn: string, m: number) =>
    (failing.has(arn) && m >= failingSince) ||
    (options.failurePeriods?.[arn] ?? []).some(
      p =>
        Math.floor(Date.parse(p.since) / 60_000) <= m &&
        (p.until === undefined || m < Math.floor(Date.parse(p.until) / 60_000)),
    );
  const until = Math.floor((options.until ?? new Date()).getTime() / 60_000);
  // Health tells the same story as the metrics: the failing groups' targets fail their checks
  // once the failure has started (moto/sandbox_moto.py, control 13).
  for (const tg of groups) {
    await setSandboxTargetGroupHealth(
      elbv2,
      tg.arn,
      isDown(tg.arn, until) ? 'unhealthy' : 'healthy',
    );
  }
  const lb = arnSuffix(options.loadBalancerArn);
  const minutes = options.minutes ?? 180;
  const baseRate = 20 + Math.round(unit(options.loadBalancerArn) * 100);

  const data: MetricDatum[] = [];
  for (let m = until - minutes; m < until; m++) {
    const Timestamp = new Date(m * 60_000);
    // A slow swing over the day, and a little noise per minute.
    const swing = 1 + 0.3 * Math.sin((m / 1440) * 2 * Math.PI);
    const noise = 0.85 + 0.3 * unit(`${options.loadBalancerArn}:${m}`);
    const requests = Math.max(1, Math.round(baseRate * swing * noise));
    let lbTarget5xx = 0;
    const lbTimes = new Map<number, number>();
    groups.forEach((tg, index) => {
      const share = Math.round(requests / groups.length);
      const down = isDown(tg.arn, m);
      const target5xx = down
        ? Math.round(share * 0.4)
        : Math.round(share * 0.002 * unit(`${tg.arn}:${m}`) * 5);
      lbTarget5xx += target5xx;
      // Response times in seconds: mostly fast, a tail; slow while failing.
      const fast = down ? 0.4 : 0.012 + 0.01 * index;
      const times = [fast, fast * 2, fast * 5, fast * 20];
      const counts = [
        Math.max(1, Math.round(share * 0.6)),
        Math.max(1, Math.round(share * 0.3)),
        Math.max(1, Math.round(share * 0.09)),
        1,
      ];
      times.forEach((t, i) =>
        lbTimes.set(t, (lbTimes.get(t) ?? 0) + counts[i]),
      );
      const dims = [
        { Name: 'TargetGroup', Value: arnSuffix(tg.arn) },
        { Name: 'LoadBalancer', Value: lb },
      ];
      data.push(
        {
          MetricName: 'RequestCount',
          Dimensions: dims,
          Timestamp,
          Value: share,
          Unit: 'Count',
        },
        {
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: dims,
          Timestamp,
          Value: target5xx,
          Unit: 'Count',
        },
        {
          MetricName: 'TargetResponseTime',
          Dimensions: dims,
          Timestamp,
          Values: times,
          Counts: counts,
          Unit: 'Seconds',
        },
        {
          MetricName: 'HealthyHostCount',
          Dimensions: dims,
          Timestamp,
          Value: down ? 0 : tg.targets,
          Unit: 'Count',
        },
        {
          MetricName: 'UnHealthyHostCount',
          Dimensions: dims,
          Timestamp,
          Value: down ? tg.targets : 0,
          Unit: 'Count',
        },
      );
    });
    const dims = [{ Name: 'LoadBalancer', Value: lb }];
    const sortedTimes = [...lbTimes.keys()].sort((a, b) => a - b);
    data.push(
      {
        MetricName: 'RequestCount',
        Dimensions: dims,
        Timestamp,
        Value: requests,
        Unit: 'Count',
      },
      {
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: dims,
        Timestamp,
        Value: lbTarget5xx,
        Unit: 'Count',
      },
      {
        MetricName: 'HTTPCode_ELB_5XX_Count',
        Dimensions: dims,
        Timestamp,
        Value: unit(`${lb}:elb:${m}`) < 0.05 ? 1 : 0,
        Unit: 'Count',
      },
      {
        MetricName: 'RejectedConnectionCount',
        Dimensions: dims,
        Timestamp,
        Value: 0,
        Unit: 'Count',
      },
      {
        MetricName: 'TargetResponseTime',
        Dimensions: dims,
        Timestamp,
        Values: sortedTimes.length ? sortedTimes : [0.01],
        Counts: sortedTimes.length
          ? sortedTimes.map(t => lbTimes.get(t)!)
          : [1],
        Unit: 'Seconds',
      },
    );
  }
  // PutMetricData takes up to 1,000 datums a call; smaller calls keep moto quick.
  for (let i = 0; i < data.length; i += 150) {
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: ALB_METRICS_NAMESPACE,
        MetricData: data.slice(i, i + 150),
      }),
    );
  }
  return { datapoints: data.length };
}

/** The sandbox's tag that makes a target group's targets fail their health checks. */
export const SANDBOX_TARGET_HEALTH_TAG = 'sandbox:target-health';

/**
 * Makes the targets of a target group fail their health checks (`unhealthy`,
 * `Target.ResponseCodeMismatch`) or pass them again: the sandbox has no pods whose checks
 * could fail, so a tag the sandbox's moto reads stands for them.
 */
export async function setSandboxTargetGroupHealth(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  health: 'healthy' | 'unhealthy',
): Promise<void> {
  if (health === 'unhealthy') {
    await elbv2.send(
      new AddTagsCommand({
        ResourceArns: [targetGroupArn],
        Tags: [{ Key: SANDBOX_TARGET_HEALTH_TAG, Value: 'unhealthy' }],
      }),
    );
  } else {
    await elbv2.send(
      new RemoveTagsCommand({
        ResourceArns: [targetGroupArn],
        TagKeys: [SANDBOX_TARGET_HEALTH_TAG],
      }),
    );
  }
}
