import type {
  AlbListener,
  AlbListenerAction,
  AlbRuleCondition,
  AlbLoadBalancer,
  AlbTarget,
  AlbTargetGroup,
} from '@cross-account-alb/plugin-aws-alb-common';

/** The overall health of an entity's load balancers. */
export type OverallStatus = 'healthy' | 'degraded' | 'down' | 'provisioning';

/** What the header and the overview card show. */
export interface HealthSummary {
  status: OverallStatus;
  /** Healthy targets. */
  healthy: number;
  /** Targets that should serve: every target except those being deregistered. */
  total: number;
  /** Targets being deregistered (`draining`, `unhealthy.draining`), left out of `total`. */
  leaving: number;
  /** One or two sentences explaining the status. */
  detail: string;
}

function allTargets(loadBalancers: AlbLoadBalancer[]): AlbTarget[] {
  return loadBalancers.flatMap(lb => lb.targetGroups.flatMap(tg => tg.targets));
}

const LEAVING_STATES: ReadonlySet<string> = new Set([
  'draining',
  'unhealthy.draining',
]);

/** Healthy, serving and leaving targets of a list, for a target group's subtitle. */
export function countTargets(targets: AlbTarget[]): {
  healthy: number;
  total: number;
  leaving: number;
} {
  const serving = targets.filter(t => !LEAVING_STATES.has(t.state));
  return {
    healthy: serving.filter(t => t.state === 'healthy').length,
    total: serving.length,
    leaving: targets.length - serving.length,
  };
}

function statusOf(
  loadBalancers: AlbLoadBalancer[],
  serving: AlbTarget[],
  healthy: number,
): { status: OverallStatus; detail: string } {
  const total = serving.length;
  if (loadBalancers.some(lb => lb.state === 'failed')) {
    return {
      status: 'down',
      detail: 'AWS reports the load balancer as failed.',
    };
  }
  if (loadBalancers.some(lb => lb.state === 'provisioning')) {
    return {
      status: 'provisioning',
      detail: 'AWS is still creating the load balancer.',
    };
  }
  if (total === 0) {
    return {
      status: 'down',
      detail:
        'No targets are registered, so the load balancer answers 503. Check that the Service has ready pods.',
    };
  }
  if (healthy === 0) {
    return serving.every(t => t.state === 'initial')
      ? {
          status: 'provisioning',
          detail:
            'Targets are registered and waiting for their first health checks.',
        }
      : {
          status: 'down',
          detail:
            'No target is healthy: requests fail. See the reason of each target below.',
        };
  }
  if (healthy < total) {
    return {
      status: 'degraded',
      detail: `${total - healthy} of ${total} targets are not healthy.`,
    };
  }
  if (loadBalancers.some(lb => lb.state === 'active_impaired')) {
    return {
      status: 'degraded',
      detail: 'AWS reports the load balancer as impaired.',
    };
  }
  return { status: 'healthy', detail: 'All targets are healthy.' };
}

/**
 * Folds load balancer states and target health into one status:
 * - `provisioning`: an ALB is still being created, or no target has been checked yet;
 * - `down`: an ALB failed, has no targets, or no target is healthy;
 * - `degraded`: some targets are healthy but not all, or AWS reports the ALB impaired;
 * - `healthy`: every target is healthy.
 * Targets being deregistered are left out: during a rollout the old pods drain while the new
 * ones serve, which is not a degradation.
 */
export function summarizeHealth(
  loadBalancers: AlbLoadBalancer[],
): HealthSummary {
  const targets = allTargets(loadBalancers);
  const serving = targets.filter(t => !LEAVING_STATES.has(t.state));
  const healthy = serving.filter(t => t.state === 'healthy').length;
  const leaving = targets.length - serving.length;
  const { status, detail } = statusOf(loadBalancers, serving, healthy);
  const leavingNote =
    leaving === 0
      ? ''
      : ` ${leaving} ${
          leaving === 1 ? 'target is' : 'targets are'
        } being deregistered and not counted.`;
  return {
    status,
    healthy,
    total: serving.length,
    leaving,
    detail: `${detail}${leavingNote}`,
  };
}

