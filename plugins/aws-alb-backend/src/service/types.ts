import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  EntityCertificatesResponse,
  EntityListenerRulesResponse,
  EntityLoadBalancerSignalsResponse,
  EntityLoadBalancersResponse,
} from '@cross-account-alb/plugin-aws-alb-common';

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

  /**
   * The rules of the entity's listeners; for a load balancer shared by an Ingress group only
   * those of the entity's Ingress. Optional: without it the route answers 404.
   */
  getEntityListenerRules?(options: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
  }): Promise<EntityListenerRulesResponse>;

  /**
   * The ACM certificates of the entity's HTTPS listeners (domain, status, validity, what uses
   * them) and what is wrong with each. Optional: without it the route answers 404.
   */
  getEntityCertificates?(options: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
  }): Promise<EntityCertificatesResponse>;

  /**
   * The golden signals (requests, 5xx, latency, host counts) of the entity's load
   * balancers over `range` (`1h`, `3h` (default), `24h`, `7d`), from CloudWatch. Optional:
   * without it the route answers 404.
   */
  getEntityLoadBalancerSignals?(options: {
    entityRef: string | CompoundEntityRef;
    credentials: BackstageCredentials;
    range?: string;
  }): Promise<EntityLoadBalancerSignalsResponse>;
}
