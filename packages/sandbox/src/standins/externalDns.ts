/*
 * Sandbox stand-in for external-dns (kubernetes-sigs/external-dns v0.19.0) running in a
 * workload cluster with `--provider=aws --registry=txt --source=ingress`: one reconciliation
 * loop, played when asked (the real one runs every minute). It reads what was applied to the
 * cluster (clusterObjects.ts): the external-dns Deployment's flags, the role its service
 * account names, the Ingresses and the status the controller gave them. It calls Route 53
 * as that role through IRSA (`AssumeRoleWithWebIdentity` with the service account's token,
 * judged by the sandbox's IAM gateway like the controller's), so the role's trust and its
 * policy must be right for a record to appear.
 *
 * What it follows, file by file (tag v0.19.0, commit eafce22):
 * - source/ingress.go, source/endpoints.go: an endpoint per rule host, TLS host and
 *   `external-dns.alpha.kubernetes.io/hostname`, with the targets of
 *   `external-dns.alpha.kubernetes.io/target` or else the status's load balancers; an IP is
 *   an A (or AAAA) target, a name a CNAME target; the `resource` label `ingress/<ns>/<name>`.
 * - provider/aws/aws.go: zones from ListHostedZones filtered by --zone-id-filter,
 *   --aws-zone-type and --domain-filter (zones()); records from ListResourceRecordSets
 *   (records()); a CNAME to a name in an ELB's canonical hosted zone becomes alias A and
 *   AAAA records with EvaluateTargetHealth (AdjustEndpoints, canonicalHostedZone); changes
 *   in one ChangeResourceRecordSets per zone (submitChanges), TTL 300 for plain records.
 * - registry/txt.go, endpoint/labels.go: ownership in TXT records named `<type>-<name>`
 *   (an alias A counts as `cname`), valued
 *   `"heritage=external-dns,external-dns/owner=<id>,external-dns/resource=<resource>"`;
 *   records it does not own are never changed or deleted.
 * - plan/plan.go, plan/policy.go: a name nobody holds is created; a name held only by this
 *   owner is updated when its targets or alias settings differ; an owned record no Ingress
 *   wants is deleted under `--policy=sync` and kept under `upsert-only`.
 *
 * Flags it does not play (txt prefixes, zone tags, other providers or registries) are
 * refused by name rather than ignored, so a manifest the stand-in accepts behaves the same
 * under the real external-dns.
 */
