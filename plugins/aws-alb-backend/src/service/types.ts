import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { EntityLoadBalancersResponse } from '@cross-account-alb/plugin-aws-alb-common';

/**
 * Reads the load balancers of an entity. Replace it by registering another factory for
 * `awsAlbServiceRef`.
 *
 * @public
 */
export interface AwsAlbService {
  /**
   * The entity's load balancers, listeners, target groups and target health.
   * The entity is read with `credentials`, so catalog permissions apply.
   *
   * Throws `InputError` (bad annotations), `NotFoundError` (entity not visible, or no load
   * balancer yet), `NotAllowedError` (account not configured, or AWS access denied) and
   * `ServiceUnavailableError` with `retryAfterSeconds` (throttled with nothing cached).
   */
  getEntityLoadBalancers(options: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
  }): Promise<EntityLoadBalancersResponse>;
}
