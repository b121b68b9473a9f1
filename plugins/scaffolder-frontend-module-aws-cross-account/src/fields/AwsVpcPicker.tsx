import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { AwsVpcPickerUiOptions } from './schemas';
import { SingleChoiceField } from './SingleChoiceField';
import { formValue, useNetworkOptions } from './useNetworkOptions';

/**
 * Picks a VPC of the network account named by another field of the form (default
 * `networkAccountId`, in `region`). Typing an ID works too, for a VPC the list cannot show.
 */
export function AwsVpcPicker(
  props: FieldExtensionComponentProps<string, AwsVpcPickerUiOptions>,
) {
  const {
    formData,
    onChange,
    schema,
    uiSchema,
    rawErrors,
    required,
    formContext,
    idSchema,
  } = props;
  const uiOptions = uiSchema?.['ui:options'] ?? {};
  const networkAccountId = formValue(
    formContext,
    uiOptions.networkAccountIdField ?? 'networkAccountId',
  );
  const region = formValue(formContext, uiOptions.regionField ?? 'region');
  const context =
    networkAccountId && region ? { networkAccountId, region } : undefined;
  const { options, loading, error } = useNetworkOptions('vpcs', context);

  let status: string;
  if (!context) status = 'Choose the network account and region first.';
  else if (loading) status = `Reading the VPCs of ${networkAccountId}…`;
  else if (error) status = `Could not list the VPCs (${error}); type the ID.`;
  else
    status = `${options.length} VPC${
      options.length === 1 ? '' : 's'
    } in ${networkAccountId} (${region}).`;

  return (
    <SingleChoiceField
      id={idSchema?.$id}
      label={schema.title ?? 'VPC'}
      description={schema.description}
      required={required}
      hasError={rawErrors?.length > 0}
      value={formData}
      options={options}
      loading={loading}
      status={status}
      onChange={value => onChange(value!)}
    />
  );
}
