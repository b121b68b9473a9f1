import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { screen, within } from '@testing-library/react';
import type { AwsAlbApi } from '../api';
import {
  annotatedEntity,
  arnEntity,
  errorResponse,
  healthyTargets,
  makeLoadBalancer,
  makeResponse,
  mixedTargets,
  plainEntity,
} from './fixtures';

/**
 * One state of the load balancer tab, run by both the legacy and the new frontend system
 * tests, so the two wirings are held to the same behaviour.
 */
export interface TabScenario {
  name: string;
  entity: Entity;
  arrange(api: jest.Mocked<AwsAlbApi>): Promise<void> | void;
  assert(): Promise<void>;
}

async function rejectWith(
  api: jest.Mocked<AwsAlbApi>,
  status: number,
  name: string,
  message: string,
  headers?: Record<string, string>,
) {
  const error = await ResponseError.fromResponse(
    errorResponse(status, name, message, headers),
  );
  api.getEntityLoadBalancers.mockRejectedValue(error);
}

export const tabScenarios: TabScenario[] = [
  {
    name: 'shows progress while loading',
    entity: annotatedEntity,
    arrange: api => {
      api.getEntityLoadBalancers.mockReturnValue(new Promise(() => {}));
    },
    assert: async () => {
      expect(await screen.findByTestId('progress')).toBeInTheDocument();
    },
  },
  {
    name: 'asks for the annotations with the exact YAML when they are missing',
    entity: plainEntity,
    arrange: () => {},
    assert: async () => {
      expect(
        await screen.findByText(/Missing Annotation/i),
      ).toBeInTheDocument();
      expect(
        screen.getAllByText(/aws\.amazon\.com\/elbv2-load-balancer-tags/)
          .length,
      ).toBeGreaterThan(0);
      expect(
        screen.getAllByText(/elbv2\.k8s\.aws\/cluster=<eks-cluster-name>/)
          .length,
      ).toBeGreaterThan(0);
    },
  },
  {
    name: 'explains that the controller has not created the ALB yet (404)',
    entity: annotatedEntity,
    arrange: api =>
      rejectWith(
        api,
        404,
        'NotFoundError',
        'No load balancer tagged elbv2.k8s.aws/cluster=workload has been created yet by the controller',
      ),
    assert: async () => {
      expect(
        await screen.findByText('The load balancer has not been created yet'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/has been created yet by the controller/),
      ).toBeInTheDocument();
      expect(
        screen.getByText('spec.ingressClassName: alb'),
      ).toBeInTheDocument();
      expect(
        screen.getByText('alb.ingress.kubernetes.io/subnets'),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/deploy\/aws-load-balancer-controller/),
      ).toBeInTheDocument();
    },
  },
  {
    name: 'explains that the controller has not created the ALB yet (empty list)',
    entity: annotatedEntity,
    arrange: api => {
      api.getEntityLoadBalancers.mockResolvedValue(makeResponse([]));
    },
    assert: async () => {
      expect(
        await screen.findByText('The load balancer has not been created yet'),
      ).toBeInTheDocument();
    },
  },
  {
    name: 'says the ALB named by an ARN is gone (404), without blaming the controller',
    entity: arnEntity,
    arrange: api =>
      rejectWith(
        api,
        404,
        'NotFoundError',
        'No load balancer with that ARN exists in account 111111111111 (us-east-1); it may have been deleted',
      ),
    assert: async () => {
      expect(await screen.findByText(/Not found/)).toBeInTheDocument();
      expect(screen.getByText(/it may have been deleted/)).toBeInTheDocument();
      expect(
        screen.queryByText('The load balancer has not been created yet'),
      ).not.toBeInTheDocument();
    },
  },
  {
    name: 'shows the ALB, its listeners and healthy targets',
    entity: annotatedEntity,
    arrange: api => {
      api.getEntityLoadBalancers.mockResolvedValue(
        makeResponse([makeLoadBalancer(healthyTargets)]),
      );
    },
    assert: async () => {
      const dns = await screen.findByRole('link', {
        name: /k8s-game2048-ingress2-abc-123\.us-east-1\.elb\.amazonaws\.com/,
      });
      expect(dns).toHaveAttribute(
        'href',
        'http://k8s-game2048-ingress2-abc-123.us-east-1.elb.amazonaws.com',
      );
      expect(screen.getByTestId('alb-overall-status')).toHaveTextContent(
        'All healthy',
      );
      expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent(
        '2 / 2',
      );
      expect(screen.getByText('10.0.1.10')).toBeInTheDocument();
      expect(screen.getByText('10.0.2.20')).toBeInTheDocument();
      expect(
        screen.getByText('Forward to k8s-game2048-service2-0123456789'),
      ).toBeInTheDocument();
      expect(screen.getByText('internet-facing')).toBeInTheDocument();
      expect(screen.getByText('111111111111')).toBeInTheDocument();
      expect(
        screen.getByText('us-east-1a: subnet-0aaaaaaaaaaaaaaaa'),
      ).toBeInTheDocument();
      expect(screen.getByText('sg-0123456789abcdef0')).toBeInTheDocument();
      expect(
        screen.getByRole('link', { name: /Open in the AWS console/ }),
      ).toHaveAttribute(
        'href',
        expect.stringContaining('console.aws.amazon.com'),
      );
      expect(
        screen.getByText(/HTTP \/healthz, every 15 s/),
      ).toBeInTheDocument();
    },
  },
  {
    name: 'explains why a target is unhealthy',
    entity: annotatedEntity,
    arrange: api => {
      api.getEntityLoadBalancers.mockResolvedValue(
        makeResponse([makeLoadBalancer(mixedTargets)]),
      );
    },
    assert: async () => {
      expect(await screen.findByTestId('alb-overall-status')).toHaveTextContent(
        'Degraded',
      );
      expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent(
        '1 / 2',
      );
      const row = screen.getByText('10.0.2.20').closest('tr')!;
      expect(within(row).getByText('Unhealthy')).toBeInTheDocument();
      expect(
        within(row).getByText('Target.ResponseCodeMismatch'),
      ).toBeInTheDocument();
      expect(
        within(row).getByText(/health-check path answers/),
      ).toBeInTheDocument();
    },
  },
  {
    name: 'warns that the data is stale, with the cause',
    entity: annotatedEntity,
    arrange: api => {
      api.getEntityLoadBalancers.mockResolvedValue(
        makeResponse([makeLoadBalancer(healthyTargets)], {
          stale: true,
          staleReason:
            'ELBv2 throttled the request (Throttling: Rate exceeded)',
        }),
      );
    },
    assert: async () => {
      expect(
        await screen.findByText(/the latest read failed/),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/ELBv2 throttled the request/),
      ).toBeInTheDocument();
      expect(screen.getByTestId('alb-healthy-count')).toHaveTextContent(
        '2 / 2',
      );
    },
  },
  {
    name: 'shows the backend message when the account is not configured (403)',
    entity: annotatedEntity,
    arrange: api =>
      rejectWith(
        api,
        403,
        'NotAllowedError',
        'Account 111111111111 is not in aws.accounts of app-config.yaml; add it with the role to assume',
      ),
    assert: async () => {
      expect(
        await screen.findByText(/Backstage may not read this load balancer/),
      ).toBeInTheDocument();
      expect(
        screen.getByText(/is not in aws.accounts of app-config.yaml/),
      ).toBeInTheDocument();
    },
  },
  {
    name: 'shows the backend message for a bad annotation (400)',
    entity: annotatedEntity,
    arrange: api =>
      rejectWith(
        api,
        400,
        'InputError',
        'aws.amazon.com/region "moon-1" is not a region',
      ),
    assert: async () => {
      expect(
        await screen.findByText(/annotations of this entity are not valid/),
      ).toBeInTheDocument();
      expect(screen.getByText(/"moon-1" is not a region/)).toBeInTheDocument();
    },
  },
  {
    name: 'says when to retry a throttled request (503)',
    entity: annotatedEntity,
    arrange: api =>
      rejectWith(api, 503, 'ServiceUnavailableError', 'ELBv2 is throttling', {
        'Retry-After': '30',
      }),
    assert: async () => {
      expect(
        await screen.findByText(/AWS is throttling requests/),
      ).toBeInTheDocument();
      expect(
        screen.getByText('Retrying by itself in 30 seconds.'),
      ).toBeInTheDocument();
    },
  },
  {
    name: 'shows an error panel for anything else',
    entity: annotatedEntity,
    arrange: api =>
      rejectWith(api, 500, 'Error', 'Something broke in the backend'),
    assert: async () => {
      expect(
        (await screen.findAllByText(/Something broke in the backend/)).length,
      ).toBeGreaterThan(0);
    },
  },
];
