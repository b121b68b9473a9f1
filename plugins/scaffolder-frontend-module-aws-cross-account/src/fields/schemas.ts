import { makeFieldSchema } from '@backstage/plugin-scaffolder-react';

/** Where the pickers read the account, region and VPC from: other fields of the same form. */
const fieldNames = (z: any) => ({
  networkAccountIdField: z
    .string()
    .optional()
    .describe(
      'The form field holding the network account ID (default networkAccountId)',
    ),
  regionField: z
    .string()
    .optional()
    .describe('The form field holding the region (default region)'),
});

export const AwsVpcPickerFieldSchema = makeFieldSchema({
  output: z => z.string(),
  uiOptions: z => z.object(fieldNames(z)),
});

export type AwsVpcPickerUiOptions = NonNullable<
  (typeof AwsVpcPickerFieldSchema)['uiOptionsType']
>;

export const AwsSubnetPickerFieldSchema = makeFieldSchema({
  output: z => z.array(z.string()),
  uiOptions: z =>
    z.object({
      ...fieldNames(z),
      tier: z
        .enum(['public', 'private'])
        .describe(
          'public: subnets routed to an internet gateway (for an internet-facing ALB); private: the others (for nodes)',
        ),
      vpcIdField: z
        .string()
        .optional()
        .describe('The form field holding the VPC ID (default vpcId)'),
    }),
});

export type AwsSubnetPickerUiOptions = NonNullable<
  (typeof AwsSubnetPickerFieldSchema)['uiOptionsType']
>;
