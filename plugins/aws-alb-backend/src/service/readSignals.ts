import {
  CloudWatchClient,
  GetMetricDataCommand,
  MetricDataQuery,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  ALB_SIGNALS_RANGES,
  AlbLoadBalancer,
  AlbLoadBalancerSignals,
  AlbSignalSeries,
  AlbSignalsRange,
} from '@cross-account-alb/plugin-aws-alb-common';
import { awsCall } from './errors';

const NAMESPACE = 'AWS/ApplicationELB';
/** GetMetricData takes at most 500 queries a call. */
export const MAX_QUERIES = 500;

/** `app/<name>/<id>` or `targetgroup/<name>/<id>`: the dimension value of an ELB ARN. */
export function dimensionOf(arn: string): string {
  const lb = arn.indexOf(':loadbalancer/');
  if (lb >= 0) return arn.slice(lb + ':loadbalancer/'.length);
  return arn.slice(arn.indexOf(':targetgroup/') + 1);
}

interface Planned {
  query: MetricDataQuery;
  lb: number;
  metric: string;
  tg?: number;
}

/**
 * The queries for the load balancers' signals, all in one `GetMetricData`. For a slice of a
 * load balancer shared by an Ingress group, requests, target 5xx and response times are read
 * per target group of the slice (the whole ALB's would count the other Ingresses' traffic);
 * ELB 5xx and rejected connections exist only for the whole ALB.
 */
export function planSignalQueries(
  loadBalancers: AlbLoadBalancer[],
  periodSeconds: number,
): Planned[] {
  const planned: Planned[] = [];
  const add = (
    lb: number,
    metric: string,
    stat: string,
    dimensions: Array<{ Name: string; Value: string }>,
    tg?: number,
  ) =>
    planned.push({
      lb,
      metric: `${metric}:${stat}`,
      tg,
      query: {
        Id: `q${planned.length}`,
        MetricStat: {
          Metric: {
            Namespace: NAMESPACE,
            MetricName: metric,
            Dimensions: dimensions,
          },
          Period: periodSeconds,
          Stat: stat,
        },
        ReturnData: true,
      },
    });
  loadBalancers.forEach((lb, i) => {
    const lbDims = [{ Name: 'LoadBalancer', Value: dimensionOf(lb.arn) }];
    add(i, 'HTTPCode_ELB_5XX_Count', 'Sum', lbDims);
    add(i, 'RejectedConnectionCount', 'Sum', lbDims);
    if (!lb.ingressGroup) {
      add(i, 'RequestCount', 'Sum', lbDims);
      add(i, 'HTTPCode_Target_5XX_Count', 'Sum', lbDims);
      add(i, 'TargetResponseTime', 'p50', lbDims);
      add(i, 'TargetResponseTime', 'p99', lbDims);
    }
    lb.targetGroups.forEach((tg, j) => {
      const tgDims = [
        { Name: 'TargetGroup', Value: dimensionOf(tg.arn) },
        ...lbDims,
      ];
      add(i, 'HealthyHostCount', 'Minimum', tgDims, j);
      add(i, 'UnHealthyHostCount', 'Maximum', tgDims, j);
      if (lb.ingressGroup) {
        add(i, 'RequestCount', 'Sum', tgDims, j);
        add(i, 'HTTPCode_Target_5XX_Count', 'Sum', tgDims, j);
        add(i, 'TargetResponseTime', 'p50', tgDims, j);
        add(i, 'TargetResponseTime', 'p99', tgDims, j);
      }
    });
  });
  return planned;
}

type Points = Map<number, number>;

function pointsOf(result: MetricDataResult | undefined): Points {
  const points: Points = new Map();
  (result?.Timestamps ?? []).forEach((t, k) => {
    const v = result?.Values?.[k];
    if (v !== undefined && Number.isFinite(v)) points.set(t.getTime(), v);
  });
  return points;
}

function series(points: Points): AlbSignalSeries {
  const sorted = [...points.entries()].sort((a, b) => a[0] - b[0]);
  return {
    points: sorted.map(([t, v]) => ({ t: new Date(t).toISOString(), v })),
    ...(sorted.length ? { current: sorted[sorted.length - 1][1] } : {}),
  };
}

const sum = (all: Points[]): Points => {
  const out: Points = new Map();
  for (const p of all)
    for (const [t, v] of p) out.set(t, (out.get(t) ?? 0) + v);
  return out;
};

/** Latency of several target groups: the worst one per period (a p99 cannot be summed). */
const worst = (all: Points[]): Points => {
  const out: Points = new Map();
  for (const p of all)
    for (const [t, v] of p) out.set(t, Math.max(out.get(t) ?? 0, v));
  return out;
};

