import { createAllowAlbToNodesAction } from './allowAlbToNodes';
import { createDescribeClusterAction } from './describeCluster';
import { createDescribeSharedNetworkAction } from './describeSharedNetwork';
import { createEnsureAlbSecurityGroupAction } from './ensureAlbSecurityGroup';
import { createEnsureLoadBalancerControllerRoleAction } from './ensureLoadBalancerControllerRole';
import { createEnsureOidcProviderAction } from './ensureOidcProvider';
import { createResolveSharedSubnetsAction } from './resolveSharedSubnets';
import {
  createShareSubnetsAction,
  ShareSubnetsActionOptions,
} from './shareSubnets';

/** Every action of the module, in the order of the recipe. */
export function createAwsCrossAccountActions(
  options: ShareSubnetsActionOptions,
) {
  return [
    createDescribeSharedNetworkAction(options),
    createShareSubnetsAction(options),
    createResolveSharedSubnetsAction(options),
    createDescribeClusterAction(options),
    createEnsureOidcProviderAction(options),
    createEnsureLoadBalancerControllerRoleAction(options),
    createEnsureAlbSecurityGroupAction(options),
    createAllowAlbToNodesAction(options),
  ];
}
