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

/**
 * The VPC and subnet pickers for the scaffolder of apps on the new frontend system
 * (discovered when the package is a dependency of the app).
 *
 * @alpha
 */
export default createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [awsVpcPickerFormField, awsSubnetPickerFormField],
});
