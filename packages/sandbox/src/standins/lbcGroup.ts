/*
 * The Load Balancer Controller's Ingress group rules, as the stand-in applies them. An
 * Ingress with `alb.ingress.kubernetes.io/group.name` joins every other Ingress of the cluster
 * naming that group; the controller builds ONE model for all of them (one ALB, one listener
 * per port, the members' rules in order) and refuses the whole group when they disagree. It
 * then reconciles none of them until they agree, and says why in an event on each Ingress:
 * "Failed build model due to <reason>". The reasons and their wording follow controller
 * v3.5.0:
 *
 * - pkg/ingress/group_loader.go: members sorted by `group.order` (default 0, within
 *   [-1000, 1000]), then by `namespace/name`;
 * - pkg/ingress/model_build_load_balancer.go: "conflicting load balancer name", "conflicting
 *   scheme" (sets printed as Go prints them), "conflicting subnets" (order ignored),
 *   "conflicting securityGroups" (order counts);
 * - pkg/ingress/model_build_tags.go: the group's tags (ALB, listeners) merge every member's
 *   `tags` annotation, "conflicting tag <key>: <a> | <b>"; a target group carries its
 *   Service's tags before its Ingress's (buildIngressBackendResourceTags);
 * - pkg/ingress/model_build_listener.go: "multiple ingress defined default backend"; without
 *   one the listener answers a fixed 404;
 * - pkg/ingress/model_build_listener_rules.go: one rule per path of each member, priorities
 *   from 1 in member order (per listener: lbcListeners.ts has the listeners' own rules);
 * - pkg/ingress/model_build_load_balancer_addons.go (buildWAFv2WebACLAssociation): the
 *   `wafv2-acl-arn` of the members that set it must be one, "conflicting WAFv2 WebACL ARNs:
 *   <sorted list>"; it then applies to the whole ALB, members without it included.
 */
import { InputError } from '@backstage/errors';
import { IngressModel, lbcLoadBalancerName } from './lbc';
import { GroupListeners, mergeGroupListeners } from './lbcListeners';

/** One listener rule of the group, in priority order. */
export interface GroupRule {
  priority: number;
  host?: string;
  pathPatterns: string[];
  /** The target group resource ID the rule forwards to. */
  resourceId: string;
  /** `namespace/name` of the member whose path it is. */
  memberKey: string;
}

/** What the controller builds for a whole group (or one Ingress on its own). */
export interface IngressGroupModel {
  stack: string;
  groupName?: string;
  loadBalancerName: string;
  scheme: 'internet-facing' | 'internal';
  subnetIds: string[];
  securityGroupIds: string[];
  /** ALB and listener tags: every member's `tags`, merged. */
  groupTags: Record<string, string>;
  /** Members sorted as the controller sorts them. */
  members: IngressModel[];
  rules: GroupRule[];
  /** The default backend's target group resource ID; none: fixed 404. */
  defaultResourceId?: string;
  /** The listeners, merged from the members' (lbcListeners.ts). */
  listeners: GroupListeners;
  /** The members' one `wafv2-acl-arn` (`none` or empty: none); undefined when none sets it. */
  webAclArn?: string;
}

/** Go's `%v` of a string slice. */
const goSlice = (values: string[]) => `[${values.join(' ')}]`;
/** Go's `%v` of a `sets.String` (a map printed with sorted keys). */
const goSet = (values: Set<string>) =>
  `map[${[...values]
    .sort()
    .map(v => `${v}:{}`)
    .join(' ')}]`;

/** The controller's refusal of a group, with what to do about it. */
export class IngressGroupConflictError extends InputError {
  constructor(
    readonly stack: string,
    readonly clusterName: string,
    readonly reason: string,
    hint: string,
  ) {
    super(
      `Ingress group ${stack} on cluster ${clusterName}: the Load Balancer Controller reconciles none of its Ingresses ("Failed build model due to ${reason}"). ${hint}`,
    );
  }
}

export function prefixPatterns(path: string, pathType: string): string[] {
  if (pathType === 'Exact') return [path];
  if (pathType === 'Prefix') {
    if (path === '/' || path === '') return ['/*'];
    const p = path.replace(/\/+$/, '');
    return [p, `${p}/*`];
  }
  return [path];
}

