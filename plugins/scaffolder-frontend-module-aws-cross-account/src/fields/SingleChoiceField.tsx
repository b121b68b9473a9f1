import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import TextField from '@material-ui/core/TextField';
import Autocomplete from '@material-ui/lab/Autocomplete';
import {
  NetworkChoice,
  NetworkOption,
  choiceId,
  choiceLabel,
  sameChoice,
} from './useNetworkOptions';

/**
 * One ID picked from a list the provider read, or typed when the list cannot show it (the
 * VPC and hosted-zone pickers), with a line under it saying what the list is waiting for, how
 * many it found or why it could not be read.
 */
export function SingleChoiceField(props: {
  id?: string;
  label: string;
  description?: string;
  required?: boolean;
  /** The form has an error for the field (shown while it is empty). */
  hasError: boolean;
  value: string | undefined;
  options: NetworkOption[];
  loading: boolean;
  status: string;
  onChange: (value: string | undefined) => void;
}) {
  const { value, options, onChange } = props;
  const selected = options.find(o => o.id === value) ?? value ?? null;
  return (
    <FormControl
      margin="normal"
      required={props.required}
      error={props.hasError && !value}
      fullWidth
    >
      <Autocomplete<NetworkChoice, false, false, true>
        id={props.id}
        freeSolo
        options={options}
        loading={props.loading}
        value={selected}
        getOptionLabel={choiceLabel}
        getOptionSelected={sameChoice}
        onChange={(_, choice) =>
          onChange(
            (choice === null ? '' : choiceId(choice)).trim() || undefined,
          )
        }
        onInputChange={(_, typed, reason) => {
          if (reason === 'input') onChange(typed.trim() || undefined);
        }}
        renderInput={params => (
          <TextField
            {...params}
            label={props.label}
            required={props.required}
            variant="outlined"
            helperText={props.description}
          />
        )}
      />
      <FormHelperText>{props.status}</FormHelperText>
    </FormControl>
  );
}
