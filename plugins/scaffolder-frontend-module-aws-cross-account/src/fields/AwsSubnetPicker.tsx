import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import Chip from '@material-ui/core/Chip';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import { AwsSubnetPickerUiOptions } from './schemas';
import {
  NetworkChoice,
  choiceId,
  choiceLabel,
  formValue,
  sameChoice,
  useNetworkOptions,
} from './useNetworkOptions';

/**
 * Picks public or private subnets (`ui:options.tier`) of the VPC chosen in another field of
 * the form (default `vpcId`). Each option names its AZ, AZ ID and CIDR, so two AZs are easy to
 * pick. Typed IDs are kept too.
 */
export function AwsSubnetPicker(
  props: FieldExtensionComponentProps<string[], AwsSubnetPickerUiOptions>,
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
  const uiOptions =
    uiSchema?.['ui:options'] ?? ({} as AwsSubnetPickerUiOptions);
  const tier = uiOptions.tier === 'public' ? 'public' : 'private';
  const networkAccountId = formValue(
    formContext,
    uiOptions.networkAccountIdField ?? 'networkAccountId',
  );
  const region = formValue(formContext, uiOptions.regionField ?? 'region');
  const vpcId = formValue(formContext, uiOptions.vpcIdField ?? 'vpcId');
  const context =
    networkAccountId && region && vpcId
      ? { networkAccountId, region, vpcId }
      : undefined;
  const { options, loading, error } = useNetworkOptions(
    tier === 'public' ? 'public-subnets' : 'private-subnets',
    context,
  );
  // The form fills an array with minItems with empty entries until something is chosen.
  const chosen = (formData ?? []).filter(
    (id): id is string => typeof id === 'string' && id.length > 0,
  );
  const value = chosen.map(id => options.find(o => o.id === id) ?? id);

  let status: string;
  if (!context) status = 'Choose the VPC first.';
  else if (loading) status = `Reading the ${tier} subnets of ${vpcId}…`;
  else if (error)
    status = `Could not list the subnets (${error}); type the IDs.`;
  else if (options.length === 0)
    status = `${vpcId} has no ${tier} subnet${
      tier === 'public' ? ' (none routed to an internet gateway)' : ''
    }.`;
  else
    status = `${options.length} ${tier} subnet${
      options.length === 1 ? '' : 's'
    } in ${vpcId}.`;

  return (
    <FormControl
      margin="normal"
      required={required}
      error={rawErrors?.length > 0}
      fullWidth
    >
      <Autocomplete<NetworkChoice, true, false, true>
        id={idSchema?.$id}
        multiple
        freeSolo
        filterSelectedOptions
        options={options}
        loading={loading}
        value={value}
        getOptionLabel={choiceLabel}
        getOptionSelected={sameChoice}
        onChange={(_, values) =>
          onChange(values.map(v => choiceId(v).trim()).filter(Boolean))
        }
        renderTags={(values, getTagProps) =>
          values.map((v, index) => (
            <Chip
              {...getTagProps({ index })}
              key={choiceId(v)}
              size="small"
              label={choiceLabel(v)}
            />
          ))
        }
        renderInput={params => (
          <TextField
            {...params}
            label={schema.title ?? `${tier} subnets`}
            // The asterisk only: the chips are the value, the text input stays empty, so the
            // browser's own "required" check would refuse a complete choice. The form's
            // schema (minItems) checks it instead.
            InputLabelProps={{ ...params.InputLabelProps, required }}
            variant="outlined"
            helperText={schema.description}
          />
        )}
      />
      <FormHelperText>{status}</FormHelperText>
    </FormControl>
  );
}
