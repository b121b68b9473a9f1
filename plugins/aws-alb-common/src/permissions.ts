import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Reading the network account's VPCs and subnets, and a DNS account's public hosted zones,
 * through the scaffolder's `aws-cross-account` autocomplete provider (the `AwsVpcPicker`,
 * `AwsSubnetPicker` and `AwsHostedZonePicker` form fields of the templates). A policy grants it to whoever may run that
 * template; the provider answers 403 to anyone else.
 *
 * @public
 */
export const awsNetworkReadPermission = createPermission({
  name: 'aws-cross-account.network.read',
  attributes: { action: 'read' },
});

/**
 * Every permission the cross-account ALB plugins define.
 *
 * @public
 */
export const awsCrossAccountPermissions = [awsNetworkReadPermission];
