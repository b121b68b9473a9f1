/*
 * Sandbox stand-in for the AWS Load Balancer Controller reconciling one Ingress. The real
 * controller runs in the cluster (Account-B) as the Account-A role through IRSA and creates
 * the ALB in Account-A; this does the same AWS calls as the Account-A role, with the names and
 * tags the controller uses, so whatever reads the ALB later (the portal's ALB tab, teardown)
 * finds it the way it will find the real one. The targets are the IPs of the pods the Service
 * selects (the Endpoints the real controller reads), which the sandbox cluster schedules for
 * each Deployment replica on the private subnets (clusterObjects.ts `schedulePods`); the
 * Kubernetes API stand-in lists the same pods.
 */
import { createHash } from 'node:crypto';
import {
  Action,
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancer,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RegisterTargetsCommand,
  RuleCondition,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  Tag,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand, EC2Client, Subnet } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  AssociateWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLForResourceCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { InputError } from '@backstage/errors';
import yaml from 'yaml';
import {
  ACCOUNT_ID_PATTERN,
  REGION_PATTERN,
  controllerClientOptions,
  eksctlClientOptions,
} from './aws';
import { SandboxClusterObjects, SandboxPod } from './clusterObjects';
import { buildIngressGroupModel, GroupRule } from './lbcGroup';
import {
  IngressListeners,
  ingressListeners,
  sslRedirectAction,
} from './lbcListeners';

/** A Kubernetes object, as far as the stand-in reads it. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, unknown>;
  };
  spec?: any;
  /** Written by controllers (the status subresource), never by `kubectl apply`. */
  status?: any;
}

/** The controller's tag keys. */
export const LBC_TAGS = {
  cluster: 'elbv2.k8s.aws/cluster',
  stack: 'ingress.k8s.aws/stack',
  resource: 'ingress.k8s.aws/resource',
} as const;

const ANNOTATION = 'alb.ingress.kubernetes.io/';
const GROUP_NAME_PATTERN = /^([a-z0-9][-a-z0-9.]{0,61}[a-z0-9]|[a-z0-9])$/;

/** Parses a multi-document Kubernetes manifest. */
export function parseKubernetesManifest(text: string): KubernetesObject[] {
  const docs = yaml.parseAllDocuments(text);
  const objects: KubernetesObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      throw new InputError(
        `Invalid YAML in the manifest: ${doc.errors[0].message}`,
      );
    }
    const value = doc.toJS();
    if (value && typeof value === 'object') {
      if (value.kind === 'List' && Array.isArray(value.items)) {
        objects.push(...value.items);
      } else objects.push(value);
    }
  }
  return objects;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value))
    return value.map(v => String(v).trim()).filter(Boolean);
  if (typeof value === 'string') {
    return value
      .split(',')
      .map(v => v.trim())
      .filter(Boolean);
  }
  return [];
}

