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
import { awsClientFactoryServiceRef } from '@cross-account-alb/plugin-aws-cross-account-node';
import { createReadClusterContractAction } from './actions/readClusterContract';
import { createCheckClusterNameAction } from './actions/checkClusterName';
import { authorizedAutocompleteHandler } from './autocomplete/authorizedAutocomplete';
import { awsCrossAccountPermissions } from '@cross-account-alb/plugin-aws-alb-common';

/**
 * Registers the cross-account ALB actions on the scaffolder, and the `aws-cross-account`
 * autocomplete provider the form's VPC and subnet pickers read. Clients come from
 * `awsClientFactoryServiceRef` (one role per account from `aws.accounts`).
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
        clients: awsClientFactoryServiceRef,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({
        scaffolder,
        autocomplete,
        config,
        auditor,
        clients,
        catalog,
        auth,
        permissions,
        permissionsRegistry,
      }) {
        permissionsRegistry.addPermissions(awsCrossAccountPermissions);
        scaffolder.addActions(
          createReadClusterContractAction({ catalog }),
          createCheckClusterNameAction({ catalog, aws: { clients, auditor } }),
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
            handler: authorizedAutocompleteHandler({
              handler: createNetworkAutocompleteHandler({ clients }),
              auth,
              permissions,
              auditor,
            }),
          });
        }
      },
    });
  },
});