/**
 * Reads the golden signals of the load balancers over the range with ONE GetMetricData call
 * (up to {@link MAX_QUERIES} series; beyond that, one call per 500), and derives the error
 * rate and a status: `degraded` when the latest error rate is at or above
 * `errorRateThresholdPercent` or a target group has unhealthy hosts, `no-traffic` when
 * there was no request in the range.
 */
export async function readSignals(
  cloudwatch: CloudWatchClient,
  loadBalancers: AlbLoadBalancer[],
  options: {
    range: AlbSignalsRange;
    now: number;
    errorRateThresholdPercent: number;
  },
): Promise<{ signals: AlbLoadBalancerSignals[]; calls: number }> {
  const { seconds, periodSeconds } = ALB_SIGNALS_RANGES[options.range];
  const end =
    Math.floor(options.now / (periodSeconds * 1000)) * periodSeconds * 1000;
  const start = end - seconds * 1000;
  const planned = planSignalQueries(loadBalancers, periodSeconds);
  const results = new Map<string, MetricDataResult>();
  let calls = 0;
  for (let i = 0; i < planned.length; i += MAX_QUERIES) {
    const batch = planned.slice(i, i + MAX_QUERIES);
    let token: string | undefined;
    do {
      const nextToken = token;
      const page = await awsCall('cloudwatch:GetMetricData', () =>
        cloudwatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(start),
            EndTime: new Date(end),
            MetricDataQueries: batch.map(p => p.query),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        ),
      );
      calls++;
      for (const r of page.MetricDataResults ?? []) {
        const had = results.get(r.Id!);
        results.set(
          r.Id!,
          had
            ? {
                ...had,
                Timestamps: [
                  ...(had.Timestamps ?? []),
                  ...(r.Timestamps ?? []),
                ],
                Values: [...(had.Values ?? []), ...(r.Values ?? [])],
              }
            : r,
        );
      }
      token = page.NextToken || undefined;
    } while (token);
  }
  const find = (lb: number, metric: string, tg?: number) =>
    planned
      .filter(
        p =>
          p.lb === lb &&
          p.metric === metric &&
          (tg === undefined || p.tg === tg),
      )
      .map(p => pointsOf(results.get(p.query.Id!)));

  const signals = loadBalancers.map((lb, i): AlbLoadBalancerSignals => {
    const requests = sum(find(i, 'RequestCount:Sum'));
    const elb5xx = sum(find(i, 'HTTPCode_ELB_5XX_Count:Sum'));
    const target5xx = sum(find(i, 'HTTPCode_Target_5XX_Count:Sum'));
    const errorRate: Points = new Map();
    for (const [t, n] of requests) {
      if (n > 0) {
        errorRate.set(
          t,
          (100 *
            ((lb.ingressGroup ? 0 : elb5xx.get(t) ?? 0) +
              (target5xx.get(t) ?? 0))) /
            n,
        );
      }
    }
    const targetGroups = lb.targetGroups.map((tg, j) => ({
      arn: tg.arn,
      name: tg.name,
      healthy: series(sum(find(i, 'HealthyHostCount:Minimum', j))),
      unhealthy: series(sum(find(i, 'UnHealthyHostCount:Maximum', j))),
    }));
    const rate = series(errorRate);
    const unhealthyGroups = targetGroups.filter(
      tg => (tg.unhealthy.current ?? 0) > 0,
    );
    let status: AlbLoadBalancerSignals['status'] = 'ok';
    let statusReason = `5xx rate below ${options.errorRateThresholdPercent}%`;
    if (requests.size === 0) {
      status = 'no-traffic';
      statusReason = `No request in the last ${options.range}: no traffic yet, or CloudWatch has no metrics for this load balancer`;
    } else if ((rate.current ?? 0) >= options.errorRateThresholdPercent) {
      status = 'degraded';
      statusReason = `5xx rate ${(rate.current ?? 0).toFixed(
        1,
      )}% is at or above ${options.errorRateThresholdPercent}%`;
    } else if (unhealthyGroups.length) {
      status = 'degraded';
      statusReason = `Unhealthy hosts in ${unhealthyGroups
        .map(tg => tg.name)
        .join(', ')}`;
    }
    return {
      loadBalancerArn: lb.arn,
      requests: series(requests),
      elb5xx: series(elb5xx),
      target5xx: series(target5xx),
      errorRatePercent: rate,
      p50Seconds: series(worst(find(i, 'TargetResponseTime:p50'))),
      p99Seconds: series(worst(find(i, 'TargetResponseTime:p99'))),
      rejectedConnections: series(sum(find(i, 'RejectedConnectionCount:Sum'))),
      targetGroups,
      status,
      statusReason,
    };
  });
  return { signals, calls };
}