import {
  AliasTarget,
  Change,
  ChangeResourceRecordSetsCommand,
  HostedZone,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { InputError } from '@backstage/errors';
import { isIP } from 'node:net';
import { webIdentityClientOptions } from './aws';
import { SandboxClusterObjects } from './clusterObjects';
import type { KubernetesObject } from './lbc';
import { IamPropagationRetryOptions } from './iamPropagation';

/** The ELBs' canonical hosted zones (aws.go, canonicalHostedZones): the ALB entries. */
const ELB_CANONICAL_HOSTED_ZONES: Record<string, string> = {
  'us-east-2.elb.amazonaws.com': 'Z3AADJGX6KTTL2',
  'us-east-1.elb.amazonaws.com': 'Z35SXDOTRQ7X7K',
  'us-west-1.elb.amazonaws.com': 'Z368ELLRRE2KJ0',
  'us-west-2.elb.amazonaws.com': 'Z1H1FL5HABSF5',
  'ca-central-1.elb.amazonaws.com': 'ZQSVJUPU6J1EY',
  'ap-south-1.elb.amazonaws.com': 'ZP97RAFLXTNZK',
  'ap-northeast-1.elb.amazonaws.com': 'Z14GRHDCWA56QT',
  'ap-northeast-2.elb.amazonaws.com': 'ZWKZPGTI48KDX',
  'ap-southeast-1.elb.amazonaws.com': 'Z1LMS91P8CMLE5',
  'ap-southeast-2.elb.amazonaws.com': 'Z1GM3OXH4ZPM65',
  'eu-central-1.elb.amazonaws.com': 'Z215JYRZR1TBD5',
  'eu-west-1.elb.amazonaws.com': 'Z32O12XQLNTSW2',
  'eu-west-2.elb.amazonaws.com': 'ZHURV8PSTC4K8',
  'eu-west-3.elb.amazonaws.com': 'Z3Q77PNBQS71R4',
  'eu-north-1.elb.amazonaws.com': 'Z23TAZ6LKFMNIO',
  'sa-east-1.elb.amazonaws.com': 'Z2P70J7HTTTPLU',
};

/** aws.go: defaultTTL. */
const DEFAULT_TTL = 300;
const HERITAGE = 'external-dns';
const ANNOTATION = 'external-dns.alpha.kubernetes.io/';
/** The default --managed-record-types (pkg/apis/externaldns/types.go). */
const MANAGED_TYPES = ['A', 'AAAA', 'CNAME'];

/** endpoint.NewEndpointWithTTL: names and targets without the trailing dot. */
const normalizeName = (name: string) =>
  name.trim().toLowerCase().replace(/\.$/, '');

/** The flags of one external-dns Deployment, as far as the stand-in plays them. */
export interface ExternalDnsConfig {
  /** `namespace/name` of the Deployment. */
  deployment: string;
  namespace: string;
  serviceAccountName: string;
  /** `eks.amazonaws.com/role-arn` of the service account. */
  roleArn: string;
  sources: string[];
  domainFilters: string[];
  zoneIdFilters: string[];
  zoneType: '' | 'public' | 'private';
  ownerId: string;
  policy: 'sync' | 'upsert-only' | 'create-only';
  evaluateTargetHealth: boolean;
}

const PLAYED_FLAGS = new Set([
  'source',
  'provider',
  'registry',
  'domain-filter',
  'zone-id-filter',
  'aws-zone-type',
  'txt-owner-id',
  'policy',
  'interval',
  'log-level',
  'log-format',
  'aws-evaluate-target-health',
  'no-aws-evaluate-target-health',
]);

/** Reads `--flag=value` and `--flag value` arguments, as kingpin does. */
function parseFlags(args: string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = String(args[i]);
    if (!arg.startsWith('--')) {
      throw new InputError(`external-dns: unexpected argument "${arg}"`);
    }
    const eq = arg.indexOf('=');
    let name: string;
    let value: string;
    if (eq > 0) {
      name = arg.slice(2, eq);
      value = arg.slice(eq + 1);
    } else if (
      arg === '--no-aws-evaluate-target-health' ||
      arg === '--aws-evaluate-target-health'
    ) {
      name = arg.slice(2);
      value = 'true';
    } else {
      name = arg.slice(2);
      value = String(args[++i] ?? '');
    }
    if (!PLAYED_FLAGS.has(name)) {
      throw new InputError(
        `external-dns flag --${name} is not played by the sandbox's external-dns stand-in (it plays ${[
          ...PLAYED_FLAGS,
        ]
          .map(f => `--${f}`)
          .join(', ')})`,
      );
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

const isExternalDns = (o: KubernetesObject) =>
  o.kind === 'Deployment' &&
  (o.spec?.template?.spec?.containers ?? []).some((c: any) =>
    /(^|\/)external-dns(:|@|$)/.test(String(c?.image ?? '')),
  );

/** The external-dns Deployments applied to the cluster, with their flags and role. */
export function externalDnsConfigs(
  objects: KubernetesObject[],
): ExternalDnsConfig[] {
  return objects.filter(isExternalDns).map(deployment => {
    const namespace = deployment.metadata?.namespace ?? 'default';
    const name = `${namespace}/${deployment.metadata?.name}`;
    const podSpec = deployment.spec.template.spec;
    const container = podSpec.containers.find((c: any) =>
      /(^|\/)external-dns(:|@|$)/.test(String(c?.image ?? '')),
    );
    const flags = parseFlags(container.args ?? []);
    const one = (flag: string, fallback: string) => {
      const values = flags.get(flag) ?? [];
      return values.length ? values[values.length - 1] : fallback;
    };
    const provider = one('provider', '');
    if (provider !== 'aws') {
      throw new InputError(
        `external-dns ${name}: --provider=${provider}; the sandbox plays --provider=aws only`,
      );
    }
    const registry = one('registry', 'txt');
    if (registry !== 'txt') {
      throw new InputError(
        `external-dns ${name}: --registry=${registry}; the sandbox plays the txt registry only`,
      );
    }
    const zoneType = one('aws-zone-type', '');
    if (!['', 'public', 'private'].includes(zoneType)) {
      throw new InputError(
        `external-dns ${name}: --aws-zone-type must be public or private, not ${zoneType}`,
      );
    }
    const policy = one('policy', 'sync');
    if (!['sync', 'upsert-only', 'create-only'].includes(policy)) {
      throw new InputError(
        `external-dns ${name}: --policy must be sync, upsert-only or create-only, not ${policy}`,
      );
    }
    const serviceAccountName = podSpec.serviceAccountName ?? 'default';
    const serviceAccount = objects.find(
      o =>
        o.kind === 'ServiceAccount' &&
        o.metadata?.name === serviceAccountName &&
        (o.metadata?.namespace ?? 'default') === namespace,
    );
    if (!serviceAccount) {
      throw new InputError(
        `external-dns ${name} runs as service account ${namespace}/${serviceAccountName}, which is not in the cluster: the pod would not start`,
      );
    }
    const roleArn = String(
      serviceAccount.metadata?.annotations?.['eks.amazonaws.com/role-arn'] ??
        '',
    );
    if (!roleArn) {
      throw new InputError(
        `Service account ${namespace}/${serviceAccountName} of external-dns ${name} has no eks.amazonaws.com/role-arn annotation: without IRSA external-dns would call Route 53 as the node's role`,
      );
    }
    return {
      deployment: name,
      namespace,
      serviceAccountName,
      roleArn,
      sources: flags.get('source') ?? [],
      domainFilters: (flags.get('domain-filter') ?? [])
        .flatMap(v => v.split(','))
        .map(normalizeName)
        .filter(Boolean),
      zoneIdFilters: (flags.get('zone-id-filter') ?? []).filter(Boolean),
      zoneType: zoneType as ExternalDnsConfig['zoneType'],
      ownerId: one('txt-owner-id', 'default'),
      policy: policy as ExternalDnsConfig['policy'],
      evaluateTargetHealth: !flags.has('no-aws-evaluate-target-health'),
    };
  });
}

/** domain_filter.go, matchFilter. */
export function matchesDomainFilter(filters: string[], name: string): boolean {
  if (!filters.length) return true;
  const domain = normalizeName(name);
  return filters.some(filter => {
    if (filter.startsWith('.')) return domain.endsWith(filter);
    if (domain.split('.').length === filter.split('.').length) {
      return domain === filter;
    }
    return domain.endsWith(`.${filter}`);
  });
}

function canonicalHostedZone(hostname: string): string | undefined {
  const parts = hostname.split('.');
  for (let i = parts.length - 2; i >= 0; i--) {
    const zone = ELB_CANONICAL_HOSTED_ZONES[parts.slice(i).join('.')];
    if (zone) return zone;
  }
  return undefined;
}

/** One record external-dns wants or finds, keyed by name and type. */
export interface Endpoint {
  name: string;
  type: string;
  targets: string[];
  /** An alias record: the target's canonical hosted zone. */
  aliasZone?: string;
  evaluateTargetHealth?: boolean;
  ttl?: number;
  labels: Record<string, string>;
}

/** source/ingress.go and source/endpoints.go, then aws.go AdjustEndpoints. */
export function desiredEndpoints(
  objects: KubernetesObject[],
  config: Pick<ExternalDnsConfig, 'evaluateTargetHealth'>,
): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const ingress of objects.filter(o => o.kind === 'Ingress')) {
    const annotations = (ingress.metadata?.annotations ?? {}) as Record<
      string,
      string
    >;
    const controller = annotations[`${ANNOTATION}controller`];
    if (controller !== undefined && controller !== 'dns-controller') continue;
    const resource = `ingress/${ingress.metadata?.namespace ?? 'default'}/${
      ingress.metadata?.name
    }`;
    let targets = splitList(annotations[`${ANNOTATION}target`]);
    if (!targets.length) {
      targets = (ingress.status?.loadBalancer?.ingress ?? []).flatMap(
        (lb: any) => [lb?.ip, lb?.hostname].filter(Boolean).map(String),
      );
    }
    targets = targets.map(normalizeName).sort();
    const hosts = [
      ...(ingress.spec?.rules ?? []).map((r: any) => r?.host),
      ...(ingress.spec?.tls ?? []).flatMap((t: any) => t?.hosts ?? []),
      ...splitList(annotations[`${ANNOTATION}hostname`]),
    ]
      .filter(Boolean)
      .map((h: string) => normalizeName(h));
    for (const host of new Set(hosts)) {
      const byType = new Map<string, string[]>();
      for (const t of targets) {
        const ipVersion = isIP(t);
        let type = 'CNAME';
        if (ipVersion === 4) type = 'A';
        if (ipVersion === 6) type = 'AAAA';
        byType.set(type, [...(byType.get(type) ?? []), t]);
      }
      for (const [type, typeTargets] of byType) {
        const aliasZone =
          type === 'CNAME' ? canonicalHostedZone(typeTargets[0]) : undefined;
        if (aliasZone) {
          // A CNAME to an ELB becomes alias A and AAAA records to it.
          for (const aliasType of ['A', 'AAAA']) {
            endpoints.push({
              name: host,
              type: aliasType,
              targets: typeTargets,
              aliasZone,
              evaluateTargetHealth: config.evaluateTargetHealth,
              labels: { resource },
            });
          }
        } else {
          endpoints.push({
            name: host,
            type,
            targets: typeTargets,
            ttl: DEFAULT_TTL,
            labels: { resource },
          });
        }
      }
    }
  }
  return endpoints;
}

function splitList(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map(v => v.trim())
        .filter(Boolean)
    : [];
}

/** registry/txt.go toTXTName (no prefix or suffix): `<type>-<first label>.<rest>`. */
function txtName(endpoint: Pick<Endpoint, 'name' | 'type' | 'aliasZone'>) {
  const type =
    endpoint.aliasZone && endpoint.type === 'A'
      ? 'cname'
      : endpoint.type.toLowerCase();
  return `${type}-${endpoint.name}`;
}

/** endpoint/labels.go SerializePlain(true): heritage first, then the labels by key. */
function serializeLabels(labels: Record<string, string>): string {
  const tokens = [`heritage=${HERITAGE}`];
  for (const key of Object.keys(labels).sort()) {
    tokens.push(`${HERITAGE}/${key}=${labels[key]}`);
  }
  return `"${tokens.join(',')}"`;
}

/** endpoint/labels.go NewLabelsFromString: undefined unless the heritage is ours. */
function parseLabels(value: string): Record<string, string> | undefined {
  const text = value.replace(/^"|"$/g, '');
  const labels: Record<string, string> = {};
  let heritage = false;
  for (const token of text.split(',')) {
    const [key, ...rest] = token.split('=');
    const v = rest.join('=');
    if (key === 'heritage') {
      if (v !== HERITAGE) return undefined;
      heritage = true;
    } else if (key.startsWith(`${HERITAGE}/`)) {
      labels[key.slice(HERITAGE.length + 1)] = v;
    }
  }
  return heritage ? labels : undefined;
}

export interface Zone {
  id: string;
  name: string;
}

/** aws.go zones(): every zone of the account, filtered as the flags say. */
async function zonesOf(
  route53: Route53Client,
  config: ExternalDnsConfig,
): Promise<Zone[]> {
  const zones: Zone[] = [];
  let Marker: string | undefined;
  do {
    const page = await route53.send(new ListHostedZonesCommand({ Marker }));
    for (const zone of page.HostedZones ?? ([] as HostedZone[])) {
      const id = zone.Id!.replace(/^\/hostedzone\//, '');
      if (
        config.zoneIdFilters.length &&
        !config.zoneIdFilters.some(f => zone.Id!.endsWith(f))
      ) {
        continue;
      }
      const isPrivate = Boolean(zone.Config?.PrivateZone);
      if (config.zoneType === 'public' && isPrivate) continue;
      if (config.zoneType === 'private' && !isPrivate) continue;
      if (!matchesDomainFilter(config.domainFilters, zone.Name!)) continue;
      zones.push({ id, name: normalizeName(zone.Name!) });
    }
    Marker = page.IsTruncated ? page.NextMarker : undefined;
  } while (Marker);
  return zones;
}

/** aws.go records() and the TXT registry's Records(): the zone's records with their owners. */
async function currentEndpoints(
  route53: Route53Client,
  zone: Zone,
): Promise<{ endpoints: Endpoint[]; txtNames: Set<string> }> {
  const sets: ResourceRecordSet[] = [];
  let next: { name?: string; type?: string; id?: string } = {};
  for (;;) {
    const page = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        MaxItems: 300,
        StartRecordName: next.name,
        StartRecordType: next.type as any,
        StartRecordIdentifier: next.id,
      }),
    );
    sets.push(...(page.ResourceRecordSets ?? []));
    if (!page.IsTruncated) break;
    next = {
      name: page.NextRecordName,
      type: page.NextRecordType,
      id: page.NextRecordIdentifier,
    };
  }
  const owners = new Map<string, Record<string, string>>();
  const txtNames = new Set<string>();
  const endpoints: Endpoint[] = [];
  for (const set of sets) {
    const name = normalizeName(set.Name!.replace(/^\\052/, '*'));
    if (set.Type === 'TXT') {
      const labels = parseLabels(set.ResourceRecords?.[0]?.Value ?? '');
      if (labels) {
        const m = /^(a|aaaa|cname|ns|mx|srv|naptr)-(.*)$/.exec(name);
        const key = m ? `${m[2]}|${m[1].toUpperCase()}` : `${name}|`;
        owners.set(key, labels);
        txtNames.add(name);
        continue;
      }
    }
    if (!MANAGED_TYPES.includes(set.Type!)) continue;
    const alias: AliasTarget | undefined = set.AliasTarget;
    endpoints.push({
      name,
      type: set.Type!,
      targets: alias
        ? [normalizeName(alias.DNSName!)]
        : (set.ResourceRecords ?? []).map(r => normalizeName(r.Value!)).sort(),
      aliasZone: alias?.HostedZoneId,
      evaluateTargetHealth: alias?.EvaluateTargetHealth,
      ttl: set.TTL,
      labels: {},
    });
  }
  for (const e of endpoints) {
    const type = e.aliasZone && e.type === 'A' ? 'CNAME' : e.type;
    const labels =
      owners.get(`${e.name}|${type}`) ??
      (e.type !== 'AAAA' ? owners.get(`${e.name}|`) : undefined);
    if (labels) e.labels = { ...labels };
  }
  return { endpoints, txtNames };
}

