import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  TargetGroup,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AlbListener,
  AlbLoadBalancer,
  LBC_TAG_RESOURCE,
} from '@cross-account-alb/plugin-aws-alb-common';
import { awsCall } from './errors';
import { LoadBalancerLocator } from './locator';
import {
  AlbAwsClients,
  chunk,
  describeListeners,
  describeLoadBalancers,
  describeTargetHealth,
  isTargetGroupNotFound,
  toListener,
  toLoadBalancer,
  toTargetGroup,
} from './readLoadBalancers';

/**
 * Batched reads for many entities at once, used by the background sweep. Where
 * `readLoadBalancers` reads one entity in a few round trips, this reads the structure of up
 * to {@link FLEET_BATCH} entities with a handful of calls:
 * - one `GetResources` for all of them (TagFilters OR the values of each key: AWS allows 20
 *   values per filter), matched back to each entity here;
 * - `DescribeLoadBalancers` for up to 20 ARNs a call;
 * - `DescribeTargetGroups` for up to 20 ARNs a call (the groups found by tag, those the
 *   listeners forward to, and those of the previous answer);
 * after which `DescribeTargetHealth` (one target group a call, the API's floor) is read group
 * by group as budget comes in. Listeners change rarely and are re-read on their own, longer,
 * schedule ({@link readListeners}).
 */
export const FLEET_BATCH = 20;
const MAX_ARNS_PER_CALL = 20;

type TagsLocator = Extract<LoadBalancerLocator, { kind: 'tags' }>;

/** One entity (one cache key) in a batch. */
export interface FleetItem {
  key: string;
  locator: TagsLocator;
  /** The previous answer, if any: its target groups are looked up again, its listeners kept. */
  previous?: AlbLoadBalancer[];
}

/** The structure of a batch, before target health. */
export interface FleetStructure {
  /** Per item key: its load balancers (listeners from the previous answer) and their groups. */
  items: Map<
    string,
    Array<{ lb: AlbLoadBalancer; targetGroups: TargetGroup[] }>
  >;
  /** Every target group whose health the batch needs, once. */
  targetGroupArns: string[];
  /** The controller's `ingress.k8s.aws/resource` tag of the target groups found by tag. */
  targetGroupResources: Map<string, string>;
  calls: number;
}

function matches(tags: Record<string, string>, locator: TagsLocator): boolean {
  return locator.tags.every(t => tags[t.key] === t.value);
}

/** GetResources for all items (at most {@link FLEET_BATCH}), paginated. */
async function findByTags(
  tagging: ResourceGroupsTaggingAPIClient,
  items: FleetItem[],
): Promise<{
  resources: Array<{ arn: string; tags: Record<string, string> }>;
  calls: number;
}> {
  // Keys every locator filters on; each locator's other keys are matched here.
  const keys = items[0].locator.tags
    .map(t => t.key)
    .filter(k => items.every(i => i.locator.tags.some(t => t.key === k)));
  const filters = keys.map(key => ({
    Key: key,
    Values: [
      ...new Set(
        items.map(i => i.locator.tags.find(t => t.key === key)!.value),
      ),
    ],
  }));
  const resources: Array<{ arn: string; tags: Record<string, string> }> = [];
  let token: string | undefined;
  let calls = 0;
  do {
    const pageToken = token;
    calls++;
    const page = await awsCall('tag:GetResources', () =>
      tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: [
            'elasticloadbalancing:loadbalancer',
            'elasticloadbalancing:targetgroup',
          ],
          TagFilters: filters,
          // The most AWS allows: 20 entities' load balancers and groups, each with the
          // controller's 3-4 tags, fit one page (the default of 100 tags would not).
          TagsPerPage: 500,
          PaginationToken: pageToken,
        }),
      ),
    );
    for (const mapping of page.ResourceTagMappingList ?? []) {
      if (!mapping.ResourceARN) continue;
      const tags: Record<string, string> = {};
      for (const tag of mapping.Tags ?? []) {
        if (tag.Key) tags[tag.Key] = tag.Value ?? '';
      }
      resources.push({ arn: mapping.ResourceARN, tags });
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return { resources, calls };
}

/** DescribeTargetGroups by ARN, 20 a call; groups deleted meanwhile are dropped. */
async function describeTargetGroupsByArn(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<{ groups: TargetGroup[]; calls: number }> {
  let calls = 0;
  const describe = async (batch: string[]) => {
    calls++;
    const res = await awsCall('elasticloadbalancing:DescribeTargetGroups', () =>
      elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: batch })),
    );
    return res.TargetGroups ?? [];
  };
  const batches = await Promise.all(
    chunk(arns, MAX_ARNS_PER_CALL).map(async batch => {
      try {
        return await describe(batch);
      } catch (e) {
        // One unknown ARN fails the batch (a group deleted since the last answer).
        if (!isTargetGroupNotFound(e) || batch.length === 1) {
          if (isTargetGroupNotFound(e)) return [];
          throw e;
        }
        const singles = await Promise.all(
          batch.map(arn =>
            describe([arn]).catch(err => {
              if (isTargetGroupNotFound(err)) return [];
              throw err;
            }),
          ),
        );
        return singles.flat();
      }
    }),
  );
  return { groups: batches.flat(), calls };
}

/** Calls {@link readFleetStructure} is expected to make for `items`. */
export function expectedStructureCalls(items: FleetItem[]): number {
  const lbs = items.reduce((n, i) => n + (i.previous?.length || 1), 0);
  const tgs = items.reduce(
    (n, i) =>
      n + (i.previous?.reduce((m, lb) => m + lb.targetGroups.length, 0) || 1),
    0,
  );
  return (
    Math.ceil(items.length / FLEET_BATCH) +
    Math.ceil(lbs / MAX_ARNS_PER_CALL) +
    Math.ceil(tgs / MAX_ARNS_PER_CALL)
  );
}

