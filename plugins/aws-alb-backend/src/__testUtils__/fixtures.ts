import {
  CacheService,
  CacheServiceSetOptions,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { JsonValue } from '@backstage/types';
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
import { AwsClientStub } from 'aws-sdk-client-mock';
import { AlbAwsClientFactory } from '../service/clients';
import { AwsAlbSettings } from '../service/DefaultAwsAlbService';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/backstage-alb-network`;

export const lbArn = (name: string, id = '0123456789abcdef') =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/${name}/${id}`;
export const tgArn = (name: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`;
export const listenerArn = (lb: string, port: number) =>
  `${lb.replace(':loadbalancer/', ':listener/')}/${port
    .toString(16)
    .padStart(16, '0')}`;

export const TAGS_ANNOTATION =
  'elbv2.k8s.aws/cluster=demo,ingress.k8s.aws/stack=game-2048/ingress-2048';

export function entity(
  annotations: Record<string, string>,
  name = 'game-2048',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'experimental', owner: 'team-a' },
  };
}

export const taggedEntity = (name = 'game-2048') =>
  entity(
    {
      'aws.amazon.com/elbv2-load-balancer-tags': TAGS_ANNOTATION,
      'aws.amazon.com/account-id': ACCOUNT,
      'aws.amazon.com/region': REGION,
    },
    name,
  );
export const arnEntity = (arn = lbArn('k8s-game')) =>
  entity({ 'aws.amazon.com/elbv2-load-balancer-arn': arn }, 'game-arn');

export function settings(
  overrides: Partial<AwsAlbSettings> = {},
): AwsAlbSettings {
  return {
    allowedAccountIds: [ACCOUNT],
    allowListConfigKey: 'aws.accounts',
    roleArns: { [ACCOUNT]: ROLE_ARN },
    cacheTtlMs: 15_000,
    staleTtlMs: 600_000,
    rulesTtlMs: 300_000,
    targetHealthConcurrency: 8,
    rateLimit: { callsPerSecond: 4, burst: 8, maxWaitMs: 2000 },
    maxAttempts: 1,
    sharedCache: false,
    ...overrides,
  };
}

/** Real SDK clients; tests stub them with `mockClient(Class)`, which covers every instance. */
export const plainClientFactory: AlbAwsClientFactory = {
  async getClients(_accountId, region) {
    return {
      elbv2: new ElasticLoadBalancingV2Client({ region }),
      tagging: new ResourceGroupsTaggingAPIClient({ region }),
    };
  },
};

/** An in-memory CacheService honouring TTLs against an injectable clock. */
export class MemoryCache implements CacheService {
  readonly store = new Map<string, { value: JsonValue; expires: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  async get<T extends JsonValue>(key: string): Promise<T | undefined> {
    const hit = this.store.get(key);
    if (!hit || hit.expires <= this.now()) return undefined;
    return JSON.parse(JSON.stringify(hit.value)) as T;
  }
  async set(key: string, value: JsonValue, options?: CacheServiceSetOptions) {
    const ttl = typeof options?.ttl === 'number' ? options.ttl : 60_000;
    this.store.set(key, { value, expires: this.now() + ttl });
  }
  async delete(key: string) {
    this.store.delete(key);
  }
  withOptions(): CacheService {
    return this;
  }
}

/** One ALB with listeners and target groups, as ELBv2 describes it. */
export interface FakeAlb {
  arn: string;
  name: string;
  targetGroups: Array<{ name: string; health: TargetHealthDescription[] }>;
}

export function healthy(ip: string, port = 80): TargetHealthDescription {
  return {
    Target: { Id: ip, Port: port, AvailabilityZone: 'us-east-1a' },
    TargetHealth: { State: 'healthy' },
  };
}

/** Wires both stubs to answer for the given ALBs (found by tags). */
export function stubAlbs(
  elbv2: AwsClientStub<ElasticLoadBalancingV2Client>,
  tagging: AwsClientStub<ResourceGroupsTaggingAPIClient>,
  albs: FakeAlb[],
) {
  tagging.on(GetResourcesCommand).resolves({
    ResourceTagMappingList: albs.map(a => ({
      ResourceARN: a.arn,
      Tags: [
        { Key: 'elbv2.k8s.aws/cluster', Value: 'demo' },
        { Key: 'ingress.k8s.aws/stack', Value: 'game-2048/ingress-2048' },
      ],
    })),
  });
  elbv2.on(DescribeLoadBalancersCommand).callsFake(input => ({
    LoadBalancers: albs
      .filter(a => (input.LoadBalancerArns ?? []).includes(a.arn))
      .map(a => ({
        LoadBalancerArn: a.arn,
        LoadBalancerName: a.name,
        DNSName: `${a.name}-1234567890.${REGION}.elb.amazonaws.com`,
        Scheme: 'internet-facing',
        State: { Code: 'active' },
        Type: 'application',
        VpcId: 'vpc-0123456789abcdef0',
        AvailabilityZones: [
          { ZoneName: 'us-east-1a', SubnetId: 'subnet-0123456789abcdef0' },
          { ZoneName: 'us-east-1b', SubnetId: 'subnet-0123456789abcdef1' },
        ],
        SecurityGroups: ['sg-0123456789abcdef0'],
      })),
  }));
  elbv2.on(DescribeListenersCommand).callsFake(input => {
    const alb = albs.find(a => a.arn === input.LoadBalancerArn);
    return {
      Listeners: alb
        ? [
            {
              ListenerArn: listenerArn(alb.arn, 80),
              LoadBalancerArn: alb.arn,
              Port: 80,
              Protocol: 'HTTP',
              DefaultActions: alb.targetGroups.length
                ? [
                    {
                      Type: 'forward',
                      TargetGroupArn: tgArn(alb.targetGroups[0].name),
                    },
                  ]
                : [
                    {
                      Type: 'fixed-response',
                      FixedResponseConfig: {
                        StatusCode: '404',
                        ContentType: 'text/plain',
                      },
                    },
                  ],
            },
          ]
        : [],
    };
  });
  elbv2.on(DescribeTargetGroupsCommand).callsFake(input => {
    const alb = albs.find(a => a.arn === input.LoadBalancerArn);
    return {
      TargetGroups: (alb?.targetGroups ?? []).map(tg => ({
        TargetGroupArn: tgArn(tg.name),
        TargetGroupName: tg.name,
        Protocol: 'HTTP',
        Port: 80,
        TargetType: 'ip',
        HealthCheckProtocol: 'HTTP',
        HealthCheckPort: 'traffic-port',
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: 15,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        HealthCheckEnabled: true,
        Matcher: { HttpCode: '200' },
        LoadBalancerArns: [alb!.arn],
      })),
    };
  });
  elbv2.on(DescribeTargetHealthCommand).callsFake(input => {
    const tg = albs
      .flatMap(a => a.targetGroups)
      .find(t => tgArn(t.name) === input.TargetGroupArn);
    return { TargetHealthDescriptions: tg?.health ?? [] };
  });
}

/** Counts every call the stubs received, by command name. */
export function callCounts(
  ...stubs: Array<
    | AwsClientStub<ElasticLoadBalancingV2Client>
    | AwsClientStub<ResourceGroupsTaggingAPIClient>
  >
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const stub of stubs) {
    for (const call of stub.calls()) {
      const name = (
        call.args[0] as { constructor: { name: string } }
      ).constructor.name.replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}
