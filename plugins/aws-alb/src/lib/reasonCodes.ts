import type { TargetHealthState } from '@cross-account-alb/plugin-aws-alb-common';

/** What a target health reason code means, and where to look. */
export interface ReasonCodeExplanation {
  /** One sentence in plain words. */
  meaning: string;
  /** What to check first, in this project's setup (LBC in Account-B, ALB in Account-A). */
  check: string;
}

/**
 * Every reason code `DescribeTargetHealth` reports, explained for an application owner.
 * Keys are the exact AWS codes.
 */
export const REASON_CODE_EXPLANATIONS: Readonly<
  Record<string, ReasonCodeExplanation>
> = {
  'Elb.RegistrationInProgress': {
    meaning: 'The target is being registered with the load balancer.',
    check:
      'Usually gone within a minute. If it stays, read the AWS Load Balancer Controller logs in the cluster.',
  },
  'Elb.InitialHealthChecking': {
    meaning:
      'The load balancer is still sending the first health checks to this new target.',
    check:
      'Wait about interval × healthy threshold seconds. If it then turns unhealthy, check the health-check path.',
  },
  'Target.ResponseCodeMismatch': {
    meaning:
      'The health-check path answers with an HTTP status the target group does not count as healthy.',
    check:
      'Call the health-check path inside the pod and compare the status with the success codes (alb.ingress.kubernetes.io/healthcheck-path and success-codes annotations on the Ingress).',
  },
  'Target.Timeout': {
    meaning: 'The health check got no answer in time.',
    check:
      'Check that the node/pod security group in the workload account allows inbound traffic from the ALB security group on the target port, and that the pod listens on that port.',
  },
  'Target.FailedHealthChecks': {
    meaning:
      'The connection to the target failed or its answer was not valid HTTP.',
    check:
      'Check that the pod is running and ready, that the container listens on the target port, and its logs for crashes.',
  },
  'Elb.InternalError': {
    meaning:
      'Health checks failed because of an error inside the load balancer.',
    check:
      'Usually transient: refresh in a few minutes and check the AWS Health Dashboard of the network account.',
  },
  'Target.NotRegistered': {
    meaning: 'The target is not registered with the target group.',
    check:
      'Check that the pod is ready and selected by the Service, and the AWS Load Balancer Controller logs for registration errors.',
  },
  'Target.NotInUse': {
    meaning:
      'The target group is not used by any load balancer, or the target is in an Availability Zone the load balancer is not enabled in.',
    check:
      'Check that alb.ingress.kubernetes.io/subnets lists a subnet in every AZ your nodes run in (match AZ IDs, not names, across accounts).',
  },
  'Target.InvalidState': {
    meaning: 'The target is stopped or terminated.',
    check:
      'The pod or instance behind this IP is gone; the controller should deregister it. Check the pods of the Service.',
  },
  'Target.IpUnusable': {
    meaning:
      'The IP address cannot be a target because a load balancer uses it.',
    check:
      'Check the Service endpoints and that the Ingress uses alb.ingress.kubernetes.io/target-type: ip with pod IPs.',
  },
  'Target.DeregistrationInProgress': {
    meaning:
      'The target is being removed and is draining its open connections.',
    check:
      'Expected while pods are replaced during a rollout or scale-down; it disappears after the deregistration delay.',
  },
  'Target.HealthCheckDisabled': {
    meaning: 'Health checks are disabled for this target group.',
    check:
      'Traffic is sent without checking the target. Enable health checks on the target group if this is not intended.',
  },
};

/** The explanation of a reason code, or a generic one for a code this plugin does not know. */
export function explainReasonCode(
  reasonCode: string,
  awsDescription?: string,
): ReasonCodeExplanation {
  const known = REASON_CODE_EXPLANATIONS[reasonCode];
  if (known) {
    return known;
  }
  return {
    meaning: awsDescription ?? `AWS reports ${reasonCode}.`,
    check: `Look up ${reasonCode} in the Elastic Load Balancing target health documentation.`,
  };
}

/** Plain words for each target health state, used as the status label. */
export const TARGET_STATE_LABELS: Readonly<Record<TargetHealthState, string>> =
  {
    initial: 'Initial',
    healthy: 'Healthy',
    unhealthy: 'Unhealthy',
    'unhealthy.draining': 'Unhealthy, draining',
    unused: 'Unused',
    draining: 'Draining',
    unavailable: 'Unavailable',
  };
