import { randomUUID } from 'node:crypto';
import { TestCaches, mockServices } from '@backstage/backend-test-utils';
import { RedisTokenBuckets } from './RedisTokenBuckets';
import { AccountRegionLimiters, CallBudgets } from './TokenBucketLimiter';

jest.setTimeout(60_000);

const caches = TestCaches.create({ ids: ['REDIS_7'] });
const RATE = 20;
const BURST = 5;

/** Most calls started in any window of `windowMs`, from their start times. */
function peakInWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j] <= sorted[i] - windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** Two replicas, each firing `perReplica` calls at once through its own budgets object. */
async function hammer(replicas: CallBudgets[], perReplica: number) {
  const starts: number[] = [];
  await Promise.all(
    replicas.flatMap(replica =>
      Array.from({ length: perReplica }, () =>
        replica
          .get('111111111111', 'us-east-1')
          .acquire(1, 60_000)
          .then(() => starts.push(Date.now())),
      ),
    ),
  );
  return starts;
}

describe('RedisTokenBuckets', () => {
  if (!caches.supports('REDIS_7')) {
    // Needs BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING (or Docker).
    // eslint-disable-next-line jest/no-disabled-tests, jest/expect-expect
    it.skip('needs a Redis 7', () => {});
    return;
  }

  const open: RedisTokenBuckets[] = [];
  afterAll(() => Promise.all(open.map(b => b.close())));
  const replica = (connection: string, keyPrefix: string) => {
    const buckets = new RedisTokenBuckets({
      connection,
      keyPrefix,
      ratePerSecond: RATE,
      burst: BURST,
      maxWaitMs: 2000,
      logger: mockServices.logger.mock(),
    });
    open.push(buckets);
    return buckets;
  };

  it('two replicas together never start more than burst + rate × window', async () => {
    const { connection } = await caches.init('REDIS_7');
    const prefix = `aws-alb-test-${randomUUID()}`;
    const starts = await hammer(
      [replica(connection, prefix), replica(connection, prefix)],
      30,
    );
    expect(starts).toHaveLength(60);
    // 60 calls at 20/s after a burst of 5 take (60 - 5) / 20 = 2.75 s.
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(
      2600,
    );
    expect(peakInWindow(starts, 1000)).toBeLessThanOrEqual(BURST + RATE);
    expect(peakInWindow(starts, 500)).toBeLessThanOrEqual(BURST + RATE / 2);
  });

  it('the same load on per-replica buckets spends twice the budget (what sharing fixes)', async () => {
    const local = () =>
      new AccountRegionLimiters({
        ratePerSecond: RATE,
        burst: BURST,
        maxWaitMs: 2000,
      });
    const starts = await hammer([local(), local()], 30);
    expect(peakInWindow(starts, 1000)).toBeGreaterThan(BURST + RATE);
  });

  it('refuses at once past maxWaitMs, for the queue of both replicas', async () => {
    const { connection } = await caches.init('REDIS_7');
    const prefix = `aws-alb-test-${randomUUID()}`;
    const a = replica(connection, prefix).get('111111111111', 'us-east-1');
    const b = replica(connection, prefix).get('111111111111', 'us-east-1');
    await a.acquire(BURST, 0);
    // Replica b sees a's spending: a whole burst needs 250 ms of refill.
    await expect(b.acquire(BURST, 100)).rejects.toMatchObject({
      name: 'LimiterSaturatedError',
    });
    expect(await b.peekWaitMs(BURST)).toBeGreaterThan(100);
  });

  it('the sweep takes only what is there, leaving the headroom', async () => {
    const { connection } = await caches.init('REDIS_7');
    const prefix = `aws-alb-test-${randomUUID()}`;
    const a = replica(connection, prefix).get('111111111111', 'eu-west-1');
    const b = replica(connection, prefix).get('111111111111', 'eu-west-1');
    expect(await a.takeAvailable(100, 2)).toBe(BURST - 2);
    expect(await b.takeAvailable(100, 2)).toBe(0);
    await a.refund(BURST - 2);
    expect(await b.takeAvailable(1, 2)).toBe(1);
  });

  it('a view reserves all its calls or none, leaving the headroom, whichever replica asks', async () => {
    const { connection } = await caches.init('REDIS_7');
    const prefix = `aws-alb-test-${randomUUID()}`;
    // So slow that nothing refills during the test.
    const slow = () => {
      const buckets = new RedisTokenBuckets({
        connection,
        keyPrefix: prefix,
        ratePerSecond: 0.01,
        burst: BURST,
        maxWaitMs: 0,
        logger: mockServices.logger.mock(),
      });
      open.push(buckets);
      return buckets.get('111111111111', 'eu-west-2');
    };
    const [a, b] = [slow(), slow()];
    // 5 tokens: 2 + headroom 2 fit, and are taken.
    expect(await a.reserve(2, 2)).toBe(true);
    // 3 left: another 2 + 2 do not fit, and nothing is taken.
    expect(await b.reserve(2, 2)).toBe(false);
    expect(await b.takeAvailable(100, 0)).toBe(3);
    await b.refund(3);
    // A read larger than the bucket needs only a full bucket.
    await a.refund(2);
    expect(await b.reserve(9, 2)).toBe(true);
    expect(await a.peekWaitMs(1)).toBeGreaterThan(0);
  });

  it('falls back to its own bucket when Redis cannot be reached', async () => {
    const logger = mockServices.logger.mock();
    const buckets = new RedisTokenBuckets({
      connection: 'redis://127.0.0.1:1',
      keyPrefix: 'x',
      // Slow enough that the failed connection attempts refill nothing.
      ratePerSecond: 0.01,
      burst: BURST,
      maxWaitMs: 0,
      logger,
    });
    open.push(buckets);
    const bucket = buckets.get('111111111111', 'us-east-1');
    await bucket.acquire(BURST);
    await expect(bucket.acquire(1)).rejects.toMatchObject({
      name: 'LimiterSaturatedError',
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('uses its own'),
    );
  });
});
