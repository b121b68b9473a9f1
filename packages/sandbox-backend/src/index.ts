/*
 * The sandbox portal's backend: the production backend's features (packages/backend) plus
 * the sandbox's modules: the sandbox:* scaffolder actions (local git publisher, stand-ins for
 * eksctl and the Load Balancer Controller), `file` catalog locations for the local publisher,
 * what the sandbox adds to the templates as its catalog reads them, and a guest sign-in with
 * two identities. Started by scripts/start.sh against the sandbox AWS; never deployed.
 */
import { createBackend } from '@backstage/backend-defaults';
import { portalFeatures } from 'backend/features';

const backend = createBackend();
for (const feature of portalFeatures) {
  backend.add(feature);
}
backend.add(import('sandbox/backend'));
// Guest sign-in as the platform engineer or the application developer (examples/org.yaml).
backend.add(import('sandbox/sign-in'));
backend.start();
