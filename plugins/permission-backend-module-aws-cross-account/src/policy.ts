import { AuthService } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  RESOURCE_TYPE_CATALOG_ENTITY,
  catalogEntityReadPermission,
} from '@backstage/plugin-catalog-common/alpha';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
  PolicyDecision,
  isPermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  RESOURCE_TYPE_SCAFFOLDER_ACTION,
  actionExecutePermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import {
  ANNOTATION_EKS_CLUSTER_NAME,
  ANNOTATION_NETWORK_ACCOUNT_ID,
  ANNOTATION_VPC_ID,
  ANNOTATION_WORKLOAD_ACCOUNT_ID,
  awsNetworkReadPermission,
} from '@cross-account-alb/plugin-aws-alb-common';
import { AwsCrossAccountPolicyConfig } from './config';

/**
 * A cluster the user may run the application template for, as its entity says.
 *
 * @public
 */
export interface ClusterScope {
  entityRef: string;
  clusterName: string;
  networkAccountId: string;
  workloadAccountId: string;
  vpcId: string;
}

/**
 * The application template's AWS actions and, for one cluster, the inputs that must name
 * that cluster: the action reads or changes only that cluster's accounts, VPC and groups.
 * Every other `aws:` action (RAM shares, IAM roles and OIDC providers, deletions, the
 * network reads) is for the platform groups only.
 */
export const APPLICATION_ACTIONS: Record<
  string,
  (c: ClusterScope) => Record<string, string>
> = {
  'aws:catalog:read-cluster': c => ({ entityRef: c.entityRef }),
  'aws:eks:describe-cluster': c => ({
    clusterName: c.clusterName,
    workloadAccountId: c.workloadAccountId,
  }),
  'aws:ec2:ensure-alb-security-group': c => ({
    clusterName: c.clusterName,
    networkAccountId: c.networkAccountId,
    vpcId: c.vpcId,
  }),
  'aws:ec2:allow-alb-to-nodes': c => ({
    networkAccountId: c.networkAccountId,
    workloadAccountId: c.workloadAccountId,
  }),
  // An application's host name: the certificate in the cluster's network account. Naming
  // the cluster makes the action check that the cluster's external-dns (set up by the
  // platform with template 2) serves the zone, so a developer's name stays in that zone.
  // An application's web ACL: read (only) in the cluster's network account.
  'aws:wafv2:check-web-acl': c => ({ networkAccountId: c.networkAccountId }),
  'aws:acm:ensure-certificate': c => ({
    networkAccountId: c.networkAccountId,
    clusterName: c.clusterName,
    workloadAccountId: c.workloadAccountId,
  }),
};

type ActionCondition = PermissionCondition<
  typeof RESOURCE_TYPE_SCAFFOLDER_ACTION
>;
type EntityCondition = PermissionCondition<typeof RESOURCE_TYPE_CATALOG_ENTITY>;

const hasActionId = (actionId: string): ActionCondition => ({
  resourceType: RESOURCE_TYPE_SCAFFOLDER_ACTION,
  rule: 'HAS_ACTION_ID',
  params: { actionId },
});
const hasStringProperty = (key: string, value: string): ActionCondition => ({
  resourceType: RESOURCE_TYPE_SCAFFOLDER_ACTION,
  rule: 'HAS_STRING_PROPERTY',
  params: { key, value },
});

/** The input has a string at `key`, whatever its value. */
const hasStringPropertyAtAll = (key: string): ActionCondition => ({
  resourceType: RESOURCE_TYPE_SCAFFOLDER_ACTION,
  rule: 'HAS_STRING_PROPERTY',
  params: { key },
});

function anyOf<T>(criteria: PermissionCriteria<T>[]): PermissionCriteria<T> {
  return criteria.length === 1
    ? criteria[0]
    : {
        anyOf: criteria as [PermissionCriteria<T>, ...PermissionCriteria<T>[]],
      };
}

/**
 * Conditions of an application action beyond its cluster's inputs.
 * `aws:catalog:read-cluster` takes a `purpose` (the actions module's
 * READ_CLUSTER_PURPOSES): read for an application (or none said), the cluster's owners may;
 * the controller and teardown templates say theirs, so their first step, a catalog read, is
 * refused to whoever may not run their IAM, RAM and deletion steps, before any AWS call.
 */
const APPLICATION_ONLY: Record<
  string,
  () => PermissionCriteria<ActionCondition>[]
> = {
  'aws:catalog:read-cluster': () => [
    {
      anyOf: [
        { not: hasStringPropertyAtAll('purpose') },
        hasStringProperty('purpose', 'application'),
      ],
    },
  ],
};

