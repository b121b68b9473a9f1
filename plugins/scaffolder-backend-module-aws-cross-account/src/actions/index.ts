export * from './readClusterContract';
export * from './checkClusterName';
export * from './describeSharedNetwork';
export * from './shareSubnets';
export * from './resolveSharedSubnets';
export * from './describeCluster';
export * from './ensureOidcProvider';
export * from './ensureLoadBalancerControllerRole';
export * from './ensureExternalDnsRole';
export * from './ensureAlbSecurityGroup';
export * from './ensureCertificate';
export * from './checkWebAcl';
// The input schema allowAlbToNodes shares with revokeAlbToNodes stays inside the module: its
// zod-inferred type is no API, and its listing in the API report would depend on the order
// the type checker met the files.
export {
  ALLOW_ALB_TO_NODES_ID,
  createAllowAlbToNodesAction,
} from './allowAlbToNodes';
export * from './checkNoLoadBalancers';
export * from './deleteCertificate';
export * from './revokeAlbToNodes';
export * from './deleteAlbSecurityGroup';
export * from './deleteLoadBalancerControllerRole';
export * from './deleteOidcProvider';
export * from './deleteSubnetShare';
export * from './createAwsCrossAccountActions';
