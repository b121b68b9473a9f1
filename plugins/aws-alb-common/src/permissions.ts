import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Reading the network account's VPCs and subnets through the scaffolder's `aws-cross-account`
 * autocomplete provider (the `AwsVpcPicker` and `AwsSubnetPicker` form fields of the cluster
 * onboarding template). A policy grants it to whoever may run that template; the provider
 * answers 403 to anyone else.
 *
 * @public
 */
export const awsNetworkReadPermission = createPermission({
  name: 'aws-cross-account.network.read',
  attributes: { action: 'read' },
});

/**
 * Listing a DNS account's public hosted zones through the same provider (the
 * `AwsHostedZonePicker` form field of the controller, application and teardown templates). Apart
 * from the network read because the application template is the application teams': public
 * zones are public DNS, and the certificate step keeps a name in the zone its cluster's
 * external-dns serves. A policy may still keep it to some.
 *
 * @public
 */
export const awsHostedZonesReadPermission = createPermission({
  name: 'aws-cross-account.hosted-zones.read',
  attributes: { action: 'read' },
});

/**
 * Every permission the cross-account ALB plugins define.
 *
 * @public
 */
export const awsCrossAccountPermissions = [
  awsNetworkReadPermission,
  awsHostedZonesReadPermission,
];
