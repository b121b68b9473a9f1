/*
 * The tab with CloudWatch answers recorded from the sandbox (src/__fixtures__/signals,
 * written by plugins/aws-alb-backend/src/signals.fixtures.moto.test.ts from the real backend
 * against the sandbox AWS, which also checks they still have today's shape). The real
 * AwsAlbClient reads them through a fetch that answers each recorded status and body.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { configApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import type {
  AlbSignalsRange,
  EntityLoadBalancerSignalsResponse,
} from '@cross-account-alb/plugin-aws-alb-common';
import { AwsAlbClient, awsAlbApiRef } from '../../api';
import {
  annotatedEntity,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
} from '../../__testUtils__/fixtures';
import busy1h from '../../__fixtures__/signals/busy-1h.json';
import busy3h from '../../__fixtures__/signals/busy-3h.json';
import busy24h from '../../__fixtures__/signals/busy-24h.json';
import busy7d from '../../__fixtures__/signals/busy-7d.json';
import newAlb from '../../__fixtures__/signals/new-alb-3h.json';
import denied from '../../__fixtures__/signals/denied-3h.json';
import { AlbContent } from './AlbContent';

type Recording = { status: number; body: unknown };

const BUSY: Record<AlbSignalsRange, Recording> = {
  '1h': busy1h,
  '3h': busy3h,
  '24h': busy24h,
  '7d': busy7d,
};

/** The real client, over a fetch that answers the health and the recorded signals. */
function clientAnswering(signals: (range: string) => Recording) {
  const requested: string[] = [];
  const fetch = jest.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    requested.push(`${url.pathname}${url.search}`);
    if (url.pathname.endsWith('/load-balancers')) {
      return new Response(
        JSON.stringify(makeResponse([makeLoadBalancer(healthyTargets)])),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    }
    if (url.pathname.endsWith('/signals')) {
      const { status, body } = signals(url.searchParams.get('range') ?? '3h');
      return new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    }
    return new Response('{}', { status: 404 });
  });
  const client = new AwsAlbClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage' }),
    fetchApi: { fetch } as any,
  });
  return { client, requested };
}

async function render(client: AwsAlbClient) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [awsAlbApiRef, client],
        [configApiRef, mockApis.config()],
      ]}
    >
      <EntityProvider entity={annotatedEntity}>
        <AlbContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

const lbOf = (recording: Recording) =>
  (recording.body as EntityLoadBalancerSignalsResponse).loadBalancers[0];

describe('golden signals with CloudWatch answers recorded from the sandbox', () => {
  it('draws the charts for each range, with the recorded status and current values', async () => {
    const { client, requested } = clientAnswering(
      range => BUSY[range as AlbSignalsRange],
    );
    await render(client);
    for (const range of ['3h', '1h', '24h', '7d'] as AlbSignalsRange[]) {
      if (range !== '3h') {
        await userEvent.click(screen.getByRole('button', { name: range }));
      }
      const lb = lbOf(BUSY[range]);
      // The status line says what the recorded answer says (its reason, e.g. the 5xx rate).
      expect(await screen.findByText(lb.statusReason!)).toBeInTheDocument();
      const requests = screen.getByTestId('alb-signal-requests');
      expect(
        within(requests).getByText('Requests per period'),
      ).toBeInTheDocument();
      expect(within(requests).queryByText('—')).not.toBeInTheDocument();
      for (const id of [
        'alb-signal-errors',
        'alb-signal-latency',
        'alb-signal-hosts',
      ]) {
        expect(screen.getByTestId(id)).toBeInTheDocument();
      }
      const hosts = screen.getByTestId('alb-signal-hosts');
      const unhealthy = lb.targetGroups[0].unhealthy.current ?? 0;
      const shown =
        unhealthy > 0 ? `${lb.targetGroups[0].name}: ${unhealthy}` : 'none';
      expect(within(hosts).getByText(shown)).toBeInTheDocument();
      expect(requested).toContainEqual(
        `/api/aws-alb/v1/entity/default/Component/game-2048/signals?range=${range}`,
      );
    }
    // The recordings cover a failing target group: red in the short ranges.
    expect(lbOf(BUSY['1h']).status).toBe('degraded');
  });

  it('says "no traffic yet" for a new load balancer without metrics', async () => {
    const { client } = clientAnswering(() => newAlb);
    await render(client);
    expect(await screen.findByText(/No traffic yet/)).toBeInTheDocument();
    expect(lbOf(newAlb).requests.points).toEqual([]);
  });

  it('keeps the health when the CloudWatch read is denied, with a note on the signals', async () => {
    const { client } = clientAnswering(() => denied);
    await render(client);
    await userEvent.click(
      await screen.findByText(/The signals could not be read from CloudWatch/),
    );
    // The backend's reason, naming the role and the action to add, not "Request failed".
    expect(
      await screen.findByText(
        /AWS denied cloudwatch:GetMetricData to role arn:aws:iam::111111111111:role\/backstage-alb-network/,
      ),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent(
        '2 / 2',
      ),
    );
  });
});
