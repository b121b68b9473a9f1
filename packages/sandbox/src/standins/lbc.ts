/*
 * Sandbox stand-in for the AWS Load Balancer Controller reconciling one Ingress. The real
 * controller runs in the cluster (Account-B) as the Account-A role through IRSA and creates
 * the ALB in Account-A; this does the same AWS calls as the Account-A role, with the names and
 * tags the controller uses, so whatever reads the ALB later (the portal's ALB tab, teardown)
 * finds it the way it will find the real one. Pods do not exist in the sandbox: their IPs are
 * made up, one per Deployment replica, from the private subnets' CIDRs.
 */
import { createHash } from 'node:crypto';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancer,
  ModifyListenerCommand,
  RegisterTargetsCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  Tag,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand, EC2Client, Subnet } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { InputError } from '@backstage/errors';
import yaml from 'yaml';
import {
  ACCOUNT_ID_PATTERN,
  REGION_PATTERN,
  controllerClientOptions,
  eksctlClientOptions,
} from './aws';

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
  serviceName: string;
  /** As written in the Ingress: a number or a port name. */
  servicePort: string;
  targetPort: number;
  replicas: number;
  paths: { path: string; pathType: string }[];
}

/** What the controller would build for one Ingress. */
export interface IngressModel {
  namespace: string;
  ingressName: string;
  stack: string;
  groupName?: string;
  loadBalancerName: string;
  scheme: 'internet-facing' | 'internal';
  subnetIds: string[];
  securityGroupIds: string[];
  healthCheckPath: string;
  successCodes: string;
  extraTags: Record<string, string>;
  backends: Backend[];
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
  const ingress = ingresses[0];
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
  const scheme = (a('scheme') ?? 'internal') as string;
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
  const groupNameRaw = a('group.name');
  const groupName =
    groupNameRaw === undefined ? undefined : String(groupNameRaw);
  if (groupName !== undefined && !GROUP_NAME_PATTERN.test(groupName)) {
    throw new InputError(
      `Invalid group.name "${groupName}": lowercase letters, digits, - and ., at most 63`,
    );
  }
  const stack = groupName ?? `${namespace}/${ingressName}`;
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
          clusterName: opts.clusterName,
          namespace,
          ingressName,
          groupName,
          scheme,
        });

  // Backends, in the order the rules list them; the default backend last.
  const refs: { service: any; path: string; pathType: string }[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    for (const p of rule?.http?.paths ?? []) {
      refs.push({
        service: p?.backend?.service,
        path: p?.path ?? '/',
        pathType: p?.pathType ?? 'ImplementationSpecific',
      });
    }
  }
  if (ingress.spec?.defaultBackend?.service) {
    refs.push({
      service: ingress.spec.defaultBackend.service,
      path: '/',
      pathType: 'Prefix',
    });
  }
  if (!refs.length) throw new InputError('The Ingress routes to no Service');

  const backends = new Map<string, Backend>();
  for (const ref of refs) {
    const serviceName = ref.service?.name;
    const portRef = ref.service?.port?.number ?? ref.service?.port?.name;
    if (!serviceName || portRef === undefined) {
      throw new InputError('An Ingress backend has no service name or port');
    }
    const key = `${serviceName}:${portRef}`;
    const existing = backends.get(key);
    if (existing) {
      existing.paths.push({ path: ref.path, pathType: ref.pathType });
      continue;
    }
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
      serviceName,
      servicePort: String(portRef),
      targetPort,
      replicas: Number(deployment.spec?.replicas ?? 1),
      paths: [{ path: ref.path, pathType: ref.pathType }],
    });
  }

  return {
    namespace,
    ingressName,
    stack,
    groupName,
    loadBalancerName,
    scheme,
    subnetIds,
    securityGroupIds,
    healthCheckPath: String(a('healthcheck-path') ?? '/'),
    successCodes: String(a('success-codes') ?? '200'),
    extraTags: parseTagsAnnotation(a('tags')),
    backends: [...backends.values()],
  };
}

/** Made-up pod IPs: one per replica, spread over the pod subnets, stable across runs. */
export function fakePodIps(
  cidrs: string[],
  replicas: number,
  offset: number,
): string[] {
  const ips: string[] = [];
  for (let i = 0; i < replicas; i++) {
    const [base, bits] = cidrs[i % cidrs.length].split('/');
    const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const host = 10 + offset + Math.floor(i / cidrs.length);
    if (host >= size - 1)
      throw new InputError(
        `Subnet ${cidrs[i % cidrs.length]} is too small for ${replicas} pods`,
      );
    const ip = n + host;
    ips.push([24, 16, 8, 0].map(s => (ip >>> s) & 255).join('.'));
  }
  return ips;
}

