import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { AwsVpcPickerUiOptions } from './schemas';
import {
  NetworkChoice,
  choiceId,
  choiceLabel,
  formValue,
  sameChoice,
  useNetworkOptions,
} from './useNetworkOptions';

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
  const selected = options.find(o => o.id === formData) ?? formData ?? null;

  let status: string;
  if (!context) status = 'Choose the network account and region first.';
  else if (loading) status = `Reading the VPCs of ${networkAccountId}…`;
  else if (error) status = `Could not list the VPCs (${error}); type the ID.`;
  else
    status = `${options.length} VPC${
      options.length === 1 ? '' : 's'
    } in ${networkAccountId} (${region}).`;

  return (
    <FormControl
      margin="normal"
      required={required}
      error={rawErrors?.length > 0 && !formData}
      fullWidth
    >
      <Autocomplete<NetworkChoice, false, false, true>
        id={idSchema?.$id}
        freeSolo
        options={options}
        loading={loading}
        value={selected}
        getOptionLabel={choiceLabel}
        getOptionSelected={sameChoice}
        onChange={(_, value) =>
          onChange((value === null ? '' : choiceId(value)).trim() || undefined!)
        }
        onInputChange={(_, value, reason) => {
          if (reason === 'input') onChange(value.trim() || undefined!);
        }}
        renderInput={params => (
          <TextField
            {...params}
            label={schema.title ?? 'VPC'}
            required={required}
            variant="outlined"
            helperText={schema.description}
          />
        )}
      />
      <FormHelperText>{status}</FormHelperText>
    </FormControl>
  );
}
