import { ReactNode } from 'react';
import { ResponseError } from '@backstage/errors';
import { act, renderHook, waitFor } from '@testing-library/react';
import { TestApiProvider } from '@backstage/test-utils';
import { awsAlbApiRef } from '../api';
import {
  errorResponse,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
  mockAwsAlbApi,
} from '../__testUtils__/fixtures';
import { useEntityLoadBalancers } from './useEntityLoadBalancers';

const ref = { namespace: 'default', kind: 'Component', name: 'game-2048' };

function setup(intervalSeconds?: number, firstError?: Error) {
  const api = mockAwsAlbApi();
  api.getEntityLoadBalancers.mockResolvedValue(
    makeResponse([makeLoadBalancer(healthyTargets)]),
  );
  if (firstError) {
    api.getEntityLoadBalancers.mockRejectedValueOnce(firstError);
  }
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[awsAlbApiRef, api]]}>{children}</TestApiProvider>
  );
  const hook = renderHook(() => useEntityLoadBalancers(ref, intervalSeconds), {
    wrapper,
  });
  return { api, hook };
}

describe('useEntityLoadBalancers', () => {
  afterEach(() => jest.useRealTimers());

  it('loads once without an interval', async () => {
    const { api, hook } = setup();
    await waitFor(() => expect(hook.result.current.loading).toBe(false));
    expect(hook.result.current.value?.loadBalancers).toHaveLength(1);
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(1);
  });

  it('refreshes every interval, never faster than every 10 seconds', async () => {
    jest.useFakeTimers();
    const { api } = setup(2);
    await act(async () => {});
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(9_000);
    });
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(1_000);
    });
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(2);
  });

  it('aborts the request when unmounted', async () => {
    const { api, hook } = setup();
    const signal = api.getEntityLoadBalancers.mock.calls[0][1]?.signal;
    hook.unmount();
    expect(signal?.aborted).toBe(true);
  });

  it('retries a throttled request by itself once Retry-After has passed', async () => {
    jest.useFakeTimers();
    const throttled = await ResponseError.fromResponse(
      errorResponse(503, 'ServiceUnavailableError', 'throttled', {
        'Retry-After': '5',
      }),
    );
    const { api, hook } = setup(undefined, throttled);
    await act(async () => {});
    expect(hook.result.current.error).toBe(throttled);
    await act(async () => {
      jest.advanceTimersByTime(4_000);
    });
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(1_000);
    });
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(2);
    expect(hook.result.current.error).toBeUndefined();
    expect(hook.result.current.value?.loadBalancers).toHaveLength(1);
  });
});
