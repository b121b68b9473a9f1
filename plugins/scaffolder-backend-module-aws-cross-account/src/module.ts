import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createAwsCrossAccountActions } from './actions';
import { createAwsClientFactory } from './lib/aws';

/**
 * Registers the cross-account ALB actions on the scaffolder. Credentials come from
 * `aws.accounts` (one role per account) through `@backstage/integration-aws-node`.
 *
 * @public
 */
export const scaffolderModuleAwsCrossAccount = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'aws-cross-account',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        auditor: coreServices.auditor,
      },
      async init({ scaffolder, config, auditor }) {
        const clients = createAwsClientFactory({ config });
        scaffolder.addActions(
          ...createAwsCrossAccountActions({ clients, auditor }),
        );
      },
    });
  },
});
