import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { CacheService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import {
  AlbCertificate,
  AlbLoadBalancer,
  certificateWarnings,
} from '@cross-account-alb/plugin-aws-alb-common';
import { AwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { awsCall, toBackstageError } from './errors';
import { readCachedReaderSettings } from './readerSettings';
import { AccountRegionLimiters } from './TokenBucketLimiter';

/** `awsAlb.certificates.*`. */
export interface CertificatesSettings {
  /** How long one certificate's details are kept. */
  cacheTtlMs: number;
  /** ACM's own budget, apart from ELBv2's, per account and region. */
  callsPerSecond: number;
  burst: number;
  maxWaitMs: number;
}

export const CERTIFICATES_DEFAULTS = {
  // Validity and status change rarely; what uses a certificate changes with a listener.
  cacheTtlSeconds: 300,
  callsPerSecond: 2,
  burst: 4,
  maxWaitMs: 2000,
};

export function readCertificatesSettings(config: Config): CertificatesSettings {
  return readCachedReaderSettings(
    config,
    'awsAlb.certificates',
    CERTIFICATES_DEFAULTS,
  );
}

type CertificateDetails = Omit<AlbCertificate, 'listenerArns' | 'warnings'>;

interface CacheEntry {
  v: 1;
  fetchedAt: string;
  certificate: CertificateDetails;
}

/**
 * Reads and caches the ACM certificates of load balancers' HTTPS listeners, in the load
 * balancers' account and region (where an ALB's certificates must be): one
 * `DescribeCertificate` per certificate not in the cache, within a budget of ACM's own.
 */
export class CertificatesReader {
  private readonly limiters: AccountRegionLimiters;

  constructor(
    private readonly options: {
      awsClients: AwsClientFactory;
      cache: CacheService;
      logger: LoggerService;
      settings: CertificatesSettings;
      now?: () => number;
    },
  ) {
    this.limiters = new AccountRegionLimiters({
      ratePerSecond: options.settings.callsPerSecond,
      burst: options.settings.burst,
      maxWaitMs: options.settings.maxWaitMs,
    });
  }

  async read(
    target: { accountId: string; region: string; roleArn?: string },
    loadBalancers: AlbLoadBalancer[],
  ): Promise<{ fetchedAt: string; certificates: AlbCertificate[] }> {
    const now = this.options.now ?? Date.now;
    const listenersOf = new Map<string, string[]>();
    for (const lb of loadBalancers) {
      for (const listener of lb.listeners) {
        for (const arn of listener.certificateArns ?? []) {
          listenersOf.set(arn, [...(listenersOf.get(arn) ?? []), listener.arn]);
        }
      }
    }
    let oldest = now();
    const certificates: AlbCertificate[] = [];
    for (const [arn, listenerArns] of listenersOf) {
      const entry = await this.readOne(target, arn);
      oldest = Math.min(oldest, Date.parse(entry.fetchedAt));
      certificates.push({
        ...entry.certificate,
        listenerArns,
        warnings: certificateWarnings(entry.certificate, now()),
      });
    }
    return { fetchedAt: new Date(oldest).toISOString(), certificates };
  }

  private async readOne(
    target: { accountId: string; region: string; roleArn?: string },
    arn: string,
  ): Promise<CacheEntry> {
    const { cache, logger, settings, awsClients } = this.options;
    const now = this.options.now ?? Date.now;
    const key = `v1:certificate:${arn}`;
    const cached = (await cache
      .get<JsonValue>(key)
      .catch(() => undefined)) as unknown as CacheEntry | undefined;
    if (cached?.v === 1) return cached;
    let certificate: CertificateDetails;
    try {
      await this.limiters.get(target.accountId, target.region).acquire(1);
      const acm = await awsClients.client(ACMClient, {
        accountId: target.accountId,
        region: target.region,
      });
      const found = await awsCall('acm:DescribeCertificate', () =>
        acm.send(new DescribeCertificateCommand({ CertificateArn: arn })),
      ).catch(e => {
        const name = (e as { cause?: { name?: string } }).cause?.name;
        if (name === 'ResourceNotFoundException') return undefined;
        throw e;
      });
      const c = found?.Certificate;
      certificate = c
        ? {
            arn,
            domainName: c.DomainName,
            subjectAlternativeNames: c.SubjectAlternativeNames,
            status: c.Status,
            type: c.Type,
            notAfter: c.NotAfter?.toISOString(),
            inUseBy: c.InUseBy ?? [],
            renewalEligibility: c.RenewalEligibility,
          }
        : { arn, status: 'NOT_FOUND', inUseBy: [] };
    } catch (e) {
      throw toBackstageError(e, target);
    }
    const entry: CacheEntry = {
      v: 1,
      fetchedAt: new Date(now()).toISOString(),
      certificate: JSON.parse(JSON.stringify(certificate)),
    };
    await cache
      .set(key, entry as unknown as JsonValue, { ttl: settings.cacheTtlMs })
      .catch(e => logger.warn(`aws-alb certificate cache write failed: ${e}`));
    return entry;
  }
}
