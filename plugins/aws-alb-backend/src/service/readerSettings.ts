import { Config } from '@backstage/config';

/**
 * The settings every reader with a cache and an AWS budget of its own has (the golden
 * signals' CloudWatch reads, the listeners' ACM reads): `<prefix>.cacheTtlSeconds` and
 * `<prefix>.rateLimit.*`.
 */
export interface CachedReaderSettings {
  /** How long one answer is kept. */
  cacheTtlMs: number;
  /** The reader's own budget, apart from ELBv2's, per account and region. */
  callsPerSecond: number;
  burst: number;
  maxWaitMs: number;
}

/** A reader of positive numbers under `prefix`, naming the key when one is not. */
export function positiveNumbers(config: Config, prefix: string) {
  const c = config.getOptionalConfig(prefix);
  return (key: string, fallback: number): number => {
    const value = c?.getOptionalNumber(key) ?? fallback;
    if (!(value > 0)) {
      throw new Error(
        `${prefix}.${key} must be a positive number, got ${value}`,
      );
    }
    return value;
  };
}

export function readCachedReaderSettings(
  config: Config,
  prefix: string,
  defaults: {
    cacheTtlSeconds: number;
    callsPerSecond: number;
    burst: number;
    maxWaitMs: number;
  },
): CachedReaderSettings {
  const positive = positiveNumbers(config, prefix);
  return {
    cacheTtlMs: positive('cacheTtlSeconds', defaults.cacheTtlSeconds) * 1000,
    callsPerSecond: positive(
      'rateLimit.callsPerSecond',
      defaults.callsPerSecond,
    ),
    burst: positive('rateLimit.burst', defaults.burst),
    maxWaitMs:
      config.getOptionalNumber(`${prefix}.rateLimit.maxWaitMs`) ??
      defaults.maxWaitMs,
  };
}
