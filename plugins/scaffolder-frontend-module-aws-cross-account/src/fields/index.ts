export { AwsVpcPicker } from './AwsVpcPicker';
export { AwsSubnetPicker } from './AwsSubnetPicker';
export { AwsHostedZonePicker, AwsHostedZoneName } from './AwsHostedZonePicker';
export {
  AwsVpcPickerFieldSchema,
  AwsSubnetPickerFieldSchema,
  AwsHostedZonePickerFieldSchema,
  AwsHostedZoneNameFieldSchema,
  type AwsVpcPickerUiOptions,
  type AwsSubnetPickerUiOptions,
  type AwsHostedZonePickerUiOptions,
  type AwsHostedZoneNameUiOptions,
} from './schemas';
export { NETWORK_AUTOCOMPLETE_PROVIDER } from './useNetworkOptions';
