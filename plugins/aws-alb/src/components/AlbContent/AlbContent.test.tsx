import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { configApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import type { Entity } from '@backstage/catalog-model';
import { mockEntityLoadBalancersResponse } from '@cross-account-alb/plugin-aws-alb-common';
import { awsAlbApiRef } from '../../api';
import {
  annotatedEntity,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
  mockAwsAlbApi,
} from '../../__testUtils__/fixtures';
import { tabScenarios } from '../../__testUtils__/scenarios';
import { AlbContent } from './AlbContent';

function render(
  entity: Entity,
  api: ReturnType<typeof mockAwsAlbApi>,
  config: object = {},
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [awsAlbApiRef, api],
        [configApiRef, mockApis.config({ data: config })],
      ]}
    >
      <EntityProvider entity={entity}>
        <AlbContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('AlbContent (legacy frontend system)', () => {
  // The assertions live in the shared scenario.
  // eslint-disable-next-line jest/expect-expect
  it.each(tabScenarios.map(s => [s.name, s] as const))(
    '%s',
    async (_, scenario) => {
      const api = mockAwsAlbApi();
      await scenario.arrange(api);
      await render(scenario.entity, api);
      await scenario.assert();
    },
  );

  it('asks for account and region when only the tags are set', async () => {
    const api = mockAwsAlbApi();
    await render(
      {
        ...annotatedEntity,
        metadata: {
          name: 'half',
          annotations: { 'aws.amazon.com/elbv2-load-balancer-tags': 'a=b' },
        },
      },
      api,
    );
    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(
      screen.getAllByText(/aws\.amazon\.com\/account-id/).length,
    ).toBeGreaterThan(0);
    expect(api.getEntityLoadBalancers).not.toHaveBeenCalled();
  });

  it('asks the API for this entity and reloads on refresh', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)]),
    );
    await render(annotatedEntity, api);
    await screen.findByTestId('alb-healthy-count');
    expect(api.getEntityLoadBalancers).toHaveBeenCalledWith(
      { namespace: 'default', kind: 'Component', name: 'game-2048' },
      expect.anything(),
    );

    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer([healthyTargets[0]])]),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() =>
      expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent(
        '1 / 1',
      ),
    );
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(2);
  });

  it('keeps the last data and shows the error when a refresh fails', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValueOnce(
      makeResponse([makeLoadBalancer(healthyTargets)]),
    );
    await render(annotatedEntity, api);
    await screen.findByTestId('alb-healthy-count');
    api.getEntityLoadBalancers.mockRejectedValueOnce(new Error('Network down'));
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect((await screen.findAllByText(/Network down/)).length).toBeGreaterThan(
      0,
    );
    expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent('2 / 2');
  });

  it.each([
    [60, 'Refreshes every 60 s'],
    [2, 'Refreshes every 10 s'],
  ])(
    'shows the auto-refresh interval from config (%s s)',
    async (configured, shown) => {
      const api = mockAwsAlbApi();
      api.getEntityLoadBalancers.mockResolvedValue(
        makeResponse([makeLoadBalancer(healthyTargets)]),
      );
      await render(annotatedEntity, api, {
        awsAlb: { frontend: { refreshIntervalSeconds: configured } },
      });
      expect(await screen.findByText(shown)).toBeInTheDocument();
    },
  );

  it('warns that instance targets cannot work across accounts', async () => {
    const api = mockAwsAlbApi();
    const lb = makeLoadBalancer(healthyTargets);
    lb.targetGroups[0].targetType = 'instance';
    api.getEntityLoadBalancers.mockResolvedValue(makeResponse([lb]));
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(/Instance targets do not work across accounts/),
    ).toBeInTheDocument();
  });

  it('renders the shared contract mock of the -common package', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      mockEntityLoadBalancersResponse(),
    );
    await render(annotatedEntity, api);
    expect(await screen.findByTestId('alb-healthy-count')).toHaveTextContent(
      '1 / 2',
    );
    expect(
      screen.getByText(/1 target is being deregistered and not counted/),
    ).toBeInTheDocument();
    const draining = screen.getByText('10.20.10.31').closest('tr')!;
    expect(within(draining).getByText('Draining')).toBeInTheDocument();
    expect(
      within(draining).getByText('Target.DeregistrationInProgress'),
    ).toBeInTheDocument();
  });

  it('shows a queued answer with its expected wait, then the data when it comes', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers
      .mockResolvedValueOnce(
        makeResponse([], { queued: { expectedWaitSeconds: 2 } }),
      )
      .mockResolvedValue(
        makeResponse([makeLoadBalancer(healthyTargets)], {
          ageSeconds: 85,
        }),
      );
    await render(annotatedEntity, api);
    expect(await screen.findByText('Queued')).toBeInTheDocument();
    expect(screen.getByText(/expected in about 2 s/)).toBeInTheDocument();
    expect(
      screen.queryByText(/has not been created yet/),
    ).not.toBeInTheDocument();
    // Asked again by itself once the expected wait has passed.
    expect(
      await screen.findByText('read 85 s ago', {}, { timeout: 4000 }),
    ).toBeInTheDocument();
    expect(api.getEntityLoadBalancers).toHaveBeenCalledTimes(2);
  });

  it('says when the listeners are not read yet', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)], {
        listenersPending: true,
      }),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(/Listeners not read yet/),
    ).toBeInTheDocument();
  });
});
