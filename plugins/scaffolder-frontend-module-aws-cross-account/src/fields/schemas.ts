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

/** Where the zone fields read the DNS account (and the region, for the partition) from. */
const zoneFieldNames = (z: any) => ({
  dnsAccountIdField: z
    .string()
    .optional()
    .describe(
      'The form field holding the account of the hosted zone (default dnsAccountId)',
    ),
  regionField: z
    .string()
    .optional()
    .describe(
      'The form field holding the region, if the form has one (default region): Route 53 is global, the region only names the partition',
    ),
});

/**
 * The hosted-zone picker's value (a zone ID) and options.
 *
 * @public
 */
export const AwsHostedZonePickerFieldSchema = makeFieldSchema({
  output: z => z.string(),
  uiOptions: z => z.object(zoneFieldNames(z)),
});

/** @public */
export type AwsHostedZonePickerUiOptions = NonNullable<
  (typeof AwsHostedZonePickerFieldSchema)['uiOptionsType']
>;

/**
 * The zone-name field's value (the picked zone's name) and options.
 *
 * @public
 */
export const AwsHostedZoneNameFieldSchema = makeFieldSchema({
  output: z => z.string(),
  uiOptions: z =>
    z.object({
      ...zoneFieldNames(z),
      hostedZoneIdField: z
        .string()
        .optional()
        .describe(
          'The form field holding the zone picked with AwsHostedZonePicker (default hostedZoneId)',
        ),
    }),
});

/** @public */
export type AwsHostedZoneNameUiOptions = NonNullable<
  (typeof AwsHostedZoneNameFieldSchema)['uiOptionsType']
>;
