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

  it("shows the AZ column only when ELB names the targets' zones", async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)]),
    );
    const { unmount } = await render(annotatedEntity, api);
    expect(
      await screen.findByRole('columnheader', { name: 'AZ' }),
    ).toBeInTheDocument();
    expect(screen.getAllByText('us-east-1a').length).toBeGreaterThan(0);
    unmount();

    // Pod IPs as the controller registers them: no zone, so no empty column.
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([
        makeLoadBalancer(
          healthyTargets.map(({ availabilityZone: _, ...t }) => t),
        ),
      ]),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByRole('columnheader', { name: 'Target (ID / IP)' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('columnheader', { name: 'AZ' })).toBeNull();
  });

  it('says when the load balancer is shared by an Ingress group, naming the other Ingresses', async () => {
    const api = mockAwsAlbApi();
    const lb = makeLoadBalancer(healthyTargets);
    lb.ingressGroup = {
      ingress: 'cart/cart',
      otherIngresses: ['blog/blog', 'shop/shop'],
    };
    api.getEntityLoadBalancers.mockResolvedValue(makeResponse([lb]));
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(
        "This component's Ingress cart/cart shares the load balancer with blog/blog, shop/shop; only its own target groups are shown.",
      ),
    ).toBeInTheDocument();
  });

  it('reads the listener rules only when asked, and says how many belong to other Ingresses', async () => {
    const api = mockAwsAlbApi();
    const lb = makeLoadBalancer(healthyTargets);
    lb.ingressGroup = { ingress: 'cart/cart', otherIngresses: ['shop/shop'] };
    api.getEntityLoadBalancers.mockResolvedValue(makeResponse([lb]));
    api.getEntityListenerRules.mockResolvedValue({
      entityRef: 'component:default/game-2048',
      fetchedAt: '2026-12-01T07:00:00.000Z',
      listeners: [
        {
          loadBalancerArn: lb.arn,
          listenerArn: 'listener',
          port: 80,
          protocol: 'HTTP',
          otherIngressRules: 1,
          rules: [
            {
              arn: 'rule-1',
              priority: '1',
              isDefault: false,
              conditions: [
                { field: 'host-header', values: ['cart.example.com'] },
                { field: 'path-pattern', values: ['/*'] },
              ],
              actions: [
                {
                  type: 'forward',
                  targetGroupArns: [lb.targetGroups[0].arn],
                },
              ],
            },
            {
              arn: 'default',
              priority: 'default',
              isDefault: true,
              conditions: [],
              actions: [
                {
                  type: 'fixed-response',
                  fixedResponse: { statusCode: '404' },
                },
              ],
            },
          ],
        },
      ],
    });
    await render(annotatedEntity, api);
    const button = await screen.findByRole('button', {
      name: 'Show listener rules',
    });
    expect(api.getEntityListenerRules).not.toHaveBeenCalled();
    await userEvent.click(button);
    const rule = (
      await screen.findByText('host cart.example.com, path /*')
    ).closest('tr')!;
    expect(
      within(rule).getByText(`Forward to ${lb.targetGroups[0].name}`),
    ).toBeInTheDocument();
    expect(screen.getByText('Fixed response 404')).toBeInTheDocument();
    expect(
      screen.getByText("1 rule of the group's other Ingresses not shown"),
    ).toBeInTheDocument();
  });

  it("shows the HTTPS listener's certificate, and warns when it expires within 30 days or is not in use", async () => {
    const api = mockAwsAlbApi();
    const lb = makeLoadBalancer(healthyTargets);
    const certificateArn =
      'arn:aws:acm:us-east-1:111111111111:certificate/0c0ffee0-0000-4000-8000-000000000001';
    lb.listeners = [
      {
        arn: 'arn:listener/80',
        port: 80,
        protocol: 'HTTP',
        defaultActions: [
          {
            type: 'redirect',
            redirect: {
              protocol: 'HTTPS',
              port: '443',
              statusCode: 'HTTP_301',
            },
          },
        ],
      },
      {
        arn: 'arn:listener/443',
        port: 443,
        protocol: 'HTTPS',
        defaultActions: [
          { type: 'forward', targetGroupArns: [lb.targetGroups[0].arn] },
        ],
        certificateArns: [certificateArn],
      },
    ];
    api.getEntityLoadBalancers.mockResolvedValue(makeResponse([lb]));
    api.getEntityCertificates.mockResolvedValue({
      entityRef: 'component:default/game-2048',
      fetchedAt: '2026-12-01T07:00:00.000Z',
      certificates: [
        {
          arn: certificateArn,
          listenerArns: ['arn:listener/443'],
          domainName: 'shop.example.com',
          status: 'ISSUED',
          type: 'AMAZON_ISSUED',
          notAfter: '2026-12-20T00:00:00.000Z',
          inUseBy: [],
          warnings: [
            'expires in 19 days (2026-12-20)',
            'not in use: ACM renews only certificates in use',
          ],
        },
      ],
    });
    await render(annotatedEntity, api);
    const https = (
      await screen.findByText(
        'shop.example.com · ISSUED · valid until 2026-12-20',
      )
    ).closest('tr')!;
    expect(within(https).getByText('443')).toBeInTheDocument();
    expect(
      within(https).getByText('expires in 19 days (2026-12-20)'),
    ).toBeInTheDocument();
    expect(
      within(https).getByText(
        'not in use: ACM renews only certificates in use',
      ),
    ).toBeInTheDocument();
    expect(
      // The warning panel above the listeners (its title is prefixed "Warning: ").
      screen.getByText(
        /Certificate of shop\.example\.com: expires in 19 days \(2026-12-20\); not in use: ACM renews only certificates in use$/,
      ),
    ).toBeInTheDocument();
    expect(api.getEntityCertificates).toHaveBeenCalledTimes(1);
  });

  it('reads no certificates for a load balancer without HTTPS listeners', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)]),
    );
    await render(annotatedEntity, api);
    await screen.findByText('Listeners');
    expect(screen.queryByText('Certificate')).not.toBeInTheDocument();
    expect(api.getEntityCertificates).not.toHaveBeenCalled();
  });

  it('shows the golden signals with their status, and reads another range when picked', async () => {
    const api = mockAwsAlbApi();
    const lb = makeLoadBalancer(healthyTargets);
    api.getEntityLoadBalancers.mockResolvedValue(makeResponse([lb]));
    const points = (values: number[]) => ({
      points: values.map((v, i) => ({
        t: new Date(Date.UTC(2026, 11, 1, 6, i * 5)).toISOString(),
        v,
      })),
      current: values[values.length - 1],
    });
    api.getEntityLoadBalancerSignals.mockImplementation(
      async (_ref, { range }) => ({
        entityRef: 'component:default/game-2048',
        range,
        periodSeconds: 300,
        fetchedAt: '2026-12-01T07:00:00.000Z',
        loadBalancers: [
          {
            loadBalancerArn: lb.arn,
            requests: points([120, 130, 125]),
            elb5xx: points([0, 0, 0]),
            target5xx: points([0, 2, 50]),
            errorRatePercent: points([0, 1.5, 40]),
            p50Seconds: points([0.012, 0.013, 0.4]),
            p99Seconds: points([0.2, 0.25, 8]),
            rejectedConnections: points([0, 0, 0]),
            targetGroups: [
              {
                arn: lb.targetGroups[0].arn,
                name: lb.targetGroups[0].name,
                healthy: points([3, 3, 0]),
                unhealthy: points([0, 0, 3]),
              },
            ],
            status: 'degraded',
            statusReason: '5xx rate 40.0% is at or above 5%',
          },
        ],
      }),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByText('5xx rate 40.0% is at or above 5%'),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('alb-signal-errors')).getByText('40.0 %'),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('alb-signal-latency')).getByText(
        '400 ms / 8000 ms',
      ),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('alb-signal-hosts')).getByText(
        `${lb.targetGroups[0].name}: 3`,
      ),
    ).toBeInTheDocument();
    expect(api.getEntityLoadBalancerSignals).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.objectContaining({ range: '3h' }),
    );
    await userEvent.click(screen.getByRole('button', { name: '24h' }));
    await waitFor(() =>
      expect(api.getEntityLoadBalancerSignals).toHaveBeenLastCalledWith(
        expect.anything(),
        expect.objectContaining({ range: '24h' }),
      ),
    );
  });

  it('keeps the health when CloudWatch cannot be read, with a note on the signals', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)]),
    );
    api.getEntityLoadBalancerSignals.mockRejectedValue(
      new Error('AWS denied cloudwatch:GetMetricData to role x.'),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(/The signals could not be read from CloudWatch/),
    ).toBeInTheDocument();
    expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent('2 / 2');
  });

  it('says "no traffic yet" for a new load balancer without metrics', async () => {
    const api = mockAwsAlbApi();
    const lb = makeLoadBalancer(healthyTargets);
    api.getEntityLoadBalancers.mockResolvedValue(makeResponse([lb]));
    const empty = { points: [] };
    api.getEntityLoadBalancerSignals.mockResolvedValue({
      entityRef: 'component:default/game-2048',
      range: '3h',
      periodSeconds: 300,
      fetchedAt: '2026-12-01T07:00:00.000Z',
      loadBalancers: [
        {
          loadBalancerArn: lb.arn,
          requests: empty,
          elb5xx: empty,
          target5xx: empty,
          errorRatePercent: empty,
          p50Seconds: empty,
          p99Seconds: empty,
          rejectedConnections: empty,
          targetGroups: [],
          status: 'no-traffic',
          statusReason: 'No request in the last 3h',
        },
      ],
    });
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(/No traffic yet: No request in the last 3h/),
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
