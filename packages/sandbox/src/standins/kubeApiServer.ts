/*
 * Sandbox stand-in for the Kubernetes API server of each sandbox EKS cluster, serving what
 * Backstage's Kubernetes plugin reads: list requests of the core and `apps`, `batch`,
 * `autoscaling` and `networking.k8s.io` groups, cluster-wide or in one namespace, with a
 * label selector (plugin-kubernetes-backend's KubernetesFetcher and KubernetesConnection build
 * `/api/v1[/namespaces/<ns>]/<plural>?labelSelector=…` and `/apis/<group>/<version>/…`).
 * The objects are those `kubectl apply` left (clusterObjects.ts) plus the pods and
 * ReplicaSets the cluster runs for its Deployments, with the very IPs the controller stand-in
 * registers as targets (`SandboxClusterObjects.schedulePods`).
 *
 * Authentication is EKS's: the bearer token is `k8s-aws-v1.` + a presigned
 * `sts:GetCallerIdentity` URL (aws-iam-authenticator, pkg/token/token.go), which the server
 * checks and then sends to STS (here the sandbox's, through its IAM gateway) to learn who
 * signed it. Authorization is EKS access entries (EKS User Guide, "Grant IAM users access to
 * Kubernetes with EKS access entries"): the cluster's creator is cluster admin; other
 * principals need an entry, recorded from eksctl's `accessConfig.accessEntries`.
 * AmazonEKSViewPolicy reads everything but Secrets; the admin policies read all.
 * Errors are `Status` objects with the API server's codes: 401 for a token it cannot
 * authenticate, 403 for a principal without the right, 404 for an API it does not serve
 * (metrics.k8s.io: EKS has no metrics-server until one is installed).
 */
import { createHash } from 'node:crypto';
import express from 'express';
import Router from 'express-promise-router';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { sandboxAdminCredentials } from '../accounts';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from './aws';
import { SandboxClusterObjects, SandboxPod } from './clusterObjects';
import type { KubernetesObject } from './lbc';

/** An object as the API server answers it (with its status and server-set metadata). */
type ApiObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, any>;
  spec?: any;
  status?: any;
};

/** What the API server serves, by `<group>/<version>/<plural>` (core group: `/v1/…`). */
const RESOURCES: Record<string, { kind: string; apiVersion: string }> = {
  '/v1/pods': { kind: 'Pod', apiVersion: 'v1' },
  '/v1/services': { kind: 'Service', apiVersion: 'v1' },
  '/v1/configmaps': { kind: 'ConfigMap', apiVersion: 'v1' },
  '/v1/secrets': { kind: 'Secret', apiVersion: 'v1' },
  '/v1/limitranges': { kind: 'LimitRange', apiVersion: 'v1' },
  '/v1/resourcequotas': { kind: 'ResourceQuota', apiVersion: 'v1' },
  '/v1/namespaces': { kind: 'Namespace', apiVersion: 'v1' },
  'apps/v1/deployments': { kind: 'Deployment', apiVersion: 'apps/v1' },
  'apps/v1/replicasets': { kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  'apps/v1/statefulsets': { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  'apps/v1/daemonsets': { kind: 'DaemonSet', apiVersion: 'apps/v1' },
  'batch/v1/jobs': { kind: 'Job', apiVersion: 'batch/v1' },
  'batch/v1/cronjobs': { kind: 'CronJob', apiVersion: 'batch/v1' },
  'autoscaling/v2/horizontalpodautoscalers': {
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v2',
  },
  'networking.k8s.io/v1/ingresses': {
    kind: 'Ingress',
    apiVersion: 'networking.k8s.io/v1',
  },
};

const CLUSTER_SCOPED = new Set(['Namespace']);

const VIEW_POLICY =
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';
const ADMIN_POLICIES = new Set([
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy',
]);

/** A Kubernetes `Status` error (k8s.io/apimachinery/pkg/apis/meta/v1 Status). */
class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
  body() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
  }
}