function recordSet(e: Endpoint): ResourceRecordSet {
  if (e.aliasZone) {
    return {
      Name: e.name,
      Type: e.type as any,
      AliasTarget: {
        DNSName: e.targets[0],
        HostedZoneId: e.aliasZone,
        EvaluateTargetHealth: Boolean(e.evaluateTargetHealth),
      },
    };
  }
  return {
    Name: e.name,
    Type: e.type as any,
    TTL: e.ttl ?? DEFAULT_TTL,
    ResourceRecords: e.targets.map(Value => ({ Value })),
  };
}

function txtRecordSet(e: Endpoint): ResourceRecordSet {
  return {
    Name: txtName(e),
    Type: 'TXT',
    TTL: DEFAULT_TTL,
    ResourceRecords: [{ Value: serializeLabels(e.labels) }],
  };
}

const differs = (desired: Endpoint, current: Endpoint) =>
  desired.targets.join(',') !== current.targets.join(',') ||
  Boolean(desired.aliasZone) !== Boolean(current.aliasZone) ||
  (desired.aliasZone !== undefined &&
    Boolean(desired.evaluateTargetHealth) !==
      Boolean(current.evaluateTargetHealth));

/** The changes of one loop in one zone: plan/plan.go Calculate, then the TXT registry's. */
export function planZoneChanges(
  zone: Zone,
  desired: Endpoint[],
  current: Endpoint[],
  txtNames: Set<string>,
  config: Pick<ExternalDnsConfig, 'ownerId' | 'policy' | 'domainFilters'>,
): Change[] {
  const inZone = (e: Endpoint) =>
    (e.name === zone.name || e.name.endsWith(`.${zone.name}`)) &&
    matchesDomainFilter(config.domainFilters, e.name) &&
    MANAGED_TYPES.includes(e.type);
  const wanted = desired.filter(inZone);
  const have = current.filter(inZone);
  const owned = (e: Endpoint) => e.labels.owner === config.ownerId;
  const changes: Change[] = [];
  const names = new Set([...wanted, ...have].map(e => e.name));
  for (const name of [...names].sort()) {
    const rowWanted = wanted.filter(e => e.name === name);
    const rowHave = have.filter(e => e.name === name);
    const creates: Endpoint[] = [];
    for (const e of rowWanted) {
      const existing = rowHave.find(h => h.type === e.type);
      if (!existing) {
        creates.push(e);
      } else if (owned(existing) && differs(e, existing)) {
        const next = {
          ...e,
          labels: { ...e.labels, owner: config.ownerId },
        };
        changes.push(
          { Action: 'UPSERT', ResourceRecordSet: recordSet(next) },
          { Action: 'UPSERT', ResourceRecordSet: txtRecordSet(next) },
        );
      }
    }
    // A name is created only where no record of it belongs to another owner.
    if (creates.length && rowHave.every(owned)) {
      for (const e of creates) {
        const mine = { ...e, labels: { ...e.labels, owner: config.ownerId } };
        changes.push({ Action: 'CREATE', ResourceRecordSet: recordSet(mine) });
        if (!txtNames.has(txtName(mine))) {
          changes.push({
            Action: 'CREATE',
            ResourceRecordSet: txtRecordSet(mine),
          });
        }
      }
    }
    if (config.policy === 'sync') {
      for (const h of rowHave) {
        if (!owned(h) || rowWanted.some(e => e.type === h.type)) continue;
        changes.push(
          { Action: 'DELETE', ResourceRecordSet: recordSet(h) },
          { Action: 'DELETE', ResourceRecordSet: txtRecordSet(h) },
        );
      }
    }
  }
  if (config.policy === 'create-only') {
    return changes.filter(c => c.Action === 'CREATE');
  }
  return changes;
}

