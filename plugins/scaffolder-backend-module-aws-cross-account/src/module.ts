import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderAutocompleteExtensionPoint } from '@backstage/plugin-scaffolder-node/alpha';
import { createAwsCrossAccountActions } from './actions';
import {
  NETWORK_AUTOCOMPLETE_PROVIDER,
  createNetworkAutocompleteHandler,
} from './autocomplete/networkAutocomplete';
import { createAwsClientFactory } from './lib/aws';
import { createReadClusterContractAction } from './actions/readClusterContract';

/**
 * Registers the cross-account ALB actions on the scaffolder, and the `aws-cross-account`
 * autocomplete provider the form's VPC and subnet pickers read. Credentials come from
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
        autocomplete: scaffolderAutocompleteExtensionPoint,
        config: coreServices.rootConfig,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, autocomplete, config, auditor, catalog }) {
        const clients = createAwsClientFactory({ config });
        scaffolder.addActions(
          createReadClusterContractAction({ catalog }),
          ...createAwsCrossAccountActions({ clients, auditor }),
        );
        if (
          config.getOptionalBoolean(
            'scaffolder.awsCrossAccount.autocomplete.enabled',
          ) ??
          true
        ) {
          autocomplete.addAutocompleteProvider({
            id: NETWORK_AUTOCOMPLETE_PROVIDER,
            handler: createNetworkAutocompleteHandler({ clients }),
          });
        }
      },
    });
  },
});