/** The sandbox backend plugin that serves the API servers. */
export const SANDBOX_KUBERNETES_PLUGIN_ID = 'sandbox-kubernetes';

/** The base URL of a sandbox cluster's API server under the sandbox backend's base URL. */
export function sandboxKubernetesApiServerUrl(
  backendBaseUrl: string,
  cluster: { workloadAccountId: string; region: string; clusterName: string },
): string {
  return `${backendBaseUrl.replace(
    /\/$/,
    '',
  )}/api/${SANDBOX_KUBERNETES_PLUGIN_ID}/clusters/${
    cluster.workloadAccountId
  }/${cluster.region}/${cluster.clusterName}`;
}

/** The access policy that lets Backstage read a cluster (all but Secrets). */
export const EKS_VIEW_POLICY_ARN = VIEW_POLICY;

/**
 * A sandbox cluster as Backstage's Kubernetes plugin finds it in the catalog: a
 * `kubernetes-cluster` Resource with the annotations its catalog cluster locator reads
 * (plugin-kubernetes-backend CatalogClusterLocator: api-server, its CA and the auth provider
 * are required), signing in with the `aws` strategy as Backstage's role of the workload
 * account (`aws.accounts`), for the cluster named by x-k8s-aws-id. EKS has no metrics-server
 * until one is installed, so the plugin is told not to ask for pod metrics.
 */
export function sandboxKubernetesClusterEntity(options: {
  backendBaseUrl: string;
  workloadAccountId: string;
  region: string;
  clusterName: string;
  /** `certificateAuthority.data` of DescribeCluster. */
  certificateAuthorityData: string;
  entityName?: string;
  owner?: string;
}) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: options.entityName ?? options.clusterName,
      namespace: 'default',
      annotations: {
        'kubernetes.io/api-server': sandboxKubernetesApiServerUrl(
          options.backendBaseUrl,
          options,
        ),
        'kubernetes.io/api-server-certificate-authority':
          options.certificateAuthorityData,
        'kubernetes.io/auth-provider': 'aws',
        'kubernetes.io/aws-account-id': options.workloadAccountId,
        'kubernetes.io/x-k8s-aws-id': options.clusterName,
        'kubernetes.io/skip-metrics-lookup': 'true',
      },
    },
    spec: {
      type: 'kubernetes-cluster',
      owner: options.owner ?? 'group:default/platform-team',
    },
  };
}

/**
 * Checks an EKS bearer token as aws-iam-authenticator's `Verify` does before calling STS:
 * the prefix, a presigned `GetCallerIdentity` URL to an STS host, signed with the
 * `x-k8s-aws-id` header (which carries the cluster's name), and not older than the 15
 * minutes a token lives. Returns the URL to send to STS.
 */
export function parseEksToken(token: string, now = Date.now()): URL {
  const prefix = 'k8s-aws-v1.';
  if (!token.startsWith(prefix)) {
    throw new StatusError(401, 'Unauthorized', 'token is not an EKS token');
  }
  let url: URL;
  try {
    url = new URL(
      Buffer.from(token.slice(prefix.length), 'base64url').toString('utf8'),
    );
  } catch {
    throw new StatusError(401, 'Unauthorized', 'token is not a URL');
  }
  const q = url.searchParams;
  const problems = [
    url.protocol !== 'https:' && 'the URL is not https',
    !/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname) &&
      `${url.hostname} is not an STS endpoint`,
    url.pathname !== '/' && 'the path is not /',
    q.get('Action') !== 'GetCallerIdentity' &&
      'the action is not GetCallerIdentity',
    !(q.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id') &&
      'x-k8s-aws-id is not a signed header',
    !q.get('X-Amz-Credential') && 'it is not presigned',
  ].filter(Boolean);
  if (problems.length) {
    throw new StatusError(
      401,
      'Unauthorized',
      `invalid EKS token: ${problems.join('; ')}`,
    );
  }
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(
    q.get('X-Amz-Date') ?? '',
  );
  const signedAt = date
    ? Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6])
    : NaN;
  if (!(now - signedAt < 15 * 60_000)) {
    throw new StatusError(401, 'Unauthorized', 'the EKS token has expired');
  }
  return url;
}

