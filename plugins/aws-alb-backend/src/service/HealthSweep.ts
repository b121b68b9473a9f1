import {
  AuthService,
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { JsonValue } from '@backstage/types';
import { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ANNOTATION_ELBV2_LOAD_BALANCER_ARN,
  ANNOTATION_ELBV2_LOAD_BALANCER_TAGS,
  AlbListener,
  AlbLoadBalancer,
} from '@cross-account-alb/plugin-aws-alb-common';
import { AlbAwsClientFactory } from './clients';
import {
  CacheEntry,
  SWEEP_STATUS_KEY,
  SweepStatus,
  entryKey,
  wantKey,
} from './cacheEntries';
import { LoadBalancerLocator, locatorFromEntity } from './locator';
import {
  FLEET_BATCH,
  FleetItem,
  assembleItem,
  expectedStructureCalls,
  readFleetStructure,
  readListeners,
  readTargetHealth,
} from './readFleet';
import { CallBudget } from './TokenBucketLimiter';

/**
 * Listener reads a batch adds at most: after a cold start every entity's listeners are due
 * at once, and reading them all in one pass would stall health for a whole cycle.
 */
export const LISTENERS_PER_BATCH = 5;

/**
 * Listeners are re-read at most once every this many health refreshes of their entity, even
 * past `listenersTtlMs`: in a fleet so large that a health cycle takes minutes, one
 * `DescribeListeners` per load balancer per TTL would otherwise take a growing share of the
 * budget (at 1,000 load balancers and 600 s, 1.7 of 4 calls/s) and slow every health refresh.
 */
export const LISTENER_REFRESH_CYCLES = 3;

/**
 * Settings of the background sweep (`awsAlb.sweep.*`).
 *
 * @public
 */
export interface SweepSettings {
  enabled: boolean;
  /** How often the scheduler starts a run; a run lasts up to 90 % of it. */
  frequencyMs: number;
  /** Tokens the sweep always leaves in the bucket for interactive views. */
  headroomCalls: number;
  /** How long listeners are kept before the sweep reads them again. */
  listenersTtlMs: number;
  /** How often the list of annotated entities is read from the catalog. */
  entitiesRefreshMs: number;
  /**
   * Answers younger than this are not refreshed by the sweep, even with budget to spare: the
   * ELBv2 budget is shared with every cluster's controller. Views show the age.
   */
  minAgeMs: number;
}

export interface HealthSweepOptions {
  catalog: CatalogService;
  auth: AuthService;
  cache: CacheService;
  logger: LoggerService;
  clientFactory: AlbAwsClientFactory;
  settings: SweepSettings & {
    cacheTtlMs: number;
    staleTtlMs: number;
    targetHealthConcurrency: number;
    allowedAccountIds: string[];
    callsPerSecond: number;
    burst: number;
  };
  /**
   * Reads one ARN-located entity (no batching applies), its
   * `expectedSingleCalls(locator, entry)` tokens prepaid by the sweep.
   */
  readSingle(
    locator: LoadBalancerLocator,
    key: string,
    prepaidCalls: number,
  ): Promise<void>;
  expectedSingleCalls(
    locator: LoadBalancerLocator,
    entry: CacheEntry | undefined,
  ): number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Target {
  key: string;
  locator: LoadBalancerLocator;
}

interface Candidate extends Target {
  entry?: CacheEntry;
  wanted: boolean;
  age: number;
  /** Never read, or older than `minAgeMs`: a run goes on while there is one. */
  due: boolean;
}

/**
 * What one run of the sweep did, for logs and the benchmark.
 *
 * @public
 */
export interface SweepRunReport {
  entitiesRefreshed: number;
  calls: number;
  neverRead: number;
}

/**
 * The background sweep as the scheduler (or a benchmark) runs it.
 *
 * @public
 */
export interface AwsAlbHealthSweep {
  /** One run: refreshes entities until `durationMs` has passed or all are fresh. */
  run(durationMs: number): Promise<SweepRunReport>;
}

/**
 * Keeps every annotated entity's answer fresh within the shared call budget, oldest first,
 * entities someone asked for before the rest, so that views find an answer in the cache.
 * Runs as one global task of Backstage's scheduler (one runner across replicas); all its
 * state (answers, ages, who asked) is in the shared cache, so any replica can take over.
 */
export class HealthSweep implements AwsAlbHealthSweep {
  private targets?: { at: number; list: Target[] };
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HealthSweepOptions) {
    this.now = options.now ?? Date.now;
    this.sleep =
      options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
  }

  /** The annotated entities, one per cache key, from the catalog with the plugin's identity. */
  private async listTargets(): Promise<Target[]> {
    const { catalog, auth, settings, logger } = this.options;
    if (
      this.targets &&
      this.now() - this.targets.at < settings.entitiesRefreshMs
    ) {
      return this.targets.list;
    }
    const credentials = await auth.getOwnServiceCredentials();
    const { items } = await catalog.getEntities(
      {
        filter: [
          {
            [`metadata.annotations.${ANNOTATION_ELBV2_LOAD_BALANCER_TAGS}`]:
              CATALOG_FILTER_EXISTS,
          },
          {
            [`metadata.annotations.${ANNOTATION_ELBV2_LOAD_BALANCER_ARN}`]:
              CATALOG_FILTER_EXISTS,
          },
        ],
        fields: ['kind', 'metadata.name', 'metadata.annotations'],
      },
      { credentials },
    );
    const byKey = new Map<string, Target>();
    for (const entity of items as Entity[]) {
      try {
        const locator = locatorFromEntity(entity);
        if (!settings.allowedAccountIds.includes(locator.accountId)) continue;
        byKey.set(entryKey(locator), { key: entryKey(locator), locator });
      } catch (e) {
        // A bad annotation is reported to whoever views the entity.
        logger.debug(`aws-alb sweep skips ${entity.metadata.name}: ${e}`);
      }
    }
    const list = [...byKey.values()];
    this.targets = { at: this.now(), list };
    return list;
  }

  private async plan(targets: Target[]): Promise<Candidate[]> {
    const { cache, settings } = this.options;
    const now = this.now();
    const minAge = Math.max(settings.minAgeMs, settings.cacheTtlMs);
    const candidates = await Promise.all(
      targets.map(async (t): Promise<Candidate> => {
        const [entry, wanted] = await Promise.all([
          cache.get<JsonValue>(t.key).catch(() => undefined),
          cache.get<JsonValue>(wantKey(t.key)).catch(() => undefined),
        ]);
        const e = entry as unknown as CacheEntry | undefined;
        const valid = e?.v === 1 ? e : undefined;
        const age = valid ? now - Date.parse(valid.fetchedAt) : Infinity;
        return {
          ...t,
          entry: valid,
          wanted: wanted !== undefined,
          age,
          due: age >= minAge,
        };
      }),
    );
    // Due before not due (those only fill a batch); never read before read; among equals,
    // the ones someone asked for; then the oldest.
    return candidates
      .filter(c => c.due || c.age >= Math.max(minAge / 2, settings.cacheTtlMs))
      .sort((a, b) => {
        if (a.due !== b.due) return a.due ? -1 : 1;
        const na = a.entry ? 1 : 0;
        const nb = b.entry ? 1 : 0;
        if (na !== nb) return na - nb;
        if (a.wanted !== b.wanted) return a.wanted ? -1 : 1;
        return b.age - a.age;
      });
  }

  /**
   * Takes `count` tokens at once (at most what the bucket can hold above the headroom: the
   * calls beyond take a token each as they go), waiting until they are there; 0 when
   * `deadline` would pass first. Tokens are never held while waiting: a read starts as soon
   * as it has its tokens, so the bucket's bound holds for calls, not only for tokens.
   */
  private async take(
    budget: CallBudget,
    wanted: number,
    deadline: number,
  ): Promise<number> {
    const { headroomCalls, callsPerSecond, burst } = this.options.settings;
    const count = Math.max(
      1,
      Math.min(wanted, Math.floor(burst - headroomCalls)),
    );
    for (;;) {
      const got = await budget.takeAvailable(count, headroomCalls);
      if (got === count) return count;
      if (got > 0) await budget.refund(got);
      const waitMs = Math.max(50, ((count - got) / callsPerSecond) * 1000);
      if (this.now() + waitMs > deadline) return 0;
      await this.sleep(waitMs);
    }
  }

  /** Up to `max` tokens, at least one, as soon as there is one (before `deadline`). */
  private async takeSome(
    budget: CallBudget,
    max: number,
    deadline: number,
  ): Promise<number> {
    const { headroomCalls, callsPerSecond } = this.options.settings;
    for (;;) {
      const got = await budget.takeAvailable(max, headroomCalls);
      if (got > 0) return got;
      const waitMs = Math.max(50, 1000 / callsPerSecond);
      if (this.now() + waitMs > deadline) return 0;
      await this.sleep(waitMs);
    }
  }

  /** One run: refreshes entities until `durationMs` has passed or all are fresh. */
  async run(durationMs: number): Promise<SweepRunReport> {
    const started = this.now();
    const deadline = started + durationMs;
    const report: SweepRunReport = {
      entitiesRefreshed: 0,
      calls: 0,
      neverRead: 0,
    };
    const targets = await this.listTargets();
    let planned = await this.plan(targets);
    report.neverRead = planned.filter(c => !c.entry).length;
    await this.writeStatus(planned, report, started);
    while (this.now() < deadline && planned.some(c => c.due)) {
      const first = planned[0];
      if (first.locator.kind === 'arn') {
        // No batching for ARN-located entities: the single read, paid up front.
        const budget = this.budget(first.locator);
        const single = this.options.expectedSingleCalls(
          first.locator,
          first.entry,
        );
        const taken = await this.take(budget, single, deadline);
        if (!taken) break;
        await this.options
          .readSingle(first.locator, first.key, taken)
          .catch(e =>
            this.options.logger.warn(`aws-alb sweep: ${first.key}: ${e}`),
          );
        report.calls += taken;
        report.entitiesRefreshed++;
      } else {
        const batch = this.nextBatch(planned);
        // Listeners are re-read only once every entity has an answer: health first.
        const listenersDue =
          report.neverRead === 0 && !planned.some(c => !c.entry);
        const done = await this.refreshBatch(batch, listenersDue, deadline);
        report.calls += done.calls;
        report.entitiesRefreshed += done.entities;
        if (done.entities === 0) break;
      }
      planned = await this.plan(targets);
    }
    await this.writeStatus(planned, report, started);
    return report;
  }

  private budget(locator: LoadBalancerLocator): CallBudget {
    const budget = this.options.clientFactory.budget?.(
      locator.accountId,
      locator.region,
    );
    if (!budget)
      throw new Error('The sweep needs a client factory with a budget');
    return budget;
  }

  /**
   * Candidates batchable with the first one (same account, region and tag keys): the due
   * ones, then, to fill the batch, ones past half the minimum age. The tag lookup and the two
   * describes cost the same for 1 or 20 entities, so a full batch costs ~1.15 calls each.
   */
  private nextBatch(planned: Candidate[]): Candidate[] {
    const first = planned[0];
    const shape = (c: Candidate) =>
      c.locator.kind === 'tags'
        ? `${c.locator.accountId}/${c.locator.region}/${c.locator.tags
            .map(t => t.key)
            .sort()
            .join(',')}`
        : '';
    const want = shape(first);
    return planned.filter(c => shape(c) === want).slice(0, FLEET_BATCH);
  }

  private async refreshBatch(
    batch: Candidate[],
    listenersDue: boolean,
    deadline: number,
  ): Promise<{ entities: number; calls: number }> {
    const { clientFactory, cache, settings, logger } = this.options;
    const { accountId, region } = batch[0].locator;
    const budget = this.budget(batch[0].locator);
    const items: FleetItem[] = batch.map(c => ({
      key: c.key,
      locator: c.locator as FleetItem['locator'],
      previous: c.entry?.loadBalancers,
    }));
    const structureCalls = await this.take(
      budget,
      expectedStructureCalls(items),
      deadline,
    );
    if (!structureCalls) return { entities: 0, calls: 0 };
    const clients = await clientFactory.getClients(accountId, region);
    const prepaid = <T>(calls: number, fn: () => Promise<T>) =>
      clientFactory.withBudget
        ? clientFactory.withBudget(accountId, region, calls, fn, {
            prepaid: true,
          })
        : fn();
    let calls = structureCalls;
    let structure;
    try {
      structure = await prepaid(structureCalls, () =>
        readFleetStructure(clients, items),
      );
    } catch (e) {
      logger.warn(`aws-alb sweep: batch read failed: ${e}`);
      return { entities: 0, calls };
    }
    // The unit calls still to make: health per group, then listeners per load balancer.
    const now = this.now();
    const listenerArns = new Set<string>();
    if (listenersDue) {
      for (const c of batch) {
        const at = c.entry?.listenersFetchedAt;
        if (listenerArns.size >= LISTENERS_PER_BATCH) break;
        // The health age before this refresh is the entity's cycle.
        const ttl = Math.max(
          settings.listenersTtlMs,
          LISTENER_REFRESH_CYCLES * c.age,
        );
        if (!at || now - Date.parse(at) >= ttl) {
          structure.items
            .get(c.key)
            ?.forEach(({ lb }) => listenerArns.add(lb.arn));
        }
      }
    }
    const health = new Map<string, TargetHealthDescription[]>();
    const listeners = new Map<string, AlbListener[]>();
    const queue: Array<{ kind: 'health' | 'listeners'; arn: string }> = [
      ...structure.targetGroupArns.map(arn => ({
        kind: 'health' as const,
        arn,
      })),
      ...[...listenerArns].map(arn => ({ kind: 'listeners' as const, arn })),
    ];
    const written = new Set<string>();
    const writeReady = async () => {
      for (const c of batch) {
        if (written.has(c.key)) continue;
        const entries = structure.items.get(c.key) ?? [];
        const ready = entries.every(
          ({ lb, targetGroups }) =>
            targetGroups.every(tg => health.has(tg.TargetGroupArn ?? '')) &&
            (!listenerArns.has(lb.arn) || listeners.has(lb.arn)),
        );
        if (!ready) continue;
        written.add(c.key);
        const readListenersNow = entries.some(({ lb }) =>
          listenerArns.has(lb.arn),
        );
        const loadBalancers: AlbLoadBalancer[] = assembleItem(
          entries,
          health,
          structure.targetGroupResources,
        ).map(lb => ({
          ...lb,
          listeners: listeners.get(lb.arn) ?? lb.listeners,
        }));
        const fetchedAt = new Date(this.now()).toISOString();
        // Listeners read now, or none to read; else those of the last answer (if any).
        const listenersFetchedAt =
          readListenersNow || entries.length === 0
            ? fetchedAt
            : c.entry?.listenersFetchedAt;
        const entry: CacheEntry = {
          v: 1,
          fetchedAt,
          loadBalancers,
          ...(listenersFetchedAt ? { listenersFetchedAt } : {}),
        };
        await cache
          .set(c.key, entry as unknown as JsonValue, {
            ttl: settings.staleTtlMs,
          })
          .catch(e => logger.warn(`aws-alb cache write failed: ${e}`));
        await cache.delete(wantKey(c.key)).catch(() => {});
      }
    };
    await writeReady();
    // A batch started is finished, up to one more frequency past the run's end (global tasks
    // do not overlap, the next run waits): cut short, its tag lookup and describes are wasted.
    const finishBy = deadline + settings.frequencyMs;
    while (queue.length > 0) {
      const n = await this.takeSome(
        budget,
        Math.min(queue.length, settings.targetHealthConcurrency),
        finishBy,
      );
      if (n === 0) break;
      const unit = queue.splice(0, n);
      calls += n;
      try {
        await prepaid(n, async () => {
          const [h, l] = await Promise.all([
            readTargetHealth(
              clients,
              unit.filter(u => u.kind === 'health').map(u => u.arn),
              settings.targetHealthConcurrency,
            ),
            readListeners(
              clients,
              unit.filter(u => u.kind === 'listeners').map(u => u.arn),
            ),
          ]);
          // A group deleted since the describe has no health: count it as read, empty.
          unit
            .filter(u => u.kind === 'health')
            .forEach(u => health.set(u.arn, h.get(u.arn) ?? []));
          l.forEach((v, k) => listeners.set(k, v));
        });
      } catch (e) {
        logger.warn(`aws-alb sweep: health read failed: ${e}`);
        break;
      }
      await writeReady();
    }
    return { entities: written.size, calls };
  }

  private async writeStatus(
    planned: Candidate[],
    report: SweepRunReport,
    started: number,
  ) {
    const seconds = Math.max(1, (this.now() - started) / 1000);
    const status: SweepStatus = {
      at: new Date(this.now()).toISOString(),
      neverRead: planned.filter(c => !c.entry).length,
      wantedNeverRead: planned.filter(c => !c.entry && c.wanted).length,
      callsPerEntity: report.entitiesRefreshed
        ? report.calls / report.entitiesRefreshed
        : 1.2,
      callsPerSecond: report.calls
        ? report.calls / seconds
        : this.options.settings.callsPerSecond,
    };
    await this.options.cache
      .set(SWEEP_STATUS_KEY, status as unknown as JsonValue, {
        ttl: this.options.settings.frequencyMs * 10,
      })
      .catch(() => {});
  }
}
