import type { Entity } from '@backstage/catalog-model';
import type {
  AlbLoadBalancer,
  AlbTarget,
  EntityLoadBalancersResponse,
} from '@cross-account-alb/plugin-aws-alb-common';
import type { AwsAlbApi } from '../api';

export const annotatedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'game-2048',
    namespace: 'default',
    annotations: {
      'aws.amazon.com/elbv2-load-balancer-tags':
        'elbv2.k8s.aws/cluster=workload,ingress.k8s.aws/stack=game-2048/ingress-2048',
      'aws.amazon.com/account-id': '111111111111',
      'aws.amazon.com/region': 'us-east-1',
    },
  },
  spec: {
    type: 'service',
    owner: 'user:default/guest',
    lifecycle: 'experimental',
  },
};

export const arnEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'by-arn',
    namespace: 'default',
    annotations: {
      'aws.amazon.com/elbv2-load-balancer-arn':
        'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/gone/0123456789abcdef',
    },
  },
  spec: {
    type: 'service',
    owner: 'user:default/guest',
    lifecycle: 'experimental',
  },
};

export const plainEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'no-alb', namespace: 'default' },
  spec: {
    type: 'service',
    owner: 'user:default/guest',
    lifecycle: 'experimental',
  },
};

const TG_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/k8s-game2048-service2-0123456789/0123456789abcdef';

export function makeLoadBalancer(
  targets: AlbTarget[],
  overrides: Partial<AlbLoadBalancer> = {},
): AlbLoadBalancer {
  return {
    arn: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/k8s-game2048-ingress2-abc/0123456789abcdef',
    name: 'k8s-game2048-ingress2-abc',
    dnsName: 'k8s-game2048-ingress2-abc-123.us-east-1.elb.amazonaws.com',
    scheme: 'internet-facing',
    state: 'active',
    type: 'application',
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: [
      { zoneName: 'us-east-1a', subnetId: 'subnet-0aaaaaaaaaaaaaaaa' },
      { zoneName: 'us-east-1b', subnetId: 'subnet-0bbbbbbbbbbbbbbbb' },
    ],
    securityGroups: ['sg-0123456789abcdef0'],
    accountId: '111111111111',
    region: 'us-east-1',
    consoleUrl:
      'https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#LoadBalancer:loadBalancerArn=x',
    listeners: [
      {
        arn: 'arn:listener/80',
        port: 80,
        protocol: 'HTTP',
        defaultActions: [{ type: 'forward', targetGroupArns: [TG_ARN] }],
      },
    ],
    targetGroups: [
      {
        arn: TG_ARN,
        name: 'k8s-game2048-service2-0123456789',
        protocol: 'HTTP',
        port: 80,
        targetType: 'ip',
        healthCheck: {
          protocol: 'HTTP',
          path: '/healthz',
          intervalSeconds: 15,
          timeoutSeconds: 5,
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
          matcher: '200',
        },
        targets,
        counts: {},
      },
    ],
    ...overrides,
  };
}

export const healthyTargets: AlbTarget[] = [
  {
    id: '10.0.1.10',
    port: 80,
    availabilityZone: 'us-east-1a',
    state: 'healthy',
  },
  {
    id: '10.0.2.20',
    port: 80,
    availabilityZone: 'us-east-1b',
    state: 'healthy',
  },
];

export const mixedTargets: AlbTarget[] = [
  {
    id: '10.0.1.10',
    port: 80,
    availabilityZone: 'us-east-1a',
    state: 'healthy',
  },
  {
    id: '10.0.2.20',
    port: 80,
    availabilityZone: 'us-east-1b',
    state: 'unhealthy',
    reasonCode: 'Target.ResponseCodeMismatch',
    description: 'Health checks failed with these codes: [404]',
  },
];

export function makeResponse(
  loadBalancers: AlbLoadBalancer[],
  overrides: Partial<EntityLoadBalancersResponse> = {},
): EntityLoadBalancersResponse {
  return {
    entityRef: 'component:default/game-2048',
    accountId: '111111111111',
    region: 'us-east-1',
    loadBalancers,
    fetchedAt: '2026-11-26T10:00:00.000Z',
    stale: false,
    ...overrides,
  };
}

/** A Response carrying a Backstage error body, as the backend sends it. */
export function errorResponse(
  statusCode: number,
  name: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(
    JSON.stringify({
      error: { name, message },
      request: {
        method: 'GET',
        url: '/api/aws-alb/v1/entity/default/component/game-2048/load-balancers',
      },
      response: { statusCode },
    }),
    {
      status: statusCode,
      headers: { 'content-type': 'application/json', ...headers },
    },
  );
}

/** A mock API; each test sets what `getEntityLoadBalancers` answers. */
export function mockAwsAlbApi(): jest.Mocked<AwsAlbApi> & {
  getEntityListenerRules: jest.Mock;
  getEntityLoadBalancerSignals: jest.Mock;
  getEntityCertificates: jest.Mock;
} {
  return {
    getEntityLoadBalancers: jest.fn(),
    getEntityListenerRules: jest.fn(),
    getEntityCertificates: jest.fn(),
    // No signals unless a test gives some.
    getEntityLoadBalancerSignals: jest.fn(async (_ref, { range }) => ({
      entityRef: 'component:default/game-2048',
      range,
      periodSeconds: 300,
      fetchedAt: '2026-12-01T07:00:00.000Z',
      loadBalancers: [],
    })),
  };
}
