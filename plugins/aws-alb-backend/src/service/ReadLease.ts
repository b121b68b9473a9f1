import { CacheService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import { randomUUID } from 'node:crypto';

/**
 * Single-flight across replicas. Within one process, identical reads share one promise; with
 * several replicas behind a load balancer and one shared cache (Redis), two users opening the
 * same entity on two replicas would otherwise read AWS twice. Before reading, a replica takes
 * a short lease on the cache key; a replica that finds another's lease waits for the entry it
 * will write instead of reading AWS itself.
 *
 * The cache service has no compare-and-set, so the lease is taken by writing it, pausing
 * (`settleMs`) and reading it back: of two replicas that both found no lease and wrote at
 * nearly the same moment, the one whose write landed first sees the other's id and waits.
 * Both still read if one replica's write comes later than the other's pause; the lease only
 * needs to make that rare, as the rate limiter still caps each replica. A lease expires
 * on its own (TTL), so a replica that dies while reading blocks nobody for longer than that.
 */
export interface ReadLeaseOptions {
  cache: CacheService;
  /** How long a lease lasts: longer than one read may take. */
  leaseMs: number;
  /** How often a waiting replica looks for the holder's answer. */
  pollMs?: number;
  /** Pause between writing the lease and reading it back (default 0). */
  settleMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface LeaseValue {
  owner: string;
  until: number;
}

export type LeaseClaim =
  | { held: true; release(): Promise<void> }
  /** Another replica holds it until `until` (epoch ms). */
  | { held: false; until: number };

export class ReadLease {
  /** Identifies this replica; leases it holds never make it wait for itself. */
  private readonly instance = randomUUID();
  private sequence = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ReadLeaseOptions) {
    this.now = options.now ?? Date.now;
    this.sleep =
      options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
  }

  private leaseKey(key: string) {
    return `lease:${key}`;
  }

  private async readLease(key: string): Promise<LeaseValue | undefined> {
    const value = (await this.options.cache.get<JsonValue>(
      this.leaseKey(key),
    )) as unknown as LeaseValue | undefined;
    if (
      value &&
      typeof value.owner === 'string' &&
      typeof value.until === 'number' &&
      value.until > this.now()
    ) {
      return value;
    }
    return undefined;
  }

  private isOurs(lease: LeaseValue) {
    return lease.owner.startsWith(`${this.instance}/`);
  }

  /**
   * Takes the lease on `key`, or tells who holds it. Cache errors let the caller read: a
   * broken cache must not stop the page from loading.
   */
  async claim(key: string): Promise<LeaseClaim> {
    const { cache, leaseMs } = this.options;
    const release = async () => {};
    try {
      const current = await this.readLease(key);
      if (current && !this.isOurs(current)) {
        return { held: false, until: current.until };
      }
      const owner = `${this.instance}/${++this.sequence}`;
      const lease: LeaseValue = { owner, until: this.now() + leaseMs };
      await cache.set(this.leaseKey(key), lease as unknown as JsonValue, {
        ttl: leaseMs,
      });
      if (this.options.settleMs) await this.sleep(this.options.settleMs);
      const landed = await this.readLease(key);
      if (landed && landed.owner !== owner && !this.isOurs(landed)) {
        return { held: false, until: landed.until };
      }
      return {
        held: true,
        release: async () => {
          try {
            const still = await this.readLease(key);
            if (still?.owner === owner) {
              await cache.delete(this.leaseKey(key));
            }
          } catch {
            // It expires on its own.
          }
        },
      };
    } catch {
      return { held: true, release };
    }
  }

  /**
   * Waits while another replica holds the lease, polling `check` for its answer. Resolves with
   * the answer, or undefined when the lease ended (released or expired) without one: the
   * holder failed or died, and the caller reads for itself.
   */
  async waitFor<T>(
    key: string,
    heldUntil: number,
    check: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    let until = heldUntil;
    const pollMs = this.options.pollMs ?? 50;
    // Holders that keep handing the lease on without answering do not keep us forever.
    const giveUpAt = this.now() + this.options.leaseMs;
    for (;;) {
      if (this.now() >= giveUpAt) return undefined;
      await this.sleep(Math.max(1, Math.min(pollMs, until - this.now())));
      const answer = await check();
      if (answer !== undefined) return answer;
      let lease: LeaseValue | undefined;
      try {
        lease = await this.readLease(key);
      } catch {
        lease = undefined;
      }
      if (!lease || this.isOurs(lease)) {
        // The holder finished between our two reads, or gave up.
        return check();
      }
      until = lease.until;
    }
  }
}
