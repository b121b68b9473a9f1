/*
 * The Backstage backend a platform team deploys: the standard plugins, the cross-account
 * scaffolder actions and the load balancer health backend. No sandbox code: the sandbox
 * portal is packages/sandbox-backend, which adds its modules to this same list.
 */
import { createBackend } from '@backstage/backend-defaults';
import { guestSignInFeatures, portalFeatures } from './features';

const backend = createBackend();
for (const feature of [...portalFeatures, ...guestSignInFeatures]) {
  backend.add(feature);
}
backend.start();
