/**
 * The sandbox's backend modules: `backend.add(import('sandbox/backend'))` adds the sandbox
 * scaffolder actions and lets the catalog register `file` locations. Sandbox only.
 *
 * @packageDocumentation
 */
import { sandboxBackendFeatures } from './module';

export {
  sandboxScaffolderModule,
  sandboxCatalogModule,
  sandboxKubernetesApiPlugin,
  sandboxBackendFeatures,
} from './module';
export default sandboxBackendFeatures;
