export interface Config {
  /** Settings of the AWS ALB health plugins. */
  awsAlb?: {
    /** Settings read by the entity page tab and card. */
    frontend?: {
      /**
       * Reload the load balancer health this often while the tab is open, in seconds.
       * Unset or 0 disables auto-refresh; values under 10 are raised to 10, because every
       * refresh spends the network account's ELBv2 API budget, shared with the controller.
       * @visibility frontend
       */
      refreshIntervalSeconds?: number;
    };
  };
}
