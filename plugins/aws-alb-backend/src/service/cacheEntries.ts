import { AlbLoadBalancer } from '@cross-account-alb/plugin-aws-alb-common';
import { LoadBalancerLocator, locatorCacheKey } from './locator';

/** What is stored in the cache for one locator. */
export interface CacheEntry {
  v: 1;
  fetchedAt: string;
  loadBalancers: AlbLoadBalancer[];
  /**
   * When the listeners were read. Absent in entries the sweep wrote before it read them:
   * after a cold start health comes first, listeners (which change rarely) follow.
   * Entries written by a single read carry `fetchedAt` here.
   */
  listenersFetchedAt?: string;
}

/** The cache key of a locator's answer; two entities on one ALB share it. */
export const entryKey = (locator: LoadBalancerLocator) =>
  `v1:${locatorCacheKey(locator)}`;

/** Set by a view that found no fresh answer: the sweep reads these entities first. */
export const wantKey = (key: string) => `want:${key}`;

/** What the sweep last reported, for the expected wait of a queued answer. */
export const SWEEP_STATUS_KEY = 'sweep:status';

export interface SweepStatus {
  at: string;
  /** Entities never read yet, and of those the ones someone asked for. */
  neverRead: number;
  wantedNeverRead: number;
  /** AWS calls per entity refreshed, measured over the last run. */
  callsPerEntity: number;
  /** Calls per second the sweep spent over its last run. */
  callsPerSecond: number;
}
