import { screen } from '@testing-library/react';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  coreExtensionData,
  type ExtensionDefinition,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import type { Entity } from '@backstage/catalog-model';
import plugin, { awsAlbEntityCard, awsAlbEntityContent } from './alpha';
import { awsAlbApiRef } from './api';
import {
  annotatedEntity,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
  mockAwsAlbApi,
  plainEntity,
} from './__testUtils__/fixtures';
import { tabScenarios } from './__testUtils__/scenarios';

async function renderExtension(
  extension: ExtensionDefinition,
  entity: Entity,
  api: ReturnType<typeof mockAwsAlbApi>,
) {
  const tester = createExtensionTester(extension);
  const element = tester.get(coreExtensionData.reactElement);
  return renderInTestApp(
    <EntityProvider entity={entity}>{element}</EntityProvider>,
    {
      apis: [[awsAlbApiRef, api], mockApis.config({ data: {} })],
    },
  );
}

describe('aws-alb plugin (new frontend system)', () => {
  it('is the aws-alb plugin', () => {
    expect(plugin.pluginId).toBe('aws-alb');
    expect(plugin.getExtension('entity-content:aws-alb')).toBeDefined();
    expect(plugin.getExtension('entity-card:aws-alb')).toBeDefined();
    expect(plugin.getExtension('api:aws-alb')).toBeDefined();
  });

  it('adds a "Load balancer" tab at aws-alb, only for annotated entities', () => {
    const tester = createExtensionTester(awsAlbEntityContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('aws-alb');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Load balancer',
    );
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(annotatedEntity)).toBe(true);
    expect(filter(plainEntity)).toBe(false);
  });

  it('adds an overview card, only for annotated entities', () => {
    const tester = createExtensionTester(awsAlbEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(filter(annotatedEntity)).toBe(true);
    expect(filter(plainEntity)).toBe(false);
  });

  describe('tab', () => {
    // The assertions live in the shared scenario.
    // eslint-disable-next-line jest/expect-expect
    it.each(tabScenarios.map(s => [s.name, s] as const))(
      '%s',
      async (_, scenario) => {
        const api = mockAwsAlbApi();
        await scenario.arrange(api);
        await renderExtension(awsAlbEntityContent, scenario.entity, api);
        await scenario.assert();
      },
    );
  });

  it('card shows the healthy count', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)]),
    );
    await renderExtension(awsAlbEntityCard, annotatedEntity, api);
    expect(await screen.findByText('All healthy')).toBeInTheDocument();
    expect(screen.getByText('2 / 2')).toBeInTheDocument();
  });

  describe('on an entity page', () => {
    it('shows the tab and the card for an annotated entity', async () => {
      const api = mockAwsAlbApi();
      api.getEntityLoadBalancers.mockResolvedValue(
        makeResponse([makeLoadBalancer(healthyTargets)]),
      );
      renderTestApp({
        features: [plugin],
        extensions: [createTestEntityPage({ entity: annotatedEntity })],
        apis: [[awsAlbApiRef, api]],
      });
      expect(await screen.findByTestId('alb-healthy-count')).toHaveTextContent(
        '2 / 2',
      );
      expect(screen.getByText('Load balancer')).toBeInTheDocument();
    });

    it('shows neither for an entity without the annotations', async () => {
      const api = mockAwsAlbApi();
      renderTestApp({
        features: [plugin],
        extensions: [createTestEntityPage({ entity: plainEntity })],
        apis: [[awsAlbApiRef, api]],
      });
      expect(
        await screen.findByTestId('empty-entity-page'),
      ).toBeInTheDocument();
      expect(api.getEntityLoadBalancers).not.toHaveBeenCalled();
    });
  });

  it('wires its own API client to discovery and fetch', async () => {
    const fetch = jest.fn(
      async (_input: RequestInfo | URL, _init?: RequestInit) =>
        new Response(
          JSON.stringify(makeResponse([makeLoadBalancer(healthyTargets)])),
          { status: 200, headers: { 'content-type': 'application/json' } },
        ),
    );
    renderTestApp({
      features: [plugin],
      extensions: [createTestEntityPage({ entity: annotatedEntity })],
      apis: [
        mockApis.discovery({ baseUrl: 'http://backstage.test' }),
        mockApis.fetch({ baseImplementation: fetch }),
      ],
    });
    expect(await screen.findByTestId('alb-healthy-count')).toHaveTextContent(
      '2 / 2',
    );
    expect(String(fetch.mock.calls[0][0])).toBe(
      'http://backstage.test/api/aws-alb/v1/entity/default/Component/game-2048/load-balancers',
    );
  });
});
