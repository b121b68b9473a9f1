import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { awsClientFactoryServiceRef } from '@cross-account-alb/plugin-aws-cross-account-node';
import { DefaultAwsAlbService } from './DefaultAwsAlbService';
import { AwsAlbService } from './types';

/**
 * The service behind the `aws-alb` routes and action. Its default factory builds a
 * {@link DefaultAwsAlbService} from config.
 *
 * @public
 */
export const awsAlbServiceRef = createServiceRef<AwsAlbService>({
  id: 'aws-alb.service',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        cache: coreServices.cache,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
        awsClients: awsClientFactoryServiceRef,
        scheduler: coreServices.scheduler,
        auth: coreServices.auth,
      },
      factory: ({
        config,
        cache,
        logger,
        catalog,
        awsClients,
        scheduler,
        auth,
      }) =>
        DefaultAwsAlbService.fromConfig(config, {
          cache,
          logger,
          catalog,
          awsClients,
          scheduler,
          auth,
        }),
    }),
});
