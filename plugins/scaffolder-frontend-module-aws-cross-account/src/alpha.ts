import { createFrontendModule } from '@backstage/frontend-plugin-api';
import {
  FormFieldBlueprint,
  createFormField,
} from '@backstage/plugin-scaffolder-react/alpha';

/** @alpha */
export const awsVpcPickerFormField = FormFieldBlueprint.make({
  name: 'aws-vpc-picker',
  params: {
    field: () =>
      import('./fields').then(m =>
        createFormField({
          name: 'AwsVpcPicker',
          component: m.AwsVpcPicker,
          schema: m.AwsVpcPickerFieldSchema,
        }),
      ),
  },
});

/** @alpha */
export const awsSubnetPickerFormField = FormFieldBlueprint.make({
  name: 'aws-subnet-picker',
  params: {
    field: () =>
      import('./fields').then(m =>
        createFormField({
          name: 'AwsSubnetPicker',
          component: m.AwsSubnetPicker,
          schema: m.AwsSubnetPickerFieldSchema,
        }),
      ),
  },
});

/** @alpha */
export const awsHostedZonePickerFormField = FormFieldBlueprint.make({
  name: 'aws-hosted-zone-picker',
  params: {
    field: () =>
      import('./fields').then(m =>
        createFormField({
          name: 'AwsHostedZonePicker',
          component: m.AwsHostedZonePicker,
          schema: m.AwsHostedZonePickerFieldSchema,
        }),
      ),
  },
});

/** @alpha */
export const awsHostedZoneNameFormField = FormFieldBlueprint.make({
  name: 'aws-hosted-zone-name',
  params: {
    field: () =>
      import('./fields').then(m =>
        createFormField({
          name: 'AwsHostedZoneName',
          component: m.AwsHostedZoneName,
          schema: m.AwsHostedZoneNameFieldSchema,
        }),
      ),
  },
});

/**
 * The VPC, subnet and hosted-zone pickers for the scaffolder of apps on the new frontend system
 * (discovered when the package is a dependency of the app).
 *
 * @alpha
 */
export default createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [
    awsVpcPickerFormField,
    awsSubnetPickerFormField,
    awsHostedZonePickerFormField,
    awsHostedZoneNameFormField,
  ],
});