export interface ExternalDnsSyncResult {
  /** `namespace/name` of each external-dns Deployment that ran. */
  deployments: string[];
  changes: Array<{
    zoneId: string;
    action: string;
    name: string;
    type: string;
  }>;
}

/**
 * One loop of every external-dns applied to the cluster. Nothing happens when the cluster
 * runs none. Errors (a role it cannot assume, a call its policy refuses) are thrown, as the
 * real one would log them and keep the records as they are.
 */
export async function sandboxExternalDnsSync(options: {
  workloadAccountId: string;
  region: string;
  clusterName: string;
  propagation?: IamPropagationRetryOptions;
}): Promise<ExternalDnsSyncResult> {
  const { store, issuer } = await SandboxClusterObjects.ofCluster(options);
  const objects = store.list();
  const result: ExternalDnsSyncResult = { deployments: [], changes: [] };
  for (const config of externalDnsConfigs(objects)) {
    result.deployments.push(config.deployment);
    if (!config.sources.includes('ingress')) continue;
    const route53 = new Route53Client(
      await webIdentityClientOptions({
        region: options.region,
        issuer,
        roleArn: config.roleArn,
        namespace: config.namespace,
        serviceAccount: config.serviceAccountName,
        sessionName: 'external-dns',
        propagation: options.propagation,
      }),
    );
    result.changes.push(...(await externalDnsLoop(route53, objects, config)));
  }
  return result;
}

