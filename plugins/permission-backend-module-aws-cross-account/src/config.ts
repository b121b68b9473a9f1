import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';

/** Where the policy's settings live in app-config. */
export const CONFIG_KEY = 'permission.awsCrossAccount';

/**
 * Backstage's own actions the application template runs besides the AWS ones: anyone may run
 * them (they act with the portal's SCM and catalog credentials, as for any template).
 */
export const DEFAULT_OPEN_ACTIONS = [
  'fetch:template',
  'fetch:plain',
  'publish:github',
  'catalog:register',
  'debug:log',
];

/**
 * A group (or user) granted the application template on a cluster it does not own.
 *
 * @public
 */
export interface ClusterGrant {
  /** The cluster's Resource entity, e.g. `resource:default/shop`. */
  cluster: string;
  /** Groups or users, e.g. `group:default/payments`. */
  to: string[];
}

/**
 * Catalog entities only their owners (and the platform groups) may read.
 *
 * @public
 */
export interface OwnerOnlyRead {
  kind: string;
  /** `spec.type`; any type when absent. */
  type?: string;
}

/**
 * The policy's settings, read from `permission.awsCrossAccount`.
 *
 * @public
 */
export interface AwsCrossAccountPolicyConfig {
  /** Entity refs (`group:default/platform`): may run everything. */
  platformGroups: string[];
  /** Non-AWS scaffolder actions anyone may run. */
  openActions: string[];
  /** Clusters granted to groups that do not own them. */
  clusterGrants: ClusterGrant[];
  /** Entities only their owners and the platform groups may read. */
  ownerOnlyReads: OwnerOnlyRead[];
}

function entityRef(value: string, field: string, defaultKind: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(value, { defaultKind, defaultNamespace: 'default' }),
    );
  } catch (error) {
    throw new Error(
      `${field}: "${value}" is not an entity reference; write it as ${defaultKind}:default/<name>`,
    );
  }
}

/** Reads and checks the settings; a bad value names its key and what to write. */
export function readPolicyConfig(root: Config): AwsCrossAccountPolicyConfig {
  const config = root.getOptionalConfig(CONFIG_KEY);
  if (!config) {
    throw new Error(
      `${CONFIG_KEY}.platformGroups is missing: name the groups that may run the network-account templates (e.g. [group:default/platform-team])`,
    );
  }
  const platformGroups = config
    .getStringArray('platformGroups')
    .map((g, i) => entityRef(g, `${CONFIG_KEY}.platformGroups[${i}]`, 'group'));
  if (platformGroups.length === 0) {
    throw new Error(
      `${CONFIG_KEY}.platformGroups is empty: name at least one group, or nobody may run the network-account templates`,
    );
  }
  const openActions =
    config.getOptionalStringArray('openActions') ?? DEFAULT_OPEN_ACTIONS;
  for (const [i, id] of openActions.entries()) {
    if (id.startsWith('aws:')) {
      throw new Error(
        `${CONFIG_KEY}.openActions[${i}]: "${id}" acts in an AWS account with the portal's roles; only the platform groups (and cluster owners, for the application template's actions) may run it`,
      );
    }
  }
  const clusterGrants = (
    config.getOptionalConfigArray('clusterGrants') ?? []
  ).map((grant, i) => ({
    cluster: entityRef(
      grant.getString('cluster'),
      `${CONFIG_KEY}.clusterGrants[${i}].cluster`,
      'resource',
    ),
    to: grant
      .getStringArray('to')
      .map((g, j) =>
        entityRef(g, `${CONFIG_KEY}.clusterGrants[${i}].to[${j}]`, 'group'),
      ),
  }));
  const ownerOnlyReads = (
    config.getOptionalConfigArray('ownerOnlyReads') ?? []
  ).map(r => ({
    kind: r.getString('kind'),
    type: r.getOptionalString('type'),
  }));
  return { platformGroups, openActions, clusterGrants, ownerOnlyReads };
}
