/*
 * The features of the portal a platform team deploys, in one list so that the sandbox
 * portal (packages/sandbox-backend) runs exactly this backend plus its own modules.
 */

/** Every plugin and module of the production backend, for `backend.add`. */
export const portalFeatures = [
  import('@backstage/plugin-app-backend'),
  import('@backstage/plugin-proxy-backend'),

  // scaffolder plugin
  import('@backstage/plugin-scaffolder-backend'),
  import('@backstage/plugin-scaffolder-backend-module-github'),
  // Stores task workspaces in the database so a recovered task resumes on any replica
  // (scaffolder.taskRecovery.workspaceProvider: database in production).
  import('@backstage/plugin-scaffolder-backend-module-workspace-database'),
  // The golden path's AWS steps (Account-A and Account-B)
  import(
    '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account'
  ),

  // The load balancer health behind the entity page's "Load balancer" tab
  import('@cross-account-alb/plugin-aws-alb-backend'),

  // Kubernetes plugin: inert without a `kubernetes` config block (its plugin checks for one).
  // With the catalog cluster locator, the clusters template 2 registers show their pods on
  // the Kubernetes tab, and the load balancer tab names the pod behind each target.
  import('@backstage/plugin-kubernetes-backend'),

  // auth plugin
  import('@backstage/plugin-auth-backend'),
  // The sign-in providers are added by each backend: guestSignInFeatures below here, the
  // sandbox's own guest sign-in (two identities) in packages/sandbox-backend.

  // catalog plugin
  import('@backstage/plugin-catalog-backend'),
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),

  // See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
  import('@backstage/plugin-catalog-backend-module-logs'),

  // permission plugin
  import('@backstage/plugin-permission-backend'),
  // Who may run which template and action, read which entity and use the network pickers:
  // platform groups named in permission.awsCrossAccount.platformGroups (see the README).
  import(
    '@cross-account-alb/plugin-permission-backend-module-aws-cross-account'
  ),

  // search plugin
  import('@backstage/plugin-search-backend'),

  // search engine
  // See https://backstage.io/docs/features/search/search-engines
  import('@backstage/plugin-search-backend-module-pg'),

  // search collators
  import('@backstage/plugin-search-backend-module-catalog'),

  // user settings plugin
  import('@backstage/plugin-user-settings-backend'),

  // mcp actions plugin
  import('@backstage/plugin-mcp-actions-backend'),
];

/**
 * The guest sign-in of the production backend (development only unless configured; see
 * https://backstage.io/docs/auth/guest/provider). Replace it with your organisation's
 * provider.
 */
export const guestSignInFeatures = [
  import('@backstage/plugin-auth-backend-module-guest-provider'),
];
