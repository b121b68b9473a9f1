/** Target health states reported by ELBv2 `DescribeTargetHealth`. */
export type TargetHealthState =
  | 'initial'
  | 'healthy'
  | 'unhealthy'
  | 'unhealthy.draining'
  | 'unused'
  | 'draining'
  | 'unavailable';

export const TARGET_HEALTH_STATES: readonly TargetHealthState[] = [
  'initial',
  'healthy',
  'unhealthy',
  'unhealthy.draining',
  'unused',
  'draining',
  'unavailable',
];

export interface AlbTarget {
  /** Instance ID, IP address or Lambda ARN. */
  id: string;
  port?: number;
  availabilityZone?: string;
  state: TargetHealthState;
  /** e.g. `Target.ResponseCodeMismatch`; absent when healthy. */
  reasonCode?: string;
  description?: string;
}

export interface AlbHealthCheck {
  protocol?: string;
  port?: string;
  path?: string;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  healthyThresholdCount?: number;
  unhealthyThresholdCount?: number;
  /** HTTP codes that count as healthy, e.g. `200` or `200-399`. */
  matcher?: string;
  enabled?: boolean;
}

export interface AlbTargetGroup {
  arn: string;
  name: string;
  protocol?: string;
  port?: number;
  targetType?: string;
  healthCheck: AlbHealthCheck;
  targets: AlbTarget[];
  /** Number of targets in each state; states with no target are omitted. */
  counts: Partial<Record<TargetHealthState, number>>;
}

export interface AlbListenerAction {
  /** `forward`, `redirect`, `fixed-response`, `authenticate-oidc`, … */
  type: string;
  targetGroupArns?: string[];
  redirect?: {
    protocol?: string;
    port?: string;
    host?: string;
    path?: string;
    statusCode?: string;
  };
  fixedResponse?: { statusCode?: string; contentType?: string };
}

export interface AlbListener {
  arn: string;
  port?: number;
  protocol?: string;
  defaultActions: AlbListenerAction[];
}

export interface AlbAvailabilityZone {
  zoneName?: string;
  subnetId?: string;
}

export interface AlbLoadBalancer {
  arn: string;
  name: string;
  dnsName?: string;
  /** `internet-facing` or `internal`. */
  scheme?: string;
  /** `provisioning`, `active`, `active_impaired` or `failed`. */
  state?: string;
  stateReason?: string;
  /** `application`, `network` or `gateway`. */
  type?: string;
  vpcId?: string;
  availabilityZones: AlbAvailabilityZone[];
  securityGroups: string[];
  accountId: string;
  region: string;
  /** A link to this load balancer in the EC2 console of its account. */
  consoleUrl: string;
  tags?: Record<string, string>;
  listeners: AlbListener[];
  targetGroups: AlbTargetGroup[];
}

/** `GET /api/aws-alb/v1/entity/:namespace/:kind/:name/load-balancers` */
export interface EntityLoadBalancersResponse {
  entityRef: string;
  accountId: string;
  region: string;
  loadBalancers: AlbLoadBalancer[];
  /** ISO 8601 time the data was read from AWS. */
  fetchedAt: string;
  /** True when AWS failed and the last good answer is served. */
  stale: boolean;
  /** Why the answer is stale. */
  staleReason?: string;
  /**
   * How old the answer was when it was given, in seconds, by the backend's clock (the
   * background sweep keeps answers within a couple of minutes; a view does not wait for AWS
   * when there is an answer to show).
   */
  ageSeconds?: number;
  /**
   * True when the listeners have not been read yet: after a cold start the backend reads
   * target health for every entity first, and listeners (which change rarely) after that.
   */
  listenersPending?: boolean;
  /**
   * Set when nothing has been read for this entity yet and the portal's AWS call budget is
   * spent: the entity is read next, in about `expectedWaitSeconds`. `loadBalancers` is empty
   * and `fetchedAt` is the time of this answer. Served with HTTP 202.
   */
  queued?: { expectedWaitSeconds: number };
}

/** Stable ID of the read-only action the backend registers in the actions registry. */
export const AWS_ALB_GET_ENTITY_LOAD_BALANCERS_ACTION =
  'aws-alb:get-entity-load-balancers';
