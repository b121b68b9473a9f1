import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  AlbSignalsRange,
  EntityCertificatesResponse,
  EntityListenerRulesResponse,
  EntityLoadBalancerSignalsResponse,
  EntityLoadBalancersResponse,
} from '@cross-account-alb/plugin-aws-alb-common';
import type { AwsAlbApi } from './AwsAlbApi';

/**
 * Default {@link AwsAlbApi}: calls the `aws-alb` backend through the app's `fetchApi`, which
 * adds the signed-in user's token, so the backend reads the entity with the user's own
 * catalog permissions.
 *
 * @public
 */
export class AwsAlbClient implements AwsAlbApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getEntityLoadBalancers(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<EntityLoadBalancersResponse> {
    return this.get<EntityLoadBalancersResponse>(
      entityRef,
      'load-balancers',
      options,
    );
  }

  async getEntityListenerRules(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<EntityListenerRulesResponse> {
    return this.get<EntityListenerRulesResponse>(
      entityRef,
      'listener-rules',
      options,
    );
  }

  async getEntityCertificates(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<EntityCertificatesResponse> {
    return this.get<EntityCertificatesResponse>(
      entityRef,
      'certificates',
      options,
    );
  }

  async getEntityLoadBalancerSignals(
    entityRef: CompoundEntityRef,
    options: { range: AlbSignalsRange; signal?: AbortSignal },
  ): Promise<EntityLoadBalancerSignalsResponse> {
    return this.get<EntityLoadBalancerSignalsResponse>(
      entityRef,
      `signals?range=${encodeURIComponent(options.range)}`,
      options,
    );
  }

  private async get<T>(
    entityRef: CompoundEntityRef,
    what: string,
    options?: { signal?: AbortSignal },
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('aws-alb');
    const path = [entityRef.namespace, entityRef.kind, entityRef.name]
      .map(segment => encodeURIComponent(segment))
      .join('/');
    const response = await this.fetchApi.fetch(
      `${baseUrl}/v1/entity/${path}/${what}`,
      { signal: options?.signal, headers: { Accept: 'application/json' } },
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
