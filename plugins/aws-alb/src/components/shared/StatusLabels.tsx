import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type { TargetHealthState } from '@cross-account-alb/plugin-aws-alb-common';
import { TARGET_STATE_LABELS } from '../../lib/reasonCodes';
import {
  OVERALL_STATUS_LABELS,
  OverallStatus,
  describeLoadBalancerState,
} from '../../lib/summary';

/** A target's health state as a coloured status. */
export function TargetStateStatus(props: { state: TargetHealthState }) {
  const label = TARGET_STATE_LABELS[props.state] ?? props.state;
  switch (props.state) {
    case 'healthy':
      return <StatusOK>{label}</StatusOK>;
    case 'initial':
      return <StatusPending>{label}</StatusPending>;
    case 'unhealthy':
      return <StatusError>{label}</StatusError>;
    case 'unhealthy.draining':
    case 'unavailable':
      return <StatusWarning>{label}</StatusWarning>;
    default:
      return <StatusAborted>{label}</StatusAborted>;
  }
}

/** The overall status of the entity's load balancers. */
export function OverallStatusLabel(props: { status: OverallStatus }) {
  const label = OVERALL_STATUS_LABELS[props.status];
  switch (props.status) {
    case 'healthy':
      return <StatusOK>{label}</StatusOK>;
    case 'degraded':
      return <StatusWarning>{label}</StatusWarning>;
    case 'down':
      return <StatusError>{label}</StatusError>;
    default:
      return <StatusPending>{label}</StatusPending>;
  }
}

/** An ALB state (`active`, `provisioning`, …) as a coloured status. */
export function LoadBalancerStateStatus(props: { state?: string }) {
  const label = describeLoadBalancerState(props.state);
  switch (props.state) {
    case 'active':
      return <StatusOK>{label}</StatusOK>;
    case 'active_impaired':
      return <StatusWarning>{label}</StatusWarning>;
    case 'failed':
      return <StatusError>{label}</StatusError>;
    case 'provisioning':
      return <StatusPending>{label}</StatusPending>;
    default:
      return <StatusAborted>{label}</StatusAborted>;
  }
}
