/* eslint-disable no-console */
/**
 * Benchmark of the aws-alb backend against moto_server behind a delaying, counting proxy.
 * Run with `yarn bench` from this package; not part of `yarn test`.
 *
 * Environment: BENCH_DELAY_MS (default 40), BENCH_FLEETS (200,1000), BENCH_NEW_MINUTES (4,3),
 * BENCH_NAIVE_MAX (200), BENCH_REDIS (redis://127.0.0.1:6379), BENCH_MINUTE_MS (60000),
 * BENCH_MINUTES (2: the first minute starts cold, the second shows the steady state),
 * BENCH_COLD_RUNS (5).
 */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { awsAlbPlugin } from '../src/plugin';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  sandboxAwsConfig,
  sandboxCredentialsManager,
  seedSandboxNetwork,
  ProxiedCall,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { MemoryCache, entity } from '../src/__testUtils__/fixtures';
import { createLbcAlb, networkElbv2 } from '../src/__testUtils__/motoAlb';
import { DefaultAlbAwsClientFactory } from '../src/service/clients';
import {
  DefaultAwsAlbService,
  readAwsAlbSettings,
} from '../src/service/DefaultAwsAlbService';
import { mapWithConcurrency } from '../src/service/readLoadBalancers';
import { AccountRegionLimiters } from '../src/service/TokenBucketLimiter';
import {
  readSignalsSettings,
  SignalsReader,
} from '../src/service/SignalsReader';
import { startFaultProxyProcess } from './proxyProcess';
import { FleetResult, runFleet } from './fleet';
import { printFleetTable } from './fleetTable';
import { entryKey } from '../src/service/cacheEntries';
import { locatorFromEntity } from '../src/service/locator';
import { RedisTokenBuckets } from '../src/service/RedisTokenBuckets';
import { naiveView } from './naive';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 40);
// Fleet sizes, each run over two replicas (the issue's 200 and 1,000).
const FLEETS = (process.env.BENCH_FLEETS ?? '200,1000').split(',').map(Number);
const ENTITIES = Math.max(...FLEETS);
// The new path runs longer than the old one: past its cold start into the steady state.
const NEW_MINUTES = (process.env.BENCH_NEW_MINUTES ?? '4,3')
  .split(',')
  .map(Number);
// The naive path at 1,000 entities would send ~420 calls/s at moto; computed, not run, above
// this size.
const NAIVE_MAX_ENTITIES = Number(process.env.BENCH_NAIVE_MAX ?? 200);
const REDIS = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const MINUTE_MS = Number(process.env.BENCH_MINUTE_MS ?? 60_000);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const VIEWS_PER_MINUTE = 5;
const MINUTES = Number(process.env.BENCH_MINUTES ?? 2);
// IAM prefixes, as the proxy names services: ELBv2 and the Resource Groups Tagging API.
const AWS_READ_SERVICES = new Set(['elasticloadbalancing', 'tag']);

const epochNow = () => performance.timeOrigin + performance.now();
const countBy = (calls: ProxiedCall[]) => {
  const counts: Record<string, number> = {};
  for (const c of calls)
    counts[`${c.service}:${c.action}`] =
      (counts[`${c.service}:${c.action}`] ?? 0) + 1;
  return counts;
};
/**
 * moto's time on the critical path: calls that overlap form one round (they were in flight
 * together); a round costs its slowest moto answer.
 */
function motoOnCriticalPath(calls: ProxiedCall[]): number {
  const reads = calls
    .filter(c => c.service !== 'sts')
    .sort((a, b) => a.at - b.at);
  let total = 0;
  let roundEnd = -Infinity;
  let roundMax = 0;
  for (const c of reads) {
    const end = c.at + DELAY_MS + (c.upstreamMs ?? 0);
    if (c.at > roundEnd) {
      total += roundMax;
      roundMax = 0;
    }
    roundMax = Math.max(roundMax, c.upstreamMs ?? 0);
    roundEnd = Math.max(roundEnd, end);
  }
  return total + roundMax;
}
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};
const median = (values: number[]) => percentile(values, 50);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

const silentLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

function tagEntity(name: string, cluster: string, stack: string): Entity {
  return entity(
    {
      'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=${cluster},ingress.k8s.aws/stack=${stack}`,
      'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
      'aws.amazon.com/region': SANDBOX_REGION,
    },
    name,
  );
}

