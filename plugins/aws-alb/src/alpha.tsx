import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { AwsAlbClient, awsAlbApiRef } from './api';
import { isAlbAvailable } from './lib/annotations';

/** @alpha */
export const awsAlbApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: awsAlbApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new AwsAlbClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The "Load balancer" tab, shown on entities with the ALB annotations.
 *
 * @alpha
 */
export const awsAlbEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'aws-alb',
    title: 'Load balancer',
    filter: isAlbAvailable,
    loader: () => import('./components/AlbContent').then(m => <m.AlbContent />),
  },
});

/**
 * The load balancer card on the overview of entities with the ALB annotations.
 *
 * @alpha
 */
export const awsAlbEntityCard = EntityCardBlueprint.make({
  params: {
    filter: isAlbAvailable,
    loader: () => import('./components/AlbCard').then(m => <m.AlbCard />),
  },
});

/**
 * The AWS ALB plugin for the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'aws-alb',
  title: 'AWS load balancer',
  extensions: [awsAlbApi, awsAlbEntityContent, awsAlbEntityCard],
});
