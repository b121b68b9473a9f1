import type {
  AlbLoadBalancer,
  AlbTarget,
  AlbTargetGroup,
  EntityLoadBalancersResponse,
  TargetHealthState,
} from './types';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/k8s-game2048-ingress2-0123456789/0123456789abcdef`;
const TG_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/k8s-game2048-service2-0123456789/0123456789abcdef`;

function countTargets(targets: AlbTarget[]): AlbTargetGroup['counts'] {
  const counts: Partial<Record<TargetHealthState, number>> = {};
  for (const t of targets) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

/**
 * A realistic response of `GET /api/aws-alb/v1/entity/:namespace/:kind/:name/load-balancers`
 * for the 2048 sample: one internet-facing ALB, an HTTP listener, one IP target group with
 * a healthy, an unhealthy and a draining target. For frontend tests and storybooks.
 */
export function mockEntityLoadBalancersResponse(
  overrides: Partial<EntityLoadBalancersResponse> = {},
): EntityLoadBalancersResponse {
  const targets: AlbTarget[] = [
    {
      id: '10.20.10.15',
      port: 80,
      availabilityZone: 'us-east-1a',
      state: 'healthy',
    },
    {
      id: '10.20.11.23',
      port: 80,
      availabilityZone: 'us-east-1b',
      state: 'unhealthy',
      reasonCode: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [502]',
    },
    {
      id: '10.20.10.31',
      port: 80,
      availabilityZone: 'us-east-1a',
      state: 'draining',
      reasonCode: 'Target.DeregistrationInProgress',
      description: 'Target deregistration is in progress',
    },
  ];
  const loadBalancer: AlbLoadBalancer = {
    arn: LB_ARN,
    name: 'k8s-game2048-ingress2-0123456789',
    dnsName: `k8s-game2048-ingress2-0123456789-1234567890.${REGION}.elb.amazonaws.com`,
    scheme: 'internet-facing',
    state: 'active',
    type: 'application',
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: [
      { zoneName: 'us-east-1a', subnetId: 'subnet-0123456789abcdef0' },
      { zoneName: 'us-east-1b', subnetId: 'subnet-0123456789abcdef1' },
    ],
    securityGroups: ['sg-0123456789abcdef0'],
    accountId: ACCOUNT,
    region: REGION,
    consoleUrl: `https://${REGION}.console.aws.amazon.com/ec2/home?region=${REGION}#LoadBalancer:loadBalancerArn=${LB_ARN}`,
    tags: {
      'elbv2.k8s.aws/cluster': 'demo',
      'ingress.k8s.aws/stack': 'game-2048/ingress-2048',
      'ingress.k8s.aws/resource': 'LoadBalancer',
    },
    listeners: [
      {
        arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/k8s-game2048-ingress2-0123456789/0123456789abcdef/0123456789abcdef`,
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
          port: 'traffic-port',
          path: '/',
          intervalSeconds: 15,
          timeoutSeconds: 5,
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
          matcher: '200',
          enabled: true,
        },
        targets,
        counts: countTargets(targets),
      },
    ],
  };
  return {
    entityRef: 'component:default/game-2048',
    accountId: ACCOUNT,
    region: REGION,
    loadBalancers: [loadBalancer],
    fetchedAt: '2026-01-01T00:00:00.000Z',
    stale: false,
    ...overrides,
  };
}
