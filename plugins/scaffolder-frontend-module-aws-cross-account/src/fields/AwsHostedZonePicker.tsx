import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import TextField from '@material-ui/core/TextField';
import { useEffect } from 'react';
import {
  AwsHostedZoneNameUiOptions,
  AwsHostedZonePickerUiOptions,
} from './schemas';
import { SingleChoiceField } from './SingleChoiceField';
import {
  NetworkOption,
  formValue,
  useNetworkOptions,
} from './useNetworkOptions';

type FormContext = { formData?: Record<string, unknown> } | undefined;

/**
 * What both zone fields ask the provider for: the zones of the DNS account named by another
 * field (and the form's region, for the partition, when it has one). Both fields build the
 * same context, so they share one read.
 */
function zoneContext(
  formContext: FormContext,
  uiOptions: { dnsAccountIdField?: string; regionField?: string },
): { dnsAccountId?: string; context?: Record<string, string> } {
  const dnsAccountId = formValue(
    formContext,
    uiOptions.dnsAccountIdField ?? 'dnsAccountId',
  );
  const region = formValue(formContext, uiOptions.regionField ?? 'region');
  if (!dnsAccountId) return { dnsAccountId };
  return {
    dnsAccountId,
    context: region ? { dnsAccountId, region } : { dnsAccountId },
  };
}

/** The zone's name: the first part of the provider's title (`name · ID · N records`). */
export const zoneNameOf = (option: NetworkOption) =>
  option.title.split(' · ')[0];

/**
 * Picks a public hosted zone of the DNS account named by another field of the form (default
 * `dnsAccountId`). Typing a zone ID works too, for a zone the list cannot show. The zone's
 * name goes in the field next to it (`AwsHostedZoneName`), which reads the same list.
 *
 * @public
 */
export function AwsHostedZonePicker(
  props: FieldExtensionComponentProps<string, AwsHostedZonePickerUiOptions>,
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
  const { dnsAccountId, context } = zoneContext(formContext, uiOptions);
  const { options, loading, error } = useNetworkOptions(
    'hosted-zones',
    context,
  );

  let status: string;
  if (!context) status = 'Choose the account of the hosted zone first.';
  else if (loading) status = `Reading the hosted zones of ${dnsAccountId}…`;
  else if (error)
    status = `Could not list the hosted zones (${error}); type the zone ID.`;
  else
    status = `${options.length} public hosted zone${
      options.length === 1 ? '' : 's'
    } in ${dnsAccountId}.`;

  return (
    <SingleChoiceField
      id={idSchema?.$id}
      label={schema.title ?? 'Hosted zone'}
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

/**
 * The name of the zone picked in the `AwsHostedZonePicker` field (default `hostedZoneId`):
 * filled in from the same list and shown read-only then; typed when the list could not be
 * read or the zone ID was typed rather than picked.
 *
 * @public
 */
export function AwsHostedZoneName(
  props: FieldExtensionComponentProps<string, AwsHostedZoneNameUiOptions>,
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
  const { context } = zoneContext(formContext, uiOptions);
  const zoneId = formValue(
    formContext,
    uiOptions.hostedZoneIdField ?? 'hostedZoneId',
  );
  const { options, loading, error } = useNetworkOptions(
    'hosted-zones',
    context,
  );
  const picked = zoneId ? options.find(o => o.id === zoneId) : undefined;
  const listedName = picked ? zoneNameOf(picked) : undefined;

  useEffect(() => {
    if (listedName && listedName !== formData) onChange(listedName);
  }, [listedName, formData, onChange]);

  const fromList = Boolean(listedName);
  let status: string;
  if (fromList) status = `The name of hosted zone ${zoneId}.`;
  else if (!context || loading)
    status = 'Filled in from the hosted zone picked above.';
  else if (error)
    status = 'The hosted zones could not be listed: type the name.';
  else if (zoneId)
    status = `${zoneId} is not among the listed zones: type its name.`;
  else status = 'Filled in from the hosted zone picked above.';

  return (
    <FormControl
      margin="normal"
      required={required}
      error={rawErrors?.length > 0 && !formData}
      fullWidth
    >
      <TextField
        id={idSchema?.$id}
        label={schema.title ?? 'Hosted zone name'}
        required={required}
        variant="outlined"
        value={(fromList ? listedName : formData) ?? ''}
        InputProps={{ readOnly: fromList }}
        onChange={event => onChange(event.target.value.trim() || undefined!)}
        helperText={schema.description}
      />
      <FormHelperText>{status}</FormHelperText>
    </FormControl>
  );
}
