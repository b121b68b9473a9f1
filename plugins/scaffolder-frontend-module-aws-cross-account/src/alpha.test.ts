import { createExtensionTester } from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import module, {
  awsSubnetPickerFormField,
  awsVpcPickerFormField,
} from './alpha';

const fieldName = async (loader: () => Promise<unknown>) =>
  ((await loader()) as { name: string }).name;

describe('scaffolder module (new frontend system)', () => {
  it('provides the fields by the names the templates use', async () => {
    const vpc = createExtensionTester(awsVpcPickerFormField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );
    const subnets = createExtensionTester(awsSubnetPickerFormField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );
    expect([await fieldName(vpc), await fieldName(subnets)]).toEqual([
      'AwsVpcPicker',
      'AwsSubnetPicker',
    ]);
  });

  it('is a module of the scaffolder plugin', () => {
    expect(module.$$type).toBe('@backstage/FrontendModule');
    expect((module as unknown as { pluginId: string }).pluginId).toBe(
      'scaffolder',
    );
  });
});
