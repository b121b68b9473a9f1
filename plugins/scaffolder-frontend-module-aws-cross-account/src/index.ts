/**
 * Scaffolder form fields for the cross-account ALB templates: `AwsVpcPicker` and
 * `AwsSubnetPicker` list the network account's VPCs and a VPC's public or private subnets,
 * `AwsHostedZonePicker` a DNS account's public hosted zones (with `AwsHostedZoneName` filling
 * in the picked zone's name), through the `aws-cross-account` autocomplete provider of
 * `@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account`.
 *
 * This entry point is for apps on the legacy frontend system; the new one discovers the
 * module from `./alpha`.
 *
 * @packageDocumentation
 */
import { scaffolderPlugin } from '@backstage/plugin-scaffolder';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import {
  AwsHostedZoneName,
  AwsHostedZoneNameFieldSchema,
  AwsHostedZonePicker,
  AwsHostedZonePickerFieldSchema,
  AwsSubnetPicker,
  AwsSubnetPickerFieldSchema,
  AwsVpcPicker,
  AwsVpcPickerFieldSchema,
} from './fields';

export {
  AwsHostedZoneName,
  AwsHostedZonePicker,
  AwsSubnetPicker,
  AwsVpcPicker,
  AwsHostedZoneNameFieldSchema,
  AwsHostedZonePickerFieldSchema,
  AwsSubnetPickerFieldSchema,
  AwsVpcPickerFieldSchema,
  NETWORK_AUTOCOMPLETE_PROVIDER,
  type AwsHostedZoneNameUiOptions,
  type AwsHostedZonePickerUiOptions,
  type AwsSubnetPickerUiOptions,
  type AwsVpcPickerUiOptions,
} from './fields';

/**
 * `ui:field: AwsVpcPicker`: a VPC of the network account. Put it inside
 * `<ScaffolderFieldExtensions>` of the scaffolder page.
 *
 * @public
 */
export const AwsVpcPickerFieldExtension = scaffolderPlugin.provide(
  createScaffolderFieldExtension({
    name: 'AwsVpcPicker',
    component: AwsVpcPicker,
    schema: AwsVpcPickerFieldSchema.schema,
  }),
);

/**
 * `ui:field: AwsSubnetPicker` with `ui:options.tier` public or private: subnets of the VPC.
 *
 * @public
 */
export const AwsSubnetPickerFieldExtension = scaffolderPlugin.provide(
  createScaffolderFieldExtension({
    name: 'AwsSubnetPicker',
    component: AwsSubnetPicker,
    schema: AwsSubnetPickerFieldSchema.schema,
  }),
);

/**
 * `ui:field: AwsHostedZonePicker`: a public hosted zone of the account in another field
 * (`ui:options.dnsAccountIdField`, default dnsAccountId).
 *
 * @public
 */
export const AwsHostedZonePickerFieldExtension = scaffolderPlugin.provide(
  createScaffolderFieldExtension({
    name: 'AwsHostedZonePicker',
    component: AwsHostedZonePicker,
    schema: AwsHostedZonePickerFieldSchema.schema,
  }),
);

/**
 * `ui:field: AwsHostedZoneName`: the name of the zone picked with AwsHostedZonePicker, filled
 * in from the same list (typed when the list cannot be read).
 *
 * @public
 */
export const AwsHostedZoneNameFieldExtension = scaffolderPlugin.provide(
  createScaffolderFieldExtension({
    name: 'AwsHostedZoneName',
    component: AwsHostedZoneName,
    schema: AwsHostedZoneNameFieldSchema.schema,
  }),
);
