import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  Rule,
  RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AlbListenerRule,
  AlbListenerRules,
  AlbLoadBalancer,
  AlbRuleCondition,
} from '@cross-account-alb/plugin-aws-alb-common';
import { awsCall } from './errors';
import { toAction } from './readLoadBalancers';

function toCondition(c: RuleCondition): AlbRuleCondition {
  const field = c.Field ?? 'unknown';
  if (c.HttpHeaderConfig) {
    return {
      field,
      name: c.HttpHeaderConfig.HttpHeaderName,
      values: c.HttpHeaderConfig.Values ?? [],
    };
  }
  const values =
    c.HostHeaderConfig?.Values ??
    c.PathPatternConfig?.Values ??
    c.HttpRequestMethodConfig?.Values ??
    c.SourceIpConfig?.Values ??
    c.QueryStringConfig?.Values?.map(
      kv => `${kv.Key ? `${kv.Key}=` : ''}${kv.Value ?? ''}`,
    ) ??
    c.Values ??
    [];
  return { field, values };
}

function toRule(r: Rule): AlbListenerRule {
  return {
    arn: r.RuleArn ?? '',
    priority: r.Priority ?? '',
    isDefault: r.IsDefault ?? false,
    conditions: (r.Conditions ?? []).map(toCondition),
    actions: [...(r.Actions ?? [])]
      .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
      .map(toAction),
  };
}

/** Rules in the order ELB evaluates them: by priority, the default rule last. */
function byPriority(a: AlbListenerRule, b: AlbListenerRule): number {
  if (a.isDefault !== b.isDefault) return a.isDefault ? 1 : -1;
  return Number(a.priority) - Number(b.priority);
}

/** `DescribeRules` of one listener, every page. */
export async function describeListenerRules(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
): Promise<AlbListenerRule[]> {
  const rules: AlbListenerRule[] = [];
  let marker: string | undefined;
  do {
    const pageMarker = marker;
    const page = await awsCall('elasticloadbalancing:DescribeRules', () =>
      elbv2.send(
        new DescribeRulesCommand({
          ListenerArn: listenerArn,
          Marker: pageMarker,
        }),
      ),
    );
    rules.push(...(page.Rules ?? []).map(toRule));
    marker = page.NextMarker || undefined;
  } while (marker);
  return rules.sort(byPriority);
}

/**
 * The rules of an entity's listeners as it may see them: for a load balancer shared by an
 * Ingress group (its slice names `ingressGroup`), only the rules that forward to the entity's
 * own target groups, and the default rule, which every member shares; the number of rules
 * left out is given.
 */
export function rulesForEntity(
  lb: AlbLoadBalancer,
  listenerArn: string,
  rules: AlbListenerRule[],
): AlbListenerRules {
  const listener = lb.listeners.find(l => l.arn === listenerArn);
  const base = {
    loadBalancerArn: lb.arn,
    listenerArn,
    port: listener?.port,
    protocol: listener?.protocol,
  };
  if (!lb.ingressGroup) return { ...base, rules };
  const own = new Set(lb.targetGroups.map(tg => tg.arn));
  const kept = rules.filter(
    r =>
      r.isDefault ||
      r.actions.some(a => (a.targetGroupArns ?? []).some(arn => own.has(arn))),
  );
  return {
    ...base,
    rules: kept,
    otherIngressRules: rules.length - kept.length,
  };
}
