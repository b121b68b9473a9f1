/*
 * What `kubectl apply` leaves in a sandbox cluster: the Kubernetes objects the Load Balancer
 * Controller watches (Ingresses, Services, Deployments). The sandbox has no API server; the
 * controller stand-in needs one anyway, because the controller builds an Ingress group from
 * every Ingress of the cluster that names the group (pkg/ingress/group_loader.go), not from
 * the one manifest just applied.
 *
 * Kept as one JSON file per cluster so that it outlives a backend restart (the crash suite
 * kills the backend while moto keeps running). The file is keyed by the sandbox endpoint and
 * the cluster's ARN and creation time, so a new moto, or a cluster deleted and made again
 * under the same name, starts empty, as a new cluster's API server would.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { InputError } from '@backstage/errors';
import { eksctlClientOptions } from './aws';
import type { KubernetesObject } from './lbc';

/** Where the cluster's objects are kept: the sandbox's state directory, else the temp one. */
function stateDirectory(): string {
  return path.join(
    process.env.SANDBOX_STATE_DIR ??
      path.join(os.tmpdir(), 'cross-account-alb-sandbox'),
    'kubernetes',
  );
}

/** Identifies one cluster's API server. */
export interface ClusterIdentity {
  workloadAccountId: string;
  region: string;
  clusterName: string;
  /** The cluster's ARN and creation time as EKS reports them. */
  clusterArn: string;
  createdAt: string;
}

/** An EKS access entry as eksctl's ClusterConfig writes it (`accessConfig.accessEntries`). */
export interface SandboxAccessEntry {
  principalArn: string;
  /** Access policy ARNs, e.g. `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`. */
  policyArns: string[];
}

/** One pod the sandbox "runs" for a Deployment replica (see `schedulePods`). */
export interface SandboxPod {
  namespace: string;
  /** `<deployment>-<pod-template-hash>-<suffix>`, as the ReplicaSet controller names it. */
  name: string;
  deployment: string;
  templateHash: string;
  ip: string;
  nodeName: string;
  createdAt: string;
}

interface Stored {
  objects: KubernetesObject[];
  /** The pods of the Deployments, with the IPs the VPC CNI gave them. */
  pods?: SandboxPod[];
  /** Who may read the cluster's API besides its creator (EKS access entries). */
  accessEntries?: SandboxAccessEntry[];
  /** The IAM principal that created the cluster: cluster admin (EKS's bootstrap default). */
  creatorArn?: string;
}

const keyOf = (o: KubernetesObject) =>
  `${o.kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`;

/** The objects applied to one sandbox cluster. */
export class SandboxClusterObjects {
  private constructor(private readonly file: string, private data: Stored) {}

  /**
   * The API server of a cluster the sandbox's EKS has, found as `aws eks update-kubeconfig`
   * finds it (as eksctl's role in the workload account); also returns its OIDC issuer.
   */
  static async ofCluster(cluster: {
    workloadAccountId: string;
    region: string;
    clusterName: string;
  }): Promise<{ store: SandboxClusterObjects; issuer: string }> {
    const eks = new EKSClient(
      await eksctlClientOptions(cluster.workloadAccountId, cluster.region),
    );
    const found = (
      await eks.send(new DescribeClusterCommand({ name: cluster.clusterName }))
    ).cluster;
    const issuer = found?.identity?.oidc?.issuer;
    if (!found?.arn || !issuer) {
      throw new InputError(
        `Cluster ${cluster.clusterName} in ${cluster.workloadAccountId} (${cluster.region}) has no API server or OIDC issuer yet`,
      );
    }
    return {
      store: SandboxClusterObjects.open({
        ...cluster,
        clusterArn: found.arn,
        createdAt: String(found.createdAt?.valueOf() ?? ''),
      }),
      issuer,
    };
  }

