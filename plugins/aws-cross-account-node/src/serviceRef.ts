import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { AwsClientFactory, createAwsClientFactory } from './clients';

/**
 * The AWS clients of the cross-account ALB plugins: one per backend, so every plugin shares
 * one assumed-role session per account. Its default factory reads `aws.accounts` from the
 * root config; a backend or a test can replace it with its own `createServiceFactory`
 * (e.g. one returning `createAwsClientFactory({ config, onCommand })`).
 *
 * @public
 */
export const awsClientFactoryServiceRef = createServiceRef<AwsClientFactory>({
  id: 'cross-account-alb.aws-clients',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: { config: coreServices.rootConfig },
      factory: ({ config }) => createAwsClientFactory({ config }),
    }),
});