/**
 * Reads load balancers and target groups of up to {@link FLEET_BATCH} tag-located items of
 * one account and region: one GetResources, then DescribeLoadBalancers and
 * DescribeTargetGroups in parallel, 20 ARNs a call.
 */
export async function readFleetStructure(
  clients: AlbAwsClients,
  items: FleetItem[],
): Promise<FleetStructure> {
  if (items.length > FLEET_BATCH) {
    throw new Error(`At most ${FLEET_BATCH} items a batch`);
  }
  const found = await findByTags(clients.tagging, items);
  let calls = found.calls;
  const lbArnsByItem = new Map<string, string[]>();
  const tgArns = new Set<string>();
  const lbTags = new Map<string, Record<string, string>>();
  const targetGroupResources = new Map<string, string>();
  for (const r of found.resources) {
    const resource = r.tags[LBC_TAG_RESOURCE];
    if (r.arn.includes(':targetgroup/') && resource) {
      targetGroupResources.set(r.arn, resource);
    }
  }
  for (const item of items) {
    const mine = found.resources.filter(r => matches(r.tags, item.locator));
    const lbs = mine
      .filter(r => r.arn.includes(':loadbalancer/'))
      .map(r => r.arn)
      .sort();
    lbArnsByItem.set(item.key, lbs);
    for (const r of mine) {
      if (r.arn.includes(':targetgroup/')) tgArns.add(r.arn);
      else lbTags.set(r.arn, r.tags);
    }
    // Groups attached without the stack tags: those of the last answer and those the
    // listeners forward to.
    for (const lb of item.previous ?? []) {
      if (!lbs.includes(lb.arn)) continue;
      lb.targetGroups.forEach(tg => tgArns.add(tg.arn));
      lb.listeners.forEach(l =>
        l.defaultActions.forEach(a =>
          a.targetGroupArns?.forEach(arn => tgArns.add(arn)),
        ),
      );
    }
  }
  const allLbArns = [...new Set([...lbArnsByItem.values()].flat())];
  if (allLbArns.length === 0) {
    return {
      items: new Map(items.map(i => [i.key, []])),
      targetGroupArns: [],
      targetGroupResources,
      calls,
    };
  }
  const [loadBalancers, targetGroups] = await Promise.all([
    describeLoadBalancers(clients.elbv2, allLbArns, true).then(lbs => {
      calls += Math.ceil(allLbArns.length / MAX_ARNS_PER_CALL);
      return lbs;
    }),
    describeTargetGroupsByArn(clients.elbv2, [...tgArns]).then(r => {
      calls += r.calls;
      return r.groups;
    }),
  ]);
  const lbByArn = new Map(loadBalancers.map(lb => [lb.LoadBalancerArn, lb]));
  const needed = new Set<string>();
  const out: FleetStructure['items'] = new Map();
  for (const item of items) {
    const { locator } = item;
    const previousByArn = new Map((item.previous ?? []).map(p => [p.arn, p]));
    const entries: Array<{ lb: AlbLoadBalancer; targetGroups: TargetGroup[] }> =
      [];
    for (const arn of lbArnsByItem.get(item.key) ?? []) {
      const lb = lbByArn.get(arn);
      if (!lb) continue; // deleted since the tag lookup
      const groups = targetGroups.filter(tg =>
        (tg.LoadBalancerArns ?? []).includes(arn),
      );
      groups.forEach(tg => tg.TargetGroupArn && needed.add(tg.TargetGroupArn));
      entries.push({
        lb: {
          ...toLoadBalancer(lb, locator, lbTags.get(arn)),
          listeners: previousByArn.get(arn)?.listeners ?? [],
          targetGroups: [],
        },
        targetGroups: groups,
      });
    }
    out.set(item.key, entries);
  }
  return {
    items: out,
    targetGroupArns: [...needed],
    targetGroupResources,
    calls,
  };
}

/** DescribeTargetHealth for `arns`, one call each (groups deleted meanwhile are dropped). */
export async function readTargetHealth(
  clients: AlbAwsClients,
  arns: string[],
  concurrency: number,
): Promise<Map<string, TargetHealthDescription[]>> {
  return describeTargetHealth(clients.elbv2, arns, concurrency, true);
}

/** DescribeListeners for each load balancer (one call each, paginated). */
export async function readListeners(
  clients: AlbAwsClients,
  lbArns: string[],
): Promise<Map<string, AlbListener[]>> {
  const lists = await Promise.all(
    lbArns.map(arn =>
      describeListeners(clients.elbv2, arn).then(ls =>
        ls.map(toListener).sort((a, b) => (a.port ?? 0) - (b.port ?? 0)),
      ),
    ),
  );
  return new Map(lbArns.map((arn, i) => [arn, lists[i]]));
}

/** Puts an item's load balancers together once all its groups' health is in. */
export function assembleItem(
  entries: Array<{ lb: AlbLoadBalancer; targetGroups: TargetGroup[] }>,
  health: Map<string, TargetHealthDescription[]>,
  targetGroupResources: Map<string, string> = new Map(),
): AlbLoadBalancer[] {
  return entries.map(({ lb, targetGroups }) => ({
    ...lb,
    targetGroups: targetGroups
      .map(tg =>
        toTargetGroup(
          tg,
          health.get(tg.TargetGroupArn ?? '') ?? [],
          targetGroupResources.get(tg.TargetGroupArn ?? ''),
        ),
      )
      .sort((a, b) => a.name.localeCompare(b.name)),
  }));
}
