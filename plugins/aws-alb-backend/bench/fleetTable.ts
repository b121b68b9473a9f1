/* eslint-disable no-console */
import { FleetResult } from './fleet';
import { LISTENER_REFRESH_CYCLES } from '../src/service/HealthSweep';

type Cell = FleetResult | { computed: string } | undefined;
const isRun = (c: Cell): c is FleetResult =>
  c !== undefined && 'outcomesByMinute' in c;
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** Prints the acceptance table: old, naive and new side by side per fleet size. */
export function printFleetTable(options: {
  fleets: Record<string, Cell>;
  rate: number;
  burst: number;
  delayMs: number;
  oldColdMedianMs: number;
  oldColdMs: number[];
  newColdMedianMs: number;
  newColdMs: number[];
  /** Seconds between two listener reads of one load balancer. */
  listenersTtlSeconds: number;
  sweepFrequencySeconds: number;
}) {
  const { fleets, rate, burst } = options;
  const sizes = [
    ...new Set(Object.keys(fleets).map(k => Number(k.split('-')[1]))),
  ];
  const allowed10s = burst + rate * 10;
  const rows: string[][] = [];
  const pass = (ok: boolean | undefined) => {
    if (ok === undefined) return '';
    return ok ? 'PASS' : 'FAIL';
  };
  const errorsByMinute = (c: Cell) =>
    isRun(c)
      ? c.outcomesByMinute.map(o => o.unavailable503 + o.other).join(' / ')
      : (c as { computed?: string })?.computed ?? 'not run';
  const peak = (c: Cell) =>
    isRun(c)
      ? `${round(c.peakCallsIn10s / 10, 2)}/s (${c.peakCallsIn10s} in 10 s)`
      : 'not run';
  /**
   * Calls per refresh in the steady state: health alone (measured) plus one DescribeListeners
   * per load balancer per max(listener TTL, 3 health cycles) (the sweep's
   * LISTENER_REFRESH_CYCLES), i.e. cycle / that per refresh, with the cycle measured.
   */
  const amortized = (c: Cell) => {
    if (!isRun(c) || !c.steady || !c.steady.refreshes) return undefined;
    const { calls, refreshes, listenerCalls, seconds } = c.steady;
    const health = (calls - listenerCalls) / refreshes;
    const cycleS = (c.entities / refreshes) * seconds;
    return (
      health +
      cycleS /
        Math.max(options.listenersTtlSeconds, LISTENER_REFRESH_CYCLES * cycleS)
    );
  };
  const perAlb = (c: Cell) => {
    if (!isRun(c)) return 'not run';
    if (c.path === 'new') {
      if (!c.steady || c.steady.refreshes === 0) return 'no steady state';
      const { calls, refreshes, listenerCalls } = c.steady;
      return `${round(
        calls / refreshes,
        2,
      )} measured (${calls} calls / ${refreshes} refreshes, of which DescribeListeners ${listenerCalls}, the catch-up after the cold start included); health alone ${round(
        (calls - listenerCalls) / refreshes,
        2,
      )}, + listeners once per max(${
        options.listenersTtlSeconds
      } s, ${LISTENER_REFRESH_CYCLES} cycles) = ${round(amortized(c)!, 2)}`;
    }
    const reads = c.outcomesByMinute.reduce((n, o) => n + o.fresh, 0);
    return reads
      ? `${round(c.readCalls / reads, 2)} (${c.readCalls} / ${reads} reads)`
      : 'no reads';
  };
  let reference: { c: number; r: number } | undefined;
  for (const n of sizes) {
    const old = fleets[`old-${n}`];
    const naive = fleets[`naive-${n}`];
    const fresh = fleets[`new-${n}`];
    const cell = (f: (c: Cell) => string) =>
      `old ${f(old)}; naive ${f(naive)}; new ${f(fresh)}`;
    const newRun = isRun(fresh) ? fresh : undefined;
    rows.push([
      `${n} entities: peak calls/s, 2 replicas, any 10 s`,
      cell(peak),
      `≤ ${rate}/s (+ burst ${burst}: ≤ ${allowed10s} in 10 s)`,
      pass(newRun && newRun.peakCallsIn10s <= allowed10s),
    ]);
    rows.push([
      `${n}: calls per ALB per refresh (1 TG each)`,
      cell(perAlb),
      '≤ 1.5 (floor 1)',
      pass(
        amortized(fresh) !== undefined ? amortized(fresh)! <= 1.5 : undefined,
      ),
    ]);
    rows.push([
      `${n}: 503 or error answers, per minute`,
      cell(errorsByMinute),
      '0 in every minute',
      pass(
        newRun &&
          newRun.outcomesByMinute.every(o => o.unavailable503 + o.other === 0),
      ),
    ]);
    rows.push([
      `${n}: queued answers, per minute (new)`,
      newRun
        ? newRun.outcomesByMinute.map(o => o.queued).join(' / ')
        : 'not run',
      'shown as queued, not errors',
      '',
    ]);
    rows.push([
      `${n}: entities with data after each minute`,
      cell(c =>
        isRun(c) ? c.withDataByMinute.map(v => `${v}`).join(' / ') : '-',
      ),
      n === 200 ? '≥ 130 / 200 after minutes 1 / 2' : 'reported',
      n === 200
        ? pass(
            newRun &&
              (newRun.withDataByMinute[0] ?? 0) >= 130 &&
              (newRun.withDataByMinute[1] ?? 0) >= 200,
          )
        : '',
    ]);
    const age = newRun?.oldestAgeS;
    const steady = newRun?.steady;
    const c = amortized(fresh);
    const sweepRate =
      steady && steady.seconds ? steady.calls / steady.seconds : undefined;
    if (c && sweepRate) reference ??= { c, r: sweepRate };
    const f = options.sweepFrequencySeconds;
    let formula: string;
    if (c && sweepRate) {
      formula = `formula N × c / r + f = ${n} × ${round(c, 2)} / ${round(
        sweepRate,
        2,
      )} + ${f} = ${round((n * c) / sweepRate + f)} s`;
    } else if (reference) {
      formula = `formula N × c / r + f, c and r measured at the smaller fleet: ${n} × ${round(
        reference.c,
        2,
      )} / ${round(reference.r, 2)} + ${f} = ${round(
        (n * reference.c) / reference.r + f,
      )} s`;
    } else {
      formula = 'formula N × c / r + f (c, r not measured in this run)';
    }
    rows.push([
      `${n}: oldest health age at steady state (new)`,
      age
        ? `max ${age.max} s, last ${age.last} s over ${age.samples} samples; ${formula}`
        : `not reached in the run; ${formula}`,
      n === 200 ? '≤ 120 s' : 'reported with its formula',
      n === 200 ? pass(age ? age.max <= 120 : false) : '',
    ]);
    rows.push([
      `${n}: view of a stale entity while the sweep runs, p99`,
      newRun
        ? `${newRun.staleViewP99Ms} ms over ${newRun.staleViews} views`
        : 'not run',
      '< 50 ms',
      pass(
        newRun && newRun.staleViews ? newRun.staleViewP99Ms! < 50 : undefined,
      ),
    ]);
    rows.push([
      `${n}: view latency p50 / p99, all views`,
      cell(x =>
        isRun(x) ? `${x.latencyP50Ms} / ${x.latencyP99Ms} ms` : 'not run',
      ),
      '',
      '',
    ]);
  }
  rows.push([
    'cold single view (row 1), median',
    `old ${options.oldColdMedianMs} ms (runs ${options.oldColdMs.join(
      ', ',
    )}); new ${options.newColdMedianMs} ms (runs ${options.newColdMs.join(
      ', ',
    )}), interleaved`,
    'new no slower than old (±10 %)',
    pass(options.newColdMedianMs <= options.oldColdMedianMs * 1.1),
  ]);
  const headers = ['Acceptance', 'Measured', 'Target', 'Verdict'];
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map(r => r[i].length)),
  );
  const line = (r: string[]) =>
    `| ${r.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `Fleet acceptance (issue 16): 2 replicas, delay ${options.delayMs} ms a call, limit ${rate}/s burst ${burst}`,
  );
  console.log(line(headers));
  console.log(line(widths.map(w => '-'.repeat(w))));
  rows.forEach(r => console.log(line(r)));
}