/** The cluster scope an `eks-cluster` Resource's annotations give, if complete. */
export function clusterScope(entity: Entity): ClusterScope | undefined {
  const a = entity.metadata.annotations ?? {};
  const scope = {
    entityRef: stringifyEntityRef(entity),
    clusterName: a[ANNOTATION_EKS_CLUSTER_NAME],
    networkAccountId: a[ANNOTATION_NETWORK_ACCOUNT_ID],
    workloadAccountId: a[ANNOTATION_WORKLOAD_ACCOUNT_ID],
    vpcId: a[ANNOTATION_VPC_ID],
  };
  return Object.values(scope).every(Boolean)
    ? (scope as ClusterScope)
    : undefined;
}

/**
 * The golden path's permission policy (see the package README):
 *
 * - platform groups: everything;
 * - everyone else: the catalog (except `ownerOnlyReads` entities they do not own), the
 *   open Backstage actions, and the application template's AWS actions for the clusters
 *   their groups own or are granted, as a conditional decision on the action's inputs;
 *   every other `aws:` action, the network pickers and the Kubernetes proxy are refused.
 *
 * @public
 */
export class AwsCrossAccountPolicy implements PermissionPolicy {
  constructor(
    private readonly options: {
      config: AwsCrossAccountPolicyConfig;
      catalog: CatalogService;
      auth: AuthService;
    },
  ) {}

  private isPlatform(claims: string[]): boolean {
    return claims.some(c => this.options.config.platformGroups.includes(c));
  }

  /** The clusters whose entity one of `claims` owns, or that are granted to one. */
  async clustersFor(claims: string[]): Promise<ClusterScope[]> {
    const { catalog, auth, config } = this.options;
    const { items } = await catalog.getEntities(
      {
        filter: { kind: 'Resource', 'spec.type': 'eks-cluster' },
        fields: ['kind', 'metadata', 'relations', 'spec.owner'],
      },
      { credentials: await auth.getOwnServiceCredentials() },
    );
    const granted = new Set(
      config.clusterGrants
        .filter(g => g.to.some(t => claims.includes(t)))
        .map(g => g.cluster),
    );
    return items.flatMap(entity => {
      const owners = (entity.relations ?? [])
        .filter(r => r.type === RELATION_OWNED_BY)
        .map(r => r.targetRef);
      const ref = stringifyEntityRef(entity);
      if (!owners.some(o => claims.includes(o)) && !granted.has(ref)) {
        return [];
      }
      const scope = clusterScope(entity);
      return scope ? [scope] : [];
    });
  }

  /** Decides one permission request for one user. */
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    const platform = this.isPlatform(claims);
    const { permission } = request;

    if (isPermission(permission, actionExecutePermission)) {
      if (platform) return { result: AuthorizeResult.ALLOW };
      return this.applicationActions(claims);
    }
    // The Kubernetes plugin's proxy sends any request to a cluster's API server with
    // Backstage's own cluster credentials: the platform groups' only. Reads of clusters and
    // workloads (the Kubernetes tab, the pods behind the targets) stay open.
    if (
      isPermission(permission, awsNetworkReadPermission) ||
      isPermission(permission, kubernetesProxyPermission)
    ) {
      return {
        result: platform ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      };
    }
    if (
      isPermission(permission, catalogEntityReadPermission) &&
      !platform &&
      this.options.config.ownerOnlyReads.length > 0
    ) {
      return this.ownerOnlyReads(claims);
    }
    return { result: AuthorizeResult.ALLOW };
  }

  private async applicationActions(claims: string[]): Promise<PolicyDecision> {
    const clusters = await this.clustersFor(claims);
    const allowed: PermissionCriteria<ActionCondition>[] = [
      ...this.options.config.openActions.map(hasActionId),
    ];
    for (const cluster of clusters) {
      for (const [actionId, inputs] of Object.entries(APPLICATION_ACTIONS)) {
        allowed.push({
          allOf: [
            hasActionId(actionId),
            ...Object.entries(inputs(cluster)).map(([k, v]) =>
              hasStringProperty(k, v),
            ),
            ...(APPLICATION_ONLY[actionId]?.() ?? []),
          ],
        });
      }
    }
    if (allowed.length === 0) return { result: AuthorizeResult.DENY };
    return {
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'scaffolder',
      resourceType: RESOURCE_TYPE_SCAFFOLDER_ACTION,
      conditions: anyOf(allowed),
    };
  }

  private ownerOnlyReads(claims: string[]): PolicyDecision {
    const restricted = this.options.config.ownerOnlyReads.map(r => {
      const kind: EntityCondition = {
        resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
        rule: 'IS_ENTITY_KIND',
        params: { kinds: [r.kind] },
      };
      if (!r.type) return kind as PermissionCriteria<EntityCondition>;
      return {
        allOf: [
          kind,
          {
            resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
            rule: 'HAS_SPEC',
            params: { key: 'type', value: r.type },
          },
        ],
      } as PermissionCriteria<EntityCondition>;
    });
    const readable: PermissionCriteria<EntityCondition>[] = [
      { not: anyOf(restricted) },
    ];
    if (claims.length > 0) {
      readable.push({
        resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
        rule: 'IS_ENTITY_OWNER',
        params: { claims },
      });
    }
    return {
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
      conditions: anyOf(readable),
    };
  }
}
