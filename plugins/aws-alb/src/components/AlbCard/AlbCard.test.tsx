import { screen } from '@testing-library/react';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import type { Entity } from '@backstage/catalog-model';
import { awsAlbApiRef } from '../../api';
import {
  annotatedEntity,
  errorResponse,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
  mixedTargets,
  mockAwsAlbApi,
  plainEntity,
} from '../../__testUtils__/fixtures';
import { AlbCard } from './AlbCard';

function render(entity: Entity, api: ReturnType<typeof mockAwsAlbApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[awsAlbApiRef, api]]}>
      <EntityProvider entity={entity}>
        <AlbCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('AlbCard (legacy frontend system)', () => {
  it('shows status, healthy count and the DNS link', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(mixedTargets)]),
    );
    await render(annotatedEntity, api);
    expect(await screen.findByText('Degraded')).toBeInTheDocument();
    expect(screen.getByText('1 / 2')).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /elb\.amazonaws\.com/ }),
    ).toHaveAttribute(
      'href',
      'http://k8s-game2048-ingress2-abc-123.us-east-1.elb.amazonaws.com',
    );
  });

  it('says when the data is stale', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockResolvedValue(
      makeResponse([makeLoadBalancer(healthyTargets)], {
        stale: true,
        staleReason: 'AccessDenied on DescribeTargetHealth',
      }),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(/AccessDenied on DescribeTargetHealth/),
    ).toBeInTheDocument();
    expect(screen.getByText('All healthy')).toBeInTheDocument();
  });

  it('says the ALB is not created yet on a 404', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockRejectedValue(
      await ResponseError.fromResponse(
        errorResponse(404, 'NotFoundError', 'not created yet'),
      ),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByText(/has not been created yet/),
    ).toBeInTheDocument();
  });

  it('shows the backend message of other errors', async () => {
    const api = mockAwsAlbApi();
    api.getEntityLoadBalancers.mockRejectedValue(
      await ResponseError.fromResponse(
        errorResponse(
          403,
          'NotAllowedError',
          'Account 111111111111 is not configured',
        ),
      ),
    );
    await render(annotatedEntity, api);
    expect(
      await screen.findByText('Account 111111111111 is not configured'),
    ).toBeInTheDocument();
  });

  it('names the missing annotations without calling the backend', async () => {
    const api = mockAwsAlbApi();
    await render(plainEntity, api);
    expect(
      await screen.findByText(/aws\.amazon\.com\/elbv2-load-balancer-tags/),
    ).toBeInTheDocument();
    expect(api.getEntityLoadBalancers).not.toHaveBeenCalled();
  });
});
