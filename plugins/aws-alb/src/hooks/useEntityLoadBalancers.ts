import { useCallback, useEffect, useState } from 'react';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { EntityLoadBalancersResponse } from '@cross-account-alb/plugin-aws-alb-common';
import { awsAlbApiRef } from '../api';
import { classifyError } from '../lib/errors';

/**
 * Auto-refresh never polls faster than this: every refresh spends ELBv2 `Describe*` budget in
 * the network account, which the AWS Load Balancer Controller shares.
 */
export const MIN_REFRESH_INTERVAL_SECONDS = 10;

/** A throttled answer is retried once by itself when the backend asks to wait at most this. */
export const MAX_AUTO_RETRY_SECONDS = 60;

/** The interval actually used for a configured one: undefined when auto-refresh is off. */
export function effectiveRefreshInterval(
  intervalSeconds?: number,
): number | undefined {
  return intervalSeconds && intervalSeconds > 0
    ? Math.max(intervalSeconds, MIN_REFRESH_INTERVAL_SECONDS)
    : undefined;
}

export interface LoadBalancersState {
  /** True while a request is in flight (also during a refresh). */
  loading: boolean;
  /** The last good answer; kept while refreshing and when a refresh fails. */
  value?: EntityLoadBalancersResponse;
  /** The error of the last request, if it failed. */
  error?: Error;
  refresh: () => void;
}

/** Loads an entity's load balancers, refreshing on demand and every `intervalSeconds`. */
export function useEntityLoadBalancers(
  entityRef: CompoundEntityRef,
  intervalSeconds?: number,
): LoadBalancersState {
  const api = useApi(awsAlbApiRef);
  const { namespace, kind, name } = entityRef;
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<Omit<LoadBalancersState, 'refresh'>>({
    loading: true,
  });
  const refresh = useCallback(() => setTick(t => t + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    setState(s => ({ ...s, loading: true }));
    api
      .getEntityLoadBalancers(
        { namespace, kind, name },
        { signal: controller.signal },
      )
      .then(
        value => {
          if (!controller.signal.aborted) {
            setState({ loading: false, value });
          }
        },
        error => {
          if (!controller.signal.aborted) {
            setState(s => ({ loading: false, value: s.value, error }));
          }
        },
      );
    return () => controller.abort();
  }, [api, namespace, kind, name, tick]);

  const { error } = state;
  useEffect(() => {
    const wait = error ? classifyError(error).retryAfterSeconds : undefined;
    if (wait === undefined || wait > MAX_AUTO_RETRY_SECONDS) {
      return undefined;
    }
    const id = setTimeout(refresh, Math.max(wait, 1) * 1000);
    return () => clearTimeout(id);
  }, [error, refresh]);

  // A queued answer (never read yet, budget spent) is asked again when it is expected.
  const queuedWait = state.value?.queued?.expectedWaitSeconds;
  const queuedAt = state.value?.fetchedAt;
  useEffect(() => {
    if (queuedWait === undefined) {
      return undefined;
    }
    const wait = Math.min(Math.max(queuedWait, 2), MAX_AUTO_RETRY_SECONDS);
    const id = setTimeout(refresh, wait * 1000);
    return () => clearTimeout(id);
  }, [queuedWait, queuedAt, refresh]);

  useEffect(() => {
    const seconds = effectiveRefreshInterval(intervalSeconds);
    if (!seconds) {
      return undefined;
    }
    const id = setInterval(refresh, seconds * 1000);
    return () => clearInterval(id);
  }, [intervalSeconds, refresh]);

  return { ...state, refresh };
}