/**
 * One loop of one external-dns with its Route 53 client (its IRSA role): the changes it made.
 * `objects` are the cluster's (its Ingresses and their status).
 */
export async function externalDnsLoop(
  route53: Route53Client,
  objects: KubernetesObject[],
  config: ExternalDnsConfig,
): Promise<ExternalDnsSyncResult['changes']> {
  const made: ExternalDnsSyncResult['changes'] = [];
  const desired = desiredEndpoints(objects, config);
  const zones = await zonesOf(route53, config);
  // aws.go changesByZone: a record goes to the most specific zone it is in.
  const zoneOf = (name: string) =>
    zones
      .filter(z => name === z.name || name.endsWith(`.${z.name}`))
      .sort((a, b) => b.name.length - a.name.length)[0];
  for (const zone of zones) {
    const { endpoints, txtNames } = await currentEndpoints(route53, zone);
    const changes = planZoneChanges(
      zone,
      desired.filter(e => zoneOf(e.name)?.id === zone.id),
      endpoints,
      txtNames,
      config,
    );
    if (!changes.length) continue;
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        ChangeBatch: { Changes: changes },
      }),
    );
    made.push(
      ...changes.map(c => ({
        zoneId: zone.id,
        action: c.Action!,
        name: c.ResourceRecordSet!.Name!,
        type: c.ResourceRecordSet!.Type!,
      })),
    );
  }
  return made;
}
