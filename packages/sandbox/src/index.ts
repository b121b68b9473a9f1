/**
 * Sandbox AWS for local development and tests. Nothing here is used in production.
 *
 * @packageDocumentation
 */
export * from './accounts';
export * from './moto';
export * from './seed';
export * from './standins/eksctl';
export * from './standins/lbc';
export * from './standins/lbcGroup';
export * from './standins/albMetrics';
export * from './standins/seeding';
export * from './standins/teardown';
export * from './standins/kubeApiServer';
export * from './standins/albFailures';
export {
  SET_TARGET_GROUP_HEALTH_ID,
  createSetTargetGroupHealthAction,
} from './actions/setTargetGroupHealth';
export type { SandboxAccessEntry, SandboxPod } from './standins/clusterObjects';
export * from './publish/localGit';
export * from './publish/sandboxTemplates';
export {
  PUBLISH_LOCAL_GIT_ID,
  createPublishLocalGitAction,
  publishDirectoryFromConfig,
  registerFileLocation,
} from './actions/publishLocalGit';
export {
  EKSCTL_CREATE_CLUSTER_ID,
  createEksctlCreateClusterAction,
} from './actions/eksctlCreateCluster';
export {
  LBC_RECONCILE_INGRESS_ID,
  createLbcReconcileIngressAction,
} from './actions/lbcReconcileIngress';
export {
  EXTERNAL_DNS_SYNC_ID,
  KUBECTL_APPLY_ID,
  createExternalDnsSyncAction,
  createKubectlApplyAction,
} from './actions/externalDns';
export {
  externalDnsConfigs,
  externalDnsLoop,
  sandboxExternalDnsSync,
  type ExternalDnsConfig,
  type ExternalDnsSyncResult,
} from './standins/externalDns';
export { webIdentityClientOptions } from './standins/aws';
export {
  EKSCTL_DELETE_CLUSTER_ID,
  LBC_DELETE_INGRESS_ID,
  createEksctlDeleteClusterAction,
  createLbcDeleteIngressAction,
  ingressStack,
} from './actions/teardown';
export {
  sandboxScaffolderModule,
  sandboxCatalogModule,
  sandboxKubernetesApiPlugin,
  sandboxBackendFeatures,
  sandboxEnabled,
} from './module';
export * from './faultProxy';
export * from './inventory';
export {
  SHIPPED_POLICY_FILES,
  ensureSandboxPrincipals,
  shippedPolicy,
  type ShippedPolicy,
} from './iam/sandboxPrincipals';
export type { IamGateway, GatewayDecision } from './iam/iamGateway';
export { webIdentityTrustDecision, type WebIdentity } from './iam/iamGateway';
