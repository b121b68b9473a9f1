import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
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
      },
      factory: ({ config, cache, logger, catalog }) =>
        DefaultAwsAlbService.fromConfig(config, { cache, logger, catalog }),
    }),
});
