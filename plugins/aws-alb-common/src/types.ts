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
  /**
   * The Load Balancer Controller's `ingress.k8s.aws/resource` tag of the group
   * (`<namespace>/<ingress>-<service>:<port>`), when it was read.
   */
  controllerResource?: string;
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
  /** The listener's default certificate (HTTPS), as DescribeListeners lists it. */
  certificateArns?: string[];
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
  /**
   * Set when the load balancer is shared by an Ingress group and the entity is one of its
   * Ingresses (annotation `cross-account-alb.io/ingress`): `targetGroups` then holds only that
   * Ingress's target groups.
   */
  ingressGroup?: {
    /** The entity's Ingress, `<namespace>/<name>`. */
    ingress: string;
    /** The group's other Ingresses, `<namespace>/<name>`, whose target groups are left out. */
    otherIngresses: string[];
  };
}

/** One condition of a listener rule: `host-header`, `path-pattern`, `http-header`, … */
export interface AlbRuleCondition {
  field: string;
  /** For `http-header`: the header's name; for `query-string`: unused. */
  name?: string;
  values: string[];
}

/** One rule of a listener, in priority order; the default rule last. */
export interface AlbListenerRule {
  arn: string;
  /** A number as text, or `default`. */
  priority: string;
  isDefault: boolean;
  conditions: AlbRuleCondition[];
  actions: AlbListenerAction[];
}

/** The rules of one listener. */
export interface AlbListenerRules {
  loadBalancerArn: string;
  listenerArn: string;
  port?: number;
  protocol?: string;
  rules: AlbListenerRule[];
  /**
   * Rules left out because they route only to other Ingresses of a shared load balancer
   * (see {@link AlbLoadBalancer.ingressGroup}).
   */
  otherIngressRules?: number;
}

/** `GET /api/aws-alb/v1/entity/:namespace/:kind/:name/listener-rules` */
export interface EntityListenerRulesResponse {
  entityRef: string;
  listeners: AlbListenerRules[];
  /** ISO 8601 time the rules were read from AWS. */
  fetchedAt: string;
}

/** An ACM certificate of an HTTPS listener, as ACM of the load balancer's account has it. */
export interface AlbCertificate {
  arn: string;
  /** The listeners (of the entity's load balancers) that serve it. */
  listenerArns: string[];
  domainName?: string;
  subjectAlternativeNames?: string[];
  /** `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, …; `NOT_FOUND` when ACM has no such certificate. */
  status?: string;
  /** `AMAZON_ISSUED`, `IMPORTED` or `PRIVATE`. */
  type?: string;
  /** ISO 8601 end of validity, once issued. */
  notAfter?: string;
  /** What ACM says uses it (load balancer ARNs); ACM renews only certificates in use. */
  inUseBy: string[];
  renewalEligibility?: string;
  /** What the tab warns about, from {@link certificateWarnings} at the time of the answer. */
  warnings: string[];
}

/** `GET /api/aws-alb/v1/entity/:namespace/:kind/:name/certificates` */
export interface EntityCertificatesResponse {
  entityRef: string;
  certificates: AlbCertificate[];
  /** ISO 8601 time the oldest of them was read from ACM. */
  fetchedAt: string;
}

/** A certificate this close to its end of validity (or closer) is warned about. */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

/**
 * What is wrong with a certificate at `nowMs`: not issued, expired or expiring within
 * {@link CERTIFICATE_EXPIRY_WARNING_DAYS} days, or not in use (ACM renews only certificates in
 * use). Empty when nothing is.
 */
export function certificateWarnings(
  cert: Pick<AlbCertificate, 'status' | 'notAfter' | 'inUseBy'>,
  nowMs: number,
): string[] {
  if (cert.status === 'NOT_FOUND') {
    return ["not found in ACM of the load balancer's account and region"];
  }
  const warnings: string[] = [];
  if (cert.status && cert.status !== 'ISSUED') {
    warnings.push(`not issued (${cert.status})`);
  }
  if (cert.notAfter) {
    const end = Date.parse(cert.notAfter);
    const day = cert.notAfter.slice(0, 10);
    if (end <= nowMs) {
      warnings.push(`expired on ${day}`);
    } else if (end - nowMs <= CERTIFICATE_EXPIRY_WARNING_DAYS * DAY_MS) {
      const days = Math.ceil((end - nowMs) / DAY_MS);
      warnings.push(`expires in ${days} day${days === 1 ? '' : 's'} (${day})`);
    }
  }
  if (!cert.inUseBy.length) {
    warnings.push('not in use: ACM renews only certificates in use');
  }
  return warnings;
}

/** Time ranges of the golden signals. */
export type AlbSignalsRange = '1h' | '3h' | '24h' | '7d';

/** The ranges, their length and the period of one point, in seconds. */
export const ALB_SIGNALS_RANGES: Record<
  AlbSignalsRange,
  { seconds: number; periodSeconds: number }
> = {
  '1h': { seconds: 3600, periodSeconds: 60 },
  '3h': { seconds: 10800, periodSeconds: 300 },
  '24h': { seconds: 86400, periodSeconds: 900 },
  '7d': { seconds: 604800, periodSeconds: 3600 },
};

/** One point of a metric: the period's start (ISO 8601) and its value. */
export interface AlbSignalPoint {
  t: string;
  v: number;
}

/** One metric over the range, oldest first; `current` is the latest point's value. */
export interface AlbSignalSeries {
  points: AlbSignalPoint[];
  current?: number;
}

/** The golden signals of one load balancer (or of an Ingress's slice of a shared one). */
export interface AlbLoadBalancerSignals {
  loadBalancerArn: string;
  /** RequestCount per period. */
  requests: AlbSignalSeries;
  /** HTTPCode_ELB_5XX_Count: errors the load balancer made itself (whole ALB). */
  elb5xx: AlbSignalSeries;
  /** HTTPCode_Target_5XX_Count: errors the targets answered. */
  target5xx: AlbSignalSeries;
  /** (ELB + target 5xx) / requests, in percent. */
  errorRatePercent: AlbSignalSeries;
  /** TargetResponseTime p50 and p99, in seconds. */
  p50Seconds: AlbSignalSeries;
  p99Seconds: AlbSignalSeries;
  /** RejectedConnectionCount (whole ALB). */
  rejectedConnections: AlbSignalSeries;
  targetGroups: Array<{
    arn: string;
    name: string;
    healthy: AlbSignalSeries;
    unhealthy: AlbSignalSeries;
  }>;
  /** `no-traffic` when CloudWatch has no request in the range (e.g. a new ALB). */
  status: 'ok' | 'degraded' | 'no-traffic';
  statusReason: string;
}

/** `GET /api/aws-alb/v1/entity/:namespace/:kind/:name/signals?range=3h` */
export interface EntityLoadBalancerSignalsResponse {
  entityRef: string;
  range: AlbSignalsRange;
  periodSeconds: number;
  /** ISO 8601 time the metrics were read from CloudWatch. */
  fetchedAt: string;
  loadBalancers: AlbLoadBalancerSignals[];
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
