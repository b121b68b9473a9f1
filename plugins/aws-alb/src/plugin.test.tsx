import { Route, Routes } from 'react-router-dom';
import { screen } from '@testing-library/react';
import { configApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { awsAlbApiRef } from './api';
import {
  annotatedEntity,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
  mockAwsAlbApi,
} from './__testUtils__/fixtures';
import { EntityAlbCard, EntityAlbContent, awsAlbPlugin } from './plugin';

function apiWithHealthyAlb() {
  const api = mockAwsAlbApi();
  api.getEntityLoadBalancers.mockResolvedValue(
    makeResponse([makeLoadBalancer(healthyTargets)]),
  );
  return api;
}

describe('awsAlbPlugin (legacy frontend system)', () => {
  it('is the aws-alb plugin and provides its API', () => {
    expect(awsAlbPlugin.getId()).toBe('aws-alb');
    expect([...awsAlbPlugin.getApis()].map(factory => factory.api.id)).toEqual([
      awsAlbApiRef.id,
    ]);
  });

  it('renders EntityAlbContent as a routable extension', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [awsAlbApiRef, apiWithHealthyAlb()],
          [configApiRef, mockApis.config()],
        ]}
      >
        <EntityProvider entity={annotatedEntity}>
          <Routes>
            <Route path="/aws-alb" element={<EntityAlbContent />} />
          </Routes>
        </EntityProvider>
      </TestApiProvider>,
      { routeEntries: ['/aws-alb'] },
    );
    expect(await screen.findByTestId('alb-healthy-count')).toHaveTextContent(
      '2 / 2',
    );
  });

  it('renders EntityAlbCard', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[awsAlbApiRef, apiWithHealthyAlb()]]}>
        <EntityProvider entity={annotatedEntity}>
          <EntityAlbCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText('All healthy')).toBeInTheDocument();
  });
});
