import {
  Action,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  Listener,
  LoadBalancer,
  TargetGroup,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AlbListener,
  AlbListenerAction,
  AlbLoadBalancer,
  AlbTarget,
  AlbTargetGroup,
  LBC_TAG_RESOURCE,
  TARGET_HEALTH_STATES,
  TargetHealthState,
} from '@cross-account-alb/plugin-aws-alb-common';
import { AwsCallError, awsCall } from './errors';
import { LoadBalancerLocator } from './locator';

/** The two AWS clients the reader needs, already bound to one account and region. */
export interface AlbAwsClients {
  elbv2: ElasticLoadBalancingV2Client;
  tagging: ResourceGroupsTaggingAPIClient;
}

export interface ReadLoadBalancersOptions {
  /** How many DescribeTargetHealth calls may run at once. */
  targetHealthConcurrency: number;
}

/** DescribeLoadBalancers accepts at most 20 ARNs per call. */
const DESCRIBE_LB_MAX_ARNS = 20;

const CONSOLE_DOMAINS: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

export function consoleUrl(
  arn: string,
  region: string,
  partition: string,
): string {
  const domain = CONSOLE_DOMAINS[partition] ?? CONSOLE_DOMAINS.aws;
  const host = `${region}.${domain}`;
  return `https://${host}/ec2/home?region=${region}#LoadBalancer:loadBalancerArn=${arn}`;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from(
    { length: Math.max(1, Math.min(limit, items.length)) },
    async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]);
      }
    },
  );
  await Promise.all(workers);
  return results;
}

function isLoadBalancerNotFound(e: unknown): boolean {
  const cause = e instanceof AwsCallError ? e.cause : e;
  const name = (cause as { name?: string })?.name;
  return (
    name === 'LoadBalancerNotFoundException' || name === 'LoadBalancerNotFound'
  );
}

interface TagLookup {
  /** Load balancers carrying the tags, sorted. */
  arns: string[];
  /** Target groups carrying the same tags (the controller tags its groups like its ALB). */
  targetGroupArns: string[];
  /** Their `ingress.k8s.aws/resource` tags (which Ingress and Service each serves). */
  targetGroupResources: Map<string, string>;
  tags: Map<string, Record<string, string>>;
}

async function findArnsByTags(
  tagging: ResourceGroupsTaggingAPIClient,
  locator: Extract<LoadBalancerLocator, { kind: 'tags' }>,
): Promise<TagLookup> {
  const tags = new Map<string, Record<string, string>>();
  const targetGroupArns: string[] = [];
  const targetGroupResources = new Map<string, string>();
  let token: string | undefined;
  do {
    const pageToken = token;
    const page = await awsCall('tag:GetResources', () =>
      tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: [
            'elasticloadbalancing:loadbalancer',
            'elasticloadbalancing:targetgroup',
          ],
          TagFilters: locator.tags.map(t => ({
            Key: t.key,
            Values: [t.value],
          })),
          PaginationToken: pageToken,
        }),
      ),
    );
    for (const mapping of page.ResourceTagMappingList ?? []) {
      const arn = mapping.ResourceARN;
      if (!arn) continue;
      if (arn.includes(':targetgroup/')) {
        targetGroupArns.push(arn);
        const resource = mapping.Tags?.find(
          t => t.Key === LBC_TAG_RESOURCE,
        )?.Value;
        if (resource) targetGroupResources.set(arn, resource);
        continue;
      }
      const record: Record<string, string> = {};
      for (const tag of mapping.Tags ?? []) {
        if (tag.Key) record[tag.Key] = tag.Value ?? '';
      }
      tags.set(arn, record);
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return {
    arns: [...tags.keys()].sort(),
    targetGroupArns,
    targetGroupResources,
    tags,
  };
}

export function isTargetGroupNotFound(e: unknown): boolean {
  const cause = e instanceof AwsCallError ? e.cause : e;
  const name = (cause as { name?: string })?.name;
  return (
    name === 'TargetGroupNotFoundException' || name === 'TargetGroupNotFound'
  );
}