  static open(cluster: ClusterIdentity): SandboxClusterObjects {
    const digest = createHash('sha256')
      .update(
        [
          process.env.AWS_ENDPOINT_URL ?? '',
          cluster.workloadAccountId,
          cluster.region,
          cluster.clusterName,
          cluster.clusterArn,
          cluster.createdAt,
        ].join('\n'),
      )
      .digest('hex')
      .slice(0, 32);
    const file = path.join(
      stateDirectory(),
      `${cluster.clusterName}-${digest}.json`,
    );
    let data: Stored = { objects: [] };
    if (fs.existsSync(file)) {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    }
    return new SandboxClusterObjects(file, data);
  }

  /**
   * `kubectl apply`: creates or replaces each object by kind, namespace and name. The status
   * is a subresource that apply does not write: an object applied again keeps the status its
   * controller gave it.
   */
  apply(objects: KubernetesObject[]): void {
    const byKey = new Map(this.data.objects.map(o => [keyOf(o), o]));
    for (const o of objects) {
      if (!o.kind || !o.metadata?.name) continue;
      const { status: _ignored, ...spec } = o;
      const status = byKey.get(keyOf(o))?.status;
      byKey.set(keyOf(o), status === undefined ? spec : { ...spec, status });
    }
    this.data.objects = [...byKey.values()];
    this.save();
  }

  /**
   * `kubectl delete`: removes each object; absent ones are ignored. The pods of a deleted
   * Deployment go with it (its ReplicaSet's garbage collection).
   */
  delete(objects: KubernetesObject[]): void {
    const gone = new Set(objects.map(keyOf));
    this.data.objects = this.data.objects.filter(o => !gone.has(keyOf(o)));
    this.data.pods = (this.data.pods ?? []).filter(p =>
      this.data.objects.some(
        o =>
          o.kind === 'Deployment' &&
          o.metadata?.name === p.deployment &&
          (o.metadata?.namespace ?? 'default') === p.namespace,
      ),
    );
    this.save();
  }

  /** A controller writing an object's status; an object not in the cluster is ignored. */
  setStatus(kind: string, namespace: string, name: string, status: unknown) {
    const key = `${kind}/${namespace}/${name}`;
    const found = this.data.objects.find(o => keyOf(o) === key);
    if (!found) return;
    if (JSON.stringify(found.status) === JSON.stringify(status)) return;
    found.status = status;
    this.save();
  }

  list(): KubernetesObject[] {
    return JSON.parse(JSON.stringify(this.data.objects));
  }

  /** The pods scheduled so far (`schedulePods`). */
  pods(): SandboxPod[] {
    return JSON.parse(JSON.stringify(this.data.pods ?? []));
  }

  /**
   * Plays the Deployment and ReplicaSet controllers, the scheduler and the VPC CNI for every
   * Deployment of the cluster: `spec.replicas` pods (default 1) of its current template, each
   * with an IP from the pod subnets that no other pod has, on a node of the pod's subnet.
   * A pod keeps its IP for as long as it exists; pods of a changed template or beyond the
   * replica count are replaced or removed, as a rolling update ends. This is the one place
   * pod IPs come from: the controller stand-in registers these IPs as targets and the
   * Kubernetes API stand-in lists these pods.
   */
  schedulePods(podCidrs: string[], region: string): SandboxPod[] {
    const before = this.data.pods ?? [];
    const used = new Set(before.map(p => p.ip));
    const kept: SandboxPod[] = [];
    for (const deployment of this.data.objects) {
      if (deployment.kind !== 'Deployment' || !deployment.metadata?.name) {
        continue;
      }
      const namespace = deployment.metadata.namespace ?? 'default';
      const name = deployment.metadata.name;
      const templateHash = podTemplateHash(deployment.spec?.template ?? {});
      const replicas = Number(deployment.spec?.replicas ?? 1);
      const current = before.filter(
        p =>
          p.namespace === namespace &&
          p.deployment === name &&
          p.templateHash === templateHash,
      );
      for (let i = 0; i < replicas; i++) {
        const existing = current[i];
        if (existing) {
          kept.push(existing);
          continue;
        }
        const { ip, cidr } = nextPodIp(podCidrs, used, i);
        used.add(ip);
        kept.push({
          namespace,
          name: `${name}-${templateHash}-${podSuffix(
            `${namespace}/${name}/${templateHash}/${ip}`,
          )}`,
          deployment: name,
          templateHash,
          ip,
          nodeName: nodeNameOf(cidr, region),
          createdAt: new Date().toISOString(),
        });
      }
    }
    this.data.pods = kept;
    this.save();
    return this.pods();
  }

