import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { readPolicyConfig } from './config';
import { AwsCrossAccountPolicy } from './policy';

/**
 * Installs {@link AwsCrossAccountPolicy} as the permission backend's policy, configured
 * under `permission.awsCrossAccount` (the platform groups at least). Replaces the allow-all
 * policy module: a backend has one policy.
 *
 * @public
 */
export const permissionModuleAwsCrossAccountPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'aws-cross-account-policy',
  register({ registerInit }) {
    registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        logger: coreServices.logger,
      },
      async init({ policy, config, catalog, auth, logger }) {
        const settings = readPolicyConfig(config);
        logger.info(
          `Cross-account ALB policy: platform groups ${settings.platformGroups.join(
            ', ',
          )}`,
        );
        policy.setPolicy(
          new AwsCrossAccountPolicy({ config: settings, catalog, auth }),
        );
      },
    });
  },
});
