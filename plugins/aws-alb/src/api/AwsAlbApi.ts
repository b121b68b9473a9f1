import { createApiRef } from '@backstage/core-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  AlbSignalsRange,
  EntityCertificatesResponse,
  EntityListenerRulesResponse,
  EntityLoadBalancerSignalsResponse,
  EntityLoadBalancersResponse,
} from '@cross-account-alb/plugin-aws-alb-common';

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

  /**
   * The rules of the entity's listeners (conditions and actions), read when asked for; on a
   * load balancer shared by an Ingress group only the rules of the entity's own Ingress.
   * Optional so that older implementations keep working; the tab then offers no rules.
   */
  getEntityListenerRules?(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<EntityListenerRulesResponse>;

  /**
   * The ACM certificates of the entity's HTTPS listeners (domain, status, end of validity,
   * what uses them) with what is wrong with each. Optional: without it the listeners card
   * shows only the certificates' ARNs.
   */
  getEntityCertificates?(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<EntityCertificatesResponse>;

  /**
   * The golden signals of the entity's load balancers from CloudWatch over a range.
   * Optional: without it the tab shows no signals.
   */
  getEntityLoadBalancerSignals?(
    entityRef: CompoundEntityRef,
    options: { range: AlbSignalsRange; signal?: AbortSignal },
  ): Promise<EntityLoadBalancerSignalsResponse>;
}

/** @public */
export const awsAlbApiRef = createApiRef<AwsAlbApi>({
  id: 'plugin.aws-alb.service',
});
