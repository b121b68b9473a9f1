import fs from 'node:fs';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  buildIngressModel,
  parseKubernetesManifest,
  sandboxReconcileIngress,
} from '../standins/lbc';
import { regionalArn } from '@cross-account-alb/plugin-aws-cross-account-node';

export const LBC_RECONCILE_INGRESS_ID = 'sandbox:lbc:reconcile-ingress';

export function createLbcReconcileIngressAction() {
  return createTemplateAction({
    id: LBC_RECONCILE_INGRESS_ID,
    description:
      "Sandbox stand-in for the AWS Load Balancer Controller reconciling one Ingress from a manifest in the workspace: creates in the network account (Account-A), as the controller's IRSA role, the ALB, target group (target type ip), targets (the IPs of the pods the sandbox cluster runs for the Service's Deployment, one per replica) and HTTP:80 listener, with the controller's names and tags. Idempotent: finds them by tags first.",
    supportsDryRun: true,
    schema: {
      input: {
        manifestPath: z =>
          z
            .string()
            .default('kubernetes/app.yaml')
            .describe('Multi-document Kubernetes manifest in the workspace'),
        ingressName: z =>
          z
            .string()
            .optional()
            .describe('Which Ingress, if the manifest has several'),
        networkAccountId: z =>
          z
            .string()
            .regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' }),
        region: z => z.string(),
        clusterName: z => z.string(),
        workloadAccountId: z =>
          z
            .string()
            .regex(/^\d{12}$/, { message: 'a 12-digit AWS account ID' })
            .optional()
            .describe("To take the pods' subnets from the cluster"),
        podSubnetIds: z => z.array(z.string()).optional(),
      },
      output: {
        loadBalancerArn: z => z.string(),
        loadBalancerName: z => z.string(),
        dnsName: z => z.string(),
        stack: z => z.string(),
        targetGroupArns: z => z.array(z.string()),
        created: z => z.boolean(),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const manifestPath = input.manifestPath ?? 'kubernetes/app.yaml';
      const file = resolveSafeChildPath(ctx.workspacePath, manifestPath);
      if (!fs.existsSync(file)) {
        throw new InputError(
          `No Kubernetes manifest at ${manifestPath} in the workspace`,
        );
      }
      const objects = parseKubernetesManifest(fs.readFileSync(file, 'utf8'));
      if (ctx.isDryRun) {
        const model = buildIngressModel(objects, {
          clusterName: input.clusterName,
          ingressName: input.ingressName,
        });
        ctx.logger.info(
          `Dry run: would create ALB ${model.loadBalancerName} (stack ${model.stack}) in ${input.networkAccountId}`,
        );
        ctx.output(
          'loadBalancerArn',
          regionalArn(
            'elasticloadbalancing',
            input.region,
            input.networkAccountId,
            `loadbalancer/app/${model.loadBalancerName}/0000000000000000`,
          ),
        );
        ctx.output('loadBalancerName', model.loadBalancerName);
        ctx.output(
          'dnsName',
          `${model.scheme === 'internal' ? 'internal-' : ''}${
            model.loadBalancerName
          }-0000000000.${input.region}.elb.amazonaws.com`,
        );
        ctx.output('stack', model.stack);
        ctx.output('targetGroupArns', []);
        ctx.output('created', false);
        return;
      }
      const result = await sandboxReconcileIngress({
        manifest: objects,
        ingressName: input.ingressName,
        networkAccountId: input.networkAccountId,
        region: input.region,
        clusterName: input.clusterName,
        workloadAccountId: input.workloadAccountId,
        podSubnetIds: input.podSubnetIds,
      });
      ctx.logger.info(
        `${result.created ? 'Created' : 'Reconciled'} ALB ${
          result.loadBalancerName
        } (${result.dnsName}) for stack ${result.stack}`,
      );
      ctx.output('loadBalancerArn', result.loadBalancerArn);
      ctx.output('loadBalancerName', result.loadBalancerName);
      ctx.output('dnsName', result.dnsName);
      ctx.output('stack', result.stack);
      ctx.output('targetGroupArns', result.targetGroupArns);
      ctx.output('created', result.created);
    },
  });
}
