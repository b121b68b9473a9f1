import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';

/**
 * The straightforward implementation the plugin is compared with: the same API calls, one
 * after the other (as the ECS plugin reads its services), no cache, no limiter.
 */
export async function naiveView(
  clients: {
    elbv2: ElasticLoadBalancingV2Client;
    tagging: ResourceGroupsTaggingAPIClient;
  },
  tags: Array<{ key: string; value: string }>,
) {
  const found = await clients.tagging.send(
    new GetResourcesCommand({
      ResourceTypeFilters: ['elasticloadbalancing:loadbalancer'],
      TagFilters: tags.map(t => ({ Key: t.key, Values: [t.value] })),
    }),
  );
  const result = [];
  for (const mapping of found.ResourceTagMappingList ?? []) {
    const arn = mapping.ResourceARN!;
    const lbs = await clients.elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }),
    );
    const listeners = await clients.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: arn }),
    );
    const tgs = await clients.elbv2.send(
      new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }),
    );
    const groups = [];
    for (const tg of tgs.TargetGroups ?? []) {
      const health = await clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
      );
      groups.push({ tg, health: health.TargetHealthDescriptions ?? [] });
    }
    result.push({
      lb: lbs.LoadBalancers?.[0],
      listeners: listeners.Listeners,
      groups,
    });
  }
  return result;
}