function prefixPatterns(path: string, pathType: string): string[] {
  if (pathType === 'Exact') return [path];
  if (pathType === 'Prefix') {
    if (path === '/' || path === '') return ['/*'];
    const p = path.replace(/\/+$/, '');
    return [p, `${p}/*`];
  }
  return [path];
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

export interface ReconcileIngressResult {
  loadBalancerArn: string;
  loadBalancerName: string;
  dnsName: string;
  stack: string;
  targetGroupArns: string[];
  podIps: string[];
  /** false when the ALB already existed (idempotent re-run). */
  created: boolean;
}

export interface ReconcileIngressOptions {
  /** The manifest's text (multi-document YAML) or its parsed objects. */
  manifest: string | KubernetesObject[];
  ingressName?: string;
  networkAccountId: string;
  region: string;
  clusterName: string;
  /** Subnets the pods get IPs from. Default: the cluster's subnets when workloadAccountId is
   * given, else the subnets of the VPC that the ALB does not use. */
  podSubnetIds?: string[];
  /** The cluster's account: the controller's service account token comes from there. */
  workloadAccountId?: string;
  /** The role the controller's service account names; found by its trust policy when absent. */
  controllerRoleArn?: string;
}

/**
 * Plays the Load Balancer Controller for one Ingress in the sandbox: ALB, target groups,
 * targets, HTTP:80 listener, with the controller's names and tags, in the network account.
 * Idempotent: existing resources are found by their tags and brought in line.
 */
export async function sandboxReconcileIngress(
  options: ReconcileIngressOptions,
): Promise<ReconcileIngressResult> {
  const { networkAccountId, region, clusterName } = options;
  if (!ACCOUNT_ID_PATTERN.test(networkAccountId)) {
    throw new InputError(`Invalid network account ID "${networkAccountId}"`);
  }
  if (!REGION_PATTERN.test(region))
    throw new InputError(`Invalid region "${region}"`);
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,99}$/.test(clusterName)) {
    throw new InputError(`Invalid cluster name "${clusterName}"`);
  }
  const objects =
    typeof options.manifest === 'string'
      ? parseKubernetesManifest(options.manifest)
      : options.manifest;
  const model = buildIngressModel(objects, {
    clusterName,
    ingressName: options.ingressName,
  });

  if (!options.workloadAccountId) {
    throw new InputError(
      'The controller runs in the workload account: workloadAccountId is required',
    );
  }
  // The controller calls AWS as the role its service account names (IRSA), never as Backstage.
  const clientOptions = await controllerClientOptions({
    networkAccountId,
    workloadAccountId: options.workloadAccountId,
    region,
    clusterName,
    roleArn: options.controllerRoleArn,
  });
  const elbv2 = new ElasticLoadBalancingV2Client(clientOptions);
  const ec2 = new EC2Client(clientOptions);

  const albSubnets =
    (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: model.subnetIds })))
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
  let podSubnetIds = options.podSubnetIds ?? [];
  if (!podSubnetIds.length) {
    const eks = new EKSClient(
      await eksctlClientOptions(options.workloadAccountId, region),
    );
    const { cluster } = await eks.send(
      new DescribeClusterCommand({ name: clusterName }),
    );
    podSubnetIds = cluster?.resourcesVpcConfig?.subnetIds ?? [];
  }
  let podSubnets: Subnet[];
  if (podSubnetIds.length) {
    podSubnets =
      (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: podSubnetIds })))
        .Subnets ?? [];
  } else {
    podSubnets = (
      (
        await ec2.send(
          new DescribeSubnetsCommand({
            Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
          }),
        )
      ).Subnets ?? []
    ).filter(s => !model.subnetIds.includes(s.SubnetId!));
  }
  podSubnets.sort((x, y) =>
    (x.CidrBlock ?? '').localeCompare(y.CidrBlock ?? ''),
  );
  if (!podSubnets.length) throw new InputError('No subnets found for the pods');
  const podCidrs = podSubnets.map(s => s.CidrBlock!);

  const baseTags = {
    ...model.extraTags,
    [LBC_TAGS.cluster]: clusterName,
    [LBC_TAGS.stack]: model.stack,
  };

  // The load balancer.
  let created = false;
  let lb = await findLoadBalancerByLbcTags(elbv2, clusterName, model.stack);
  if (!lb) {
    const res = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: model.loadBalancerName,
        Type: 'application',
        Scheme: model.scheme,
        IpAddressType: 'ipv4',
        Subnets: model.subnetIds,
        SecurityGroups: model.securityGroupIds,
        Tags: toTags({ ...baseTags, [LBC_TAGS.resource]: 'LoadBalancer' }),
      }),
    );
    lb = res.LoadBalancers![0];
    created = true;
  } else {
    const haveSgs = [...(lb.SecurityGroups ?? [])].sort().join(',');
    if (haveSgs !== [...model.securityGroupIds].sort().join(',')) {
      await elbv2.send(
        new SetSecurityGroupsCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          SecurityGroups: model.securityGroupIds,
        }),
      );
    }
    const haveSubnets = (lb.AvailabilityZones ?? [])
      .map(z => z.SubnetId)
      .sort()
      .join(',');
    if (haveSubnets !== [...model.subnetIds].sort().join(',')) {
      await elbv2.send(
        new SetSubnetsCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Subnets: model.subnetIds,
        }),
      );
    }
  }
  const loadBalancerArn = lb.LoadBalancerArn!;

  // Target groups and targets, one per backend.
  const existingTgs = (await allTargetGroups(elbv2)).filter(
    tg => tg.VpcId === vpcId,
  );
  const tgTags = await tagsOf(
    elbv2,
    existingTgs.map(tg => tg.TargetGroupArn!),
  );
  const targetGroupArns: string[] = [];
  const allPodIps: string[] = [];
  for (const [index, backend] of model.backends.entries()) {
    const resource = `${model.namespace}/${model.ingressName}-${backend.serviceName}:${backend.servicePort}`;
    const want = { ...baseTags, [LBC_TAGS.resource]: resource };
    let tg = existingTgs.find(t =>
      matches(tgTags.get(t.TargetGroupArn!), {
        [LBC_TAGS.cluster]: clusterName,
        [LBC_TAGS.stack]: model.stack,
        [LBC_TAGS.resource]: resource,
      }),
    );
    if (!tg) {
      tg = (
        await elbv2.send(
          new CreateTargetGroupCommand({
            Name: lbcTargetGroupName({
              clusterName,
              namespace: model.namespace,
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
            HealthCheckPath: model.healthCheckPath,
            HealthCheckIntervalSeconds: 15,
            HealthCheckTimeoutSeconds: 5,
            HealthyThresholdCount: 2,
            UnhealthyThresholdCount: 2,
            Matcher: { HttpCode: model.successCodes },
            Tags: toTags(want),
          }),
        )
      ).TargetGroups![0];
    }
    const tgArn = tg.TargetGroupArn!;
    targetGroupArns.push(tgArn);
    const podIps = fakePodIps(podCidrs, backend.replicas, index * 50);
    allPodIps.push(...podIps);
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
      ip => !registered.some(t => t.Id === ip && t.Port === backend.targetPort),
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

  // The HTTP:80 listener; its default action forwards to the first backend, further
  // backends get path rules (priority by order in the Ingress).
  const defaultActions = [
    { Type: 'forward' as const, TargetGroupArn: targetGroupArns[0] },
  ];
  const { Listeners = [] } = await elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }),
  );
  let listener = Listeners.find(l => l.Port === 80);
  if (!listener) {
    listener = (
      await elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: defaultActions,
        }),
      )
    ).Listeners![0];
  } else if (
    listener.DefaultActions?.[0]?.TargetGroupArn !== targetGroupArns[0]
  ) {
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: listener.ListenerArn,
        DefaultActions: defaultActions,
      }),
    );
  }
  if (model.backends.length > 1) {
    const { Rules = [] } = await elbv2.send(
      new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }),
    );
    let priority = 1;
    for (const [index, backend] of model.backends.entries()) {
      for (const p of backend.paths) {
        const current = priority++;
        if (Rules.some(r => r.Priority === String(current))) continue;
        await elbv2.send(
          new CreateRuleCommand({
            ListenerArn: listener.ListenerArn,
            Priority: current,
            Conditions: [
              {
                Field: 'path-pattern',
                PathPatternConfig: {
                  Values: prefixPatterns(p.path, p.pathType),
                },
              },
            ],
            Actions: [
              { Type: 'forward', TargetGroupArn: targetGroupArns[index] },
            ],
          }),
        );
      }
    }
  }

  return {
    loadBalancerArn,
    loadBalancerName: lb.LoadBalancerName!,
    dnsName: lb.DNSName!,
    stack: model.stack,
    targetGroupArns,
    podIps: allPodIps,
    created,
  };
}
