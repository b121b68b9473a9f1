import { screen, waitFor, within } from '@testing-library/react';
import { configApiRef } from '@backstage/core-plugin-api';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  kubernetesApiRef,
  kubernetesAuthProvidersApiRef,
} from '@backstage/plugin-kubernetes-react';
import { awsAlbApiRef } from '../../api';
import {
  annotatedEntity,
  makeLoadBalancer,
  makeResponse,
  mixedTargets,
  mockAwsAlbApi,
} from '../../__testUtils__/fixtures';
import { AlbContent } from './AlbContent';
import { podsByIp } from './TargetPods';

const kubernetesEntity: Entity = {
  ...annotatedEntity,
  metadata: {
    ...annotatedEntity.metadata,
    annotations: {
      ...annotatedEntity.metadata.annotations,
      'backstage.io/kubernetes-id': 'game-2048',
    },
  },
};

/** A pod as the Kubernetes API (core/v1 Pod) returns it, as far as the tab reads it. */
function pod(name: string, ip: string, nodeName: string, phase = 'Running') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'game-2048' },
    spec: { nodeName },
    status: { phase, podIP: ip, podIPs: [{ ip }] },
  };
}

function mockKubernetesApi(answer: () => Promise<{ items: any[] }>): {
  getClusters: jest.Mock;
  getObjectsByEntity: jest.Mock;
} {
  return {
    getClusters: jest.fn(async () => [
      { name: 'sandbox-demo', authProvider: 'aws' },
    ]),
    getObjectsByEntity: jest.fn(answer),
  };
}

const authProviders = {
  decorateRequestBodyForAuth: jest.fn(async (_provider: string, body: any) => ({
    ...body,
    auth: {},
  })),
  getCredentials: jest.fn(async () => ({})),
};

async function render(
  entity: Entity,
  kubernetes?: ReturnType<typeof mockKubernetesApi>,
) {
  const api = mockAwsAlbApi();
  api.getEntityLoadBalancers.mockResolvedValue(
    makeResponse([makeLoadBalancer(mixedTargets)]),
  );
  const apis: any[] = [
    [awsAlbApiRef, api],
    [configApiRef, mockApis.config()],
  ];
  if (kubernetes) {
    apis.push([kubernetesApiRef, kubernetes]);
    apis.push([kubernetesAuthProvidersApiRef, authProviders]);
  }
  await renderInTestApp(
    <TestApiProvider apis={apis}>
      <EntityProvider entity={entity}>
        <AlbContent />
      </EntityProvider>
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
      },
    },
  );
  return api;
}

const targetTable = async () =>
  (await screen.findByText(/Target group k8s-game2048/)).closest(
    'table, [class*="MuiPaper"]',
  ) as HTMLElement;