/** Human label of an overall status. */
export const OVERALL_STATUS_LABELS: Readonly<Record<OverallStatus, string>> = {
  healthy: 'All healthy',
  degraded: 'Degraded',
  down: 'Down',
  provisioning: 'Provisioning',
};

/**
 * The URL to open the ALB with: HTTPS when a listener speaks it, else HTTP; the port is
 * added when it is not the protocol's default.
 */
export function loadBalancerUrl(lb: AlbLoadBalancer): string | undefined {
  if (!lb.dnsName) {
    return undefined;
  }
  const https = lb.listeners.find(l => l.protocol === 'HTTPS');
  const http = lb.listeners.find(l => l.protocol === 'HTTP');
  const listener = https ?? http;
  const scheme = https ? 'https' : 'http';
  const defaultPort = https ? 443 : 80;
  const port =
    listener?.port && listener.port !== defaultPort ? `:${listener.port}` : '';
  return `${scheme}://${lb.dnsName}${port}`;
}

export function describeAction(
  action: AlbListenerAction,
  targetGroups: AlbTargetGroup[],
): string {
  switch (action.type) {
    case 'forward': {
      const names = (action.targetGroupArns ?? []).map(
        arn => targetGroups.find(tg => tg.arn === arn)?.name ?? arn,
      );
      return `Forward to ${names.join(', ') || 'no target group'}`;
    }
    case 'redirect': {
      const r = action.redirect ?? {};
      const to = [r.protocol, r.port].filter(Boolean).join(':');
      const code = r.statusCode
        ? ` (${r.statusCode.replace('HTTP_', '')})`
        : '';
      return `Redirect to ${to || 'another URL'}${code}`;
    }
    case 'fixed-response':
      return `Fixed response ${action.fixedResponse?.statusCode ?? ''}`.trim();
    default:
      return action.type;
  }
}

/** Where a listener sends requests, e.g. `Forward to k8s-game-service-1234`. */
export function describeListenerActions(
  listener: AlbListener,
  targetGroups: AlbTargetGroup[],
): string {
  if (listener.defaultActions.length === 0) {
    return 'No default action';
  }
  return listener.defaultActions
    .map(action => describeAction(action, targetGroups))
    .join(', then ');
}

/** Health check settings in one line, e.g. `HTTP / every 15 s, timeout 5 s, …`. */
export function describeHealthCheck(tg: AlbTargetGroup): string {
  const hc = tg.healthCheck;
  if (hc.enabled === false) {
    return 'Disabled';
  }
  const parts: string[] = [];
  const where = [hc.protocol, hc.path].filter(Boolean).join(' ');
  if (where) parts.push(where);
  if (hc.port && hc.port !== 'traffic-port') parts.push(`port ${hc.port}`);
  if (hc.intervalSeconds) parts.push(`every ${hc.intervalSeconds} s`);
  if (hc.timeoutSeconds) parts.push(`timeout ${hc.timeoutSeconds} s`);
  if (hc.healthyThresholdCount)
    parts.push(`healthy after ${hc.healthyThresholdCount}`);
  if (hc.unhealthyThresholdCount)
    parts.push(`unhealthy after ${hc.unhealthyThresholdCount}`);
  if (hc.matcher) parts.push(`success codes ${hc.matcher}`);
  return parts.join(', ') || 'Default';
}

/** ALB state as shown to users. */
export function describeLoadBalancerState(state?: string): string {
  switch (state) {
    case 'active':
      return 'Active';
    case 'active_impaired':
      return 'Active (impaired)';
    case 'provisioning':
      return 'Provisioning';
    case 'failed':
      return 'Failed';
    default:
      return state ?? 'Unknown';
  }
}

/** A rule's conditions in one line, e.g. `host shop.example.com, path /cart/*`. */
export function describeRuleConditions(conditions: AlbRuleCondition[]): string {
  if (!conditions.length) return 'Any request';
  const label: Record<string, string> = {
    'host-header': 'host',
    'path-pattern': 'path',
    'http-request-method': 'method',
    'source-ip': 'source IP',
    'query-string': 'query',
  };
  return conditions
    .map(c => {
      const field =
        c.field === 'http-header'
          ? `header ${c.name ?? ''}`.trim()
          : label[c.field] ?? c.field;
      return `${field} ${c.values.join(' or ')}`;
    })
    .join(', ');
}
