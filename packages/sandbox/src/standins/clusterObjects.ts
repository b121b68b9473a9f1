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

interface Stored {
  objects: KubernetesObject[];
  /** Stable slot per target group resource ID (`namespace/ingress-service:port`). */
  slots: Record<string, number>;
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
    let data: Stored = { objects: [], slots: {} };
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

  /** `kubectl delete`: removes each object; absent ones are ignored. */
  delete(objects: KubernetesObject[]): void {
    const gone = new Set(objects.map(keyOf));
    this.data.objects = this.data.objects.filter(o => !gone.has(keyOf(o)));
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

  /** A stable small number per target group resource, first come first served. */
  slot(resourceId: string): number {
    if (this.data.slots[resourceId] === undefined) {
      const used = new Set(Object.values(this.data.slots));
      let next = 0;
      while (used.has(next)) next++;
      this.data.slots[resourceId] = next;
      this.save();
    }
    return this.data.slots[resourceId];
  }

  /** Frees the slots of resources that no longer exist. */
  releaseSlots(keep: (resourceId: string) => boolean): void {
    for (const id of Object.keys(this.data.slots)) {
      if (!keep(id)) delete this.data.slots[id];
    }
    this.save();
  }

  private save() {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data));
    fs.renameSync(tmp, this.file);
  }
}
