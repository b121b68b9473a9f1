/* eslint-disable no-console */
/**
 * The fleet scenarios of the benchmark: N entities, each viewed 5 times a minute at random
 * phases, over two replicas that share one cache, for three read paths side by side:
 * - old: today's service (per-replica token bucket, no sweep);
 * - naive: every view reads AWS one call after the other, no cache, no limiter;
 * - new: the shared budget in Redis, the sweep on one replica (as the scheduler's global
 *   task runs it: a run of 90 % of the 10 s frequency, every 10 s) and queued answers.
 */
import { CacheService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import { ProxiedCall } from 'sandbox';
import { CacheEntry } from '../src/service/cacheEntries';
import { DefaultAwsAlbService } from '../src/service/DefaultAwsAlbService';
import { AwsAlbHealthSweep, SweepRunReport } from '../src/service/HealthSweep';

export type ReadPath = 'old' | 'naive' | 'new';

export interface Outcomes {
  /** Answers read from AWS for this view. */
  fresh: number;
  /** Answers from the cache (any age). */
  cached: number;
  /** Answers served stale because AWS failed. */
  stale: number;
  queued: number;
  unavailable503: number;
  other: number;
}

export interface FleetResult {
  path: ReadPath;
  entities: number;
  replicas: number;
  durationS: number;
  outcomesByMinute: Outcomes[];
  /** Entities with an answer in the cache at the end of each minute. */
  withDataByMinute: number[];
  readCalls: number;
  peakCallsIn10s: number;
  peakCallsIn1s: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Views answered from a cached answer older than the cache TTL while the sweep ran. */
  staleViewP99Ms?: number;
  staleViews?: number;
  /** Oldest answer's age, sampled every 5 s once every entity had one. */
  oldestAgeS?: { max: number; last: number; samples: number };
  /** Calls and entity refreshes of the sweep after every entity had an answer. */
  steady?: {
    calls: number;
    refreshes: number;
    seconds: number;
    /** Of `calls`, DescribeListeners (read on their own, longer TTL). */
    listenerCalls: number;
  };
  sweepCalls?: number;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};
const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const epochNow = () => performance.timeOrigin + performance.now();

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function peaks(times: number[]) {
  let peak1s = 0;
  let peak10s = 0;
  for (let i = 0, j1 = 0, j10 = 0; i < times.length; i++) {
    while (times[j1] <= times[i] - 1000) j1++;
    while (times[j10] <= times[i] - 10_000) j10++;
    peak1s = Math.max(peak1s, i - j1 + 1);
    peak10s = Math.max(peak10s, i - j10 + 1);
  }
  return { peak1s, peak10s };
}

export async function runFleet(options: {
  path: ReadPath;
  refs: string[];
  /** Cache keys of the entities, to count those with data and their ages. */
  keys: string[];
  cache: CacheService;
  /** One view through replica `replica` (0 or 1); resolves with the answer or throws. */
  view(
    replica: number,
    ref: string,
  ): Promise<{ stale: boolean; fetchedAt: string; queued?: unknown }>;
  sweep?: AwsAlbHealthSweep;
  sweepFrequencyMs?: number;
  cacheTtlMs: number;
  minutes: number;
  minuteMs: number;
  viewsPerMinute: number;
  readCalls(from: number): Promise<ProxiedCall[]>;
  mark(): Promise<number>;
  isRead(c: ProxiedCall): boolean;
}): Promise<FleetResult> {
  const { refs, keys, cache, minutes, minuteMs, viewsPerMinute } = options;
  const newOutcomes = (): Outcomes => ({
    fresh: 0,
    cached: 0,
    stale: 0,
    queued: 0,
    unavailable503: 0,
    other: 0,
  });
  const outcomesByMinute = Array.from({ length: minutes }, newOutcomes);
  const latency: number[] = [];
  const staleLatency: number[] = [];
  const mark = await options.mark();
  const start = epochNow();
  let running = true;

  const entries = () =>
    Promise.all(
      keys.map(
        async k =>
          (await cache.get<JsonValue>(k)) as unknown as CacheEntry | undefined,
      ),
    );

  // The sweep, as the scheduler runs a global task: on one replica, every frequency.
  const sweepReports: Array<{ at: number; report: SweepRunReport }> = [];
  const sweepLoop = (async () => {
    if (!options.sweep) return;
    const frequency = options.sweepFrequencyMs ?? 10_000;
    while (running) {
      const began = epochNow();
      const remaining = start + minutes * minuteMs - began;
      if (remaining <= 0) break;
      const report = await options.sweep.run(
        Math.min(frequency * 0.9, remaining),
      );
      sweepReports.push({ at: epochNow(), report });
      await sleep(Math.max(0, frequency - (epochNow() - began)));
    }
  })();

  // Samples: entities with data at each minute's end, oldest age every 5 s.
  const withDataByMinute: number[] = [];
  const ageSamples: Array<{ at: number; oldest: number }> = [];
  let allReadAt: number | undefined;
  const sampler = (async () => {
    let nextMinute = 1;
    while (running) {
      await sleep(1000);
      const now = epochNow();
      const elapsed = now - start;
      const sampleMinute = elapsed >= nextMinute * minuteMs;
      const sampleAge = Math.floor(elapsed / 1000) % 5 === 0;
      if (!sampleMinute && !sampleAge) continue;
      const all = await entries();
      if (sampleMinute) {
        withDataByMinute.push(all.filter(Boolean).length);
        nextMinute++;
      }
      if (all.every(Boolean)) {
        allReadAt ??= now;
        const oldest = Math.max(
          ...all.map(e => now - Date.parse(e!.fetchedAt)),
        );
        ageSamples.push({ at: now, oldest });
      }
    }
  })();

  const rand = mulberry32(42);
  const interval = minuteMs / viewsPerMinute;
  const pending: Promise<void>[] = [];
  refs.forEach((ref, i) => {
    const phase = rand() * interval;
    for (let k = 0; k < viewsPerMinute * minutes; k++) {
      const at = phase + k * interval;
      const outcomes = outcomesByMinute[Math.floor(k / viewsPerMinute)];
      pending.push(
        sleep(at).then(async () => {
          const s = performance.now();
          try {
            const res = await options.view((i + k) % 2, ref);
            const ms = performance.now() - s;
            if (res.queued) outcomes.queued++;
            else if (res.stale) outcomes.stale++;
            else if (Date.parse(res.fetchedAt) >= Date.now() - ms - 5)
              outcomes.fresh++;
            else outcomes.cached++;
            if (
              options.sweep &&
              !res.queued &&
              Date.now() - Date.parse(res.fetchedAt) > options.cacheTtlMs
            ) {
              staleLatency.push(ms);
            }
          } catch (e) {
            if ((e as Error).name === 'ServiceUnavailableError')
              outcomes.unavailable503++;
            else {
              outcomes.other++;
              if (outcomes.other < 3) console.error(e);
            }
          }
          latency.push(performance.now() - s);
        }),
      );
    }
  });
  await Promise.all(pending);
  // The last views may start just before the end: wait for the minute to be over.
  await sleep(Math.max(0, start + minutes * minuteMs + 1100 - epochNow()));
  running = false;
  await Promise.all([sweepLoop, sampler]);
  const durationS = (epochNow() - start) / 1000;
  const calls = (await options.readCalls(mark)).filter(options.isRead);
  const times = calls.map(c => c.at).sort((a, b) => a - b);
  const { peak1s, peak10s } = peaks(times);

  const result: FleetResult = {
    path: options.path,
    entities: refs.length,
    replicas: 2,
    durationS: round(durationS),
    outcomesByMinute,
    withDataByMinute,
    readCalls: calls.length,
    peakCallsIn1s: peak1s,
    peakCallsIn10s: peak10s,
    latencyP50Ms: round(percentile(latency, 50)),
    latencyP99Ms: round(percentile(latency, 99)),
  };
  if (options.sweep) {
    result.staleViews = staleLatency.length;
    result.staleViewP99Ms = round(percentile(staleLatency, 99), 2);
    result.sweepCalls = sweepReports.reduce((n, r) => n + r.report.calls, 0);
    if (allReadAt !== undefined) {
      // Steady state: from the first moment every entity had an answer, plus one cycle for
      // the ages to settle (the first answers were all read in the cold pass).
      const steadyFrom = allReadAt;
      const steadyList = calls.filter(c => c.at >= steadyFrom);
      const steadyCalls = steadyList.length;
      const refreshes = sweepReports
        .filter(r => r.at >= steadyFrom)
        .reduce((n, r) => n + r.report.entitiesRefreshed, 0);
      result.steady = {
        calls: steadyCalls,
        refreshes,
        seconds: round((start + durationS * 1000 - steadyFrom) / 1000),
        listenerCalls: steadyList.filter(c => c.action === 'DescribeListeners')
          .length,
      };
      const settled = ageSamples.filter(
        s => s.at >= steadyFrom + options.cacheTtlMs,
      );
      if (settled.length) {
        result.oldestAgeS = {
          max: round(Math.max(...settled.map(s => s.oldest)) / 1000),
          last: round(settled[settled.length - 1].oldest / 1000),
          samples: settled.length,
        };
      }
    }
  }
  return result;
}

/** For the new path: the service of a replica, with the sweep enabled (one replica runs it). */
export type NewReplica = DefaultAwsAlbService;
