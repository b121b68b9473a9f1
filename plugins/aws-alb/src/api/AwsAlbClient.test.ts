import { ResponseError } from '@backstage/errors';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import {
  errorResponse,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
} from '../__testUtils__/fixtures';
import { AwsAlbClient } from './AwsAlbClient';

describe('AwsAlbClient', () => {
  const discoveryApi: DiscoveryApi = {
    getBaseUrl: jest.fn(async () => 'http://localhost:7007/api/aws-alb'),
  };
  const fetch = jest.fn();
  const fetchApi: FetchApi = { fetch };
  const client = new AwsAlbClient({ discoveryApi, fetchApi });

  beforeEach(() => fetch.mockReset());

  it('asks the backend through fetchApi and returns its answer', async () => {
    const body = makeResponse([makeLoadBalancer(healthyTargets)]);
    fetch.mockResolvedValue(
      new Response(JSON.stringify(body), { status: 200 }),
    );

    await expect(
      client.getEntityLoadBalancers({
        namespace: 'default',
        kind: 'Component',
        name: 'game-2048',
      }),
    ).resolves.toEqual(body);
    expect(discoveryApi.getBaseUrl).toHaveBeenCalledWith('aws-alb');
    expect(fetch).toHaveBeenCalledWith(
      'http://localhost:7007/api/aws-alb/v1/entity/default/Component/game-2048/load-balancers',
      expect.anything(),
    );
  });

  it('encodes each path segment', async () => {
    fetch.mockResolvedValue(
      new Response(JSON.stringify(makeResponse([])), { status: 200 }),
    );
    await client.getEntityLoadBalancers({
      namespace: 'a/b',
      kind: 'Component',
      name: 'x?y#z %',
    });
    expect(fetch.mock.calls[0][0]).toBe(
      'http://localhost:7007/api/aws-alb/v1/entity/a%2Fb/Component/x%3Fy%23z%20%25/load-balancers',
    );
  });

  it('passes the abort signal on', async () => {
    fetch.mockResolvedValue(
      new Response(JSON.stringify(makeResponse([])), { status: 200 }),
    );
    const controller = new AbortController();
    await client.getEntityLoadBalancers(
      { namespace: 'default', kind: 'Component', name: 'a' },
      { signal: controller.signal },
    );
    expect(fetch.mock.calls[0][1]).toMatchObject({ signal: controller.signal });
  });

  it.each([
    [400, 'InputError', 'The annotation aws.amazon.com/region is not a region'],
    [403, 'NotAllowedError', 'Account 111111111111 is not in aws.accounts'],
    [404, 'NotFoundError', 'The controller has not created the ALB yet'],
    [503, 'ServiceUnavailableError', 'ELBv2 is throttling; retry later'],
  ])(
    'turns a %s answer into a ResponseError with the backend message',
    async (status, name, message) => {
      fetch.mockResolvedValue(errorResponse(status, name, message));
      const error = await client
        .getEntityLoadBalancers({
          namespace: 'default',
          kind: 'Component',
          name: 'a',
        })
        .catch(e => e);
      expect(error).toBeInstanceOf(ResponseError);
      expect(error.statusCode).toBe(status);
      expect(error.body.error).toEqual({ name, message });
      expect(error.cause.name).toBe(name);
    },
  );
});
