export interface Config {
  /** Settings of the AWS ALB health backend (`@cross-account-alb/plugin-aws-alb-backend`). */
  awsAlb?: {
    /**
     * Account IDs the plugin may read. When unset, the accounts listed in `aws.accounts` are
     * allowed. An entity whose load balancer is in any other account gets a 403.
     */
    allowedAccountIds?: string[];
    /** Golden signals from CloudWatch, shown on the tab and returned by the action. */
    signals?: {
      /** The 5xx rate, in percent, at or above which a load balancer shows as degraded. Default 5. */
      errorRateThresholdPercent?: number;
      /** How long one range's signals are kept. Default 60. */
      cacheTtlSeconds?: number;
      /** CloudWatch's own budget per account and region (not counted against ELBv2's). */
      rateLimit?: {
        /** Default 2. */
        callsPerSecond?: number;
        /** Default 4. */
        burst?: number;
        /** Default 2000. */
        maxWaitMs?: number;
      };
    };
    /** ACM certificates of HTTPS listeners, shown on the tab's listeners card. */
    certificates?: {
      /** How long one certificate's details are kept, in seconds. Default 300. */
      cacheTtlSeconds?: number;
      /** ACM's own budget per account and region (not counted against ELBv2's). */
      rateLimit?: {
        /** Default 2. */
        callsPerSecond?: number;
        /** Default 4. */
        burst?: number;
        /** Default 2000. */
        maxWaitMs?: number;
      };
    };
    cache?: {
      /**
       * How long an answer is served from the cache before AWS is read again. Default 15.
       * Shared by every backend replica when `backend.cache.store` is redis, valkey or
       * memcache.
       */
      ttlSeconds?: number;
      /**
       * How long after it was read the last good answer may still be served, marked
       * `stale: true`, when AWS fails (throttling, outage, access denied). Default 600.
       */
      staleTtlSeconds?: number;
      /**
       * How long the listener rules the tab shows when asked are kept (they change only when
       * an Ingress does). Default 300.
       */
      rulesTtlSeconds?: number;
    };
    /**
     * The portal's own budget for ELBv2 and Resource Groups Tagging API calls, per account
     * and region. With `backend.cache.store` redis or valkey it is one budget for all backend
     * replicas together (kept in Redis); with the memory cache, each replica has its own.
     * AWS's Describe bucket (about 10 calls/s) is shared with the AWS Load Balancer
     * Controller, so keep this well below it.
     */
    rateLimit?: {
      /** Sustained calls per second. Default 4. */
      callsPerSecond?: number;
      /** Calls that may start at once after a quiet period. Default 8. */
      burst?: number;
      /**
       * A call that would wait longer than this for budget is refused at once: the viewer
       * gets the stale answer, or a 503 with Retry-After. Default 2000.
       */
      maxWaitMs?: number;
    };
    /** DescribeTargetHealth calls run at once for one view (one call per target group). Default 8. */
    targetHealthConcurrency?: number;
    /** Attempts per AWS call, with the SDK's adaptive retry on throttling. Default 3. */
    maxAttempts?: number;
    /**
     * The background sweep: a scheduled task (one runner across replicas) that keeps every
     * annotated entity's answer fresh within the budget, batching entities (one tag lookup,
     * DescribeLoadBalancers and DescribeTargetGroups for 20 at a time). Views then never wait
     * for AWS on an entity with an answer, and a never-read entity with no budget left is
     * answered "queued" with its expected wait instead of 503.
     */
    sweep?: {
      /** Default true. */
      enabled?: boolean;
      /** How often a run starts; a run lasts up to 90 % of it. Default 10. */
      frequencySeconds?: number;
      /** Calls always left in the bucket for interactive views. Default 2. */
      headroomCalls?: number;
      /** Answers younger than this are not refreshed by the sweep. Default 45. */
      minAgeSeconds?: number;
      /**
       * How long listeners are kept before the sweep reads them again, or three health
       * refreshes of their entity when that is longer (large fleets). Default 600.
       */
      listenersTtlSeconds?: number;
    };
  };
}
