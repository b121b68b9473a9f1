export interface Config {
  permission?: {
    /** Settings of `@cross-account-alb/plugin-permission-backend-module-aws-cross-account`. */
    awsCrossAccount?: {
      /**
       * The groups (entity refs, e.g. `group:default/platform-team`) whose members may run
       * every template and action: the network-account templates (cluster onboarding,
       * load balancer controller, teardown), the IAM, RAM and EC2 actions, and the network
       * pickers. Required.
       */
      platformGroups: string[];
      /**
       * Scaffolder actions anyone may run (not `aws:` ones). Default: fetch:template,
       * fetch:plain, publish:github, catalog:register, debug:log.
       */
      openActions?: string[];
      /**
       * Clusters whose application template a group may run without owning the cluster's
       * entity.
       */
      clusterGrants?: Array<{
        /** The cluster's Resource entity, e.g. `resource:default/shop`. */
        cluster: string;
        /** Groups or users, e.g. `group:default/payments`. */
        to: string[];
      }>;
      /**
       * Catalog entities that only their owners and the platform groups may read (and so
       * see the load balancer health of), e.g. `{ kind: Component, type: service }`.
       * Default: none, everyone reads the whole catalog.
       */
      ownerOnlyReads?: Array<{ kind: string; type?: string }>;
    };
  };
}
