export interface Config {
  scaffolder?: {
    /** Settings of `@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account`. */
    awsCrossAccount?: {
      autocomplete?: {
        /**
         * Whether the module serves the `aws-cross-account` autocomplete provider, which
         * lists the VPCs and subnets of the accounts in `aws.accounts` to any signed-in user
         * who opens a template form (for the AwsVpcPicker and AwsSubnetPicker fields).
         * Default true. Without it the fields still take typed IDs.
         */
        enabled?: boolean;
      };
    };
  };
}