/** DescribeTargetHealth for each group (one group per call), bounded in parallel. */
export async function describeTargetHealth(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArns: string[],
  concurrency: number,
  tolerateMissing: boolean,
): Promise<Map<string, TargetHealthDescription[]>> {
  const results = await mapWithConcurrency(
    targetGroupArns,
    concurrency,
    async arn => {
      try {
        const res = await awsCall(
          'elasticloadbalancing:DescribeTargetHealth',
          () =>
            elbv2.send(
              new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
            ),
        );
        return res.TargetHealthDescriptions ?? [];
      } catch (e) {
        if (tolerateMissing && isTargetGroupNotFound(e)) return undefined;
        throw e;
      }
    },
  );
  const byArn = new Map<string, TargetHealthDescription[]>();
  targetGroupArns.forEach((arn, i) => {
    const health = results[i];
    if (health) byArn.set(arn, health);
  });
  return byArn;
}

export async function describeLoadBalancers(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
  tolerateMissing: boolean,
): Promise<LoadBalancer[]> {
  const describe = async (batch: string[]) => {
    const out: LoadBalancer[] = [];
    let marker: string | undefined;
    do {
      const pageMarker = marker;
      const page = await awsCall(
        'elasticloadbalancing:DescribeLoadBalancers',
        () =>
          elbv2.send(
            new DescribeLoadBalancersCommand({
              LoadBalancerArns: batch,
              Marker: pageMarker,
            }),
          ),
      );
      out.push(...(page.LoadBalancers ?? []));
      marker = page.NextMarker || undefined;
    } while (marker);
    return out;
  };
  const batches = await Promise.all(
    chunk(arns, DESCRIBE_LB_MAX_ARNS).map(async batch => {
      try {
        return await describe(batch);
      } catch (e) {
        // The tagging API is eventually consistent and can still list an ALB the controller
        // just deleted; one unknown ARN fails the whole batch, so retry the batch one by one.
        if (!tolerateMissing || !isLoadBalancerNotFound(e)) throw e;
        if (batch.length === 1) return [];
        const singles = await Promise.all(
          batch.map(arn =>
            describe([arn]).catch(err => {
              if (isLoadBalancerNotFound(err)) return [];
              throw err;
            }),
          ),
        );
        return singles.flat();
      }
    }),
  );
  return batches.flat();
}

