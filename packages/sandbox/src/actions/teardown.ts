import fs from 'node:fs';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { parseEksctlClusterConfig } from '../standins/eksctl';
import {
  parseKubernetesManifest,
  sandboxDeleteIngress,
  stackOf,
} from '../standins/lbc';
import {
  sandboxDeleteIngressStack,
  sandboxEksctlDeleteCluster,
} from '../standins/teardown';

export const LBC_DELETE_INGRESS_ID = 'sandbox:lbc:delete-ingress';
export const EKSCTL_DELETE_CLUSTER_ID = 'sandbox:eksctl:delete-cluster';

/** The controller's stack of an Ingress: its group.name, else namespace/name. */
export function ingressStack(text: string, ingressName?: string): string {
  const ingresses = parseKubernetesManifest(text).filter(
    o =>
      o.kind === 'Ingress' &&
      (!ingressName || o.metadata?.name === ingressName),
  );
  if (ingresses.length !== 1) {
    throw new InputError(
      `Expected one Ingress${
        ingressName ? ` named ${ingressName}` : ''
      } in the manifest, found ${ingresses.length}`,
    );
  }
  return stackOf(ingresses[0]);
}

export function createLbcDeleteIngressAction() {
  return createTemplateAction({
    id: LBC_DELETE_INGRESS_ID,
    description:
      "Sandbox stand-in for the controller's clean-up after `kubectl delete -f` of an Ingress: deletes, in the network account, the ALB, its listeners and the target groups of the Ingress's stack, found by the controller's tags. Idempotent; a dry run lists what would be deleted.",
    supportsDryRun: true,
    schema: {
      input: {
        networkAccountId: z =>
          z
            .string()
            .regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' }),
        workloadAccountId: z =>
          z
            .string()
            .regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' })
            .describe(
              "The cluster's account (the controller's token comes from it)",
            ),
        region: z => z.string(),
        clusterName: z => z.string(),
        stack: z =>
          z
            .string()
            .optional()
            .describe(
              'namespace/ingress or the group name; default: from the manifest',
            ),
        manifestPath: z => z.string().default('kubernetes/app.yaml'),
        ingressName: z => z.string().optional(),
      },
      output: {
        deleted: z => z.array(z.string()),
        stack: z => z.string(),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      if (input.stack) {
        // The whole stack: every Ingress of it goes.
        const result = await sandboxDeleteIngressStack({
          networkAccountId: input.networkAccountId,
          workloadAccountId: input.workloadAccountId,
          region: input.region,
          clusterName: input.clusterName,
          stack: input.stack,
          dryRun: ctx.isDryRun,
        });
        ctx.logger.info(
          `${ctx.isDryRun ? 'Would delete' : 'Deleted'} for stack ${
            input.stack
          }: ${result.deleted.join(', ') || 'nothing (already gone)'}`,
        );
        ctx.output('deleted', result.deleted);
        ctx.output('stack', input.stack);
        return;
      }
      const manifestPath = input.manifestPath ?? 'kubernetes/app.yaml';
      const file = resolveSafeChildPath(ctx.workspacePath, manifestPath);
      if (!fs.existsSync(file)) {
        throw new InputError(
          `Give the stack, or a manifest at ${manifestPath} in the workspace`,
        );
      }
      // `kubectl delete -f`: the Ingress leaves its group; the ALB goes with the last one.
      const result = await sandboxDeleteIngress({
        manifest: fs.readFileSync(file, 'utf8'),
        ingressName: input.ingressName,
        networkAccountId: input.networkAccountId,
        workloadAccountId: input.workloadAccountId,
        region: input.region,
        clusterName: input.clusterName,
        dryRun: ctx.isDryRun,
      });
      ctx.logger.info(
        `${ctx.isDryRun ? 'Would delete' : 'Deleted'} for stack ${
          result.stack
        }: ${result.deleted.join(', ') || 'nothing (already gone)'}${
          result.remainingMembers.length
            ? `; the ALB stays for ${result.remainingMembers.join(', ')}`
            : ''
        }`,
      );
      ctx.output('deleted', result.deleted);
      ctx.output('stack', result.stack);
    },
  });
}

export function createEksctlDeleteClusterAction() {
  return createTemplateAction({
    id: EKSCTL_DELETE_CLUSTER_ID,
    description:
      'Sandbox stand-in for `eksctl delete cluster`: deletes the node groups, the EKS cluster (and with it its cluster security group) and the eksctl-created roles in the workload account. Idempotent; a dry run lists what would be deleted.',
    supportsDryRun: true,
    schema: {
      input: {
        workloadAccountId: z =>
          z
            .string()
            .regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' }),
        clusterName: z => z.string().optional(),
        region: z => z.string().optional(),
        configPath: z => z.string().default('cluster/eksctl-cluster.yaml'),
      },
      output: {
        deleted: z => z.array(z.string()),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      let clusterName = input.clusterName;
      let region = input.region;
      if (!clusterName || !region) {
        const configPath = input.configPath ?? 'cluster/eksctl-cluster.yaml';
        const file = resolveSafeChildPath(ctx.workspacePath, configPath);
        if (!fs.existsSync(file)) {
          throw new InputError(
            `Give clusterName and region, or a ClusterConfig at ${configPath} in the workspace`,
          );
        }
        const spec = parseEksctlClusterConfig(fs.readFileSync(file, 'utf8'));
        clusterName = clusterName ?? spec.clusterName;
        region = region ?? spec.region;
      }
      const result = await sandboxEksctlDeleteCluster({
        workloadAccountId: input.workloadAccountId,
        region,
        clusterName,
        dryRun: ctx.isDryRun,
      });
      ctx.logger.info(
        `${ctx.isDryRun ? 'Would delete' : 'Deleted'}: ${
          result.deleted.join(', ') || 'nothing (already gone)'
        }`,
      );
      ctx.output('deleted', result.deleted);
    },
  });
}
