import {
  AccountRegionLimiters,
  LimiterSaturatedError,
  TokenBucketLimiter,
} from './TokenBucketLimiter';

describe('TokenBucketLimiter', () => {
  afterEach(() => jest.useRealTimers());

  it('lets a burst through, then paces calls at the rate', async () => {
    jest.useFakeTimers();
    const limiter = new TokenBucketLimiter('account 1', {
      ratePerSecond: 4,
      burst: 8,
      maxWaitMs: 10_000,
    });
    const started: number[] = [];
    const t0 = Date.now();
    const calls = Array.from({ length: 12 }, () =>
      limiter.acquire().then(() => started.push(Date.now() - t0)),
    );
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all(calls);
    expect(started.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(started.slice(8)).toEqual([250, 500, 750, 1000]);
  });

  it('refuses at once when the wait would exceed maxWaitMs', async () => {
    jest.useFakeTimers();
    const limiter = new TokenBucketLimiter('account 1 in us-east-1', {
      ratePerSecond: 1,
      burst: 1,
      maxWaitMs: 1500,
    });
    await limiter.acquire();
    const second = limiter.acquire(); // waits 1 s
    const third = limiter.acquire(); // would wait 2 s
    await expect(third).rejects.toBeInstanceOf(LimiterSaturatedError);
    await expect(third).rejects.toMatchObject({
      retryAfterMs: 2000,
      message: expect.stringContaining('account 1 in us-east-1'),
    });
    await jest.advanceTimersByTimeAsync(1000);
    await second;
  });

  it('keeps one bucket per account and region', () => {
    const limiters = new AccountRegionLimiters({
      ratePerSecond: 1,
      burst: 1,
      maxWaitMs: 0,
    });
    expect(limiters.get('1', 'us-east-1')).toBe(limiters.get('1', 'us-east-1'));
    expect(limiters.get('1', 'us-east-1')).not.toBe(
      limiters.get('1', 'eu-west-1'),
    );
    expect(limiters.get('1', 'us-east-1')).not.toBe(
      limiters.get('2', 'us-east-1'),
    );
  });
});

describe('TokenBucketLimiter reservations', () => {
  afterEach(() => jest.useRealTimers());

  it('takes several tokens at once or none', async () => {
    jest.useFakeTimers();
    const limiter = new TokenBucketLimiter('k', {
      ratePerSecond: 4,
      burst: 8,
      maxWaitMs: 500,
    });
    await limiter.acquire(6);
    // 2 left; 5 more would need 750 ms > maxWaitMs: refused, nothing taken.
    await expect(limiter.acquire(5)).rejects.toBeInstanceOf(
      LimiterSaturatedError,
    );
    expect(limiter.estimateWaitMs(2)).toBe(0);
    limiter.refund(3);
    expect(limiter.estimateWaitMs(5)).toBe(0);
    limiter.refund(100);
    expect(limiter.estimateWaitMs(8)).toBe(0);
    expect(limiter.estimateWaitMs(9)).toBe(250);
  });

  it('reserves a read and its headroom in one step, or takes nothing', async () => {
    jest.useFakeTimers();
    const limiter = new TokenBucketLimiter('k', {
      ratePerSecond: 4,
      burst: 8,
      maxWaitMs: 500,
    });
    expect(await limiter.reserve(5, 2)).toBe(true);
    // 3 left: 1 + headroom 2 fit, 2 + 2 do not.
    expect(await limiter.reserve(2, 2)).toBe(false);
    expect(limiter.estimateWaitMs(3)).toBe(0);
    expect(await limiter.reserve(1, 2)).toBe(true);
    expect(limiter.estimateWaitMs(3)).toBe(250);
  });
});

describe('TokenBucketLimiter maxWaitMs override', () => {
  it('refuses any wait with maxWaitMs 0, while others may queue', async () => {
    const limiter = new TokenBucketLimiter('k', {
      ratePerSecond: 1,
      burst: 2,
      maxWaitMs: 5000,
    });
    await limiter.acquire(2, 0);
    await expect(limiter.acquire(1, 0)).rejects.toBeInstanceOf(
      LimiterSaturatedError,
    );
    expect(limiter.estimateWaitMs(1)).toBeGreaterThan(900);
  });
});
