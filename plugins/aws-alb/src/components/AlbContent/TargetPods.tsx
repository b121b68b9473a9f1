/*
 * Which pod and node stand behind each IP target, read from Backstage's Kubernetes plugin
 * when the portal has it and the entity is one it knows. The load balancer's targets are pod
 * IPs (target type ip, the only one that works across accounts), so the pods the Kubernetes
 * plugin returns for the entity are matched by `status.podIP`; `spec.nodeName` names the
 * node. Nothing is asked of the AWS backend. Without the Kubernetes plugin, or for an entity
 * without its annotations, the target table is as it was.
 */
import { createContext, ReactNode, useContext, useMemo } from 'react';
import type { Entity } from '@backstage/catalog-model';
import { WarningPanel } from '@backstage/core-components';
import { useApiHolder } from '@backstage/core-plugin-api';
import {
  KUBERNETES_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_QUERY_ANNOTATION,
} from '@backstage/plugin-kubernetes-common';
import {
  kubernetesApiRef,
  kubernetesAuthProvidersApiRef,
  useKubernetesObjects,
} from '@backstage/plugin-kubernetes-react';

/** The pod behind one IP target. */
export interface TargetPod {
  cluster: string;
  namespace?: string;
  name: string;
  nodeName?: string;
  phase?: string;
}

/** What the target table knows about pods. */
export type TargetPodsState =
  /** The Kubernetes plugin is not installed, or the entity has no Kubernetes annotations. */
  | { kind: 'unavailable' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; byIp: Map<string, TargetPod[]> };

const TargetPodsContext = createContext<TargetPodsState>({
  kind: 'unavailable',
});

/** The pods behind the targets, for the target tables below the provider. */
export function useTargetPods(): TargetPodsState {
  return useContext(TargetPodsContext);
}

/** True when the entity carries an annotation the Kubernetes plugin finds its objects by. */
export function hasKubernetesAnnotations(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[KUBERNETES_ANNOTATION] ||
      annotations[KUBERNETES_LABEL_SELECTOR_QUERY_ANNOTATION],
  );
}

type PodLike = {
  metadata?: { name?: string; namespace?: string };
  spec?: { nodeName?: string };
  status?: { podIP?: string; podIPs?: { ip?: string }[]; phase?: string };
};

/**
 * Pods by IP, from the Kubernetes plugin's objects-by-entity response: every pod of every
 * cluster, under each of its IPs (`status.podIPs`, else `status.podIP`). Pods that have
 * finished (Succeeded, Failed) are left out: their IP may already be another pod's.
 */
export function podsByIp(
  items: Array<{
    cluster: { name: string };
    resources: Array<{ type: string; resources: unknown[] }>;
  }>,
): Map<string, TargetPod[]> {
  const byIp = new Map<string, TargetPod[]>();
  for (const item of items) {
    for (const response of item.resources) {
      if (response.type !== 'pods') continue;
      for (const pod of response.resources as PodLike[]) {
        const phase = pod.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') continue;
        const ips = new Set(
          [
            pod.status?.podIP,
            ...(pod.status?.podIPs ?? []).map(p => p.ip),
          ].filter((ip): ip is string => Boolean(ip)),
        );
        for (const ip of ips) {
          const list = byIp.get(ip) ?? [];
          list.push({
            cluster: item.cluster.name,
            namespace: pod.metadata?.namespace,
            name: pod.metadata?.name ?? '?',
            nodeName: pod.spec?.nodeName,
            phase,
          });
          byIp.set(ip, list);
        }
      }
    }
  }
  return byIp;
}

function KubernetesPodsReader(props: {
  entity: Entity;
  refreshIntervalSeconds?: number;
  children: ReactNode;
}) {
  // Polled with the tab's own interval; with auto-refresh off, read once: the hook's
  // interval (react-use's useInterval) pauses on a null delay.
  const { kubernetesObjects, loading, error } = useKubernetesObjects(
    props.entity,
    (props.refreshIntervalSeconds
      ? props.refreshIntervalSeconds * 1000
      : null) as number,
  );
  const state = useMemo<TargetPodsState>(() => {
    if (kubernetesObjects) {
      // No cluster has anything for the entity (none registered, or the entity's objects
      // are on a cluster the plugin does not know): the table stays as it is without it.
      if (kubernetesObjects.items.length === 0) return { kind: 'unavailable' };
      return { kind: 'ready', byIp: podsByIp(kubernetesObjects.items) };
    }
    if (error) return { kind: 'error', message: error };
    return loading ? { kind: 'loading' } : { kind: 'ready', byIp: new Map() };
  }, [kubernetesObjects, loading, error]);
  return (
    <TargetPodsContext.Provider value={state}>
      {props.children}
    </TargetPodsContext.Provider>
  );
}

/**
 * Provides the pods behind the targets when the portal has the Kubernetes plugin (its API
 * and auth providers) and the entity is annotated for it; otherwise renders the children
 * with no pods, as before.
 */
export function TargetPodsProvider(props: {
  entity: Entity;
  /** The tab's auto-refresh interval; undefined when it is off. */
  refreshIntervalSeconds?: number;
  children: ReactNode;
}) {
  const apis = useApiHolder();
  const available =
    hasKubernetesAnnotations(props.entity) &&
    Boolean(apis.get(kubernetesApiRef)) &&
    Boolean(apis.get(kubernetesAuthProvidersApiRef));
  if (!available) return <>{props.children}</>;
  return (
    <KubernetesPodsReader
      entity={props.entity}
      refreshIntervalSeconds={props.refreshIntervalSeconds}
    >
      {props.children}
    </KubernetesPodsReader>
  );
}

/** Says once, above the target groups, why the pods could not be read. */
export function TargetPodsErrorNote() {
  const pods = useTargetPods();
  if (pods.kind !== 'error') return null;
  return (
    <WarningPanel
      severity="info"
      title="The pods behind the targets could not be read from Kubernetes"
      message={`${pods.message}. The targets are shown without their pods.`}
    />
  );
}
