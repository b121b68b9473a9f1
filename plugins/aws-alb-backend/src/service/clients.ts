import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { AwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { AsyncLocalStorage } from 'node:async_hooks';
import { AlbAwsClients } from './readLoadBalancers';
import { CallBudget, CallBudgets } from './TokenBucketLimiter';

/** Gives the reader AWS clients for one account and region. */
export interface AlbAwsClientFactory {
  getClients(accountId: string, region: string): Promise<AlbAwsClients>;
  /**
   * Runs `fn` with `calls` calls' worth of the account's API budget reserved up front, so a
   * read is either paid for in full or refused before it spends anything. Optional: without
   * it every call takes its own token.
   */
  withBudget?<T>(
    accountId: string,
    region: string,
    calls: number,
    fn: () => Promise<T>,
    options?: {
      maxWaitMs?: number;
      /** The tokens were already taken (by the sweep's `takeAvailable`): do not acquire. */
      prepaid?: boolean;
    },
  ): Promise<T>;
  /** The account's and region's call budget, when the factory has one. */
  budget?(accountId: string, region: string): CallBudget;
}

/** Tokens reserved for the read running in this async context. */
interface Reservation {
  limiterKey: string;
  remaining: number;
}
const reservations = new AsyncLocalStorage<Reservation>();

export interface DefaultAlbAwsClientFactoryOptions {
  /** Builds clients acting in an account; the plugin takes `awsClientFactoryServiceRef`. */
  awsClients: AwsClientFactory;
  /** Per account and region: in this process, or shared by replicas through Redis. */
  limiters: CallBudgets;
  /** SDK attempts per call (adaptive retry mode). */
  maxAttempts: number;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'finalizeRequest'; priority: 'low'; name: string },
    ): void;
  };
}

/**
 * Takes a token from the account's bucket before every HTTP request, including the SDK's
 * own retries: the retry middleware sits higher in the `finalizeRequest` step, so this runs
 * once per attempt.
 */
function attachLimiter(
  client: MiddlewareClient,
  limiters: CallBudgets,
  accountId: string,
  region: string,
) {
  const limiterKey = `${accountId}/${region}`;
  client.middlewareStack.add(
    next => async args => {
      const reservation = reservations.getStore();
      if (reservation?.limiterKey === limiterKey && reservation.remaining > 0) {
        reservation.remaining--;
      } else {
        await limiters.get(accountId, region).acquire();
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'awsAlbRateLimit' },
  );
}

/**
 * Keeps one pair of clients per account and region, built by the shared AWS client factory
 * (assumed role from `aws.accounts`, one credential memo per account, adaptive retry, user
 * agent) with this plugin's rate limit on every HTTP attempt.
 */
export class DefaultAlbAwsClientFactory implements AlbAwsClientFactory {
  private readonly clients = new Map<string, Promise<AlbAwsClients>>();

  constructor(private readonly options: DefaultAlbAwsClientFactoryOptions) {}

  getClients(accountId: string, region: string): Promise<AlbAwsClients> {
    const key = `${accountId}/${region}`;
    let clients = this.clients.get(key);
    if (!clients) {
      clients = this.create(accountId, region);
      this.clients.set(key, clients);
      clients.catch(() => this.clients.delete(key));
    }
    return clients;
  }

  async withBudget<T>(
    accountId: string,
    region: string,
    calls: number,
    fn: () => Promise<T>,
    options?: { maxWaitMs?: number; prepaid?: boolean },
  ): Promise<T> {
    const limiter = this.options.limiters.get(accountId, region);
    if (!options?.prepaid) await limiter.acquire(calls, options?.maxWaitMs);
    const reservation = {
      limiterKey: `${accountId}/${region}`,
      remaining: calls,
    };
    try {
      return await reservations.run(reservation, fn);
    } finally {
      await limiter.refund(reservation.remaining);
    }
  }

  budget(accountId: string, region: string): CallBudget {
    return this.options.limiters.get(accountId, region);
  }

  private async create(
    accountId: string,
    region: string,
  ): Promise<AlbAwsClients> {
    const target = { accountId, region };
    const clientOptions = { maxAttempts: this.options.maxAttempts };
    const [elbv2, tagging] = await Promise.all([
      this.options.awsClients.client(
        ElasticLoadBalancingV2Client,
        target,
        clientOptions,
      ),
      this.options.awsClients.client(
        ResourceGroupsTaggingAPIClient,
        target,
        clientOptions,
      ),
    ]);
    attachLimiter(
      elbv2 as unknown as MiddlewareClient,
      this.options.limiters,
      accountId,
      region,
    );
    attachLimiter(
      tagging as unknown as MiddlewareClient,
      this.options.limiters,
      accountId,
      region,
    );
    return { elbv2, tagging };
  }
}