/** Builds the group's model from its members' models, refusing what the controller refuses. */
export function buildIngressGroupModel(
  members: IngressModel[],
  clusterName: string,
): IngressGroupModel {
  if (!members.length) throw new Error('An Ingress group has members');
  const sorted = [...members].sort((x, y) =>
    x.order !== y.order
      ? x.order - y.order
      : `${x.namespace}/${x.ingressName}`.localeCompare(
          `${y.namespace}/${y.ingressName}`,
        ),
  );
  const stack = sorted[0].stack;
  const refuse = (reason: string, hint: string): never => {
    throw new IngressGroupConflictError(stack, clusterName, reason, hint);
  };
  const names = new Set(
    sorted.flatMap(m =>
      m.explicitLoadBalancerName ? [m.explicitLoadBalancerName] : [],
    ),
  );
  if (names.size > 1) {
    refuse(
      `conflicting load balancer name: ${goSet(names)}`,
      'Set load-balancer-name on one member only, or the same on all.',
    );
  }
  const schemes = new Set(
    sorted.flatMap(m => (m.explicitScheme ? [m.explicitScheme] : [])),
  );
  if (schemes.size > 1) {
    refuse(
      `conflicting scheme: ${goSet(schemes)}`,
      'Every Ingress of a group shares one ALB and so one scheme: use the scheme the group already has, or another group.',
    );
  }
  const [first, ...rest] = sorted;
  const sortedIds = (ids: string[]) => [...ids].sort().join(',');
  for (const m of rest) {
    if (sortedIds(m.subnetIds) !== sortedIds(first.subnetIds)) {
      refuse(
        `conflicting subnets: ${goSlice(first.subnetIds)} | ${goSlice(
          m.subnetIds,
        )}`,
        'Every Ingress of a group must name the same ALB subnets.',
      );
    }
  }
  for (const m of rest) {
    if (m.securityGroupIds.join(',') !== first.securityGroupIds.join(',')) {
      refuse(
        `conflicting securityGroups: ${goSlice(
          first.securityGroupIds,
        )} | ${goSlice(m.securityGroupIds)}`,
        "Every Ingress of a group must name the same security groups, in the same order: the application template gives a group one ALB security group (the group's, not the application's).",
      );
    }
  }
  const groupTags: Record<string, string> = {};
  for (const m of sorted) {
    for (const [key, value] of Object.entries(m.extraTags)) {
      if (key in groupTags && groupTags[key] !== value) {
        refuse(
          `conflicting tag ${key}: ${groupTags[key]} | ${value}`,
          `Tags on the Ingresses of a group land on the shared ALB and must agree: put what differs per application (e.g. backstage.io/component) in the tags annotation of its Service, which tags its target group only.`,
        );
      }
      groupTags[key] = value;
    }
  }
  const withDefault = sorted.filter(m => m.defaultBackendKey);
  if (withDefault.length > 1) {
    refuse(
      `multiple ingress defined default backend: ${goSlice(
        withDefault.map(m => `${m.namespace}/${m.ingressName}`),
      )}`,
      'Only one Ingress of a group may have spec.defaultBackend.',
    );
  }
  const rules: GroupRule[] = [];
  let priority = 1;
  for (const m of sorted) {
    for (const p of m.paths) {
      rules.push({
        priority: priority++,
        host: p.host,
        pathPatterns: prefixPatterns(p.path, p.pathType),
        resourceId: m.backends.find(b => b.key === p.backendKey)!.resourceId,
        memberKey: `${m.namespace}/${m.ingressName}`,
      });
    }
  }
  let listeners: GroupListeners;
  try {
    listeners = mergeGroupListeners(sorted.map(m => m.listeners));
  } catch (e) {
    return refuse(
      (e as Error).message,
      'The Ingresses of a group share one ALB and its listeners: agree on the protocol and TLS policy of each port and on one ssl-redirect port, which must be an HTTPS port of the group.',
    );
  }
  const webAcls = new Set(
    sorted.flatMap(m => (m.wafv2AclArn === undefined ? [] : [m.wafv2AclArn])),
  );
  if (webAcls.size > 1) {
    refuse(
      `conflicting WAFv2 WebACL ARNs: ${goSlice([...webAcls].sort())}`,
      'The Ingresses of a group share one ALB and so one web ACL: every member that names wafv2-acl-arn must name the same one (a member without it is protected by it too).',
    );
  }
  const defaultMember = withDefault[0];
  const scheme = ([...schemes][0] ?? first.scheme) as
    | 'internet-facing'
    | 'internal';
  return {
    stack,
    groupName: first.groupName,
    loadBalancerName:
      [...names][0] ??
      lbcLoadBalancerName({
        clusterName,
        namespace: first.namespace,
        ingressName: first.ingressName,
        groupName: first.groupName,
        scheme,
      }),
    scheme,
    subnetIds: first.subnetIds,
    securityGroupIds: first.securityGroupIds,
    groupTags,
    members: sorted,
    rules,
    listeners,
    webAclArn: [...webAcls][0],
    defaultResourceId: defaultMember
      ? defaultMember.backends.find(
          b => b.key === defaultMember.defaultBackendKey,
        )!.resourceId
      : undefined,
  };
}
