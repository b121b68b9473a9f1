export interface Config {
  scaffolder?: {
    /** Settings of `@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account`. */
    awsCrossAccount?: {
      autocomplete?: {
        /**
         * Whether the module serves the `aws-cross-account` autocomplete provider, which
         * lists the VPCs and subnets, and the public hosted zones, of the accounts in
         * `aws.accounts` to signed-in users holding the `aws-cross-account.network.read`
         * permission (for the AwsVpcPicker, AwsSubnetPicker and AwsHostedZonePicker fields;
         * others get 403). Default true. Without it the fields
         * still take typed IDs.
         */
        enabled?: boolean;
      };
    };
  };
}