/** Who signed the token, asking STS as EKS does (the sandbox's STS, through its gateway). */
async function callerOf(url: URL, clusterName: string): Promise<string> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: no sandbox STS');
  const sts = new URL(`${url.pathname}${url.search}`, endpoint);
  const res = await fetch(sts, {
    headers: { 'x-k8s-aws-id': clusterName },
  });
  const body = await res.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1];
  if (!res.ok || !arn) {
    throw new StatusError(
      401,
      'Unauthorized',
      `STS refused the token (${res.status})`,
    );
  }
  // An assumed-role session acts as its role; access entries name the role.
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(
    arn,
  );
  return assumed
    ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`
    : arn;
}

/** The role ARN without its path: access entries of a role match whatever its path. */
const withoutPath = (arn: string) =>
  arn.replace(/^(arn:[^:]+:iam::\d{12}:role\/)(?:.*\/)?([^/]+)$/, '$1$2');

function authorize(
  store: SandboxClusterObjects,
  principal: string,
  kind: string,
): void {
  const { creatorArn, accessEntries } = store.access();
  if (creatorArn && withoutPath(creatorArn) === withoutPath(principal)) return;
  const entry = accessEntries.find(
    e => withoutPath(e.principalArn) === withoutPath(principal),
  );
  if (!entry) {
    // EKS authenticates the token but finds no access entry: the API server answers 401.
    throw new StatusError(401, 'Unauthorized', 'Unauthorized');
  }
  const admin = entry.policyArns.some(p => ADMIN_POLICIES.has(p));
  const view = entry.policyArns.includes(VIEW_POLICY);
  if (admin || (view && kind !== 'Secret')) return;
  throw new StatusError(
    403,
    'Forbidden',
    `${kind.toLowerCase()}s is forbidden: User "${principal}" cannot list resource "${kind.toLowerCase()}s"`,
  );
}

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'notexists';
  values: string[];
}

/**
 * A label selector as `kubectl` and the API server read it (k8s.io/apimachinery
 * pkg/labels/selector.go Parse): comma-separated requirements, each `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k` or `!k`.
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const out: Requirement[] = [];
  // Commas separate requirements, except inside the parentheses of a set.
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (!part && parts.length === 1) continue;
    const set = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    const equality = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
    const absent = /^!\s*([\w./-]+)$/.exec(part);
    const present = /^([\w./-]+)$/.exec(part);
    if (set) {
      out.push({
        key: set[1],
        op: set[2] as 'in' | 'notin',
        values: set[3]
          .split(',')
          .map(v => v.trim())
          .filter(Boolean),
      });
    } else if (equality) {
      out.push({
        key: equality[1],
        op: equality[2] === '!=' ? 'notin' : 'in',
        values: [equality[3]],
      });
    } else if (absent) {
      out.push({ key: absent[1], op: 'notexists', values: [] });
    } else if (present) {
      out.push({ key: present[1], op: 'exists', values: [] });
    } else {
      throw new StatusError(
        400,
        'BadRequest',
        `unable to parse requirement: ${part}`,
      );
    }
  }
  return out;
}

export function labelsMatch(
  labels: Record<string, string>,
  requirements: Requirement[],
): boolean {
  return requirements.every(r => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'in':
        return has && r.values.includes(labels[r.key]);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]);
      case 'exists':
        return has;
      default:
        return !has;
    }
  });
}

const uidOf = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(
    16,
    20,
  )}-${h.slice(20, 32)}`;
};

