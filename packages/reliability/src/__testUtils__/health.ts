/* The aws-alb health backend, started as in production apart from the catalog, over the sandbox. */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { Entity } from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// The suite runs the health backend plugin as a whole, as an app would.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import awsAlbPlugin from '@cross-account-alb/plugin-aws-alb-backend';
import { SandboxNetwork, sandboxAwsConfig } from 'sandbox';
import { NETWORK, REGION, client } from './sandbox';

export function albEntity(
  name: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

/** An entity annotated as the application template annotates it: the controller's tags. */
export function taggedAlbEntity(
  name: string,
  cluster: string,
  stack: string,
  accountId = NETWORK,
): Entity {
  return albEntity(name, {
    'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=${cluster},ingress.k8s.aws/stack=${stack}`,
    'aws.amazon.com/account-id': accountId,
    'aws.amazon.com/region': REGION,
  });
}

export async function startHealthBackend(
  entities: Entity[],
  awsAlb: JsonObject = {},
) {
  const actionsRegistry = actionsRegistryServiceMock();
  return startTestBackend({
    features: [
      awsAlbPlugin,
      catalogServiceMock.factory({ entities }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actionsRegistry,
      }),
      mockServices.rootConfig.factory({
        data: { aws: sandboxAwsConfig(), awsAlb },
      }),
    ],
  });
}

export const healthPath = (name: string) =>
  `/api/aws-alb/v1/entity/default/component/${name}/load-balancers`;

/** What the Load Balancer Controller creates for one Ingress, in Account-A. */
export async function createControllerAlb(
  network: SandboxNetwork,
  options: { name: string; cluster: string; stack: string },
): Promise<string> {
  const elbv2 = await client(ElasticLoadBalancingV2Client, NETWORK);
  const tags = [
    { Key: 'elbv2.k8s.aws/cluster', Value: options.cluster },
    { Key: 'ingress.k8s.aws/stack', Value: options.stack },
  ];
  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: options.name,
      Type: 'application',
      Scheme: 'internet-facing',
      Subnets: network.publicSubnets.map(s => s.subnetId),
      Tags: [
        ...tags,
        { Key: 'ingress.k8s.aws/resource', Value: 'LoadBalancer' },
      ],
    }),
  );
  const arn = lb.LoadBalancers![0].LoadBalancerArn!;
  const tg = await elbv2.send(
    new CreateTargetGroupCommand({
      Name: `${options.name}-tg`.slice(0, 32),
      Protocol: 'HTTP',
      Port: 80,
      VpcId: network.vpcId,
      TargetType: 'ip',
      Tags: tags,
    }),
  );
  const tgArn = tg.TargetGroups![0].TargetGroupArn!;
  await elbv2.send(
    new RegisterTargetsCommand({
      TargetGroupArn: tgArn,
      Targets: [
        { Id: '10.20.10.10', Port: 80 },
        { Id: '10.20.11.10', Port: 80 },
      ],
    }),
  );
  await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: arn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    }),
  );
  return arn;
}
