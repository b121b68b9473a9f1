import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CacheService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import {
  ALB_SIGNALS_RANGES,
  AlbLoadBalancer,
  AlbLoadBalancerSignals,
  AlbSignalsRange,
} from '@cross-account-alb/plugin-aws-alb-common';
import { AwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { InputError } from '@backstage/errors';
import { toBackstageError } from './errors';
import { readSignals } from './readSignals';
import { positiveNumbers, readCachedReaderSettings } from './readerSettings';
import { AccountRegionLimiters } from './TokenBucketLimiter';

/** `awsAlb.signals.*`. */
export interface SignalsSettings {
  /** The 5xx rate (percent) at or above which a load balancer shows as degraded. */
  errorRateThresholdPercent: number;
  /** How long one range's signals are kept. */
  cacheTtlMs: number;
  /** CloudWatch's own budget, apart from the ELBv2 one, per account and region. */
  callsPerSecond: number;
  burst: number;
  maxWaitMs: number;
}

export const SIGNALS_DEFAULTS = {
  errorRateThresholdPercent: 5,
  cacheTtlSeconds: 60,
  callsPerSecond: 2,
  burst: 4,
  maxWaitMs: 2000,
};

export function readSignalsSettings(config: Config): SignalsSettings {
  return {
    errorRateThresholdPercent: positiveNumbers(config, 'awsAlb.signals')(
      'errorRateThresholdPercent',
      SIGNALS_DEFAULTS.errorRateThresholdPercent,
    ),
    ...readCachedReaderSettings(config, 'awsAlb.signals', SIGNALS_DEFAULTS),
  };
}

interface CacheEntry {
  v: 1;
  fetchedAt: string;
  signals: AlbLoadBalancerSignals[];
}

/**
 * Reads and caches the golden signals of load balancers from CloudWatch in their account:
 * one `GetMetricData` call per view, within a budget of its own (CloudWatch's quota is not
 * ELBv2's, and the controller never draws on it).
 */
export class SignalsReader {
  private readonly limiters: AccountRegionLimiters;

  constructor(
    private readonly options: {
      awsClients: AwsClientFactory;
      cache: CacheService;
      logger: LoggerService;
      settings: SignalsSettings;
      now?: () => number;
    },
  ) {
    this.limiters = new AccountRegionLimiters({
      ratePerSecond: options.settings.callsPerSecond,
      burst: options.settings.burst,
      maxWaitMs: options.settings.maxWaitMs,
    });
  }

  static parseRange(value: unknown): AlbSignalsRange {
    const range = value === undefined || value === '' ? '3h' : String(value);
    if (!(range in ALB_SIGNALS_RANGES)) {
      throw new InputError(
        `range must be one of ${Object.keys(ALB_SIGNALS_RANGES).join(
          ', ',
        )}, got "${range}"`,
      );
    }
    return range as AlbSignalsRange;
  }

  async read(
    target: { accountId: string; region: string; roleArn?: string },
    loadBalancers: AlbLoadBalancer[],
    range: AlbSignalsRange,
  ): Promise<{ fetchedAt: string; signals: AlbLoadBalancerSignals[] }> {
    const { cache, logger, settings, awsClients } = this.options;
    const now = this.options.now ?? Date.now;
    const key = `v1:signals:${range}:${loadBalancers
      .map(lb => `${lb.arn}|${lb.targetGroups.map(tg => tg.arn).join(',')}`)
      .join(';')}`;
    const cached = (await cache
      .get<JsonValue>(key)
      .catch(() => undefined)) as unknown as CacheEntry | undefined;
    if (cached?.v === 1) return cached;
    try {
      await this.limiters.get(target.accountId, target.region).acquire(1);
      const cloudwatch = await awsClients.client(CloudWatchClient, {
        accountId: target.accountId,
        region: target.region,
      });
      const { signals } = await readSignals(cloudwatch, loadBalancers, {
        range,
        now: now(),
        errorRateThresholdPercent: settings.errorRateThresholdPercent,
      });
      const entry: CacheEntry = {
        v: 1,
        fetchedAt: new Date(now()).toISOString(),
        signals,
      };
      await cache
        .set(key, entry as unknown as JsonValue, { ttl: settings.cacheTtlMs })
        .catch(e => logger.warn(`aws-alb signals cache write failed: ${e}`));
      return entry;
    } catch (e) {
      throw toBackstageError(e, target);
    }
  }
}