function parseTagsAnnotation(value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of stringList(value)) {
    const i = pair.indexOf('=');
    if (i <= 0)
      throw new InputError(`Invalid tag "${pair}" in ${ANNOTATION}tags`);
    tags[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return tags;
}

const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9]/g, '');
const sha256 = (...parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** The controller's ALB name (buildLoadBalancerName in LBC v2/v3). */
export function lbcLoadBalancerName(opts: {
  clusterName: string;
  namespace: string;
  ingressName: string;
  groupName?: string;
  scheme: string;
}): string {
  const groupId = opts.groupName ?? `${opts.namespace}/${opts.ingressName}`;
  const uuid = sha256(opts.clusterName, groupId, opts.scheme);
  if (opts.groupName) {
    return `k8s-${sanitize(opts.groupName).slice(0, 17)}-${uuid.slice(0, 10)}`;
  }
  return `k8s-${sanitize(opts.namespace).slice(0, 8)}-${sanitize(
    opts.ingressName,
  ).slice(0, 8)}-${uuid.slice(0, 10)}`;
}

/** The controller's target group name (the Service UID is replaced by namespace/name). */
export function lbcTargetGroupName(opts: {
  clusterName: string;
  namespace: string;
  serviceName: string;
  servicePort: string;
  targetPort: number;
}): string {
  const uuid = sha256(
    opts.clusterName,
    `${opts.namespace}/${opts.serviceName}`,
    String(opts.targetPort),
    opts.servicePort,
    'ip',
    'HTTP',
    'HTTP',
    '15',
  );
  return `k8s-${sanitize(opts.namespace).slice(0, 8)}-${sanitize(
    opts.serviceName,
  ).slice(0, 8)}-${uuid.slice(0, 10)}`;
}

interface Backend {
  /** `service:port` as the Ingress names it. */
  key: string;
  serviceName: string;
  /** As written in the Ingress: a number or a port name. */
  servicePort: string;
  targetPort: number;
  replicas: number;
  /** The Service's namespace and `spec.selector`: its pods are the targets. */
  namespace: string;
  selector: Record<string, string>;
  /** The controller's target group resource ID: `namespace/ingress-service:port`. */
  resourceId: string;
  /** The Service's own `alb.ingress.kubernetes.io/tags`, which its target group carries. */
  serviceTags: Record<string, string>;
}

/** One path of the Ingress's rules, in the order written. */
interface IngressPath {
  host?: string;
  path: string;
  pathType: string;
  backendKey: string;
}

/** What the controller would build for one Ingress. */
export interface IngressModel {
  namespace: string;
  ingressName: string;
  stack: string;
  groupName?: string;
  /** `group.order` (default 0): members of a group are sorted by it, then by name. */
  order: number;
  loadBalancerName: string;
  /** `load-balancer-name` when the Ingress sets it. */
  explicitLoadBalancerName?: string;
  scheme: 'internet-facing' | 'internal';
  /** `scheme` when the Ingress sets it (else the controller's default, internal). */
  explicitScheme?: string;
  subnetIds: string[];
  securityGroupIds: string[];
  healthCheckPath: string;
  successCodes: string;
  extraTags: Record<string, string>;
  backends: Backend[];
  paths: IngressPath[];
  defaultBackendKey?: string;
  /** Its listen ports, certificates, TLS policy and SSL redirect (lbcListeners.ts). */
  listeners: IngressListeners;
  /** `wafv2-acl-arn` when the Ingress sets it (`none` or empty: no web ACL). */
  wafv2AclArn?: string;
}

/** Reads the Ingress (and the Services and Deployments it routes to) like the controller. */
export function buildIngressModel(
  objects: KubernetesObject[],
  opts: { clusterName: string; ingressName?: string },
): IngressModel {
  const ingresses = objects.filter(
    o =>
      o.kind === 'Ingress' &&
      (!opts.ingressName || o.metadata?.name === opts.ingressName),
  );
  if (ingresses.length === 0) {
    throw new InputError(
      opts.ingressName
        ? `No Ingress named "${opts.ingressName}" in the manifest`
        : 'No Ingress in the manifest',
    );
  }
  if (ingresses.length > 1) {
    throw new InputError(
      'More than one Ingress in the manifest; say which one with ingressName',
    );
  }
  return modelOfIngress(ingresses[0], objects, opts.clusterName);
}

/** The group an Ingress names (`group.name`), if any. */
export function ingressGroupName(
  ingress: KubernetesObject,
): string | undefined {
  const raw = ingress.metadata?.annotations?.[`${ANNOTATION}group.name`];
  return raw === undefined ? undefined : String(raw);
}

/** The model of one Ingress; Services and Deployments are looked up in `objects`. */
export function modelOfIngress(
  ingress: KubernetesObject,
  objects: KubernetesObject[],
  clusterName: string,
): IngressModel {
  const namespace = ingress.metadata?.namespace ?? 'default';
  const ingressName = ingress.metadata?.name;
  if (!ingressName) throw new InputError('The Ingress has no metadata.name');
  const annotations = ingress.metadata?.annotations ?? {};
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') {
      throw new InputError(
        `Annotation ${key} of Ingress ${namespace}/${ingressName} is not a string; Kubernetes only accepts string annotation values (quote it, or join lists with commas)`,
      );
    }
  }
  const a = (key: string) => annotations[ANNOTATION + key];
  const ingressClass =
    ingress.spec?.ingressClassName ??
    annotations['kubernetes.io/ingress.class'];
  if (ingressClass !== 'alb') {
    throw new InputError(
      `Ingress ${namespace}/${ingressName} has ingress class "${ingressClass}", not "alb": the controller ignores it`,
    );
  }
  const targetType = a('target-type') ?? 'instance';
  if (targetType !== 'ip') {
    throw new InputError(
      `target-type "${targetType}": pods in another account can only be targets by IP (LBC #2652); set ${ANNOTATION}target-type: ip`,
    );
  }
  const explicitScheme = a('scheme') as string | undefined;
  const scheme = (explicitScheme ?? 'internal') as string;
  if (scheme !== 'internet-facing' && scheme !== 'internal') {
    throw new InputError(`Invalid scheme "${scheme}"`);
  }
  const subnetIds = stringList(a('subnets'));
  if (
    subnetIds.length < 2 ||
    !subnetIds.every(s => /^subnet-[0-9a-f]+$/.test(s))
  ) {
    throw new InputError(
      `${ANNOTATION}subnets must list at least two subnet IDs: a participant cannot discover shared subnets by tags`,
    );
  }
  const securityGroupIds = stringList(a('security-groups'));
  if (
    !securityGroupIds.length ||
    !securityGroupIds.every(s => /^sg-[0-9a-f]+$/.test(s))
  ) {
    throw new InputError(
      `${ANNOTATION}security-groups must list security group IDs: the controller cannot create its own in a VPC it does not own (LBC #865)`,
    );
  }
  const groupName = ingressGroupName(ingress);
  if (groupName !== undefined && !GROUP_NAME_PATTERN.test(groupName)) {
    throw new InputError(
      `Invalid group.name "${groupName}": lowercase letters, digits, - and ., at most 63`,
    );
  }
  // group_loader.go: group.order is an int32 within [-1000, 1000], default 0.
  const rawOrder = a('group.order');
  const order = rawOrder === undefined ? 0 : Number(rawOrder);
  if (!Number.isInteger(order) || order < -1000 || order > 1000) {
    throw new InputError(
      `explicit Ingress group order must be within [-1000:1000], Ingress: ${namespace}/${ingressName}, order: ${rawOrder}`,
    );
  }
  const stack = groupName ?? `${namespace}/${ingressName}`;
  // model_build_load_balancer_addons.go: `wafv2-acl-name` wins over `wafv2-acl-arn` and is
  // looked up with wafv2:ListWebACLs; the stand-in does not look names up.
  if (a('wafv2-acl-name') !== undefined) {
    throw new InputError(
      `${ANNOTATION}wafv2-acl-name of Ingress ${namespace}/${ingressName}: the sandbox's controller stand-in does not look web ACLs up by name; name the web ACL by ARN in ${ANNOTATION}wafv2-acl-arn`,
    );
  }
  const explicitName = a('load-balancer-name');
  if (
    explicitName !== undefined &&
    !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/.test(
      String(explicitName),
    )
  ) {
    throw new InputError(
      `Invalid load-balancer-name "${explicitName}": at most 32 letters, digits and -, not starting or ending with -`,
    );
  }
  const loadBalancerName =
    explicitName !== undefined
      ? String(explicitName)
      : lbcLoadBalancerName({
          clusterName,
          namespace,
          ingressName,
          groupName,
          scheme,
        });

  // Paths in the order the rules list them; the default backend apart.
  const refs: { service: any; path?: IngressPath }[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    for (const p of rule?.http?.paths ?? []) {
      refs.push({
        service: p?.backend?.service,
        path: {
          host: rule?.host || undefined,
          path: p?.path ?? '/',
          pathType: p?.pathType ?? 'ImplementationSpecific',
          backendKey: '',
        },
      });
    }
  }
  if (ingress.spec?.defaultBackend?.service) {
    refs.push({ service: ingress.spec.defaultBackend.service });
  }
  if (!refs.length) throw new InputError('The Ingress routes to no Service');

  const backends = new Map<string, Backend>();
  const paths: IngressPath[] = [];
  let defaultBackendKey: string | undefined;
  for (const ref of refs) {
    const serviceName = ref.service?.name;
    const portRef = ref.service?.port?.number ?? ref.service?.port?.name;
    if (!serviceName || portRef === undefined) {
      throw new InputError('An Ingress backend has no service name or port');
    }
    const key = `${serviceName}:${portRef}`;
    if (ref.path) paths.push({ ...ref.path, backendKey: key });
    else defaultBackendKey = key;
    if (backends.has(key)) continue;
    const service = objects.find(
      o =>
        o.kind === 'Service' &&
        o.metadata?.name === serviceName &&
        (o.metadata?.namespace ?? 'default') === namespace,
    );
    if (!service) {
      throw new InputError(
        `Service ${namespace}/${serviceName} is not in the manifest`,
      );
    }
    const svcPort = (service.spec?.ports ?? []).find((p: any) =>
      typeof portRef === 'number' ? p.port === portRef : p.name === portRef,
    );
    if (!svcPort) {
      throw new InputError(
        `Service ${namespace}/${serviceName} has no port ${portRef}`,
      );
    }
    const selector: Record<string, string> = service.spec?.selector ?? {};
    const deployment = objects.find(
      o =>
        o.kind === 'Deployment' &&
        (o.metadata?.namespace ?? 'default') === namespace &&
        Object.keys(selector).length > 0 &&
        Object.entries(selector).every(
          ([k, v]) => o.spec?.template?.metadata?.labels?.[k] === v,
        ),
    );
    if (!deployment) {
      throw new InputError(
        `No Deployment in the manifest matches the selector of Service ${namespace}/${serviceName}`,
      );
    }
    let targetPort: number | undefined;
    const tp = svcPort.targetPort ?? svcPort.port;
    if (typeof tp === 'number') targetPort = tp;
    else if (/^\d+$/.test(String(tp))) targetPort = Number(tp);
    else {
      for (const c of deployment.spec?.template?.spec?.containers ?? []) {
        const named = (c.ports ?? []).find((p: any) => p.name === tp);
        if (named) targetPort = named.containerPort;
      }
    }
    if (!targetPort) {
      throw new InputError(
        `Cannot resolve targetPort "${tp}" of Service ${namespace}/${serviceName}`,
      );
    }
    backends.set(key, {
      key,
      serviceName,
      servicePort: String(portRef),
      targetPort,
      replicas: Number(deployment.spec?.replicas ?? 1),
      namespace,
      selector,
      resourceId: `${namespace}/${ingressName}-${serviceName}:${portRef}`,
      serviceTags: parseTagsAnnotation(
        service.metadata?.annotations?.[`${ANNOTATION}tags`],
      ),
    });
  }

  return {
    namespace,
    ingressName,
    stack,
    groupName,
    order,
    loadBalancerName,
    explicitLoadBalancerName:
      explicitName === undefined ? undefined : String(explicitName),
    scheme,
    explicitScheme,
    subnetIds,
    securityGroupIds,
    healthCheckPath: String(a('healthcheck-path') ?? '/'),
    successCodes: String(a('success-codes') ?? '200'),
    extraTags: parseTagsAnnotation(a('tags')),
    backends: [...backends.values()],
    paths,
    defaultBackendKey,
    listeners: ingressListeners(
      `${namespace}/${ingressName}`,
      annotations as Record<string, string>,
    ),
    wafv2AclArn: a('wafv2-acl-arn') as string | undefined,
  };
}