  /** Records the cluster's creator and access entries (eksctl's `accessConfig`). */
  setAccess(creatorArn: string, accessEntries: SandboxAccessEntry[]): void {
    this.data.creatorArn = creatorArn;
    this.data.accessEntries = accessEntries;
    this.save();
  }

  access(): { creatorArn?: string; accessEntries: SandboxAccessEntry[] } {
    return {
      creatorArn: this.data.creatorArn,
      accessEntries: this.data.accessEntries ?? [],
    };
  }

  private save() {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data));
    fs.renameSync(tmp, this.file);
  }
}

/*
 * Names as Kubernetes gives them. The pod-template-hash label is a hash of the pod template
 * rendered with the alphabet of `rand.SafeEncodeString` (k8s.io/apimachinery/pkg/util/rand,
 * no vowels or look-alikes), as ComputeHash in pkg/controller/controller_utils.go does with
 * FNV-32a; pod names add five characters of that alphabet (the apiserver's
 * SimpleNameGenerator for `generateName`). Deterministic here, so runs are repeatable.
 */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function safeEncode(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += SAFE_ALPHABET[bytes[i] % SAFE_ALPHABET.length];
  }
  return out;
}

/** The `pod-template-hash` of a Deployment's pod template (10 characters, like k8s's). */
export function podTemplateHash(template: unknown): string {
  return safeEncode(
    createHash('sha256').update(JSON.stringify(template)).digest(),
    10,
  );
}

function podSuffix(seed: string): string {
  return safeEncode(createHash('sha256').update(seed).digest(), 5);
}

const ipToNumber = (ip: string) =>
  ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
const numberToIp = (n: number) =>
  [24, 16, 8, 0].map(s => (n >>> s) & 255).join('.');

/**
 * A free pod IP, replicas spread over the subnets in turn. Hosts from .10 on: the first
 * addresses of a subnet are AWS's (network, router, DNS, reserved) and the node's own
 * (.5, see `nodeNameOf`).
 */
function nextPodIp(
  cidrs: string[],
  used: Set<string>,
  replica: number,
): { ip: string; cidr: string } {
  if (!cidrs.length) throw new InputError('No subnets found for the pods');
  for (let k = 0; k < cidrs.length; k++) {
    const cidr = cidrs[(replica + k) % cidrs.length];
    const [base, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const first = ipToNumber(base);
    // The last address is the subnet's broadcast address, which AWS reserves.
    for (let host = 10; host < size - 1; host++) {
      const ip = numberToIp(first + host);
      if (!used.has(ip)) return { ip, cidr };
    }
  }
  throw new InputError(
    `The pod subnets ${cidrs.join(
      ', ',
    )} have no free address left for another pod`,
  );
}

/**
 * The node of a pod's subnet: a managed node group's node is named after its EC2 instance's
 * private DNS name, `ip-a-b-c-d.ec2.internal` in us-east-1 and
 * `ip-a-b-c-d.<region>.compute.internal` elsewhere (EC2 User Guide, "EC2 instance hostnames",
 * IP name). The sandbox has one node per pod subnet, at host .5.
 */
export function nodeNameOf(cidr: string, region: string): string {
  const ip = numberToIp(ipToNumber(cidr.split('/')[0]) + 5);
  const domain =
    region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  return `ip-${ip.replace(/\./g, '-')}.${domain}`;
}