function deploymentOf(objects: KubernetesObject[], pod: SandboxPod) {
  return objects.find(
    o =>
      o.kind === 'Deployment' &&
      o.metadata?.name === pod.deployment &&
      (o.metadata?.namespace ?? 'default') === pod.namespace,
  );
}

/** The ReplicaSets and Pods the Deployment controller made for the scheduled pods. */
function runningObjects(
  objects: KubernetesObject[],
  pods: SandboxPod[],
): ApiObject[] {
  const out: ApiObject[] = [];
  const replicaSets = new Map<string, ApiObject>();
  for (const pod of pods) {
    const deployment = deploymentOf(objects, pod);
    if (!deployment) continue;
    const template = deployment.spec?.template ?? {};
    const labels = {
      ...(template.metadata?.labels ?? {}),
      'pod-template-hash': pod.templateHash,
    };
    const rsName = `${pod.deployment}-${pod.templateHash}`;
    const rsKey = `${pod.namespace}/${rsName}`;
    if (!replicaSets.has(rsKey)) {
      const replicas = pods.filter(
        p =>
          p.namespace === pod.namespace &&
          p.deployment === pod.deployment &&
          p.templateHash === pod.templateHash,
      ).length;
      replicaSets.set(rsKey, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName,
          namespace: pod.namespace,
          labels,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: pod.deployment,
              uid: uidOf(`Deployment/${pod.namespace}/${pod.deployment}`),
              controller: true,
            },
          ],
        },
        spec: {
          replicas,
          selector: deployment.spec?.selector,
          template: { ...template, metadata: { labels } },
        },
        status: {
          replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          fullyLabeledReplicas: replicas,
          observedGeneration: 1,
        },
      });
    }
    const hostIP = /^ip-(\d+-\d+-\d+-\d+)/
      .exec(pod.nodeName)?.[1]
      ?.replace(/-/g, '.');
    const containers = template.spec?.containers ?? [];
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        labels,
        creationTimestamp: pod.createdAt,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rsName,
            uid: uidOf(`ReplicaSet/${rsKey}`),
            controller: true,
          },
        ],
      },
      spec: { ...template.spec, nodeName: pod.nodeName },
      status: {
        phase: 'Running',
        hostIP,
        podIP: pod.ip,
        podIPs: [{ ip: pod.ip }],
        startTime: pod.createdAt,
        conditions: [
          'PodScheduled',
          'Initialized',
          'ContainersReady',
          'Ready',
        ].map(type => ({
          type,
          status: 'True',
          lastTransitionTime: pod.createdAt,
        })),
        containerStatuses: containers.map((c: any) => ({
          name: c.name,
          image: c.image,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: pod.createdAt } },
        })),
      },
    });
  }
  return [...replicaSets.values(), ...out];
}

/** Deployments as the API server shows them: with the status of their running pods. */
function withStatus(o: KubernetesObject, pods: SandboxPod[]): ApiObject {
  if (o.kind !== 'Deployment') return o;
  const n = pods.filter(
    p =>
      p.deployment === o.metadata?.name &&
      p.namespace === (o.metadata?.namespace ?? 'default'),
  ).length;
  return {
    ...o,
    status: {
      observedGeneration: 1,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      conditions: [{ type: 'Available', status: n > 0 ? 'True' : 'False' }],
    },
  };
}

/** Opens the current cluster of that name (EKS reading its own state, as the account owner). */
async function openCluster(
  account: string,
  region: string,
  name: string,
): Promise<SandboxClusterObjects> {
  const eks = new EKSClient({
    region,
    credentials: (await sandboxAdminCredentials(account)).sdkCredentialProvider,
  });
  try {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
    return SandboxClusterObjects.open({
      workloadAccountId: account,
      region,
      clusterName: name,
      clusterArn: cluster?.arn ?? '',
      createdAt: String(cluster?.createdAt?.valueOf() ?? ''),
    });
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') {
      throw new StatusError(
        404,
        'NotFound',
        `no EKS cluster ${name} in account ${account} (${region})`,
      );
    }
    throw e;
  }
}

