import { LoggerService } from '@backstage/backend-plugin-api';
import { createClient } from '@redis/client';
import {
  CallBudget,
  CallBudgets,
  LimiterSaturatedError,
  TokenBucketLimiter,
  TokenBucketOptions,
} from './TokenBucketLimiter';

/**
 * The token bucket of {@link TokenBucketLimiter}, kept in Redis so that every replica draws
 * on one budget per account and region. Every operation is one Lua script, which Redis runs
 * atomically (no other command runs between its reads and writes), and the clock is Redis's
 * own (`TIME`), so replicas with skewed clocks still agree. Concurrent callers therefore get
 * reservations in one total order, exactly as in the in-process bucket: the calls started in
 * any window of `w` seconds never exceed `burst + rate × w`.
 *
 * Returns: `{granted (1/0), waitMs (ceil), taken}`.
 */
const SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local op = ARGV[3]
local count = tonumber(ARGV[4])
local limit = tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = burst
  last = now
end
if now > last then
  tokens = math.min(burst, tokens + (now - last) / 1000 * rate)
  last = now
end
local granted = 1
local wait = 0
local taken = 0
if op == 'acquire' then
  local need = math.min(count, burst)
  if tokens < need then wait = (need - tokens) / rate * 1000 end
  if wait > limit then
    granted = 0
  else
    tokens = tokens - count
    taken = count
  end
elseif op == 'refund' then
  tokens = math.min(burst, tokens + count)
elseif op == 'peek' then
  local need = math.min(count, burst)
  if tokens < need then wait = (need - tokens) / rate * 1000 end
elseif op == 'reserve' then
  local need = math.min(count + limit, burst)
  if tokens < need then
    granted = 0
    wait = (need - tokens) / rate * 1000
  else
    tokens = tokens - count
    taken = count
  end
elseif op == 'take' then
  taken = math.floor(math.min(count, tokens - limit))
  if taken < 0 then taken = 0 end
  tokens = tokens - taken
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(last))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000 + (0 - math.min(tokens, 0)) / rate * 1000) + 60000)
return {granted, math.ceil(wait), taken}
`;

type RedisClient = ReturnType<typeof createClient>;

/**
 * Options of {@link RedisTokenBuckets}.
 *
 * @public
 */
export interface RedisTokenBucketsOptions extends TokenBucketOptions {
  /** `redis://…` (or `rediss://…`), as `backend.cache.connection`. */
  connection: string;
  /** Prefix of the bucket keys; replicas of one portal must use the same. */
  keyPrefix: string;
  logger: LoggerService;
}

class RedisTokenBucket implements CallBudget {
  constructor(
    private readonly owner: RedisTokenBuckets,
    private readonly key: string,
    private readonly label: string,
    private readonly options: TokenBucketOptions,
    /** Used while Redis cannot be reached: this replica's own bucket, as before. */
    private readonly fallback: TokenBucketLimiter,
  ) {}

  private async run(
    op: 'acquire' | 'refund' | 'peek' | 'take' | 'reserve',
    count: number,
    limit: number,
  ): Promise<[number, number, number] | undefined> {
    return this.owner.eval(this.key, [
      String(this.options.ratePerSecond),
      String(this.options.burst),
      op,
      String(count),
      String(limit),
    ]);
  }

  async acquire(
    count = 1,
    maxWaitMs: number = this.options.maxWaitMs,
  ): Promise<void> {
    const result = await this.run('acquire', count, maxWaitMs);
    if (!result) {
      await this.fallback.acquire(count, maxWaitMs);
      return;
    }
    const [granted, waitMs] = result;
    if (!granted) throw new LimiterSaturatedError(this.label, waitMs);
    if (waitMs > 0) await new Promise(r => setTimeout(r, waitMs));
  }

  async refund(count: number): Promise<void> {
    if (count <= 0) return;
    if (!(await this.run('refund', count, 0))) this.fallback.refund(count);
  }

  async peekWaitMs(count = 1): Promise<number> {
    const result = await this.run('peek', count, 0);
    return result ? result[1] : this.fallback.peekWaitMs(count);
  }

  async reserve(count: number, keep: number): Promise<boolean> {
    const result = await this.run('reserve', count, keep);
    return result ? result[0] === 1 : this.fallback.reserve(count, keep);
  }

  async takeAvailable(max: number, keep: number): Promise<number> {
    if (max <= 0) return 0;
    const result = await this.run('take', max, keep);
    return result ? result[2] : this.fallback.takeAvailable(max, keep);
  }
}

/**
 * Call budgets shared by all replicas through Redis (`backend.cache.store: redis`). While
 * Redis cannot be reached, each replica falls back to its own in-process bucket and logs it.
 *
 * @public
 */
export class RedisTokenBuckets implements CallBudgets {
  private readonly buckets = new Map<string, CallBudget>();
  private client?: Promise<RedisClient>;
  private warned = false;

  constructor(private readonly options: RedisTokenBucketsOptions) {}

  get(accountId: string, region: string): CallBudget {
    const id = `${accountId}/${region}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      const label = `account ${accountId} in ${region}`;
      bucket = new RedisTokenBucket(
        this,
        `${this.options.keyPrefix}:budget:${id}`,
        label,
        this.options,
        new TokenBucketLimiter(label, this.options),
      );
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  private connect(): Promise<RedisClient> {
    if (!this.client) {
      this.client = (async () => {
        const client = createClient({
          url: this.options.connection,
          // Fail fast: while Redis is away, calls use the fallback bucket instead of
          // queueing behind a reconnect; the next call after that connects again.
          disableOfflineQueue: true,
          socket: {
            connectTimeout: 2000,
            reconnectStrategy: retries =>
              retries >= 2 ? new Error('Redis unreachable') : 100,
          },
        });
        client.on('error', () => {
          // Reported by the failing eval below; without a listener node-redis would throw.
        });
        if (!client.isOpen) await client.connect();
        return client;
      })();
      this.client.catch(() => {
        this.client = undefined;
      });
    }
    return this.client;
  }

  /** Runs the bucket script; undefined when Redis fails (the caller falls back). */
  async eval(
    key: string,
    args: string[],
  ): Promise<[number, number, number] | undefined> {
    try {
      const client = await this.connect();
      const result = (await client.eval(SCRIPT, {
        keys: [key],
        arguments: args,
      })) as number[];
      this.warned = false;
      return [Number(result[0]), Number(result[1]), Number(result[2])];
    } catch (e) {
      const client = await this.client?.catch(() => undefined);
      if (client && !client.isOpen) this.client = undefined;
      if (!this.warned) {
        this.warned = true;
        this.options.logger.warn(
          `aws-alb: the shared AWS call budget in Redis is unavailable, this replica uses its own until it is back: ${e}`,
        );
      }
      return undefined;
    }
  }

  /** Closes the Redis connection. */
  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    if (client?.isOpen) await client.quit();
  }
}
