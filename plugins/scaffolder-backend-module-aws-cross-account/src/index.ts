/**
 * Scaffolder actions that share a VPC across accounts with AWS RAM and wire the AWS Load
 * Balancer Controller of an EKS cluster in the workload account to an ALB in the network
 * account.
 *
 * @packageDocumentation
 */
export { scaffolderModuleAwsCrossAccount as default } from './module';
export * from './actions';
export {
  createNetworkAutocompleteHandler,
  NETWORK_AUTOCOMPLETE_PROVIDER,
  NETWORK_AUTOCOMPLETE_RESOURCES,
  type NetworkAutocompleteResource,
} from './autocomplete/networkAutocomplete';
export type { AwsActionOptions, AwsTemplateAction } from './lib/action';
export { mapAwsError, type AwsCallScope } from './lib/errors';
export * from './lib/builders';
export * from './policies';
