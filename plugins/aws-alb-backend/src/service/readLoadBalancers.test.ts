import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ACCOUNT,
  REGION,
  callCounts,
  healthy,
  lbArn,
  stubAlbs,
  tgArn,
} from '../__testUtils__/fixtures';
import { LoadBalancerLocator } from './locator';
import {
  consoleUrl,
  mapWithConcurrency,
  readLoadBalancers,
} from './readLoadBalancers';

const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);
const taggingMock = mockClient(ResourceGroupsTaggingAPIClient);
const clients = {
  elbv2: new ElasticLoadBalancingV2Client({ region: REGION }),
  tagging: new ResourceGroupsTaggingAPIClient({ region: REGION }),
};
const byTags: LoadBalancerLocator = {
  kind: 'tags',
  tags: [
    { key: 'elbv2.k8s.aws/cluster', value: 'demo' },
    { key: 'ingress.k8s.aws/stack', value: 'game-2048/ingress-2048' },
  ],
  accountId: ACCOUNT,
  region: REGION,
  partition: 'aws',
};
const byArn = (arn: string): LoadBalancerLocator => ({
  kind: 'arn',
  arn,
  accountId: ACCOUNT,
  region: REGION,
  partition: 'aws',
});
const opts = { targetHealthConcurrency: 8 };

// Every documented state with the reason codes AWS pairs with it.
const ALL_STATES: TargetHealthDescription[] = [
  [
    '10.0.0.1',
    'initial',
    'Elb.RegistrationInProgress',
    'Target registration is in progress',
  ],
  [
    '10.0.0.2',
    'initial',
    'Elb.InitialHealthChecking',
    'Initial health checks in progress',
  ],
  ['10.0.0.3', 'healthy', undefined, undefined],
  [
    '10.0.0.4',
    'unhealthy',
    'Target.ResponseCodeMismatch',
    'Health checks failed with these codes: [502]',
  ],
  ['10.0.0.5', 'unhealthy', 'Target.Timeout', 'Request timed out'],
  [
    '10.0.0.6',
    'unhealthy',
    'Target.FailedHealthChecks',
    'Health checks failed',
  ],
  [
    '10.0.0.7',
    'unhealthy',
    'Elb.InternalError',
    'Health checks failed due to an internal error',
  ],
  [
    '10.0.0.8',
    'unused',
    'Target.NotRegistered',
    'Target is not registered to the target group',
  ],
  [
    '10.0.0.9',
    'unused',
    'Target.NotInUse',
    'Target group is not configured to receive traffic from the load balancer',
  ],
  [
    '10.0.0.10',
    'unused',
    'Target.InvalidState',
    'Target is in the stopped state',
  ],
  [
    '10.0.0.11',
    'unused',
    'Target.IpUnusable',
    'The IP address cannot be used as a target, as it is in use by a load balancer',
  ],
  [
    '10.0.0.12',
    'draining',
    'Target.DeregistrationInProgress',
    'Target deregistration is in progress',
  ],
  [
    '10.0.0.13',
    'unhealthy.draining',
    'Target.DeregistrationInProgress',
    'Target deregistration is in progress',
  ],
  [
    '10.0.0.14',
    'unavailable',
    'Target.HealthCheckDisabled',
    'Health checks are disabled',
  ],
].map(([ip, state, reason, description]) => ({
  Target: { Id: ip, Port: 80, AvailabilityZone: 'us-east-1b' },
  TargetHealth: {
    State: state as any,
    Reason: reason as any,
    Description: description,
  },
}));

beforeEach(() => {
  elbv2Mock.reset();
  taggingMock.reset();
});

