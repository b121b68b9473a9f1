/*
 * Hi!
 *
 * Note that this is an EXAMPLE Backstage backend. Please check the README.
 *
 * Happy hacking!
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
// Stores task workspaces in the database so a recovered task resumes on any replica
// (scaffolder.taskRecovery.workspaceProvider: database in production).
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-workspace-database'),
);
// The golden path's AWS steps (Account-A and Account-B)
backend.add(
  import(
    '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account'
  ),
);

// The load balancer health behind the entity page's "Load balancer" tab
backend.add(import('@cross-account-alb/plugin-aws-alb-backend'));

// Sandbox portal only: sandbox:* scaffolder actions (local git publisher, stand-ins for eksctl
// and the Load Balancer Controller) and \`file\` catalog locations for the local publisher.
// Inert unless \`sandbox.enabled\` is true (app-config.yaml); app-config.production.yaml
// turns it off.
backend.add(import('sandbox/backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// See https://backstage.io/docs/permissions/getting-started for how to create your own permission policy
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