/** The list answer for one request path below the cluster's base URL. */
export function listObjects(
  store: SandboxClusterObjects,
  resourcePath: string,
  labelSelector?: string,
): { kind: string; items: ApiObject[] } {
  const m =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(
      resourcePath,
    );
  if (!m) {
    throw new StatusError(
      404,
      'NotFound',
      `the server could not find the requested resource (${resourcePath})`,
    );
  }
  const [, coreVersion, group, groupVersion, namespace, plural] = m;
  const key = coreVersion
    ? `/${coreVersion}/${plural}`
    : `${group}/${groupVersion}/${plural}`;
  const resource = RESOURCES[key];
  if (!resource) {
    throw new StatusError(
      404,
      'NotFound',
      `the server could not find the requested resource (${resourcePath})`,
    );
  }
  const requirements = parseLabelSelector(labelSelector ?? '');
  const objects = store.list();
  const pods = store.pods();
  const all: ApiObject[] = [
    ...objects.map(o => withStatus(o, pods)),
    ...runningObjects(objects, pods),
  ];
  const items = all
    .filter(o => o.kind === resource.kind)
    .filter(
      o =>
        !namespace ||
        (!CLUSTER_SCOPED.has(resource.kind) &&
          (o.metadata?.namespace ?? 'default') === namespace),
    )
    .filter(o => labelsMatch(o.metadata?.labels ?? {}, requirements))
    .map(o => {
      const scope = `${o.kind}/${o.metadata?.namespace ?? ''}/${
        o.metadata?.name
      }`;
      return {
        ...o,
        apiVersion: resource.apiVersion,
        metadata: {
          ...(CLUSTER_SCOPED.has(resource.kind)
            ? {}
            : { namespace: o.metadata?.namespace ?? 'default' }),
          ...o.metadata,
          uid: uidOf(scope),
          resourceVersion: '1',
          creationTimestamp:
            o.metadata?.creationTimestamp ?? '2026-01-01T00:00:00Z',
        },
      };
    });
  return { kind: `${resource.kind}List`, items };
}

/**
 * The API servers of the sandbox clusters, at
 * `/clusters/<workload account>/<region>/<cluster>/{api,apis}/…`.
 */
export function createSandboxKubernetesApiRouter(): express.Router {
  const router = Router();
  router.get(
    /^\/clusters\/([^/]+)\/([^/]+)\/([^/]+)(\/.*)$/,
    async (req, res) => {
      const [account, region, name, resourcePath] = [0, 1, 2, 3].map(
        i => (req.params as Record<string, string>)[i],
      );
      try {
        if (!ACCOUNT_ID_PATTERN.test(account) || !REGION_PATTERN.test(region)) {
          throw new StatusError(404, 'NotFound', 'no such cluster');
        }
        const auth = String(req.headers.authorization ?? '');
        const token = /^Bearer (.+)$/.exec(auth)?.[1];
        if (!token) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
        const principal = await callerOf(parseEksToken(token), name);
        const store = await openCluster(account, region, name);
        const answer = listObjects(
          store,
          resourcePath,
          typeof req.query.labelSelector === 'string'
            ? req.query.labelSelector
            : undefined,
        );
        authorize(store, principal, answer.kind.replace(/List$/, ''));
        res.json({
          apiVersion:
            RESOURCES[
              Object.keys(RESOURCES).find(
                k => RESOURCES[k].kind === answer.kind.replace(/List$/, ''),
              )!
            ].apiVersion,
          kind: answer.kind,
          metadata: { resourceVersion: '1' },
          items: answer.items,
        });
      } catch (e) {
        if (e instanceof StatusError) {
          res.status(e.code).json(e.body());
          return;
        }
        throw e;
      }
    },
  );
  return router;
}
