/**
 * Permission policy for the cross-account ALB golden path, configured under
 * `permission.awsCrossAccount`.
 *
 * @packageDocumentation
 */
export { permissionModuleAwsCrossAccountPolicy as default } from './module';
export { AwsCrossAccountPolicy } from './policy';
export type { ClusterScope } from './policy';
export type {
  AwsCrossAccountPolicyConfig,
  ClusterGrant,
  OwnerOnlyRead,
} from './config';
