import { createApiRef } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { EntityLoadBalancersResponse } from '@cross-account-alb/plugin-aws-alb-common';

/**
 * Reads the load balancers of a catalog entity from the `aws-alb` backend.
 *
 * @public
 */
export interface AwsAlbApi {
  /**
   * The ALB(s) the entity's annotations point at, with listeners, target groups and target
   * health. Throws a `ResponseError` for every non-2xx answer, so callers can read the
   * backend's status code and message.
   */
  getEntityLoadBalancers(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<EntityLoadBalancersResponse>;
}

/** @public */
export const awsAlbApiRef = createApiRef<AwsAlbApi>({
  id: 'plugin.aws-alb.service',
});
