import { CacheService } from '@backstage/backend-plugin-api';
import { MemoryCache } from '../__testUtils__/fixtures';
import { ReadLease } from './ReadLease';

function clock() {
  let now = 1_000_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Two replicas: two leases on one shared cache. */
function replicas(cache: CacheService, c = clock()) {
  const sleep = async (ms: number) => {
    c.advance(ms);
  };
  const options = { cache, leaseMs: 12_000, pollMs: 50, now: c.now, sleep };
  return { a: new ReadLease(options), b: new ReadLease(options), clock: c };
}

describe('ReadLease', () => {
  it('gives the lease to the first replica and tells the second until when it is held', async () => {
    const { a, b, clock: c } = replicas(new MemoryCache(clock().now));
    const first = await a.claim('k');
    expect(first.held).toBe(true);
    const second = await b.claim('k');
    expect(second).toEqual({ held: false, until: c.now() + 12_000 });
  });

  it('never makes a replica wait for its own lease', async () => {
    const { a } = replicas(new MemoryCache());
    expect((await a.claim('k')).held).toBe(true);
    expect((await a.claim('k')).held).toBe(true);
  });

  it('frees the key on release, and only the holder can release it', async () => {
    const cache = new MemoryCache();
    const { a, b } = replicas(cache);
    const first = await a.claim('k');
    if (!first.held) throw new Error('expected the lease');
    await first.release();
    const second = await b.claim('k');
    expect(second.held).toBe(true);
    // A late release of the first lease leaves the second in place.
    await first.release();
    expect((await a.claim('k')).held).toBe(false);
  });

  it('expires on its own, so a replica that died holding it blocks nobody after leaseMs', async () => {
    const c = clock();
    const cache = new MemoryCache(c.now);
    const { a, b } = replicas(cache, c);
    expect((await a.claim('k')).held).toBe(true);
    c.advance(12_001);
    expect((await b.claim('k')).held).toBe(true);
  });

  it('of two replicas writing at once, the one whose write was overwritten waits', async () => {
    const c = clock();
    const inner = new MemoryCache(c.now);
    // Both read "no lease" before either writes: the interleaving a compare-and-set prevents.
    let gate: (() => void) | undefined;
    const bothRead = new Promise<void>(resolve => {
      let reads = 0;
      gate = () => {
        reads++;
        if (reads === 2) resolve();
      };
    });
    let firstLookups = 0;
    const cache: CacheService = {
      async get(key) {
        const value = await inner.get(key);
        if (firstLookups < 2) {
          firstLookups++;
          gate!();
          await bothRead;
        }
        return value as any;
      },
      set: (key, value, opts) => inner.set(key, value, opts),
      delete: key => inner.delete(key),
      withOptions: () => cache,
    };
    const { a, b } = replicas(cache, c);
    const [x, y] = await Promise.all([a.claim('k'), b.claim('k')]);
    expect([x.held, y.held].sort()).toEqual([false, true]);
  });

  it('waits for the answer of the holder', async () => {
    const c = clock();
    const cache = new MemoryCache(c.now);
    const holder = new ReadLease({ cache, leaseMs: 12_000, now: c.now });
    const waiter = new ReadLease({
      cache,
      leaseMs: 12_000,
      now: c.now,
      sleep: async ms => c.advance(ms),
    });
    const claim = await holder.claim('k');
    const other = await waiter.claim('k');
    if (other.held || !claim.held) throw new Error('expected a held lease');
    let looks = 0;
    const answer = await waiter.waitFor('k', other.until, async () => {
      looks++;
      if (looks === 3) return 'the answer';
      return undefined;
    });
    expect(answer).toBe('the answer');
    expect(looks).toBe(3);
  });

  it('stops waiting when the holder releases without an answer (it failed)', async () => {
    const c = clock();
    const cache = new MemoryCache(c.now);
    const holder = new ReadLease({ cache, leaseMs: 12_000, now: c.now });
    const claim = await holder.claim('k');
    if (!claim.held) throw new Error('expected the lease');
    const waiter = new ReadLease({
      cache,
      leaseMs: 12_000,
      now: c.now,
      sleep: async ms => {
        c.advance(ms);
        await claim.release();
      },
    });
    const other = await waiter.claim('k');
    if (other.held) throw new Error('expected to wait');
    const started = c.now();
    const answer = await waiter.waitFor(
      'k',
      other.until,
      async () => undefined,
    );
    expect(answer).toBeUndefined();
    expect(c.now() - started).toBeLessThanOrEqual(50);
  });

  it('gives up after leaseMs when the holder died without releasing', async () => {
    const c = clock();
    const cache = new MemoryCache(c.now);
    const holder = new ReadLease({ cache, leaseMs: 12_000, now: c.now });
    await holder.claim('k');
    const waiter = new ReadLease({
      cache,
      leaseMs: 12_000,
      now: c.now,
      sleep: async ms => c.advance(ms),
    });
    const other = await waiter.claim('k');
    if (other.held) throw new Error('expected to wait');
    const started = c.now();
    expect(
      await waiter.waitFor('k', other.until, async () => undefined),
    ).toBeUndefined();
    expect(c.now() - started).toBeGreaterThanOrEqual(12_000);
    expect(c.now() - started).toBeLessThan(12_100);
  });

  it('lets the caller read when the cache fails', async () => {
    const broken: CacheService = {
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
      set: async () => {
        throw new Error('ECONNREFUSED');
      },
      delete: async () => {},
      withOptions: () => broken,
    };
    const lease = new ReadLease({ cache: broken, leaseMs: 1000 });
    const claim = await lease.claim('k');
    expect(claim.held).toBe(true);
    if (claim.held) await claim.release();
  });
});
