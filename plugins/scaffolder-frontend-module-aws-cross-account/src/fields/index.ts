export { AwsVpcPicker } from './AwsVpcPicker';
export { AwsSubnetPicker } from './AwsSubnetPicker';
export {
  AwsVpcPickerFieldSchema,
  AwsSubnetPickerFieldSchema,
  type AwsVpcPickerUiOptions,
  type AwsSubnetPickerUiOptions,
} from './schemas';
export { NETWORK_AUTOCOMPLETE_PROVIDER } from './useNetworkOptions';