describe('targets to pods', () => {
  it('names the pod and node behind each IP target and links to the Kubernetes tab', async () => {
    const kubernetes = mockKubernetesApi(async () => ({
      items: [
        {
          cluster: { name: 'sandbox-demo' },
          podMetrics: [],
          errors: [],
          resources: [
            {
              type: 'pods',
              resources: [
                pod(
                  'game-2048-6d4c8b7f9-abcde',
                  '10.0.1.10',
                  'ip-10-0-1-5.ec2.internal',
                ),
                // A finished pod whose IP another pod has since taken is not named.
                pod(
                  'game-2048-old-zzzzz',
                  '10.0.1.10',
                  'ip-10-0-1-5.ec2.internal',
                  'Failed',
                ),
              ],
            },
            { type: 'services', resources: [] },
          ],
        },
      ],
    }));
    await render(kubernetesEntity, kubernetes);
    const table = await targetTable();
    expect(within(table).getByText('Pod')).toBeInTheDocument();
    expect(within(table).getByText('Node')).toBeInTheDocument();
    const link = await within(table).findByRole('link', {
      name: 'game-2048/game-2048-6d4c8b7f9-abcde',
    });
    expect(link).toHaveAttribute(
      'href',
      '/catalog/default/component/game-2048/kubernetes',
    );
    expect(
      within(table).getByText('ip-10-0-1-5.ec2.internal'),
    ).toBeInTheDocument();
    expect(within(table).queryByText(/game-2048-old/)).not.toBeInTheDocument();
    // 10.0.2.20 is a target no pod of this component has.
    expect(
      within(table).getByText('no pod of this component has this IP'),
    ).toBeInTheDocument();
    expect(kubernetes.getObjectsByEntity).toHaveBeenCalledWith({
      auth: {},
      entity: kubernetesEntity,
    });
  });

  it('shows the table as before when the portal has no Kubernetes plugin', async () => {
    await render(kubernetesEntity);
    const table = await targetTable();
    expect(within(table).getByText('10.0.1.10')).toBeInTheDocument();
    expect(within(table).queryByText('Pod')).not.toBeInTheDocument();
    expect(within(table).queryByText('Node')).not.toBeInTheDocument();
  });

  it('shows the table as before when no cluster has objects of the entity', async () => {
    const kubernetes = mockKubernetesApi(async () => ({ items: [] }));
    await render(kubernetesEntity, kubernetes);
    await waitFor(() =>
      expect(kubernetes.getObjectsByEntity).toHaveBeenCalled(),
    );
    const table = await targetTable();
    expect(within(table).getByText('10.0.1.10')).toBeInTheDocument();
    await waitFor(() =>
      expect(within(table).queryByText('Pod')).not.toBeInTheDocument(),
    );
  });

  it('does not ask Kubernetes for an entity without its annotations', async () => {
    const kubernetes = mockKubernetesApi(async () => ({ items: [] }));
    await render(annotatedEntity, kubernetes);
    const table = await targetTable();
    expect(within(table).getByText('10.0.1.10')).toBeInTheDocument();
    expect(within(table).queryByText('Pod')).not.toBeInTheDocument();
    expect(kubernetes.getObjectsByEntity).not.toHaveBeenCalled();
  });

  it('keeps the targets and says why when Kubernetes cannot be read', async () => {
    const kubernetes = mockKubernetesApi(async () => {
      throw new Error('Request failed with 503 Service Unavailable');
    });
    await render(kubernetesEntity, kubernetes);
    expect(
      await screen.findByText(
        /The pods behind the targets could not be read from Kubernetes/,
      ),
    ).toBeInTheDocument();
    const table = await targetTable();
    expect(within(table).getByText('10.0.1.10')).toBeInTheDocument();
    await waitFor(() =>
      expect(within(table).getAllByText('—').length).toBeGreaterThan(0),
    );
  });
});

describe('podsByIp', () => {
  it('indexes every IP of a pod, across clusters', () => {
    const byIp = podsByIp([
      {
        cluster: { name: 'a' },
        resources: [
          {
            type: 'pods',
            resources: [
              {
                metadata: { name: 'dual', namespace: 'ns' },
                spec: { nodeName: 'n1' },
                status: {
                  phase: 'Running',
                  podIP: '10.0.0.1',
                  podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }],
                },
              },
            ],
          },
        ],
      },
      {
        cluster: { name: 'b' },
        resources: [
          {
            type: 'pods',
            resources: [
              {
                metadata: { name: 'other', namespace: 'ns' },
                status: { phase: 'Pending', podIP: '10.0.0.1' },
              },
            ],
          },
          { type: 'services', resources: [{ metadata: { name: 'svc' } }] },
        ],
      },
    ]);
    expect(byIp.get('fd00::1')?.map(p => p.name)).toEqual(['dual']);
    expect(byIp.get('10.0.0.1')?.map(p => `${p.cluster}/${p.name}`)).toEqual([
      'a/dual',
      'b/other',
    ]);
    expect(byIp.size).toBe(2);
  });
});
