import fs from 'node:fs';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { SandboxClusterObjects } from '../standins/clusterObjects';
import { sandboxExternalDnsSync } from '../standins/externalDns';
import { parseKubernetesManifest } from '../standins/lbc';

export const KUBECTL_APPLY_ID = 'sandbox:kubectl:apply';
export const EXTERNAL_DNS_SYNC_ID = 'sandbox:external-dns:sync';

const cluster = {
  workloadAccountId: (z: any) =>
    z.string().regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' }),
  region: (z: any) => z.string(),
  clusterName: (z: any) => z.string(),
};

/** `kubectl apply -f <manifest>` against a sandbox cluster: its objects join the cluster's. */
export function createKubectlApplyAction() {
  return createTemplateAction({
    id: KUBECTL_APPLY_ID,
    description:
      'Sandbox stand-in for `kubectl apply -f` of a manifest in the workspace: its objects join those of the sandbox cluster (what the controller and external-dns stand-ins read). Idempotent: an object is replaced by kind, namespace and name, keeping its status.',
    supportsDryRun: true,
    schema: {
      input: {
        ...cluster,
        manifestPath: z =>
          z
            .string()
            .describe('Multi-document Kubernetes manifest in the workspace'),
      },
      output: { applied: z => z.array(z.string()) },
    },
    async handler(ctx) {
      const file = resolveSafeChildPath(
        ctx.workspacePath,
        ctx.input.manifestPath,
      );
      if (!fs.existsSync(file)) {
        throw new InputError(
          `No Kubernetes manifest at ${ctx.input.manifestPath} in the workspace`,
        );
      }
      const objects = parseKubernetesManifest(fs.readFileSync(file, 'utf8'));
      const applied = objects.map(
        o => `${o.kind}/${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`,
      );
      if (!ctx.isDryRun) {
        const { store } = await SandboxClusterObjects.ofCluster(ctx.input);
        store.apply(objects);
      }
      ctx.logger.info(
        `${ctx.isDryRun ? 'Dry run: would apply' : 'Applied'} ${applied.join(
          ', ',
        )} to cluster ${ctx.input.clusterName}`,
      );
      ctx.output('applied', applied);
    },
  });
}

/** One reconciliation loop of the external-dns running in a sandbox cluster. */
export function createExternalDnsSyncAction() {
  return createTemplateAction({
    id: EXTERNAL_DNS_SYNC_ID,
    description:
      "Sandbox stand-in for one loop of external-dns in a cluster (standins/externalDns.ts): as the role its service account names (IRSA), writes in Route 53 the alias records of the Ingresses' hosts to their ALBs and its TXT ownership records, and deletes the records it owns that no Ingress wants (policy sync). Nothing when the cluster runs no external-dns.",
    supportsDryRun: false,
    schema: {
      input: cluster,
      output: {
        deployments: z => z.array(z.string()),
        changes: z =>
          z.array(
            z.object({
              zoneId: z.string(),
              action: z.string(),
              name: z.string(),
              type: z.string(),
            }),
          ),
      },
    },
    async handler(ctx) {
      const result = await sandboxExternalDnsSync(ctx.input);
      if (!result.deployments.length) {
        ctx.logger.info(
          `Cluster ${ctx.input.clusterName} runs no external-dns: no DNS record written (template 2 with a hosted zone installs it)`,
        );
      }
      for (const c of result.changes) {
        ctx.logger.info(
          `external-dns: ${c.action} ${c.name} ${c.type} in ${c.zoneId}`,
        );
      }
      ctx.output('deployments', result.deployments);
      ctx.output('changes', result.changes);
    },
  });
}
