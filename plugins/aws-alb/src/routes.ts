import { createRouteRef } from '@backstage/core-plugin-api';

/** The load balancer tab of the entity page (legacy frontend system). */
export const rootRouteRef = createRouteRef({ id: 'aws-alb' });
