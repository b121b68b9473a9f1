import { createAllowAlbToNodesAction } from './allowAlbToNodes';
import { createCheckWebAclAction } from './checkWebAcl';
import { createCheckNoLoadBalancersAction } from './checkNoLoadBalancers';
import { createDeleteAlbSecurityGroupAction } from './deleteAlbSecurityGroup';
import { createDeleteCertificateAction } from './deleteCertificate';
import { createDeleteExternalDnsRoleAction } from './deleteExternalDnsRole';
import { createDeleteLoadBalancerControllerRoleAction } from './deleteLoadBalancerControllerRole';
import { createDeleteOidcProviderAction } from './deleteOidcProvider';
import { createDeleteSubnetShareAction } from './deleteSubnetShare';
import { createDescribeClusterAction } from './describeCluster';
import { createDescribeSharedNetworkAction } from './describeSharedNetwork';
import { createEnsureAlbSecurityGroupAction } from './ensureAlbSecurityGroup';
import { createEnsureCertificateAction } from './ensureCertificate';
import { createEnsureExternalDnsRoleAction } from './ensureExternalDnsRole';
import { createEnsureLoadBalancerControllerRoleAction } from './ensureLoadBalancerControllerRole';
import { createEnsureOidcProviderAction } from './ensureOidcProvider';
import { createResolveSharedSubnetsAction } from './resolveSharedSubnets';
import { createRevokeAlbToNodesAction } from './revokeAlbToNodes';
import { createShareSubnetsAction } from './shareSubnets';
import { AwsActionOptions, AwsTemplateAction } from '../lib/action';

/**
 * Every action of the module, in the order of the recipe, then the teardown in reverse.
 * Knobs of one action (e.g. how share-subnets waits) are not options of the module: build
 * that action with its own factory to set them.
 */
export function createAwsCrossAccountActions(
  options: AwsActionOptions,
): AwsTemplateAction[] {
  return [
    createDescribeSharedNetworkAction(options),
    createShareSubnetsAction(options),
    createResolveSharedSubnetsAction(options),
    createDescribeClusterAction(options),
    createEnsureOidcProviderAction(options),
    createEnsureLoadBalancerControllerRoleAction(options),
    createEnsureExternalDnsRoleAction(options),
    createEnsureAlbSecurityGroupAction(options),
    createAllowAlbToNodesAction(options),
    createEnsureCertificateAction(options),
    createCheckWebAclAction(options),
    createCheckNoLoadBalancersAction(options),
    createDeleteCertificateAction(options),
    createRevokeAlbToNodesAction(options),
    createDeleteAlbSecurityGroupAction(options),
    createDeleteLoadBalancerControllerRoleAction(options),
    createDeleteExternalDnsRoleAction(options),
    createDeleteOidcProviderAction(options),
    createDeleteSubnetShareAction(options),
  ];
}
