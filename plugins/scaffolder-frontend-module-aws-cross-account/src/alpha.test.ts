import { createExtensionTester } from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import module, {
  awsHostedZoneNameFormField,
  awsHostedZonePickerFormField,
  awsSubnetPickerFormField,
  awsVpcPickerFormField,
} from './alpha';

const fieldName = async (loader: () => Promise<unknown>) =>
  ((await loader()) as { name: string }).name;

describe('scaffolder module (new frontend system)', () => {
  it('provides the fields by the names the templates use', async () => {
    const loader = FormFieldBlueprint.dataRefs.formFieldLoader;
    const names = [
      await fieldName(createExtensionTester(awsVpcPickerFormField).get(loader)),
      await fieldName(
        createExtensionTester(awsSubnetPickerFormField).get(loader),
      ),
      await fieldName(
        createExtensionTester(awsHostedZonePickerFormField).get(loader),
      ),
      await fieldName(
        createExtensionTester(awsHostedZoneNameFormField).get(loader),
      ),
    ];
    expect(names).toEqual([
      'AwsVpcPicker',
      'AwsSubnetPicker',
      'AwsHostedZonePicker',
      'AwsHostedZoneName',
    ]);
  });

  it('is a module of the scaffolder plugin', () => {
    expect(module.$$type).toBe('@backstage/FrontendModule');
    expect((module as unknown as { pluginId: string }).pluginId).toBe(
      'scaffolder',
    );
  });
});
