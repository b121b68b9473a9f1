/**
 * Options of a {@link TokenBucketLimiter}.
 *
 * @public
 */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many calls may start at once after a quiet period. */
  burst: number;
  /**
   * A call that would wait longer than this for a token is refused at once instead of
   * queueing, so a viewer gets the cached answer or a 503 quickly rather than a hung request.
   */
  maxWaitMs: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

/**
 * Thrown when the limiter refuses a call because the queue is longer than `maxWaitMs`.
 *
 * @public
 */
export class LimiterSaturatedError extends Error {
  readonly retryAfterMs: number;
  constructor(key: string, retryAfterMs: number) {
    super(
      `The portal's own AWS call budget for ${key} is exhausted for the next ${Math.ceil(
        retryAfterMs / 1000,
      )} s (awsAlb.rateLimit)`,
    );
    this.name = 'LimiterSaturatedError';
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * One account's and region's budget of AWS calls. {@link TokenBucketLimiter} keeps it in this
 * process; `RedisTokenBuckets` keeps it in Redis, shared by every replica.
 *
 * @public
 */
export interface CallBudget {
  /**
   * Waits for `count` tokens, taken at once, or throws {@link LimiterSaturatedError} without
   * taking any when the wait would exceed `maxWaitMs` (default: the configured one).
   */
  acquire(count?: number, maxWaitMs?: number): Promise<void>;
  /** Gives back tokens reserved but not used. */
  refund(count: number): Promise<void> | void;
  /** Milliseconds a request for `count` tokens made now would wait; takes nothing. */
  peekWaitMs(count?: number): Promise<number>;
  /**
   * Takes as many tokens as are there now, up to `max`, but leaves `keep` in the bucket:
   * the background sweep spends only what interactive views do not need. Never waits.
   */
  takeAvailable(max: number, keep: number): Promise<number>;
  /**
   * Takes `count` tokens at once when at least `count + keep` (at most the burst) are there
   * now, else takes none; never waits. One step where `peekWaitMs` then `acquire` would be
   * two (two round trips to a shared bucket, and a race between them).
   */
  reserve(count: number, keep: number): Promise<boolean>;
}

/**
 * Budgets per account and region.
 *
 * @public
 */
export interface CallBudgets {
  get(accountId: string, region: string): CallBudget;
}

/**
 * A token bucket with a FIFO queue. Reservations are made synchronously, so concurrent
 * callers never over-draw: each caller learns the exact moment its token becomes available.
 *
 * @public
 */
export class TokenBucketLimiter implements CallBudget {
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(
    private readonly key: string,
    private readonly options: TokenBucketOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.tokens = options.burst;
    this.last = this.now();
  }

  private refill(): void {
    const now = this.now();
    const elapsed = (now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(
      this.options.burst,
      this.tokens + elapsed * this.options.ratePerSecond,
    );
  }

  /** Milliseconds a request for `count` tokens made now would wait. */
  estimateWaitMs(count = 1): number {
    this.refill();
    if (this.tokens >= count) return 0;
    return ((count - this.tokens) / this.options.ratePerSecond) * 1000;
  }

  /**
   * Waits for `count` tokens, taken at once, or throws {@link LimiterSaturatedError} without
   * taking any when the wait would exceed `maxWaitMs` (default: the configured one).
   */
  async acquire(
    count = 1,
    maxWaitMs: number = this.options.maxWaitMs,
  ): Promise<void> {
    // A request larger than the bucket could never be served; let it through at the cost
    // of a longer wait rather than refuse it forever.
    const needed = Math.min(count, this.options.burst);
    const waitMs = this.estimateWaitMs(needed);
    if (waitMs > maxWaitMs) {
      throw new LimiterSaturatedError(this.key, waitMs);
    }
    // Tokens may go negative: a negative balance is the queue of reservations ahead.
    this.tokens -= count;
    if (waitMs > 0) {
      await new Promise(resolve => setTimeout(resolve, waitMs));
    }
  }

  /** Gives back tokens reserved but not used. */
  refund(count: number): void {
    if (count <= 0) return;
    this.refill();
    this.tokens = Math.min(this.options.burst, this.tokens + count);
  }

  async peekWaitMs(count = 1): Promise<number> {
    return this.estimateWaitMs(Math.min(count, this.options.burst));
  }

  async reserve(count: number, keep: number): Promise<boolean> {
    if (this.estimateWaitMs(Math.min(count + keep, this.options.burst)) > 0)
      return false;
    this.tokens -= count;
    return true;
  }

  async takeAvailable(max: number, keep: number): Promise<number> {
    this.refill();
    const taken = Math.max(0, Math.floor(Math.min(max, this.tokens - keep)));
    this.tokens -= taken;
    return taken;
  }
}

/**
 * One bucket per AWS account and region, created on first use, in this process.
 *
 * @public
 */
export class AccountRegionLimiters implements CallBudgets {
  private readonly buckets = new Map<string, TokenBucketLimiter>();

  constructor(private readonly options: TokenBucketOptions) {}

  get(accountId: string, region: string): TokenBucketLimiter {
    const key = `account ${accountId} in ${region}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucketLimiter(key, this.options);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
