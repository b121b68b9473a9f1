import {
  coreServices,
  createBackendFeatureLoader,
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  catalogLocationsExtensionPoint,
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createEksctlCreateClusterAction } from './actions/eksctlCreateCluster';
import { createLbcReconcileIngressAction } from './actions/lbcReconcileIngress';
import {
  createExternalDnsSyncAction,
  createKubectlApplyAction,
} from './actions/externalDns';
import { createSetTargetGroupHealthAction } from './actions/setTargetGroupHealth';
import { createPublishLocalGitAction } from './actions/publishLocalGit';
import { SandboxTemplateProcessor } from './publish/sandboxTemplates';
import {
  SANDBOX_KUBERNETES_PLUGIN_ID,
  createSandboxKubernetesApiRouter,
} from './standins/kubeApiServer';
import {
  createEksctlDeleteClusterAction,
  createLbcDeleteIngressAction,
} from './actions/teardown';

/**
 * Whether the sandbox modules do anything: `sandbox.enabled` when set, else only outside
 * production (NODE_ENV !== 'production'), so a production build that still lists the
 * modules neither writes repositories to its disk nor lets the catalog read local files.
 */
export function sandboxEnabled(config: Config): boolean {
  return (
    config.getOptionalBoolean('sandbox.enabled') ??
    process.env.NODE_ENV !== 'production'
  );
}

/**
 * Registers the sandbox's scaffolder actions: `sandbox:publish:local-git`,
 * `sandbox:eksctl:create-cluster`, `sandbox:lbc:reconcile-ingress` and, for teardown,
 * `sandbox:lbc:delete-ingress` and `sandbox:eksctl:delete-cluster`. They call AWS as the
 * tools they stand in for: eksctl's operator role and the controller's IRSA role.
 * Sandbox only: never add it to a production backend.
 */
export const sandboxScaffolderModule = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'sandbox',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        logger: coreServices.logger,
      },
      async init({ scaffolder, config, catalog, logger }) {
        if (!sandboxEnabled(config)) {
          logger.info(
            'sandbox.enabled is false: sandbox actions not registered',
          );
          return;
        }
        scaffolder.addActions(
          createPublishLocalGitAction({ catalog, config }),
          // The stand-ins call AWS as eksctl's operator and as the controller's IRSA role,
          // never with the backend's credentials (see standins/aws.ts).
          createEksctlCreateClusterAction(),
          createLbcReconcileIngressAction(),
          createLbcDeleteIngressAction(),
          createEksctlDeleteClusterAction(),
          // kubectl apply of template 2's external-dns, and external-dns's loop as its IRSA
          // role in the zone's account.
          createKubectlApplyAction(),
          createExternalDnsSyncAction(),
          // Makes a component's target groups fail or recover in the running sandbox.
          createSetTargetGroupHealthAction({ catalog }),
        );
        logger.warn(
          'Sandbox scaffolder actions registered (sandbox:publish:local-git, sandbox:eksctl:*, sandbox:lbc:*, sandbox:kubectl:apply, sandbox:external-dns:sync, sandbox:alb:*): not for production',
        );
      },
    });
  },
});

/**
 * Lets the catalog accept `file` locations through its API (by default only `url`), so the
 * sandbox publisher can register the local repositories it writes, and adds to the project's
 * templates what the sandbox needs (`withSandboxAdditions`: the local publish target, the
 * stand-in steps, the sandbox accounts as defaults).
 * Sandbox only.
 */
export const sandboxCatalogModule = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'sandbox-file-locations',
  register({ registerInit }) {
    registerInit({
      deps: {
        locations: catalogLocationsExtensionPoint,
        processing: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ locations, processing, config }) {
        if (!sandboxEnabled(config)) return;
        locations.setAllowedLocationTypes(['url', 'file']);
        processing.addProcessor(new SandboxTemplateProcessor());
      },
    });
  },
});

/**
 * The Kubernetes API servers of the sandbox's EKS clusters (standins/kubeApiServer.ts), at
 * `/api/sandbox-kubernetes/clusters/<workload account>/<region>/<cluster>`, for Backstage's
 * Kubernetes plugin to read the pods behind the load balancers' targets. They authenticate
 * their callers themselves, with EKS tokens, as a cluster's API server does, so Backstage's
 * own authentication is not asked for. Sandbox only.
 */
export const sandboxKubernetesApiPlugin = createBackendPlugin({
  pluginId: SANDBOX_KUBERNETES_PLUGIN_ID,
  register({ registerInit }) {
    registerInit({
      deps: {
        http: coreServices.httpRouter,
        config: coreServices.rootConfig,
      },
      async init({ http, config }) {
        if (!sandboxEnabled(config)) return;
        http.use(createSandboxKubernetesApiRouter());
        http.addAuthPolicy({ path: '/clusters', allow: 'unauthenticated' });
      },
    });
  },
});

/** The sandbox's modules and its clusters' API servers, for `backend.add(import('sandbox/backend'))`. */
export const sandboxBackendFeatures = createBackendFeatureLoader({
  loader() {
    return [
      sandboxScaffolderModule,
      sandboxCatalogModule,
      sandboxKubernetesApiPlugin,
    ];
  },
});
