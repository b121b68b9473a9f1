import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { registerGetEntityLoadBalancersAction } from './actions/getEntityLoadBalancers';
import { createRouter } from './router';
import { awsAlbServiceRef } from './service/awsAlbServiceRef';

/**
 * Serves `GET /api/aws-alb/v1/entity/:namespace/:kind/:name/load-balancers` and registers
 * the `get-entity-load-balancers` action.
 *
 * @public
 */
export const awsAlbPlugin = createBackendPlugin({
  pluginId: 'aws-alb',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        actionsRegistry: actionsRegistryServiceRef,
        service: awsAlbServiceRef,
      },
      async init({ httpRouter, httpAuth, actionsRegistry, service }) {
        httpRouter.use(await createRouter({ httpAuth, service }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        registerGetEntityLoadBalancersAction({ actionsRegistry, service });
      },
    });
  },
});