describe('readLoadBalancers', () => {
  it('maps every target state and reason code, and counts targets by state', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [{ name: 'k8s-game-svc', health: ALL_STATES }],
      },
    ]);
    const [lb] = await readLoadBalancers(clients, byTags, opts);
    const tg = lb.targetGroups[0];
    expect(tg.targets).toHaveLength(14);
    expect(tg.targets.map(t => [t.id, t.state, t.reasonCode])).toEqual(
      ALL_STATES.map(d => [
        d.Target!.Id,
        d.TargetHealth!.State,
        d.TargetHealth!.Reason,
      ]),
    );
    expect(tg.targets[3]).toEqual({
      id: '10.0.0.4',
      port: 80,
      availabilityZone: 'us-east-1b',
      state: 'unhealthy',
      reasonCode: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [502]',
    });
    expect(tg.counts).toEqual({
      initial: 2,
      healthy: 1,
      unhealthy: 4,
      unused: 4,
      draining: 1,
      'unhealthy.draining': 1,
      unavailable: 1,
    });
  });

  it('keeps an unknown future state visible as unavailable with an explanation', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [
          {
            name: 'tg',
            health: [
              {
                Target: { Id: '10.0.0.1' },
                TargetHealth: { State: 'warming' as any },
              },
            ],
          },
        ],
      },
    ]);
    const [lb] = await readLoadBalancers(clients, byTags, opts);
    expect(lb.targetGroups[0].targets[0]).toMatchObject({
      state: 'unavailable',
      description: 'Unrecognised state warming',
    });
  });

  it('returns the whole load balancer shape with listeners, health checks and console URL', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [{ name: 'tg-a', health: [healthy('10.0.0.1')] }],
      },
    ]);
    const [lb] = await readLoadBalancers(clients, byTags, opts);
    expect(lb).toMatchObject({
      arn,
      name: 'k8s-game',
      dnsName: `k8s-game-1234567890.${REGION}.elb.amazonaws.com`,
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
      consoleUrl: `https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#LoadBalancer:loadBalancerArn=${arn}`,
      tags: {
        'elbv2.k8s.aws/cluster': 'demo',
        'ingress.k8s.aws/stack': 'game-2048/ingress-2048',
      },
      listeners: [
        {
          port: 80,
          protocol: 'HTTP',
          defaultActions: [
            { type: 'forward', targetGroupArns: [tgArn('tg-a')] },
          ],
        },
      ],
      targetGroups: [
        {
          arn: tgArn('tg-a'),
          name: 'tg-a',
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
          counts: { healthy: 1 },
        },
      ],
    });
  });

  it('returns every ALB matching the tags, each with its own target groups', async () => {
    const a = lbArn('k8s-a', 'aaaaaaaaaaaaaaaa');
    const b = lbArn('k8s-b', 'bbbbbbbbbbbbbbbb');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn: a,
        name: 'k8s-a',
        targetGroups: [{ name: 'tg-a', health: [healthy('10.0.0.1')] }],
      },
      {
        arn: b,
        name: 'k8s-b',
        targetGroups: [
          { name: 'tg-b1', health: [healthy('10.0.1.1')] },
          { name: 'tg-b2', health: [healthy('10.0.1.2'), healthy('10.0.1.3')] },
        ],
      },
    ]);
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(
      lbs.map(lb => [lb.name, lb.targetGroups.map(tg => tg.name)]),
    ).toEqual([
      ['k8s-a', ['tg-a']],
      ['k8s-b', ['tg-b1', 'tg-b2']],
    ]);
    expect(lbs[1].targetGroups[1].counts).toEqual({ healthy: 2 });
    // One tagging call, one DescribeLoadBalancers for both, per-ALB listeners and groups,
    // one health call per group.
    expect(callCounts(elbv2Mock, taggingMock)).toEqual({
      GetResources: 1,
      DescribeLoadBalancers: 1,
      DescribeListeners: 2,
      DescribeTargetGroups: 2,
      DescribeTargetHealth: 3,
    });
  });

  it('handles an ALB without target groups (fixed-response listener)', async () => {
    const arn = lbArn('k8s-empty');
    stubAlbs(elbv2Mock, taggingMock, [
      { arn, name: 'k8s-empty', targetGroups: [] },
    ]);
    const [lb] = await readLoadBalancers(clients, byTags, opts);
    expect(lb.targetGroups).toEqual([]);
    expect(lb.listeners[0].defaultActions).toEqual([
      {
        type: 'fixed-response',
        fixedResponse: { statusCode: '404', contentType: 'text/plain' },
      },
    ]);
    expect(elbv2Mock.commandCalls(DescribeTargetHealthCommand)).toHaveLength(0);
  });

  it('returns nothing when no ALB has the tags, after one call', async () => {
    taggingMock
      .on(GetResourcesCommand)
      .resolves({ ResourceTagMappingList: [] });
    await expect(readLoadBalancers(clients, byTags, opts)).resolves.toEqual([]);
    expect(callCounts(elbv2Mock, taggingMock)).toEqual({ GetResources: 1 });
    expect(
      taggingMock.commandCalls(GetResourcesCommand)[0].args[0].input,
    ).toEqual({
      ResourceTypeFilters: [
        'elasticloadbalancing:loadbalancer',
        'elasticloadbalancing:targetgroup',
      ],
      TagFilters: [
        { Key: 'elbv2.k8s.aws/cluster', Values: ['demo'] },
        { Key: 'ingress.k8s.aws/stack', Values: ['game-2048/ingress-2048'] },
      ],
      PaginationToken: undefined,
    });
  });

  it('skips the tagging API with the ARN annotation', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
    const lbs = await readLoadBalancers(clients, byArn(arn), opts);
    expect(lbs).toHaveLength(1);
    expect(lbs[0].tags).toBeUndefined();
    expect(taggingMock.calls()).toHaveLength(0);
  });

  it('follows pagination of GetResources, DescribeListeners and DescribeTargetGroups', async () => {
    const a = lbArn('k8s-a', 'aaaaaaaaaaaaaaaa');
    const b = lbArn('k8s-b', 'bbbbbbbbbbbbbbbb');
    stubAlbs(elbv2Mock, taggingMock, [
      { arn: a, name: 'k8s-a', targetGroups: [] },
      { arn: b, name: 'k8s-b', targetGroups: [] },
    ]);
    taggingMock
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [{ ResourceARN: a }],
        PaginationToken: 'p2',
      })
      .resolvesOnce({
        ResourceTagMappingList: [{ ResourceARN: b }],
        PaginationToken: '',
      });
    elbv2Mock
      .on(DescribeListenersCommand, { LoadBalancerArn: a, Marker: undefined })
      .resolves({
        Listeners: [{ ListenerArn: 'l-80', Port: 80, Protocol: 'HTTP' }],
        NextMarker: 'm2',
      });
    elbv2Mock
      .on(DescribeListenersCommand, { LoadBalancerArn: a, Marker: 'm2' })
      .resolves({
        Listeners: [{ ListenerArn: 'l-443', Port: 443, Protocol: 'HTTPS' }],
      });
    elbv2Mock
      .on(DescribeTargetGroupsCommand, {
        LoadBalancerArn: a,
        Marker: undefined,
      })
      .resolves({
        TargetGroups: [
          { TargetGroupArn: tgArn('tg-1'), TargetGroupName: 'tg-1' },
        ],
        NextMarker: 'm2',
      });
    elbv2Mock
      .on(DescribeTargetGroupsCommand, { LoadBalancerArn: a, Marker: 'm2' })
      .resolves({
        TargetGroups: [
          { TargetGroupArn: tgArn('tg-2'), TargetGroupName: 'tg-2' },
        ],
      });
    elbv2Mock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [healthy('10.0.0.9')],
    });
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(lbs.map(lb => lb.name)).toEqual(['k8s-a', 'k8s-b']);
    expect(lbs[0].listeners.map(l => l.port)).toEqual([80, 443]);
    expect(lbs[0].targetGroups.map(tg => tg.name)).toEqual(['tg-1', 'tg-2']);
    expect(
      taggingMock.commandCalls(GetResourcesCommand)[1].args[0].input
        .PaginationToken,
    ).toBe('p2');
  });

  it('describes more than 20 ALBs in batches of 20 ARNs', async () => {
    const albs = Array.from({ length: 25 }, (_, i) => ({
      arn: lbArn(`k8s-${i}`, i.toString(16).padStart(16, '0')),
      name: `k8s-${i}`,
      targetGroups: [],
    }));
    stubAlbs(elbv2Mock, taggingMock, albs);
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(lbs).toHaveLength(25);
    const batches = elbv2Mock
      .commandCalls(DescribeLoadBalancersCommand)
      .map(c => c.args[0].input.LoadBalancerArns!.length);
    expect(batches.sort()).toEqual([20, 5]);
  });

  it('drops an ALB the tagging API still lists but that was just deleted', async () => {
    const a = lbArn('k8s-a', 'aaaaaaaaaaaaaaaa');
    const gone = lbArn('k8s-gone', 'bbbbbbbbbbbbbbbb');
    stubAlbs(elbv2Mock, taggingMock, [
      { arn: a, name: 'k8s-a', targetGroups: [] },
    ]);
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ ResourceARN: a }, { ResourceARN: gone }],
    });
    const notFound = Object.assign(
      new Error('One or more load balancers not found'),
      {
        name: 'LoadBalancerNotFoundException',
      },
    );
    elbv2Mock
      .on(DescribeLoadBalancersCommand, { LoadBalancerArns: [a, gone] })
      .rejects(notFound);
    elbv2Mock
      .on(DescribeLoadBalancersCommand, { LoadBalancerArns: [gone] })
      .rejects(notFound);
    elbv2Mock
      .on(DescribeListenersCommand, { LoadBalancerArn: gone })
      .rejects(notFound);
    elbv2Mock
      .on(DescribeTargetGroupsCommand, { LoadBalancerArn: gone })
      .rejects(notFound);
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(lbs.map(lb => lb.name)).toEqual(['k8s-a']);
  });

  it('labels a failing call with its IAM action', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      { arn, name: 'k8s-game', targetGroups: [{ name: 'tg', health: [] }] },
    ]);
    elbv2Mock
      .on(DescribeTargetHealthCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(
      readLoadBalancers(clients, byArn(arn), opts),
    ).rejects.toMatchObject({
      name: 'AwsCallError',
      action: 'elasticloadbalancing:DescribeTargetHealth',
    });
  });

  it('reads target health in parallel within the concurrency bound', async () => {
    const arn = lbArn('k8s-game');
    const groups = Array.from({ length: 10 }, (_, i) => ({
      name: `tg-${i}`,
      health: [healthy(`10.0.0.${i}`)],
    }));
    stubAlbs(elbv2Mock, taggingMock, [
      { arn, name: 'k8s-game', targetGroups: groups },
    ]);
    let inFlight = 0;
    let peak = 0;
    elbv2Mock.on(DescribeTargetHealthCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise(r => setTimeout(r, 5));
      inFlight--;
      return { TargetHealthDescriptions: [healthy('10.0.0.1')] };
    });
    await readLoadBalancers(clients, byArn(arn), {
      targetHealthConcurrency: 3,
    });
    expect(peak).toBe(3);
    expect(elbv2Mock.commandCalls(DescribeTargetHealthCommand)).toHaveLength(
      10,
    );
  });
});