export async function describeListeners(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<Listener[]> {
  const out: Listener[] = [];
  let marker: string | undefined;
  do {
    const pageMarker = marker;
    const page = await awsCall('elasticloadbalancing:DescribeListeners', () =>
      elbv2.send(
        new DescribeListenersCommand({
          LoadBalancerArn: loadBalancerArn,
          Marker: pageMarker,
        }),
      ),
    );
    out.push(...(page.Listeners ?? []));
    marker = page.NextMarker || undefined;
  } while (marker);
  return out;
}

async function describeTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<TargetGroup[]> {
  const out: TargetGroup[] = [];
  let marker: string | undefined;
  do {
    const pageMarker = marker;
    const page = await awsCall(
      'elasticloadbalancing:DescribeTargetGroups',
      () =>
        elbv2.send(
          new DescribeTargetGroupsCommand({
            LoadBalancerArn: loadBalancerArn,
            Marker: pageMarker,
          }),
        ),
    );
    out.push(...(page.TargetGroups ?? []));
    marker = page.NextMarker || undefined;
  } while (marker);
  return out;
}

function toState(state: string | undefined): TargetHealthState {
  return TARGET_HEALTH_STATES.includes(state as TargetHealthState)
    ? (state as TargetHealthState)
    : 'unavailable';
}

function toTarget(d: TargetHealthDescription): AlbTarget {
  const known = TARGET_HEALTH_STATES.includes(
    d.TargetHealth?.State as TargetHealthState,
  );
  return {
    id: d.Target?.Id ?? '',
    port: d.Target?.Port,
    availabilityZone: d.Target?.AvailabilityZone,
    state: toState(d.TargetHealth?.State),
    reasonCode: d.TargetHealth?.Reason,
    description:
      d.TargetHealth?.Description ??
      (known ? undefined : `Unrecognised state ${d.TargetHealth?.State}`),
  };
}

export function toTargetGroup(
  tg: TargetGroup,
  health: TargetHealthDescription[],
  controllerResource: string | undefined,
): AlbTargetGroup {
  const targets = health.map(toTarget);
  const counts: AlbTargetGroup['counts'] = {};
  for (const t of targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return {
    arn: tg.TargetGroupArn ?? '',
    name: tg.TargetGroupName ?? '',
    protocol: tg.Protocol,
    port: tg.Port,
    targetType: tg.TargetType,
    healthCheck: {
      protocol: tg.HealthCheckProtocol,
      port: tg.HealthCheckPort,
      path: tg.HealthCheckPath,
      intervalSeconds: tg.HealthCheckIntervalSeconds,
      timeoutSeconds: tg.HealthCheckTimeoutSeconds,
      healthyThresholdCount: tg.HealthyThresholdCount,
      unhealthyThresholdCount: tg.UnhealthyThresholdCount,
      matcher: tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode,
      enabled: tg.HealthCheckEnabled,
    },
    targets,
    ...(controllerResource ? { controllerResource } : {}),
    counts,
  };
}

/** An ELBv2 action as the response shows it (listener default actions and rules). */
/** The load balancer's own fields as the response shows them (listeners and groups apart). */
export function toLoadBalancer(
  lb: LoadBalancer,
  locator: LoadBalancerLocator,
  tags: Record<string, string> | undefined,
): Omit<AlbLoadBalancer, 'listeners' | 'targetGroups'> {
  const arn = lb.LoadBalancerArn ?? '';
  return {
    arn,
    name: lb.LoadBalancerName ?? '',
    dnsName: lb.DNSName,
    scheme: lb.Scheme,
    state: lb.State?.Code,
    stateReason: lb.State?.Reason,
    type: lb.Type,
    vpcId: lb.VpcId,
    availabilityZones: (lb.AvailabilityZones ?? []).map(az => ({
      zoneName: az.ZoneName,
      subnetId: az.SubnetId,
    })),
    securityGroups: lb.SecurityGroups ?? [],
    accountId: locator.accountId,
    region: locator.region,
    consoleUrl: consoleUrl(arn, locator.region, locator.partition),
    ...(tags ? { tags } : {}),
  };
}

export function toAction(a: Action): AlbListenerAction {
  const targetGroupArns = [
    ...(a.TargetGroupArn ? [a.TargetGroupArn] : []),
    ...(a.ForwardConfig?.TargetGroups ?? [])
      .map(t => t.TargetGroupArn)
      .filter((arn): arn is string => Boolean(arn) && arn !== a.TargetGroupArn),
  ];
  return {
    type: a.Type ?? 'unknown',
    ...(targetGroupArns.length ? { targetGroupArns } : {}),
    ...(a.RedirectConfig
      ? {
          redirect: {
            protocol: a.RedirectConfig.Protocol,
            port: a.RedirectConfig.Port,
            host: a.RedirectConfig.Host,
            path: a.RedirectConfig.Path,
            statusCode: a.RedirectConfig.StatusCode,
          },
        }
      : {}),
    ...(a.FixedResponseConfig
      ? {
          fixedResponse: {
            statusCode: a.FixedResponseConfig.StatusCode,
            contentType: a.FixedResponseConfig.ContentType,
          },
        }
      : {}),
  };
}

export function toListener(l: Listener): AlbListener {
  const certificateArns = (l.Certificates ?? [])
    .map(c => c.CertificateArn ?? '')
    .filter(Boolean);
  return {
    arn: l.ListenerArn ?? '',
    port: l.Port,
    protocol: l.Protocol,
    defaultActions: [...(l.DefaultActions ?? [])]
      .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
      .map(toAction),
    // HTTPS listeners only: the certificates route reads them from ACM when asked.
    ...(certificateArns.length ? { certificateArns } : {}),
  };
}

/**
 * Reads everything the health view shows, in at most three sequential round trips:
 * 1. GetResources by tag, for load balancers and target groups (skipped with the ARN
 *    annotation);
 * 2. DescribeLoadBalancers, DescribeListeners and DescribeTargetGroups in parallel (the
 *    latter two take the load balancer ARN, so they need not wait for the first), with
 *    DescribeTargetHealth for the target groups found by tag;
 * 3. DescribeTargetHealth for attached groups the tags did not find (all of them with the
 *    ARN annotation).
 * Two sequential round trips with either annotation for ALBs made by the Load Balancer
 * Controller; three only when target groups do not carry the ALB's tags.
 */
export async function readLoadBalancers(
  clients: AlbAwsClients,
  locator: LoadBalancerLocator,
  options: ReadLoadBalancersOptions,
): Promise<AlbLoadBalancer[]> {
  let arns: string[];
  let tagsByArn: Map<string, Record<string, string>> | undefined;
  let taggedTargetGroupArns: string[] = [];
  let targetGroupResources = new Map<string, string>();
  if (locator.kind === 'arn') {
    arns = [locator.arn];
  } else {
    const found = await findArnsByTags(clients.tagging, locator);
    arns = found.arns;
    tagsByArn = found.tags;
    taggedTargetGroupArns = found.targetGroupArns;
    targetGroupResources = found.targetGroupResources;
  }
  if (arns.length === 0) return [];

  // With tags, an ALB can vanish between the lookup and the describe (controller cleanup);
  // drop it instead of failing the whole view. With the ARN annotation, a missing ALB is an
  // error the user must see.
  const tolerateMissing = locator.kind === 'tags';
  const orMissing = <T>(p: Promise<T[]>): Promise<T[] | undefined> =>
    tolerateMissing
      ? p.catch(e => {
          if (isLoadBalancerNotFound(e)) return undefined;
          throw e;
        })
      : p;

  // The groups the tag lookup found are read in the same round as the describes, which
  // saves a round trip: the controller tags its target groups with the ALB's stack tags.
  const [loadBalancers, listeners, targetGroups, speculativeHealth] =
    await Promise.all([
      describeLoadBalancers(clients.elbv2, arns, tolerateMissing),
      Promise.all(
        arns.map(arn => orMissing(describeListeners(clients.elbv2, arn))),
      ),
      Promise.all(
        arns.map(arn => orMissing(describeTargetGroups(clients.elbv2, arn))),
      ),
      describeTargetHealth(
        clients.elbv2,
        taggedTargetGroupArns,
        options.targetHealthConcurrency,
        true,
      ),
    ]);

  // A target group can serve several of the load balancers; read its health once. Groups
  // not found by tag (attached by hand, or tagged differently) take one more round.
  const attachedTargetGroupArns = [
    ...new Set(
      targetGroups.flatMap(tgs =>
        (tgs ?? []).map(tg => tg.TargetGroupArn ?? ''),
      ),
    ),
  ].filter(Boolean);
  const remainingHealth = await describeTargetHealth(
    clients.elbv2,
    attachedTargetGroupArns.filter(arn => !speculativeHealth.has(arn)),
    options.targetHealthConcurrency,
    false,
  );
  const healthByTg = new Map([...speculativeHealth, ...remainingHealth]);

  const byArn = new Map(loadBalancers.map(lb => [lb.LoadBalancerArn, lb]));
  const result: AlbLoadBalancer[] = [];
  arns.forEach((arn, i) => {
    const lb = byArn.get(arn);
    if (!lb || !listeners[i] || !targetGroups[i]) return;
    result.push({
      ...toLoadBalancer(lb, locator, tagsByArn?.get(arn)),
      listeners: (listeners[i] ?? [])
        .map(toListener)
        .sort((a, b) => (a.port ?? 0) - (b.port ?? 0)),
      targetGroups: (targetGroups[i] ?? [])
        .map(tg =>
          toTargetGroup(
            tg,
            healthByTg.get(tg.TargetGroupArn ?? '') ?? [],
            targetGroupResources.get(tg.TargetGroupArn ?? ''),
          ),
        )
        .sort((a, b) => a.name.localeCompare(b.name)),
    });
  });
  return result;
}
