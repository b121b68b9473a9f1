import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { AwsAlbClient, awsAlbApiRef } from './api';
import { rootRouteRef } from './routes';

/**
 * The AWS ALB plugin for the legacy frontend system.
 *
 * @public
 */
export const awsAlbPlugin = createPlugin({
  id: 'aws-alb',
  apis: [
    createApiFactory({
      api: awsAlbApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new AwsAlbClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { entityContent: rootRouteRef },
});

/**
 * The load balancer tab, for `EntityLayout.Route`.
 *
 * @public
 */
export const EntityAlbContent = awsAlbPlugin.provide(
  createRoutableExtension({
    name: 'EntityAlbContent',
    component: () => import('./components/AlbContent').then(m => m.AlbContent),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The load balancer card for the entity overview.
 *
 * @public
 */
export const EntityAlbCard = awsAlbPlugin.provide(
  createComponentExtension({
    name: 'EntityAlbCard',
    component: {
      lazy: () => import('./components/AlbCard').then(m => m.AlbCard),
    },
  }),
);
