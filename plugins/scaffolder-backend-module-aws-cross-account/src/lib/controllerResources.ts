import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  LBC_TAG_CLUSTER,
  LBC_TAG_STACK,
} from '@cross-account-alb/plugin-aws-alb-common';
import { call, ScopeBase } from './action';

/**
 * What the Load Balancer Controller made for a cluster (tag `elbv2.k8s.aws/cluster`, and
 * `ingress.k8s.aws/stack` when a stack is given), of the given resource types, every page of
 * `tag:GetResources`.
 */
export async function findControllerResources(
  tagging: ResourceGroupsTaggingAPIClient,
  scope: ScopeBase,
  filter: { clusterName: string; stack?: string },
  resourceTypes: string[],
): Promise<ResourceTagMapping[]> {
  const tagFilters = [{ Key: LBC_TAG_CLUSTER, Values: [filter.clusterName] }];
  if (filter.stack)
    tagFilters.push({ Key: LBC_TAG_STACK, Values: [filter.stack] });
  const mappings: ResourceTagMapping[] = [];
  let token: string | undefined;
  do {
    const request = new GetResourcesCommand({
      ResourceTypeFilters: resourceTypes,
      TagFilters: tagFilters,
      PaginationToken: token,
    });
    const page = await call(scope, 'tag:GetResources', () =>
      tagging.send(request),
    );
    mappings.push(...(page.ResourceTagMappingList ?? []));
    token = page.PaginationToken || undefined;
  } while (token);
  return mappings.filter(m => m.ResourceARN);
}
