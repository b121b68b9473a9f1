import {
  AuthService,
  BackstageCredentials,
  CacheService,
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { JsonValue } from '@backstage/types';
import {
  ANNOTATION_ELBV2_LOAD_BALANCER_ARN,
  AlbListener,
  AlbListenerRule,
  AlbListenerRules,
  AlbLoadBalancer,
  ALB_SIGNALS_RANGES,
  EntityCertificatesResponse,
  EntityListenerRulesResponse,
  EntityLoadBalancerSignalsResponse,
  EntityLoadBalancersResponse,
  sliceForIngress,
} from '@cross-account-alb/plugin-aws-alb-common';
import { readSignalsSettings, SignalsReader } from './SignalsReader';
import {
  CertificatesReader,
  readCertificatesSettings,
} from './CertificatesReader';
import { describeListenerRules, rulesForEntity } from './readListenerRules';
import {
  AwsClientFactory,
  createAwsClientFactory,
  iamRoleArn,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { AlbAwsClientFactory, DefaultAlbAwsClientFactory } from './clients';
import {
  CacheEntry,
  SWEEP_STATUS_KEY,
  SweepStatus,
  wantKey,
} from './cacheEntries';
import { toBackstageError } from './errors';
import { AwsAlbHealthSweep, HealthSweep, SweepSettings } from './HealthSweep';
import {
  LoadBalancerLocator,
  describeTags,
  locatorCacheKey,
  ingressFromEntity,
  locatorFromEntity,
} from './locator';
import { readListeners } from './readFleet';
import { readLoadBalancers } from './readLoadBalancers';
import { ReadLease } from './ReadLease';
import { RedisTokenBuckets } from './RedisTokenBuckets';
import { AccountRegionLimiters, CallBudgets } from './TokenBucketLimiter';
import { AwsAlbService } from './types';

/** Settings read from `awsAlb.*`, with their defaults. */
export interface AwsAlbSettings {
  /** Accounts that may be read; from `awsAlb.allowedAccountIds`, else `aws.accounts`. */
  allowedAccountIds: string[];
  /** Which key the allow-list came from, for error messages. */
  allowListConfigKey: 'awsAlb.allowedAccountIds' | 'aws.accounts';
  /** Role ARN assumed per account (from `aws.accounts`), for error messages. */
  roleArns: Record<string, string>;
  cacheTtlMs: number;
  staleTtlMs: number;
  /** How long listener rules are kept: they change only when an Ingress does. */
  rulesTtlMs: number;
  targetHealthConcurrency: number;
  rateLimit: { callsPerSecond: number; burst: number; maxWaitMs: number };
  maxAttempts: number;
  /**
   * Whether replicas share the cache (`backend.cache.store` other than memory): only then
   * do reads take a lease in it, so that replicas do not read the same ALB at once.
   */
  sharedCache: boolean;
  /**
   * The background sweep that keeps annotated entities fresh. When enabled, views never wait
   * for AWS on an entity that has an answer (they get it with its age), and a view of a
   * never-read entity when the budget is spent is answered "queued" instead of 503.
   * Absent: the behaviour before the sweep (tests of the single read path).
   */
  sweep?: SweepSettings;
  /** Where the shared call budget lives: Redis (`backend.cache.store: redis/valkey`), else this process. */
  sharedBudget?: { connection: string; keyPrefix: string };
}

export const DEFAULTS = {
  cacheTtlSeconds: 15,
  staleTtlSeconds: 600,
  rulesTtlSeconds: 300,
  targetHealthConcurrency: 8,
  callsPerSecond: 4,
  burst: 8,
  maxWaitMs: 2000,
  maxAttempts: 3,
  sweepFrequencySeconds: 10,
  sweepHeadroomCalls: 2,
  listenersTtlSeconds: 600,
  entitiesRefreshSeconds: 60,
  sweepMinAgeSeconds: 45,
};

/** Reads `awsAlb.*` and `aws.accounts`. */
export function readAwsAlbSettings(config: Config): AwsAlbSettings {
  const plugin = config.getOptionalConfig('awsAlb');
  const accounts = config.getOptionalConfigArray('aws.accounts') ?? [];
  const roleArns: Record<string, string> = {};
  for (const account of accounts) {
    const roleName = account.getOptionalString('roleName');
    if (roleName) {
      const accountId = account.getString('accountId');
      const partition = account.getOptionalString('partition') ?? 'aws';
      roleArns[accountId] = iamRoleArn(partition, accountId, roleName);
    }
  }
  const explicit = plugin?.getOptionalStringArray('allowedAccountIds');
  const store = config.getOptionalString('backend.cache.store') ?? 'memory';
  const connection = config.getOptionalString('backend.cache.connection');
  const positive = (key: string, fallback: number) => {
    const value = plugin?.getOptionalNumber(key) ?? fallback;
    if (!(value > 0)) {
      throw new Error(`awsAlb.${key} must be a positive number, got ${value}`);
    }
    return value;
  };
  return {
    allowedAccountIds: explicit ?? accounts.map(a => a.getString('accountId')),
    allowListConfigKey: explicit ? 'awsAlb.allowedAccountIds' : 'aws.accounts',
    roleArns,
    cacheTtlMs: positive('cache.ttlSeconds', DEFAULTS.cacheTtlSeconds) * 1000,
    staleTtlMs:
      positive('cache.staleTtlSeconds', DEFAULTS.staleTtlSeconds) * 1000,
    rulesTtlMs:
      positive('cache.rulesTtlSeconds', DEFAULTS.rulesTtlSeconds) * 1000,
    targetHealthConcurrency: Math.floor(
      positive('targetHealthConcurrency', DEFAULTS.targetHealthConcurrency),
    ),
    rateLimit: {
      callsPerSecond: positive(
        'rateLimit.callsPerSecond',
        DEFAULTS.callsPerSecond,
      ),
      burst: positive('rateLimit.burst', DEFAULTS.burst),
      maxWaitMs:
        plugin?.getOptionalNumber('rateLimit.maxWaitMs') ?? DEFAULTS.maxWaitMs,
    },
    maxAttempts: Math.floor(positive('maxAttempts', DEFAULTS.maxAttempts)),
    sharedCache: store !== 'memory',
    sweep: {
      enabled: plugin?.getOptionalBoolean('sweep.enabled') ?? true,
      frequencyMs:
        positive('sweep.frequencySeconds', DEFAULTS.sweepFrequencySeconds) *
        1000,
      headroomCalls:
        plugin?.getOptionalNumber('sweep.headroomCalls') ??
        DEFAULTS.sweepHeadroomCalls,
      listenersTtlMs:
        positive('sweep.listenersTtlSeconds', DEFAULTS.listenersTtlSeconds) *
        1000,
      entitiesRefreshMs: DEFAULTS.entitiesRefreshSeconds * 1000,
      minAgeMs:
        positive('sweep.minAgeSeconds', DEFAULTS.sweepMinAgeSeconds) * 1000,
    },
    ...((store === 'redis' || store === 'valkey') && connection
      ? {
          sharedBudget: {
            connection,
            // Replicas of one portal share the cache namespace; so they share the budget.
            keyPrefix: `aws-alb:${
              config.getOptionalString(
                `backend.cache.${store}.client.namespace`,
              ) ?? 'default'
            }`,
          },
        }
      : {}),
  };
}

/**
 * Calls a read is expected to make: from the last answer when there is one, else for one
 * ALB with one target group. Reserved up front so that, under load, reads are refused whole
 * instead of spending budget and failing half-way (which starves everyone).
 */
export function expectedCalls(
  locator: LoadBalancerLocator,
  cached: { loadBalancers: AlbLoadBalancer[] } | undefined,
): number {
  const lbs = cached?.loadBalancers;
  const lookup = locator.kind === 'tags' ? 1 : 0;
  if (!lbs) return lookup + 4;
  // Nothing found last time: the lookup, or the three describes of a missing ARN.
  if (lbs.length === 0) return locator.kind === 'tags' ? 1 : 3;
  const targetGroups = new Set(
    lbs.flatMap(lb => lb.targetGroups.map(tg => tg.arn)),
  ).size;
  return lookup + Math.ceil(lbs.length / 20) + 2 * lbs.length + targetGroups;
}

/** What is stored in the cache for one listener's rules. */
interface RulesCacheEntry {
  v: 1;
  fetchedAt: string;
  rules: AlbListenerRule[];
}

interface Snapshot {
  fetchedAt: string;
  loadBalancers: AlbLoadBalancer[];
  stale: boolean;
  staleReason?: string;
  listenersPending?: boolean;
  /** Nothing read yet and no budget now: the sweep reads it first, in about this long. */
  queued?: { expectedWaitSeconds: number };
}

export interface DefaultAwsAlbServiceOptions {
  catalog: CatalogService;
  cache: CacheService;
  logger: LoggerService;
  settings: AwsAlbSettings;
  clientFactory: AlbAwsClientFactory;
  /** Reads golden signals from CloudWatch; without it the service has none. */
  signals?: SignalsReader;
  /** Reads listener certificates from ACM; without it the service has none. */
  certificates?: CertificatesReader;
  /** Injectable clock for tests. */
  now?: () => number;
  /** Injectable wait between looks at the cache while another replica reads, for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The default {@link AwsAlbService}: catalog read with the caller's credentials, an
 * account allow-list, a shared cache with single-flight and stale-on-error, and a
 * rate-limited AWS reader.
 *
 * @public
 */
export class DefaultAwsAlbService implements AwsAlbService {
  private readonly inflight = new Map<string, Promise<Snapshot>>();
  private readonly now: () => number;
  private readonly lease: ReadLease;
  /** Views rely on the sweep only once there is one. */
  private sweepCreated = false;

  static fromConfig(
    config: RootConfigService,
    deps: {
      catalog: CatalogService;
      cache: CacheService;
      logger: LoggerService;
      /** Defaults to a factory of its own over `aws.accounts`. */
      awsClients?: AwsClientFactory;
      /** With both, the sweep runs as a global scheduled task (one runner across replicas). */
      scheduler?: SchedulerService;
      auth?: AuthService;
    },
  ): DefaultAwsAlbService {
    const settings = readAwsAlbSettings(config);
    const bucket = {
      ratePerSecond: settings.rateLimit.callsPerSecond,
      burst: settings.rateLimit.burst,
      maxWaitMs: settings.rateLimit.maxWaitMs,
    };
    const limiters: CallBudgets = settings.sharedBudget
      ? new RedisTokenBuckets({
          ...bucket,
          ...settings.sharedBudget,
          logger: deps.logger,
        })
      : new AccountRegionLimiters(bucket);
    const awsClients = deps.awsClients ?? createAwsClientFactory({ config });
    const clientFactory = new DefaultAlbAwsClientFactory({
      awsClients,
      limiters,
      maxAttempts: settings.maxAttempts,
    });
    const service = new DefaultAwsAlbService({
      ...deps,
      settings:
        deps.scheduler && deps.auth
          ? settings
          : { ...settings, sweep: undefined },
      clientFactory,
      signals: new SignalsReader({
        awsClients,
        cache: deps.cache,
        logger: deps.logger,
        settings: readSignalsSettings(config),
      }),
      certificates: new CertificatesReader({
        awsClients,
        cache: deps.cache,
        logger: deps.logger,
        settings: readCertificatesSettings(config),
      }),
    });
    if (deps.scheduler && deps.auth && settings.sweep?.enabled) {
      const sweep = service.createSweep(deps.auth);
      const frequencyMs = settings.sweep.frequencyMs;
      deps.scheduler
        .scheduleTask({
          id: 'aws-alb-health-sweep',
          scope: 'global',
          frequency: { milliseconds: frequencyMs },
          timeout: { milliseconds: frequencyMs * 3 },
          initialDelay: { seconds: 1 },
          fn: async () => {
            await sweep.run(frequencyMs * 0.9);
          },
        })
        .catch(e =>
          deps.logger.error(
            `aws-alb could not schedule the health sweep: ${e}`,
          ),
        );
    }
    return service;
  }

  /** The background sweep over this service's cache and budget; the caller schedules it. */
  createSweep(auth: AuthService): AwsAlbHealthSweep {
    const { settings } = this.options;
    if (!settings.sweep) throw new Error('awsAlb.sweep is not configured');
    this.sweepCreated = true;
    return new HealthSweep({
      catalog: this.options.catalog,
      auth,
      cache: this.options.cache,
      logger: this.options.logger,
      clientFactory: this.options.clientFactory,
      settings: {
        ...settings.sweep,
        cacheTtlMs: settings.cacheTtlMs,
        staleTtlMs: settings.staleTtlMs,
        targetHealthConcurrency: settings.targetHealthConcurrency,
        allowedAccountIds: settings.allowedAccountIds,
        callsPerSecond: settings.rateLimit.callsPerSecond,
        burst: settings.rateLimit.burst,
      },
      expectedSingleCalls: (locator, entry) => expectedCalls(locator, entry),
      readSingle: async (locator, key, prepaidCalls) => {
        await this.refresh(locator, key, await this.readCache(key), {
          prepaidCalls,
        });
      },
      now: this.now,
      sleep: this.options.sleep,
    });
  }

  constructor(private readonly options: DefaultAwsAlbServiceOptions) {
    this.now = options.now ?? Date.now;
    this.lease = new ReadLease({
      cache: options.cache,
      // Longer than one read can take: the wait for budget, then the calls with retries.
      leaseMs: options.settings.rateLimit.maxWaitMs + 10_000,
      // Two replicas that both found no lease both write one; the pause lets the later write
      // land before the earlier writer reads back, so one of them sees the other's and waits.
      settleMs: 25,
      now: this.now,
      sleep: options.sleep,
    });
  }

  async getEntityLoadBalancers(request: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
  }): Promise<EntityLoadBalancersResponse> {
    const ref =
      typeof request.entityRef === 'string'
        ? request.entityRef
        : stringifyEntityRef(request.entityRef);
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials: request.credentials,
    });
    if (!entity) {
      throw new NotFoundError(
        `Entity ${ref} was not found in the catalog, or you are not allowed to see it`,
      );
    }
    const locator = locatorFromEntity(entity);
    const ingress = ingressFromEntity(entity);
    this.assertAccountAllowed(locator.accountId);

    const snapshot = await this.getSnapshot(locator);
    if (snapshot.queued) {
      return {
        entityRef: stringifyEntityRef(entity),
        accountId: locator.accountId,
        region: locator.region,
        loadBalancers: [],
        fetchedAt: snapshot.fetchedAt,
        stale: false,
        queued: snapshot.queued,
      };
    }
    if (snapshot.loadBalancers.length === 0) {
      throw new NotFoundError(
        locator.kind === 'tags'
          ? `No load balancer in account ${locator.accountId} (${
              locator.region
            }) has the tags ${describeTags(
              locator.tags,
            )}: the AWS Load Balancer Controller has not created it yet. Check the Ingress events (kubectl describe ingress) and the controller logs`
          : `The load balancer ${locator.arn} named by ${ANNOTATION_ELBV2_LOAD_BALANCER_ARN} was not found in account ${locator.accountId} (${locator.region})`,
      );
    }
    return {
      entityRef: stringifyEntityRef(entity),
      accountId: locator.accountId,
      region: locator.region,
      // Every Ingress of a group shares one read of the group's ALB; each sees its slice.
      loadBalancers: ingress
        ? sliceForIngress(snapshot.loadBalancers, ingress)
        : snapshot.loadBalancers,
      fetchedAt: snapshot.fetchedAt,
      ageSeconds: Math.max(
        0,
        Math.floor((this.now() - Date.parse(snapshot.fetchedAt)) / 1000),
      ),
      stale: snapshot.stale,
      ...(snapshot.staleReason ? { staleReason: snapshot.staleReason } : {}),
      ...(snapshot.listenersPending ? { listenersPending: true } : {}),
    };
  }

  /**
   * The rules of the entity's listeners, read when the tab asks for them (one
   * `DescribeRules` per listener, within the same budget as the health reads) and kept
   * `rulesTtlMs`. For a load balancer shared by an Ingress group, only the rules that route
   * to the entity's own target groups, and the default rule.
   */
  async getEntityListenerRules(request: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
  }): Promise<EntityListenerRulesResponse> {
    const answer = await this.getEntityLoadBalancers(request);
    const { settings, clientFactory, cache, logger } = this.options;
    const { accountId, region } = answer;
    const listeners: AlbListenerRules[] = [];
    let oldest = this.now();
    let clients:
      | Awaited<ReturnType<AlbAwsClientFactory['getClients']>>
      | undefined;
    // The sweep reads health first and listeners later: asked for rules before that, read
    // the listeners now (one DescribeListeners per load balancer) rather than answer none.
    let pendingListeners: Map<string, AlbListener[]> | undefined;
    if (answer.listenersPending && answer.loadBalancers.length) {
      try {
        clients ??= await clientFactory.getClients(accountId, region);
        const c = clients;
        const lbArns = answer.loadBalancers.map(lb => lb.arn);
        const read = () => readListeners(c, lbArns);
        pendingListeners = clientFactory.withBudget
          ? await clientFactory.withBudget(
              accountId,
              region,
              lbArns.length,
              read,
            )
          : await read();
      } catch (e) {
        throw toBackstageError(e, {
          accountId,
          region,
          roleArn: settings.roleArns[accountId],
        });
      }
    }
    for (const lb of answer.loadBalancers) {
      for (const listener of pendingListeners?.get(lb.arn) ?? lb.listeners) {
        const key = `v1:rules:${listener.arn}`;
        let entry = (await cache
          .get<JsonValue>(key)
          .catch(() => undefined)) as unknown as RulesCacheEntry | undefined;
        if (entry?.v !== 1) {
          try {
            clients ??= await clientFactory.getClients(accountId, region);
            const elbv2 = clients.elbv2;
            const read = () => describeListenerRules(elbv2, listener.arn);
            const rules = clientFactory.withBudget
              ? await clientFactory.withBudget(accountId, region, 1, read)
              : await read();
            entry = {
              v: 1,
              fetchedAt: new Date(this.now()).toISOString(),
              rules,
            };
          } catch (e) {
            throw toBackstageError(e, {
              accountId,
              region,
              roleArn: settings.roleArns[accountId],
            });
          }
          await cache
            .set(key, entry as unknown as JsonValue, {
              ttl: settings.rulesTtlMs,
            })
            .catch(e => logger.warn(`aws-alb cache write failed: ${e}`));
        }
        oldest = Math.min(oldest, Date.parse(entry.fetchedAt));
        listeners.push(rulesForEntity(lb, listener.arn, entry.rules));
      }
    }
    return {
      entityRef: answer.entityRef,
      listeners,
      fetchedAt: new Date(oldest).toISOString(),
    };
  }

  /**
   * The ACM certificates of the entity's HTTPS listeners, read when the tab asks for them
   * from ACM of the load balancers' account (one `DescribeCertificate` per certificate, kept
   * `awsAlb.certificates.cacheTtlSeconds`), each with what the tab warns about.
   */
  async getEntityCertificates(request: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
  }): Promise<EntityCertificatesResponse> {
    if (!this.options.certificates) {
      throw new NotFoundError('This backend does not read ACM certificates');
    }
    const answer = await this.getEntityLoadBalancers(request);
    const { fetchedAt, certificates } = await this.options.certificates.read(
      {
        accountId: answer.accountId,
        region: answer.region,
        roleArn: this.options.settings.roleArns[answer.accountId],
      },
      answer.loadBalancers,
    );
    return { entityRef: answer.entityRef, certificates, fetchedAt };
  }

  /**
   * The golden signals of the entity's load balancers (of its slice, for an Ingress group)
   * over `range`, from CloudWatch in their account: one GetMetricData call, cached
   * `awsAlb.signals.cacheTtlSeconds`, within CloudWatch's own budget.
   */
  async getEntityLoadBalancerSignals(request: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
    range?: string;
  }): Promise<EntityLoadBalancerSignalsResponse> {
    if (!this.options.signals) {
      throw new NotFoundError('This backend does not read CloudWatch signals');
    }
    const range = SignalsReader.parseRange(request.range);
    const answer = await this.getEntityLoadBalancers(request);
    const { fetchedAt, signals } = await this.options.signals.read(
      {
        accountId: answer.accountId,
        region: answer.region,
        roleArn: this.options.settings.roleArns[answer.accountId],
      },
      answer.loadBalancers,
      range,
    );
    return {
      entityRef: answer.entityRef,
      range,
      periodSeconds: ALB_SIGNALS_RANGES[range].periodSeconds,
      fetchedAt,
      loadBalancers: signals,
    };
  }

  private assertAccountAllowed(accountId: string) {
    const { allowedAccountIds, allowListConfigKey } = this.options.settings;
    if (!allowedAccountIds.includes(accountId)) {
      throw new NotAllowedError(
        allowListConfigKey === 'aws.accounts'
          ? `Account ${accountId} is not configured for the aws-alb plugin: add it to aws.accounts (accountId and the roleName the backend assumes) or list it in awsAlb.allowedAccountIds`
          : `Account ${accountId} is not configured for the aws-alb plugin: add it to awsAlb.allowedAccountIds`,
      );
    }
  }

  private cacheKey(locator: LoadBalancerLocator) {
    return `v1:${locatorCacheKey(locator)}`;
  }

  private fromEntry(entry: CacheEntry): Snapshot {
    return {
      fetchedAt: entry.fetchedAt,
      loadBalancers: entry.loadBalancers,
      stale: false,
      ...(entry.listenersFetchedAt || entry.loadBalancers.length === 0
        ? {}
        : { listenersPending: true }),
    };
  }

  /** Tells the sweep someone looked at this entity: it reads it before the others. */
  private markWanted(key: string) {
    this.options.cache
      .set(wantKey(key), 1, { ttl: this.options.settings.staleTtlMs })
      .catch(() => {});
  }

  private async queued(key: string): Promise<Snapshot> {
    this.markWanted(key);
    let status: SweepStatus | undefined;
    try {
      status = (await this.options.cache.get<JsonValue>(
        SWEEP_STATUS_KEY,
      )) as unknown as SweepStatus | undefined;
    } catch {
      status = undefined;
    }
    const { callsPerSecond } = this.options.settings.rateLimit;
    // Wanted never-read entities are read first, in batches: ours comes after those ahead.
    const ahead = (status?.wantedNeverRead ?? 0) + 1;
    const perEntity = status?.callsPerEntity ?? 1.2;
    const rate = Math.min(
      status?.callsPerSecond ?? callsPerSecond,
      callsPerSecond,
    );
    const expectedWaitSeconds = Math.max(
      1,
      Math.ceil((ahead * perEntity) / Math.max(rate, 0.1)),
    );
    return {
      fetchedAt: new Date(this.now()).toISOString(),
      loadBalancers: [],
      stale: false,
      queued: { expectedWaitSeconds },
    };
  }

  private async readCache(key: string): Promise<CacheEntry | undefined> {
    try {
      const value = await this.options.cache.get<JsonValue>(key);
      const entry = value as unknown as CacheEntry | undefined;
      return entry?.v === 1 ? entry : undefined;
    } catch (e) {
      this.options.logger.warn(`aws-alb cache read failed, reading AWS: ${e}`);
      return undefined;
    }
  }

  private isFresh(entry: CacheEntry | undefined): entry is CacheEntry {
    return (
      entry !== undefined &&
      this.now() - Date.parse(entry.fetchedAt) <
        this.options.settings.cacheTtlMs
    );
  }

  private async getSnapshot(locator: LoadBalancerLocator): Promise<Snapshot> {
    const key = this.cacheKey(locator);
    const cached = await this.readCache(key);
    const ageMs = cached ? this.now() - Date.parse(cached.fetchedAt) : Infinity;
    if (this.isFresh(cached)) {
      return this.fromEntry(cached);
    }
    const { sweep, staleTtlMs } = this.options.settings;
    const sweepOn = sweep?.enabled && this.sweepCreated;
    if (sweepOn && cached && ageMs < staleTtlMs) {
      // The sweep keeps answers fresh: a view never waits for AWS when there is one.
      this.markWanted(key);
      return this.fromEntry(cached as CacheEntry);
    }
    // Identical concurrent requests share one read of AWS: in this process through the
    // promise, across replicas through a lease in the shared cache.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.readOnce(locator, key, cached, Boolean(sweepOn)).finally(
        () => this.inflight.delete(key),
      );
      this.inflight.set(key, pending);
    }
    if (!sweepOn) return pending;
    return pending.catch(e => {
      // Budget spent between the look and the read: queued, not an error.
      if ((e as { ownBudget?: boolean })?.ownBudget) return this.queued(key);
      throw e;
    });
  }

  /**
   * With the sweep on, a never-read entity is read now only if the budget is there without
   * taking what the sweep leaves for others; else the sweep reads it first, batched. One
   * step takes the tokens (no look first), and the read then does not ask the bucket again.
   * Returns the calls taken, 0 when the budget could not be asked, or undefined when it is
   * spent.
   */
  private async reserveRead(
    locator: LoadBalancerLocator,
    cached: CacheEntry | undefined,
  ): Promise<number | undefined> {
    const { clientFactory, settings } = this.options;
    const budget = clientFactory.budget?.(locator.accountId, locator.region);
    if (!budget || !settings.sweep) return 0;
    const calls = expectedCalls(locator, cached);
    const granted = await budget
      .reserve(calls, settings.sweep.headroomCalls)
      .catch(() => undefined);
    if (granted === undefined) return 0;
    return granted ? calls : undefined;
  }

  private async readOnce(
    locator: LoadBalancerLocator,
    key: string,
    cached: CacheEntry | undefined,
    sweepOn: boolean,
  ): Promise<Snapshot> {
    const readOwn = async () => {
      const prepaidCalls = sweepOn
        ? await this.reserveRead(locator, cached)
        : 0;
      if (prepaidCalls === undefined) return this.queued(key);
      return this.refresh(locator, key, cached, {
        prepaidCalls: prepaidCalls || undefined,
      });
    };
    if (!this.options.settings.sharedCache) {
      // A memory cache is this process's own: the promise above is all the sharing there is.
      return readOwn();
    }
    // The lease first: the replica that reads pays for it, the others wait for its answer.
    const claim = await this.lease.claim(key);
    if (!claim.held) {
      const answer = await this.lease.waitFor(key, claim.until, async () => {
        const entry = await this.readCache(key);
        return entry &&
          entry.fetchedAt !== cached?.fetchedAt &&
          this.isFresh(entry)
          ? entry
          : undefined;
      });
      if (answer) {
        return this.fromEntry(answer);
      }
      // The other replica failed or died without an answer: read for ourselves.
      return this.refresh(locator, key, await this.readCache(key));
    }
    try {
      return await readOwn();
    } finally {
      await claim.release();
    }
  }

  private async refresh(
    locator: LoadBalancerLocator,
    key: string,
    cached: CacheEntry | undefined,
    /** The sweep took this many tokens already. */
    options?: { prepaidCalls?: number },
  ): Promise<Snapshot> {
    const { settings, clientFactory, cache, logger } = this.options;
    const started = this.now();
    try {
      const clients = await clientFactory.getClients(
        locator.accountId,
        locator.region,
      );
      const read = () =>
        readLoadBalancers(clients, locator, {
          targetHealthConcurrency: settings.targetHealthConcurrency,
        });
      // Under pressure, budget goes to entities with nothing to show: refreshing an answer
      // that can still be served stale never waits for budget.
      const canServeStale =
        cached !== undefined &&
        this.now() - Date.parse(cached.fetchedAt) < settings.staleTtlMs;
      let budgetOptions: { prepaid?: boolean; maxWaitMs?: number } | undefined;
      if (options?.prepaidCalls) budgetOptions = { prepaid: true };
      else if (canServeStale) budgetOptions = { maxWaitMs: 0 };
      const loadBalancers = clientFactory.withBudget
        ? await clientFactory.withBudget(
            locator.accountId,
            locator.region,
            options?.prepaidCalls ?? expectedCalls(locator, cached),
            read,
            budgetOptions,
          )
        : await read();
      const fetchedAt = new Date(this.now()).toISOString();
      const entry: CacheEntry = {
        v: 1,
        fetchedAt,
        loadBalancers,
        listenersFetchedAt: fetchedAt,
      };
      // Kept past the TTL so it can be served stale when AWS fails.
      await cache
        .set(key, entry as unknown as JsonValue, { ttl: settings.staleTtlMs })
        .catch(e => logger.warn(`aws-alb cache write failed: ${e}`));
      logger.debug(
        `aws-alb read ${loadBalancers.length} load balancer(s) for ${key} in ${
          this.now() - started
        } ms`,
      );
      return { fetchedAt: entry.fetchedAt, loadBalancers, stale: false };
    } catch (e) {
      const error = toBackstageError(e, {
        accountId: locator.accountId,
        region: locator.region,
        roleArn: settings.roleArns[locator.accountId],
      });
      const age = cached ? this.now() - Date.parse(cached.fetchedAt) : Infinity;
      // A deleted ALB must show as gone, not as its last healthy picture.
      if (
        cached &&
        age < settings.staleTtlMs &&
        error.name !== 'NotFoundError'
      ) {
        logger.warn(`aws-alb serving stale data for ${key}: ${error.message}`);
        return {
          fetchedAt: cached.fetchedAt,
          loadBalancers: cached.loadBalancers,
          stale: true,
          staleReason: error.message,
        };
      }
      throw error;
    }
  }
}