async function main() {
  const started = Date.now();
  console.log(`Starting moto_server and seeding (delay ${DELAY_MS} ms)…`);
  const moto = await startMoto();
  let restore = useSandboxEndpoint(moto.endpoint);
  const proxy = await startFaultProxyProcess({
    target: moto.endpoint,
    delayMs: DELAY_MS,
  });
  try {
    const network = await seedSandboxNetwork();
    const elbv2 = await networkElbv2();
    await createLbcAlb({
      elbv2,
      network,
      name: 'bench-main',
      cluster: 'bench',
      stack: 'bench/main',
      targetGroups: 4,
      targetsPerGroup: 5,
    });
    await mapWithConcurrency(
      Array.from({ length: ENTITIES }, (_, i) => i),
      8,
      i =>
        createLbcAlb({
          elbv2,
          network,
          name: `bench-load-${i}`,
          cluster: 'bench',
          stack: `load/app-${i}`,
          targetGroups: 1,
          targetsPerGroup: 2,
        }),
    );
    console.log(`Seeded ${ENTITIES + 1} ALBs in ${Date.now() - started} ms`);

    // From here on every AWS call goes through the delaying proxy.
    restore();
    restore = useSandboxEndpoint(proxy.endpoint);

    const entities = new Map<string, Entity>();
    const add = (e: Entity) =>
      entities.set(`component:default/${e.metadata.name}`, e);
    add(tagEntity('bench-main', 'bench', 'bench/main'));
    for (let i = 0; i < ENTITIES; i++)
      add(tagEntity(`load-${i}`, 'bench', `load/app-${i}`));
    // The entities the sweep sees (the catalog's annotated entities): one fleet at a time.
    let sweepScope: Entity[] = [];
    const catalog = {
      getEntityByRef: async (ref: string) => entities.get(ref),
      getEntities: async () => ({ items: sweepScope }),
    } as unknown as CatalogService;

    const config = new ConfigReader({ aws: sandboxAwsConfig() });
    const settings = readAwsAlbSettings(config);
    const limiters = new AccountRegionLimiters({
      ratePerSecond: settings.rateLimit.callsPerSecond,
      burst: settings.rateLimit.burst,
      maxWaitMs: settings.rateLimit.maxWaitMs,
    });
    const credentialsManager = sandboxCredentialsManager();
    const clientFactory = new DefaultAlbAwsClientFactory({
      awsClients: createAwsClientFactory({ credentialsManager }),
      limiters,
      maxAttempts: settings.maxAttempts,
    });
    const newService = () =>
      new DefaultAwsAlbService({
        catalog,
        cache: new MemoryCache(),
        logger: silentLogger,
        settings,
        clientFactory,
      });
    const credentials = {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: 'user:default/bench' },
    } as any;
    const view = (service: DefaultAwsAlbService, ref: string) =>
      service.getEntityLoadBalancers({ entityRef: ref, credentials });
    const refill = () =>
      sleep(
        (settings.rateLimit.burst / settings.rateLimit.callsPerSecond) * 1000 +
          100,
      );

    const { sdkCredentialProvider } =
      await credentialsManager.getCredentialProvider({
        accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      });
    const naiveClients = {
      elbv2: new ElasticLoadBalancingV2Client({
        region: SANDBOX_REGION,
        credentials: sdkCredentialProvider,
      }),
      tagging: new ResourceGroupsTaggingAPIClient({
        region: SANDBOX_REGION,
        credentials: sdkCredentialProvider,
      }),
    };
    const mainTags = [
      { key: 'elbv2.k8s.aws/cluster', value: 'bench' },
      { key: 'ingress.k8s.aws/stack', value: 'bench/main' },
    ];
    // Warm the assumed-role credentials and connections of both implementations: STS is
    // called once an hour in production, not once per view.
    await view(newService(), 'component:default/bench-main');
    await naiveView(naiveClients, mainTags);

    // 1 + 2: cold view, ours vs naive, and the calls it makes.
    const ours: number[] = [];
    const naive: number[] = [];
    // moto's own processing (10-50 ms a call, serialised by Python's GIL when calls run in
    // parallel) comes on top of the injected delay; real AWS has it inside its latency.
    const oursMoto: number[] = [];
    const naiveMoto: number[] = [];
    let callsPerView: Record<string, number> = {};
    let readCallsPerView = 0;
    for (let run = 0; run < COLD_RUNS; run++) {
      await refill();
      const mark = (await proxy.calls()).length;
      const t0e = epochNow();
      let t0 = performance.now();
      const res = await view(newService(), 'component:default/bench-main');
      ours.push(performance.now() - t0);
      if (res.loadBalancers[0].targetGroups.length !== 4)
        throw new Error('bad fixture');
      callsPerView = countBy(await proxy.calls(mark));
      if (process.env.BENCH_TRACE) {
        for (const c of await proxy.calls(mark)) {
          console.log(
            `  ${c.action} at +${round(c.at - t0e)} ms, moto ${round(
              c.upstreamMs ?? -1,
            )} ms`,
          );
        }
        console.log(`  ours total ${round(ours[ours.length - 1])} ms`);
      }
      readCallsPerView = (await proxy.calls(mark)).filter(c =>
        AWS_READ_SERVICES.has(c.service),
      ).length;
      oursMoto.push(motoOnCriticalPath(await proxy.calls(mark)));
      const naiveMark = (await proxy.calls()).length;
      t0 = performance.now();
      await naiveView(naiveClients, mainTags);
      naive.push(performance.now() - t0);
      naiveMoto.push(
        (await proxy.calls(naiveMark)).reduce(
          (sum, c) => sum + (c.upstreamMs ?? 0),
          0,
        ),
      );
    }
    const minimumCalls = 1 + 1 + 1 + 1 + 4; // GetResources, DescribeLoadBalancers, DescribeListeners, DescribeTargetGroups, 4 × DescribeTargetHealth

    // 1c: a cold view with the golden signals, as the tab makes it: the health view, then
    // the signals (CloudWatch, its own budget) of the load balancers it found; then again.
    await refill();
    const signalsService = new DefaultAwsAlbService({
      catalog,
      cache: new MemoryCache(),
      logger: silentLogger,
      settings,
      clientFactory,
      signals: new SignalsReader({
        awsClients: createAwsClientFactory({ credentialsManager }),
        cache: new MemoryCache(),
        logger: silentLogger,
        settings: readSignalsSettings(config),
      }),
    });
    const signalsMark = (await proxy.calls()).length;
    await view(signalsService, 'component:default/bench-main');
    const healthOnlyCalls = countBy(await proxy.calls(signalsMark));
    const signalsOnlyMark = (await proxy.calls()).length;
    const signalsStart = performance.now();
    await signalsService.getEntityLoadBalancerSignals({
      entityRef: 'component:default/bench-main',
      credentials,
      range: '3h',
    });
    const signalsColdMs = performance.now() - signalsStart;
    const signalsCalls = countBy(await proxy.calls(signalsOnlyMark));
    const warmSignalsMark = (await proxy.calls()).length;
    await view(signalsService, 'component:default/bench-main');
    await signalsService.getEntityLoadBalancerSignals({
      entityRef: 'component:default/bench-main',
      credentials,
      range: '3h',
    });
    const warmSignalsCalls = (await proxy.calls(warmSignalsMark)).length;
    const sumOf = (counts: Record<string, number>, prefix: string) =>
      Object.entries(counts)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, v]) => n + v, 0);
    const signalsExtraElbv2 =
      sumOf(signalsCalls, 'elasticloadbalancing:') +
      sumOf(signalsCalls, 'tag:');
    const signalsCloudWatch = sumOf(signalsCalls, 'cloudwatch:');
    const healthElbv2 =
      sumOf(healthOnlyCalls, 'elasticloadbalancing:') +
      sumOf(healthOnlyCalls, 'tag:');

    // 3: 100 concurrent viewers of one entity, cold cache.
    await refill();
    let mark = (await proxy.calls()).length;
    const shared = newService();
    let t0 = performance.now();
    const concurrent = await Promise.all(
      Array.from({ length: 100 }, () =>
        view(shared, 'component:default/bench-main'),
      ),
    );
    const concurrentMs = performance.now() - t0;
    const concurrentCalls = (await proxy.calls(mark)).filter(c =>
      AWS_READ_SERVICES.has(c.service),
    ).length;
    if (new Set(concurrent.map(r => r.fetchedAt)).size !== 1)
      throw new Error('not shared');

    // 3b: the same 100 viewers spread over two replicas that share one cache (as with Redis):
    // each replica has its own process state (single flight, limiter), only the cache is
    // common. With the read lease, then without it (sharedCache off), for comparison.
    const acrossReplicas = async (sharedCache: boolean) => {
      await refill();
      const cache = new MemoryCache();
      const replica = () =>
        new DefaultAwsAlbService({
          catalog,
          cache,
          logger: silentLogger,
          settings: { ...settings, sharedCache },
          clientFactory: new DefaultAlbAwsClientFactory({
            awsClients: createAwsClientFactory({ credentialsManager }),
            limiters: new AccountRegionLimiters({
              ratePerSecond: settings.rateLimit.callsPerSecond,
              burst: settings.rateLimit.burst,
              maxWaitMs: settings.rateLimit.maxWaitMs,
            }),
            maxAttempts: settings.maxAttempts,
          }),
        });
      const replicas = [replica(), replica()];
      const from = (await proxy.calls()).length;
      const begin = performance.now();
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          view(replicas[i % 2], 'component:default/bench-main'),
        ),
      );
      return {
        readCalls: (await proxy.calls(from)).filter(c =>
          AWS_READ_SERVICES.has(c.service),
        ).length,
        wallMs: round(performance.now() - begin),
      };
    };
    const replicasWithLease = await acrossReplicas(true);
    const replicasWithoutLease = await acrossReplicas(false);

    // 5: warm view latency (cache hit) on the same service.
    const warm: number[] = [];
    mark = (await proxy.calls()).length;
    for (let i = 0; i < 2000; i++) {
      t0 = performance.now();
      await view(shared, 'component:default/bench-main');
      warm.push(performance.now() - t0);
    }
    const warmCalls = (await proxy.calls()).length - mark;

    // 5b: warm view through HTTP: the plugin in a backend (router, auth, cache service).
    const backend = await startTestBackend({
      features: [
        awsAlbPlugin,
        createServiceFactory({
          service: catalogServiceRef,
          deps: {},
          factory: () => catalog,
        }),
        mockServices.rootConfig.factory({ data: { aws: sandboxAwsConfig() } }),
      ],
    });
    const address = backend.server.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}/api/aws-alb/v1/entity/default/component/bench-main/load-balancers`;
    const headers = { authorization: mockCredentials.user.header() };
    await refill();
    const firstHttp = await fetch(url, { headers });
    if (firstHttp.status !== 200) throw new Error(`HTTP ${firstHttp.status}`);
    await firstHttp.json();
    const warmHttp: number[] = [];
    mark = (await proxy.calls()).length;
    for (let i = 0; i < 1000; i++) {
      t0 = performance.now();
      const r = await fetch(url, { headers });
      await r.json();
      warmHttp.push(performance.now() - t0);
    }
    const warmHttpCalls = (await proxy.calls()).length - mark;
    await backend.stop();

    // The fleet scenarios: two replicas sharing one cache; see fleet.ts.
    const fleetRefs = (n: number) =>
      Array.from({ length: n }, (_, i) => `component:default/load-${i}`);
    const fleetKeys = (n: number) =>
      fleetRefs(n).map(ref => entryKey(locatorFromEntity(entities.get(ref)!)));
    const fleetTags = (i: number) => [
      { key: 'elbv2.k8s.aws/cluster', value: 'bench' },
      { key: 'ingress.k8s.aws/stack', value: `load/app-${i}` },
    ];
    const serviceAuth = {
      getOwnServiceCredentials: async () => credentials,
    } as unknown as AuthService;
    const fleetCommon = {
      cacheTtlMs: settings.cacheTtlMs,
      minuteMs: MINUTE_MS,
      viewsPerMinute: VIEWS_PER_MINUTE,
      readCalls: (from: number) => proxy.calls(from),
      mark: async () => (await proxy.calls()).length,
      isRead: (c: ProxiedCall) => AWS_READ_SERVICES.has(c.service),
    };
    const redisBudgets: RedisTokenBuckets[] = [];
    const newReplicas = (cache: MemoryCache, prefix: string) =>
      [0, 1].map(() => {
        const budgets = new RedisTokenBuckets({
          connection: REDIS,
          keyPrefix: prefix,
          ratePerSecond: settings.rateLimit.callsPerSecond,
          burst: settings.rateLimit.burst,
          maxWaitMs: settings.rateLimit.maxWaitMs,
          logger: silentLogger,
        });
        redisBudgets.push(budgets);
        return new DefaultAwsAlbService({
          catalog,
          cache,
          logger: silentLogger,
          settings: { ...settings, sharedCache: true },
          clientFactory: new DefaultAlbAwsClientFactory({
            awsClients: createAwsClientFactory({ credentialsManager }),
            limiters: budgets,
            maxAttempts: settings.maxAttempts,
          }),
        });
      });
    const oldReplicas = (cache: MemoryCache) =>
      [0, 1].map(
        () =>
          new DefaultAwsAlbService({
            catalog,
            cache,
            logger: silentLogger,
            settings: { ...settings, sharedCache: true },
            clientFactory: new DefaultAlbAwsClientFactory({
              awsClients: createAwsClientFactory({ credentialsManager }),
              limiters: new AccountRegionLimiters({
                ratePerSecond: settings.rateLimit.callsPerSecond,
                burst: settings.rateLimit.burst,
                maxWaitMs: settings.rateLimit.maxWaitMs,
              }),
              maxAttempts: settings.maxAttempts,
            }),
          }),
      );

    // Cold single view on the new path (sweep on, shared budget, quiet bucket): row 1 again,
    // with one client factory warmed like row 1's (STS and connections are not per view).
    const newColdBudgets = new RedisTokenBuckets({
      connection: REDIS,
      keyPrefix: `aws-alb-bench-cold-${Date.now()}`,
      ratePerSecond: settings.rateLimit.callsPerSecond,
      burst: settings.rateLimit.burst,
      maxWaitMs: settings.rateLimit.maxWaitMs,
      logger: silentLogger,
    });
    redisBudgets.push(newColdBudgets);
    const newColdFactory = new DefaultAlbAwsClientFactory({
      awsClients: createAwsClientFactory({ credentialsManager }),
      limiters: newColdBudgets,
      maxAttempts: settings.maxAttempts,
    });
    const newColdService = () => {
      const service = new DefaultAwsAlbService({
        catalog,
        cache: new MemoryCache(),
        logger: silentLogger,
        // As row 1: one replica (the read lease is the same on both paths).
        settings,
        clientFactory: newColdFactory,
      });
      service.createSweep(serviceAuth);
      return service;
    };
    await view(newColdService(), 'component:default/bench-main');
    // Interleaved with the old path's cold view, so both see the same machine load.
    const newCold: number[] = [];
    const oldColdInterleaved: number[] = [];
    for (let run = 0; run < COLD_RUNS; run++) {
      await refill();
      const o = performance.now();
      await view(newService(), 'component:default/bench-main');
      oldColdInterleaved.push(performance.now() - o);
      await refill();
      const replica = newColdService();
      const t = performance.now();
      const res = await view(replica, 'component:default/bench-main');
      newCold.push(performance.now() - t);
      if (res.queued || res.loadBalancers.length !== 1)
        throw new Error('cold view on the new path did not read');
    }

    const runFleets = async () => {
      const out: Record<string, FleetResult | { computed: string }> = {};
      for (const [f, n] of FLEETS.entries()) {
        const refs = fleetRefs(n);
        const keys = fleetKeys(n);
        // Old path: today's service on two replicas, each with its own bucket.
        await refill();
        console.log(`Fleet ${n}: old path, ${MINUTES} min…`);
        {
          const cache = new MemoryCache();
          const replicas = oldReplicas(cache);
          out[`old-${n}`] = await runFleet({
            ...fleetCommon,
            path: 'old',
            refs,
            keys,
            cache,
            minutes: MINUTES,
            view: (r, ref) => view(replicas[r], ref),
          });
        }
        // Naive: no cache, no limiter, every view reads AWS one call after the other.
        if (n <= NAIVE_MAX_ENTITIES) {
          await refill();
          console.log(`Fleet ${n}: naive path, 1 min…`);
          const cache = new MemoryCache();
          out[`naive-${n}`] = await runFleet({
            ...fleetCommon,
            path: 'naive',
            refs,
            keys,
            cache,
            minutes: 1,
            view: async (_r, ref) => {
              const i = Number(ref.split('load-')[1]);
              await naiveView(naiveClients, fleetTags(i));
              return { stale: false, fetchedAt: new Date().toISOString() };
            },
          });
        } else {
          out[`naive-${n}`] = {
            computed: `${n} × ${VIEWS_PER_MINUTE} views/min × 5 calls = ${round(
              (n * VIEWS_PER_MINUTE * 5) / 60,
            )} calls/s (not run: moto would be the bottleneck)`,
          };
        }
        // New: shared budget in Redis, the sweep on replica 0, queued answers.
        await refill();
        const minutes = NEW_MINUTES[f] ?? NEW_MINUTES[NEW_MINUTES.length - 1];
        console.log(`Fleet ${n}: new path, ${minutes} min…`);
        {
          const cache = new MemoryCache();
          const replicas = newReplicas(
            cache,
            `aws-alb-bench-${n}-${Date.now()}`,
          );
          sweepScope = refs.map(ref => entities.get(ref)!);
          const sweeps = replicas.map(r => r.createSweep(serviceAuth));
          out[`new-${n}`] = await runFleet({
            ...fleetCommon,
            path: 'new',
            refs,
            keys,
            cache,
            minutes,
            sweep: sweeps[0],
            sweepFrequencyMs: settings.sweep!.frequencyMs,
            view: (r, ref) => view(replicas[r], ref),
          });
        }
      }
      await Promise.all(redisBudgets.map(b => b.close()));
      return out;
    };

    // 4: the fleet, over two replicas, old / naive / new read paths side by side.
    const fleets = await runFleets();
    const rate = settings.rateLimit.callsPerSecond;
    const burst = settings.rateLimit.burst;

    const results = {
      date: new Date().toISOString(),
      // Other processes on the machine skew latencies; recorded so runs can be compared.
      loadAverage: os.loadavg().map(v => round(v, 2)),
      cpus: os.cpus().length,
      delayMs: DELAY_MS,
      limit: {
        callsPerSecond: rate,
        burst,
        maxWaitMs: settings.rateLimit.maxWaitMs,
      },
      cacheTtlSeconds: settings.cacheTtlMs / 1000,
      cold: {
        runs: COLD_RUNS,
        oursMs: ours.map(v => round(v)),
        naiveMs: naive.map(v => round(v)),
        oursMedianMs: round(median(ours)),
        naiveMedianMs: round(median(naive)),
        oursOverDelay: round(median(ours) / DELAY_MS, 2),
        speedup: round(median(naive) / median(ours), 2),
        oursMotoOnCriticalPathMs: round(median(oursMoto)),
        naiveMotoMs: round(median(naiveMoto)),
        oursWithoutMotoMs: round(median(ours.map((v, i) => v - oursMoto[i]))),
        naiveWithoutMotoMs: round(
          median(naive.map((v, i) => v - naiveMoto[i])),
        ),
        oursWithoutMotoOverDelay: round(
          median(ours.map((v, i) => v - oursMoto[i])) / DELAY_MS,
          2,
        ),
        speedupWithoutMoto: round(
          median(naive.map((v, i) => v - naiveMoto[i])) /
            median(ours.map((v, i) => v - oursMoto[i])),
          2,
        ),
      },
      coldViewWithSignals: {
        healthCalls: healthOnlyCalls,
        signalsCalls,
        signalsColdMs: round(signalsColdMs),
        warmCalls: warmSignalsCalls,
      },
      callsPerColdView: {
        byAction: callsPerView,
        readCalls: readCallsPerView,
        minimum: minimumCalls,
      },
      concurrentViewers: {
        viewers: 100,
        readCalls: concurrentCalls,
        wallMs: round(concurrentMs),
      },
      concurrentTwoReplicas: {
        withLease: replicasWithLease,
        withoutLease: replicasWithoutLease,
      },
      fleets,
      newColdMs: newCold.map(v => round(v)),
      oldColdInterleavedMs: oldColdInterleaved.map(v => round(v)),
      warmHttp: {
        views: warmHttp.length,
        awsCalls: warmHttpCalls,
        p50Ms: round(median(warmHttp), 3),
        p99Ms: round(percentile(warmHttp, 99), 3),
      },
      warm: {
        views: warm.length,
        awsCalls: warmCalls,
        p50Ms: round(median(warm), 3),
        p99Ms: round(percentile(warm, 99), 3),
      },
    };

    const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    const rows: Array<[string, string, string, string]> = [
      [
        '1. cold view, 4 TG × 5 targets (median)',
        `${results.cold.oursMedianMs} ms = ${results.cold.oursOverDelay}× delay; naive ${results.cold.naiveMedianMs} ms → ${results.cold.speedup}× faster`,
        '< 3.5× delay, ≥ 3× naive',
        `${pass(results.cold.oursOverDelay < 3.5)} / ${pass(
          results.cold.speedup >= 3,
        )}`,
      ],
      [
        '1b. same, minus moto processing time',
        `${results.cold.oursWithoutMotoMs} ms = ${results.cold.oursWithoutMotoOverDelay}× delay; naive ${results.cold.naiveWithoutMotoMs} ms → ${results.cold.speedupWithoutMoto}×`,
        '< 3.5× delay, ≥ 3× naive',
        `${pass(results.cold.oursWithoutMotoOverDelay < 3.5)} / ${pass(
          results.cold.speedupWithoutMoto >= 3,
        )}`,
      ],
      [
        '2. AWS calls for that view',
        `${readCallsPerView} (${Object.entries(callsPerView)
          .map(([k, v]) => `${k.split(':')[1]} ${v}`)
          .join(', ')})`,
        `minimum ${minimumCalls}`,
        pass(readCallsPerView === minimumCalls),
      ],
      [
        '2b. cold view with golden signals',
        `health ${healthElbv2} ELBv2 calls, then signals: +${signalsCloudWatch} CloudWatch, +${signalsExtraElbv2} ELBv2 (${round(
          signalsColdMs,
        )} ms); warm, both: ${warmSignalsCalls} calls`,
        '≤ 1 CloudWatch call more, no ELBv2 call more; warm 0',
        pass(
          signalsCloudWatch <= 1 &&
            signalsExtraElbv2 === 0 &&
            warmSignalsCalls === 0,
        ),
      ],
      [
        '3. 100 concurrent viewers, one entity',
        `${concurrentCalls} calls, ${round(concurrentMs)} ms wall`,
        `= one viewer (${readCallsPerView})`,
        pass(concurrentCalls === readCallsPerView),
      ],
      [
        '3b. same 100, over 2 replicas sharing a cache',
        `${replicasWithLease.readCalls} calls, ${replicasWithLease.wallMs} ms wall (without the read lease: ${replicasWithoutLease.readCalls} calls, ${replicasWithoutLease.wallMs} ms)`,
        `= one viewer (${readCallsPerView})`,
        pass(replicasWithLease.readCalls === readCallsPerView),
      ],
      [
        '5. warm view (cache hit)',
        `p50 ${results.warm.p50Ms} ms, p99 ${results.warm.p99Ms} ms, ${warmCalls} AWS calls / ${warm.length} views`,
        'p50 < 5 ms',
        pass(results.warm.p50Ms < 5),
      ],
      [
        '5b. warm view over HTTP (router + auth)',
        `p50 ${results.warmHttp.p50Ms} ms, p99 ${results.warmHttp.p99Ms} ms, ${warmHttpCalls} AWS calls / ${warmHttp.length} views`,
        'p50 < 5 ms',
        pass(results.warmHttp.p50Ms < 5),
      ],
    ];
    const widths = [0, 1, 2, 3].map(i =>
      Math.max(
        ...rows.map(r => r[i].length),
        ['Measure', 'Result', 'Target', 'Verdict'][i].length,
      ),
    );
    const line = (r: string[]) =>
      `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log();
    console.log(
      `delay ${DELAY_MS} ms per AWS call; limit ${rate}/s burst ${burst}; cache TTL ${
        results.cacheTtlSeconds
      } s; load average ${results.loadAverage.join(' ')} on ${
        results.cpus
      } CPUs`,
    );
    console.log(line(['Measure', 'Result', 'Target', 'Verdict']));
    console.log(line(widths.map(w => '-'.repeat(w))));
    rows.forEach(r => console.log(line(r)));
    console.log();
    printFleetTable({
      fleets,
      rate,
      burst,
      delayMs: DELAY_MS,
      oldColdMedianMs: round(median(oldColdInterleaved)),
      oldColdMs: oldColdInterleaved.map(v => round(v)),
      newColdMedianMs: round(median(newCold)),
      newColdMs: newCold.map(v => round(v)),
      listenersTtlSeconds: settings.sweep!.listenersTtlMs / 1000,
      sweepFrequencySeconds: settings.sweep!.frequencyMs / 1000,
    });

    const dir = path.resolve(__dirname, '..', 'bench-results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(
      dir,
      `bench-${results.date.replace(/[:.]/g, '-')}.json`,
    );
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(
      path.join(dir, 'latest.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    console.log(
      `\nWrote ${path.relative(process.cwd(), file)} (total ${round(
        (Date.now() - started) / 1000,
      )} s)`,
    );
  } finally {
    restore();
    await proxy.stop();
    await moto.stop();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