/** True when the pod's labels (its Deployment's template, as the ReplicaSet copies them) match. */
function podLabelsMatch(
  objects: KubernetesObject[],
  pod: SandboxPod,
  selector: Record<string, string>,
): boolean {
  const deployment = objects.find(
    o =>
      o.kind === 'Deployment' &&
      o.metadata?.name === pod.deployment &&
      (o.metadata?.namespace ?? 'default') === pod.namespace,
  );
  const labels: Record<string, string> =
    deployment?.spec?.template?.metadata?.labels ?? {};
  return (
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  );
}

async function tagsOf(
  elbv2: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  for (let i = 0; i < arns.length; i += 20) {
    const { TagDescriptions = [] } = await elbv2.send(
      new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }),
    );
    for (const d of TagDescriptions) {
      result.set(
        d.ResourceArn!,
        Object.fromEntries((d.Tags ?? []).map(t => [t.Key!, t.Value ?? ''])),
      );
    }
  }
  return result;
}

async function allLoadBalancers(elbv2: ElasticLoadBalancingV2Client) {
  const out: LoadBalancer[] = [];
  let Marker: string | undefined;
  do {
    const page = await elbv2.send(new DescribeLoadBalancersCommand({ Marker }));
    out.push(...(page.LoadBalancers ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return out;
}

async function allTargetGroups(elbv2: ElasticLoadBalancingV2Client) {
  const out: TargetGroup[] = [];
  let Marker: string | undefined;
  do {
    const page = await elbv2.send(new DescribeTargetGroupsCommand({ Marker }));
    out.push(...(page.TargetGroups ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return out;
}

const matches = (
  tags: Record<string, string> | undefined,
  want: Record<string, string>,
) => !!tags && Object.entries(want).every(([k, v]) => tags[k] === v);

const toTags = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Finds the ALB the controller made for a stack, by the controller's tags. */
export async function findLoadBalancerByLbcTags(
  elbv2: ElasticLoadBalancingV2Client,
  clusterName: string,
  stack: string,
): Promise<LoadBalancer | undefined> {
  const lbs = await allLoadBalancers(elbv2);
  const tags = await tagsOf(
    elbv2,
    lbs.map(lb => lb.LoadBalancerArn!),
  );
  return lbs.find(lb =>
    matches(tags.get(lb.LoadBalancerArn!), {
      [LBC_TAGS.cluster]: clusterName,
      [LBC_TAGS.stack]: stack,
      [LBC_TAGS.resource]: 'LoadBalancer',
    }),
  );
}

/** The controller's stack of an Ingress: its group name, else `namespace/name`. */
export function stackOf(ingress: KubernetesObject): string {
  return (
    ingressGroupName(ingress) ??
    `${ingress.metadata?.namespace ?? 'default'}/${ingress.metadata?.name}`
  );
}

export interface ReconcileIngressResult {
  loadBalancerArn: string;
  loadBalancerName: string;
  dnsName: string;
  stack: string;
  /** The target groups of this Ingress (not of the other members of its group). */
  targetGroupArns: string[];
  podIps: string[];
  /** false when the ALB already existed (idempotent re-run, or a group's later member). */
  created: boolean;
  /** `namespace/name` of every Ingress of the stack, in the controller's order. */
  members: string[];
}

export interface ReconcileIngressOptions {
  /** The manifest's text (multi-document YAML) or its parsed objects. */
  manifest: string | KubernetesObject[];
  ingressName?: string;
  networkAccountId: string;
  region: string;
  clusterName: string;
  /** Subnets the pods get IPs from. Default: the cluster's subnets. */
  podSubnetIds?: string[];
  /** The cluster's account: the controller's service account token comes from there. */
  workloadAccountId?: string;
  /** The role the controller's service account names; found by its trust policy when absent. */
  controllerRoleArn?: string;
}

/** The controller of one cluster, as the stand-in plays it. */
interface ControllerContext {
  elbv2: ElasticLoadBalancingV2Client;
  wafv2: WAFV2Client;
  ec2: EC2Client;
  clusterName: string;
  region: string;
  store: SandboxClusterObjects;
  podSubnetIds: string[];
}

function checkIds(options: {
  networkAccountId: string;
  region: string;
  clusterName: string;
  workloadAccountId?: string;
}): asserts options is typeof options & { workloadAccountId: string } {
  if (!ACCOUNT_ID_PATTERN.test(options.networkAccountId)) {
    throw new InputError(
      `Invalid network account ID "${options.networkAccountId}"`,
    );
  }
  if (!REGION_PATTERN.test(options.region))
    throw new InputError(`Invalid region "${options.region}"`);
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,99}$/.test(options.clusterName)) {
    throw new InputError(`Invalid cluster name "${options.clusterName}"`);
  }
  if (!options.workloadAccountId) {
    throw new InputError(
      'The controller runs in the workload account: workloadAccountId is required',
    );
  }
}

/** The controller's AWS clients (its IRSA role) and the cluster's API server. */
async function controllerContext(options: {
  networkAccountId: string;
  region: string;
  clusterName: string;
  workloadAccountId: string;
  controllerRoleArn?: string;
  podSubnetIds?: string[];
}): Promise<ControllerContext> {
  // The controller calls AWS as the role its service account names (IRSA), never as Backstage.
  const clientOptions = await controllerClientOptions({
    networkAccountId: options.networkAccountId,
    workloadAccountId: options.workloadAccountId,
    region: options.region,
    clusterName: options.clusterName,
    roleArn: options.controllerRoleArn,
  });
  const eks = new EKSClient(
    await eksctlClientOptions(options.workloadAccountId, options.region),
  );
  const { cluster } = await eks.send(
    new DescribeClusterCommand({ name: options.clusterName }),
  );
  const store = SandboxClusterObjects.open({
    workloadAccountId: options.workloadAccountId,
    region: options.region,
    clusterName: options.clusterName,
    clusterArn: cluster?.arn ?? '',
    createdAt: String(cluster?.createdAt?.valueOf() ?? ''),
  });
  return {
    elbv2: new ElasticLoadBalancingV2Client(clientOptions),
    wafv2: new WAFV2Client(clientOptions),
    ec2: new EC2Client(clientOptions),
    clusterName: options.clusterName,
    region: options.region,
    store,
    podSubnetIds: options.podSubnetIds?.length
      ? options.podSubnetIds
      : cluster?.resourcesVpcConfig?.subnetIds ?? [],
  };
}

/**
 * Plays `kubectl apply -f` of a manifest and the Load Balancer Controller reconciling the
 * Ingress's stack in the sandbox: for the Ingress alone, or with every other Ingress of the
 * cluster in its group (lbcGroup.ts has the controller's group rules): one ALB, target groups
 * and targets per backend, the HTTP:80 listener with one rule per path, with the controller's
 * names and tags, in the network account. Idempotent: existing resources are found by their
 * tags and brought in line; what the stack no longer needs is deleted.
 */
export async function sandboxReconcileIngress(
  options: ReconcileIngressOptions,
): Promise<ReconcileIngressResult> {
  checkIds(options);
  const objects =
    typeof options.manifest === 'string'
      ? parseKubernetesManifest(options.manifest)
      : options.manifest;
  // This Ingress on its own first: its own mistakes are named before the group's.
  const model = buildIngressModel(objects, {
    clusterName: options.clusterName,
    ingressName: options.ingressName,
  });
  const ctx = await controllerContext(options);
  ctx.store.apply(objects);
  const result = await reconcileStack(ctx, model.stack);
  if (!result) throw new Error(`Stack ${model.stack} has no Ingress`);
  const own = model.backends.map(b => b.resourceId);
  return {
    ...result,
    targetGroupArns: own.map(id => result.targetGroupArns.get(id)!),
    podIps: own.flatMap(id => result.podIps.get(id) ?? []),
  };
}

/**
 * Plays `kubectl delete -f` of a manifest: its objects leave the cluster and the controller
 * reconciles the Ingress's stack, which deletes the ALB when it was the stack's last Ingress
 * and otherwise only the Ingress's target groups and rules. A dry run changes nothing and
 * lists what would go.
 */
export async function sandboxDeleteIngress(
  options: Omit<ReconcileIngressOptions, 'podSubnetIds'> & { dryRun?: boolean },
): Promise<{ stack: string; deleted: string[]; remainingMembers: string[] }> {
  checkIds(options);
  const objects =
    typeof options.manifest === 'string'
      ? parseKubernetesManifest(options.manifest)
      : options.manifest;
  const ingresses = objects.filter(
    o =>
      o.kind === 'Ingress' &&
      (!options.ingressName || o.metadata?.name === options.ingressName),
  );
  if (ingresses.length !== 1) {
    throw new InputError(
      `Expected one Ingress${
        options.ingressName ? ` named ${options.ingressName}` : ''
      } in the manifest, found ${ingresses.length}`,
    );
  }
  const ingress = ingresses[0];
  const stack = stackOf(ingress);
  const ctx = await controllerContext(options);
  const name = `${ingress.metadata?.namespace ?? 'default'}/${
    ingress.metadata?.name
  }`;
  const remaining = ctx.store
    .list()
    .filter(
      o =>
        o.kind === 'Ingress' &&
        stackOf(o) === stack &&
        `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}` !== name,
    )
    .map(o => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`)
    .sort();
  if (options.dryRun) {
    const deleted = remaining.length
      ? (await stackTargetGroups(ctx.elbv2, ctx.clusterName, stack))
          .filter(tg => tg.resource.startsWith(`${name}-`))
          .map(tg => tg.arn)
      : await deleteStackResources(ctx.elbv2, ctx.clusterName, stack, true);
    return { stack, deleted, remainingMembers: remaining };
  }
  const before = await stackTargetGroups(ctx.elbv2, ctx.clusterName, stack);
  ctx.store.delete(objects);
  if (!remaining.length) {
    const deleted = await deleteStackResources(
      ctx.elbv2,
      ctx.clusterName,
      stack,
      false,
    );
    return { stack, deleted, remainingMembers: remaining };
  }
  const result = await reconcileStack(ctx, stack);
  const after = new Set(result ? [...result.targetGroupArns.values()] : []);
  const deleted = before.filter(tg => !after.has(tg.arn)).map(tg => tg.arn);
  return { stack, deleted, remainingMembers: remaining };
}

/** The target groups of a stack, with their `ingress.k8s.aws/resource`. */
async function stackTargetGroups(
  elbv2: ElasticLoadBalancingV2Client,
  clusterName: string,
  stack: string,
): Promise<{ arn: string; resource: string; group: TargetGroup }[]> {
  const all = await allTargetGroups(elbv2);
  const tags = await tagsOf(
    elbv2,
    all.map(tg => tg.TargetGroupArn!),
  );
  return all.flatMap(group => {
    const t = tags.get(group.TargetGroupArn!);
    return t?.[LBC_TAGS.cluster] === clusterName && t[LBC_TAGS.stack] === stack
      ? [
          {
            arn: group.TargetGroupArn!,
            resource: t[LBC_TAGS.resource] ?? '',
            group,
          },
        ]
      : [];
  });
}

/**
 * Deletes what the controller made for a stack: listeners, the ALB, then the stack's target
 * groups. Returns their ARNs; a dry run only lists them.
 */
export async function deleteStackResources(
  elbv2: ElasticLoadBalancingV2Client,
  clusterName: string,
  stack: string,
  dryRun: boolean,
): Promise<string[]> {
  const deleted: string[] = [];
  const lb = await findLoadBalancerByLbcTags(elbv2, clusterName, stack);
  if (lb) {
    const { Listeners = [] } = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    for (const l of Listeners) {
      if (!dryRun) {
        await elbv2.send(
          new DeleteListenerCommand({ ListenerArn: l.ListenerArn }),
        );
      }
      deleted.push(l.ListenerArn!);
    }
    if (!dryRun) {
      await elbv2.send(
        new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
      );
    }
    deleted.push(lb.LoadBalancerArn!);
  }
  for (const tg of await stackTargetGroups(elbv2, clusterName, stack)) {
    if (!dryRun) {
      await elbv2.send(
        new DeleteTargetGroupCommand({ TargetGroupArn: tg.arn }),
      );
    }
    deleted.push(tg.arn);
  }
  return deleted;
}

const fixed404 = {
  Type: 'fixed-response' as const,
  FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' },
};

/** The rule's conditions as the controller writes them (host first, then path). */
function ruleConditions(rule: GroupRule): RuleCondition[] {
  return [
    ...(rule.host
      ? [{ Field: 'host-header', HostHeaderConfig: { Values: [rule.host] } }]
      : []),
    { Field: 'path-pattern', PathPatternConfig: { Values: rule.pathPatterns } },
  ];
}

const conditionKey = (conditions: RuleCondition[] = []) =>
  JSON.stringify(
    conditions
      .map(c => [
        c.Field,
        [
          ...(c.HostHeaderConfig?.Values ??
            c.PathPatternConfig?.Values ??
            c.Values ??
            []),
        ],
      ])
      .sort(),
  );

/**
 * Reconciles one stack from the cluster's Ingresses, as the controller does after any change
 * to one of them. Resolves to undefined when the stack has no Ingress left (its ALB and
 * target groups are then deleted).
 */
/** The default actions of a listener, compared as the stand-in writes them. */
function actionKey(actions: Action[] | undefined): string {
  return JSON.stringify(
    (actions ?? []).map(a => ({
      Type: a.Type,
      TargetGroupArn: a.TargetGroupArn,
      StatusCode: a.FixedResponseConfig?.StatusCode,
      Redirect: a.RedirectConfig
        ? [
            a.RedirectConfig.Protocol,
            a.RedirectConfig.Port,
            a.RedirectConfig.StatusCode,
          ]
        : undefined,
    })),
  );
}

/** Makes a listener's rules exactly `rules` (by priority), deleting the others. */
async function reconcileRules(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
  rules: GroupRule[],
  targetGroupArns: Map<string, string>,
): Promise<void> {
  const { Rules = [] } = await elbv2.send(
    new DescribeRulesCommand({ ListenerArn: listenerArn }),
  );
  const current = new Map(
    Rules.filter(r => !r.IsDefault).map(r => [Number(r.Priority), r]),
  );
  for (const rule of rules) {
    const tgArn = targetGroupArns.get(rule.resourceId)!;
    const conditions = ruleConditions(rule);
    const actions: Action[] = [{ Type: 'forward', TargetGroupArn: tgArn }];
    const have = current.get(rule.priority);
    current.delete(rule.priority);
    if (!have) {
      await elbv2.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: rule.priority,
          Conditions: conditions,
          Actions: actions,
        }),
      );
    } else if (
      conditionKey(have.Conditions) !== conditionKey(conditions) ||
      have.Actions?.length !== 1 ||
      have.Actions[0].TargetGroupArn !== tgArn
    ) {
      await elbv2.send(
        new ModifyRuleCommand({
          RuleArn: have.RuleArn,
          Conditions: conditions,
          Actions: actions,
        }),
      );
    }
  }
  for (const extra of current.values()) {
    await elbv2.send(new DeleteRuleCommand({ RuleArn: extra.RuleArn }));
  }
}

async function reconcileStack(
  ctx: ControllerContext,
  stack: string,
): Promise<
  | (Omit<ReconcileIngressResult, 'targetGroupArns' | 'podIps'> & {
      targetGroupArns: Map<string, string>;
      podIps: Map<string, string[]>;
    })
  | undefined
> {
  const { elbv2, ec2, clusterName, store } = ctx;
  const objects = store.list();
  const ingresses = objects.filter(
    o => o.kind === 'Ingress' && stackOf(o) === stack,
  );
  if (!ingresses.length) {
    await deleteStackResources(elbv2, clusterName, stack, false);
    return undefined;
  }
  const group = buildIngressGroupModel(
    ingresses.map(i => modelOfIngress(i, objects, clusterName)),
    clusterName,
  );

  const albSubnets =
    (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: group.subnetIds })))
      .Subnets ?? [];
  const vpcId = albSubnets[0]?.VpcId;
  if (!vpcId || albSubnets.some(s => s.VpcId !== vpcId)) {
    throw new InputError('The ALB subnets must all be in one VPC');
  }
  if (new Set(albSubnets.map(s => s.AvailabilityZoneId)).size < 2) {
    throw new InputError(
      'An ALB needs subnets in at least two availability zones',
    );
  }

  // Where the pods live: the cluster's subnets, as the cluster itself knows them.
  let podSubnets: Subnet[];
  if (ctx.podSubnetIds.length) {
    podSubnets =
      (
        await ec2.send(
          new DescribeSubnetsCommand({ SubnetIds: ctx.podSubnetIds }),
        )
      ).Subnets ?? [];
  } else {
    podSubnets = (
      (
        await ec2.send(
          new DescribeSubnetsCommand({
            Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
          }),
        )
      ).Subnets ?? []
    ).filter(s => !group.subnetIds.includes(s.SubnetId!));
  }
  podSubnets.sort((x, y) =>
    (x.CidrBlock ?? '').localeCompare(y.CidrBlock ?? ''),
  );
  if (!podSubnets.length) throw new InputError('No subnets found for the pods');
  const podCidrs = podSubnets.map(s => s.CidrBlock!);
  // The cluster runs the Deployments' pods on those subnets; the targets are their IPs.
  const pods = store.schedulePods(podCidrs, ctx.region);

  // model_build_tags.go / tracking/provider.go: the controller's tracking tags come first.
  const stackTags = {
    [LBC_TAGS.cluster]: clusterName,
    [LBC_TAGS.stack]: group.stack,
  };

  // The load balancer.
  let created = false;
  let lb = await findLoadBalancerByLbcTags(elbv2, clusterName, group.stack);
  if (!lb) {
    const res = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: group.loadBalancerName,
        Type: 'application',
        Scheme: group.scheme,
        IpAddressType: 'ipv4',
        Subnets: group.subnetIds,
        SecurityGroups: group.securityGroupIds,
        Tags: toTags({
          ...group.groupTags,
          ...stackTags,
          [LBC_TAGS.resource]: 'LoadBalancer',
        }),
      }),
    );
    lb = res.LoadBalancers![0];
    created = true;
  } else {
    const haveSgs = [...(lb.SecurityGroups ?? [])].sort().join(',');
    if (haveSgs !== [...group.securityGroupIds].sort().join(',')) {
      await elbv2.send(
        new SetSecurityGroupsCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          SecurityGroups: group.securityGroupIds,
        }),
      );
    }
    const haveSubnets = (lb.AvailabilityZones ?? [])
      .map(z => z.SubnetId)
      .sort()
      .join(',');
    if (haveSubnets !== [...group.subnetIds].sort().join(',')) {
      await elbv2.send(
        new SetSubnetsCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Subnets: group.subnetIds,
        }),
      );
    }
  }
  const loadBalancerArn = lb.LoadBalancerArn!;

  // Target groups and targets, one per backend of each member.
  const existing = await stackTargetGroups(elbv2, clusterName, group.stack);
  const targetGroupArns = new Map<string, string>();
  const podIpsByResource = new Map<string, string[]>();
  for (const member of group.members) {
    for (const backend of member.backends) {
      let tgArn = existing.find(t => t.resource === backend.resourceId)?.arn;
      if (!tgArn) {
        tgArn = (
          await elbv2.send(
            new CreateTargetGroupCommand({
              Name: lbcTargetGroupName({
                clusterName,
                namespace: member.namespace,
                serviceName: backend.serviceName,
                servicePort: backend.servicePort,
                targetPort: backend.targetPort,
              }),
              Protocol: 'HTTP',
              ProtocolVersion: 'HTTP1',
              Port: backend.targetPort,
              VpcId: vpcId,
              TargetType: 'ip',
              HealthCheckProtocol: 'HTTP',
              HealthCheckPort: 'traffic-port',
              HealthCheckPath: member.healthCheckPath,
              HealthCheckIntervalSeconds: 15,
              HealthCheckTimeoutSeconds: 5,
              HealthyThresholdCount: 2,
              UnhealthyThresholdCount: 2,
              Matcher: { HttpCode: member.successCodes },
              // The Service's tags before the Ingress's (buildIngressBackendResourceTags).
              Tags: toTags({
                ...member.extraTags,
                ...backend.serviceTags,
                ...stackTags,
                [LBC_TAGS.resource]: backend.resourceId,
              }),
            }),
          )
        ).TargetGroups![0].TargetGroupArn!;
      }
      targetGroupArns.set(backend.resourceId, tgArn);
      // The Service's endpoints: the pods its selector matches (all of them are ready here).
      const podIps = pods
        .filter(
          p =>
            p.namespace === backend.namespace &&
            podLabelsMatch(objects, p, backend.selector),
        )
        .map(p => p.ip);
      podIpsByResource.set(backend.resourceId, podIps);
      const { TargetHealthDescriptions = [] } = await elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }),
      );
      const registered = TargetHealthDescriptions.map(d => d.Target!);
      const stale = registered.filter(
        t => !podIps.includes(t.Id!) || t.Port !== backend.targetPort,
      );
      if (stale.length) {
        await elbv2.send(
          new DeregisterTargetsCommand({
            TargetGroupArn: tgArn,
            Targets: stale.map(t => ({ Id: t.Id!, Port: t.Port })),
          }),
        );
      }
      const missing = podIps.filter(
        ip =>
          !registered.some(t => t.Id === ip && t.Port === backend.targetPort),
      );
      if (missing.length) {
        await elbv2.send(
          new RegisterTargetsCommand({
            TargetGroupArn: tgArn,
            Targets: missing.map(Id => ({ Id, Port: backend.targetPort })),
          }),
        );
      }
    }
  }

  // One listener per port the members listen on (lbcListeners.ts): an HTTP listener of a
  // redirecting group answers the redirect only; the others forward to the default backend,
  // else a fixed 404, with one rule per path of the members listening on their port.
  const forwardDefault: Action[] = group.defaultResourceId
    ? [
        {
          Type: 'forward',
          TargetGroupArn: targetGroupArns.get(group.defaultResourceId),
        },
      ]
    : [fixed404];
  const { Listeners = [] } = await elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }),
  );
  const { sslRedirectPort } = group.listeners;
  for (const wanted of group.listeners.listeners) {
    const redirects =
      wanted.protocol === 'HTTP' && sslRedirectPort !== undefined;
    const defaultActions: Action[] = redirects
      ? [sslRedirectAction(sslRedirectPort)]
      : forwardDefault;
    const tls =
      wanted.protocol === 'HTTPS'
        ? {
            Certificates: [{ CertificateArn: wanted.certificateArns[0] }],
            SslPolicy: wanted.sslPolicy,
          }
        : {};
    let listener = Listeners.find(l => l.Port === wanted.port);
    if (!listener) {
      listener = (
        await elbv2.send(
          new CreateListenerCommand({
            LoadBalancerArn: loadBalancerArn,
            Protocol: wanted.protocol,
            Port: wanted.port,
            DefaultActions: defaultActions,
            ...tls,
          }),
        )
      ).Listeners![0];
    } else if (
      listener.Protocol !== wanted.protocol ||
      actionKey(listener.DefaultActions) !== actionKey(defaultActions) ||
      (wanted.protocol === 'HTTPS' &&
        (listener.Certificates?.[0]?.CertificateArn !==
          wanted.certificateArns[0] ||
          listener.SslPolicy !== wanted.sslPolicy))
    ) {
      await elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: listener.ListenerArn,
          Protocol: wanted.protocol,
          Port: wanted.port,
          DefaultActions: defaultActions,
          ...tls,
        }),
      );
    }
    // The other certificates of the port, beside the default one (SNI).
    const extraCertificates = wanted.certificateArns.slice(1);
    if (extraCertificates.length) {
      const { Certificates = [] } = await elbv2.send(
        new DescribeListenerCertificatesCommand({
          ListenerArn: listener.ListenerArn,
        }),
      );
      const missing = extraCertificates.filter(
        arn => !Certificates.some(c => c.CertificateArn === arn),
      );
      if (missing.length) {
        await elbv2.send(
          new AddListenerCertificatesCommand({
            ListenerArn: listener.ListenerArn,
            Certificates: missing.map(CertificateArn => ({ CertificateArn })),
          }),
        );
      }
    }
    const rules = redirects
      ? []
      : group.rules
          .filter(r => wanted.memberKeys.includes(r.memberKey))
          .map((r, i) => ({ ...r, priority: i + 1 }));
    await reconcileRules(elbv2, listener.ListenerArn!, rules, targetGroupArns);
  }
  // A port no member listens on any more: its listener goes.
  for (const l of Listeners) {
    if (!group.listeners.listeners.some(w => w.port === l.Port)) {
      await elbv2.send(
        new DeleteListenerCommand({ ListenerArn: l.ListenerArn }),
      );
    }
  }
  // The group's web ACL (lbcGroup.ts), when a member names one.
  if (group.webAclArn !== undefined) {
    await reconcileWebAcl(ctx.wafv2, loadBalancerArn, group.webAclArn);
  }

  // What no member needs any more (an Ingress that left the group, a backend removed).
  const desired = new Set(targetGroupArns.values());
  const stale = existing.filter(t => !desired.has(t.arn));
  for (const tg of stale) {
    await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.arn }));
  }

  // The controller writes the ALB's name into each member's status
  // (controllers/ingress/group_controller.go, updateIngressStatus): what external-dns reads
  // as the Ingress's target (source/ingress.go, targetsFromIngressStatus).
  for (const m of group.members) {
    store.setStatus('Ingress', m.namespace, m.ingressName, {
      loadBalancer: { ingress: [{ hostname: lb.DNSName! }] },
    });
  }

  return {
    loadBalancerArn,
    loadBalancerName: lb.LoadBalancerName!,
    dnsName: lb.DNSName!,
    stack: group.stack,
    targetGroupArns,
    podIps: podIpsByResource,
    created,
    members: group.members.map(m => `${m.namespace}/${m.ingressName}`),
  };
}

/**
 * The ALB's web ACL as the controller (v3.5.0) makes it, from the group's `wafv2-acl-arn`:
 * pkg/deploy/wafv2/web_acl_association_synthesizer.go (synthesizeWebACLAssociationsOnLB) and
 * web_acl_association_manager.go. It reads the ALB's web ACL (GetWebACLForResource), then
 * associates the wanted one when it differs (AssociateWebACL replaces another), or, for `none`
 * (or an empty value), disassociates the current one. Only when a member names the
 * annotation: without it the controller builds no association and leaves whatever web ACL the
 * ALB has (model_build_load_balancer_addons.go). The controller caches what it read for ten
 * minutes; the stand-in reads each time.
 */
async function reconcileWebAcl(
  wafv2: WAFV2Client,
  loadBalancerArn: string,
  annotated: string,
): Promise<void> {
  const wanted = annotated === 'none' ? '' : annotated;
  const failed = (what: string) => (e: Error) => {
    throw new Error(
      `failed to ${what} WAFv2 webACL association on LoadBalancer: ${e.message}`,
      { cause: e },
    );
  };
  const { WebACL } = await wafv2
    .send(new GetWebACLForResourceCommand({ ResourceArn: loadBalancerArn }))
    .catch(failed('get'));
  const current = WebACL?.ARN ?? '';
  if (!wanted) {
    if (current) {
      await wafv2
        .send(new DisassociateWebACLCommand({ ResourceArn: loadBalancerArn }))
        .catch(failed('delete'));
    }
    return;
  }
  if (wanted !== current) {
    await wafv2
      .send(
        new AssociateWebACLCommand({
          WebACLArn: wanted,
          ResourceArn: loadBalancerArn,
        }),
      )
      .catch(failed(current ? 'update' : 'create'));
  }
}

/**
 * Deletes a whole stack, as `kubectl delete ingress` of every Ingress of it would: they
 * leave the cluster and the controller deletes the ALB, its listeners and target groups.
 */
export async function sandboxDeleteStack(options: {
  networkAccountId: string;
  region: string;
  clusterName: string;
  workloadAccountId: string;
  stack: string;
  dryRun?: boolean;
}): Promise<string[]> {
  checkIds(options);
  const ctx = await controllerContext(options);
  if (!options.dryRun) {
    ctx.store.delete(
      ctx.store
        .list()
        .filter(o => o.kind === 'Ingress' && stackOf(o) === options.stack),
    );
  }
  return deleteStackResources(
    ctx.elbv2,
    options.clusterName,
    options.stack,
    !!options.dryRun,
  );
}