describe('readLoadBalancers round trips', () => {
  /** Records which calls were in flight together, to count sequential rounds. */
  function trackRounds() {
    const events: string[] = [];
    const slow =
      <T>(name: string, value: () => T) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise(r => setTimeout(r, 10));
        events.push(`end ${name}`);
        return value();
      };
    return { events, slow };
  }

  it('reads the health of tag-found target groups in the same round as the describes', async () => {
    const arn = lbArn('k8s-game');
    const albs = [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [
          { name: 'tg-a', health: [healthy('10.0.0.1')] },
          { name: 'tg-b', health: [healthy('10.0.0.2')] },
        ],
      },
    ];
    stubAlbs(elbv2Mock, taggingMock, albs);
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        {
          ResourceARN: arn,
          Tags: [{ Key: 'elbv2.k8s.aws/cluster', Value: 'demo' }],
        },
        { ResourceARN: tgArn('tg-a') },
        { ResourceARN: tgArn('tg-b') },
        // Tagged like the stack but not attached to the ALB: read, then ignored.
        { ResourceARN: tgArn('tg-orphan') },
      ],
    });
    const { events, slow } = trackRounds();
    elbv2Mock.on(DescribeTargetGroupsCommand).callsFake(
      slow('DescribeTargetGroups', () => ({
        TargetGroups: ['tg-a', 'tg-b'].map(n => ({
          TargetGroupArn: tgArn(n),
          TargetGroupName: n,
        })),
      })),
    );
    elbv2Mock.on(DescribeTargetHealthCommand).callsFake(input => {
      events.push('DescribeTargetHealth');
      return {
        TargetHealthDescriptions: input.TargetGroupArn.includes('orphan')
          ? []
          : [healthy('10.0.0.1')],
      };
    });
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(lbs[0].targetGroups.map(tg => [tg.name, tg.counts])).toEqual([
      ['tg-a', { healthy: 1 }],
      ['tg-b', { healthy: 1 }],
    ]);
    const health = elbv2Mock.commandCalls(DescribeTargetHealthCommand);
    expect(health.map(c => c.args[0].input.TargetGroupArn).sort()).toEqual(
      [tgArn('tg-a'), tgArn('tg-b'), tgArn('tg-orphan')].sort(),
    );
    // All health calls were made before DescribeTargetGroups answered: two rounds in all.
    expect(events).toEqual([
      'start DescribeTargetGroups',
      'DescribeTargetHealth',
      'DescribeTargetHealth',
      'DescribeTargetHealth',
      'end DescribeTargetGroups',
    ]);
    expect(callCounts(elbv2Mock, taggingMock).DescribeTargetHealth).toBe(3);
  });

  it('reads attached groups the tags did not find in one more round', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [
          { name: 'tg-tagged', health: [healthy('10.0.0.1')] },
          { name: 'tg-by-hand', health: [healthy('10.0.0.2')] },
        ],
      },
    ]);
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: arn },
        { ResourceARN: tgArn('tg-tagged') },
      ],
    });
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(lbs[0].targetGroups.map(tg => tg.targets.length)).toEqual([1, 1]);
    expect(
      elbv2Mock
        .commandCalls(DescribeTargetHealthCommand)
        .map(c => c.args[0].input.TargetGroupArn),
    ).toEqual([tgArn('tg-tagged'), tgArn('tg-by-hand')]);
  });

  it('ignores a tag-found group deleted meanwhile, but not an attached one', async () => {
    const arn = lbArn('k8s-game');
    stubAlbs(elbv2Mock, taggingMock, [
      {
        arn,
        name: 'k8s-game',
        targetGroups: [{ name: 'tg', health: [healthy('10.0.0.1')] }],
      },
    ]);
    taggingMock.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: arn },
        { ResourceARN: tgArn('tg-gone') },
      ],
    });
    elbv2Mock
      .on(DescribeTargetHealthCommand, { TargetGroupArn: tgArn('tg-gone') })
      .rejects(
        Object.assign(new Error('gone'), {
          name: 'TargetGroupNotFoundException',
        }),
      );
    const lbs = await readLoadBalancers(clients, byTags, opts);
    expect(lbs[0].targetGroups.map(tg => tg.name)).toEqual(['tg']);
  });
});

describe('mapWithConcurrency', () => {
  it('keeps order', async () => {
    await expect(
      mapWithConcurrency([3, 1, 2], 2, async n => {
        await new Promise(r => setTimeout(r, n));
        return n * 10;
      }),
    ).resolves.toEqual([30, 10, 20]);
  });
});

describe('consoleUrl', () => {
  it('uses the partition console host', () => {
    expect(consoleUrl('arn', 'cn-north-1', 'aws-cn')).toBe(
      'https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1#LoadBalancer:loadBalancerArn=arn',
    );
  });
});
