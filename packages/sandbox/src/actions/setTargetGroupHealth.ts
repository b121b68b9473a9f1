import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { sandboxAdminClients } from '../accounts';
import {
  sandboxSetTargetGroupsFailing,
  targetGroupsOfLoadBalancer,
} from '../standins/albFailures';
import { findLoadBalancerByLbcTags } from '../standins/lbc';

export const SET_TARGET_GROUP_HEALTH_ID = 'sandbox:alb:set-target-group-health';

/** `key=value,…` of the ALB tags annotation. */
function parseTags(value: string): Record<string, string> {
  return Object.fromEntries(
    value
      .split(',')
      .map(pair => pair.trim())
      .filter(Boolean)
      .map(pair => {
        const i = pair.indexOf('=');
        return [pair.slice(0, i).trim(), pair.slice(i + 1).trim()];
      }),
  );
}

/**
 * Sandbox only: makes the target groups of a component's load balancer fail (their targets
 * fail health checks, and the CloudWatch metrics the sandbox publishes from then on show 5xx,
 * slow answers and unhealthy hosts) or recover. For trying the load balancer tab on trouble
 * in the running sandbox portal (template "Sandbox: make a target group fail or recover").
 */
export function createSetTargetGroupHealthAction(options: {
  catalog: CatalogService;
}) {
  return createTemplateAction({
    id: SET_TARGET_GROUP_HEALTH_ID,
    description:
      "Sandbox only: makes the target groups of a component's load balancer (found by its aws.amazon.com/elbv2-load-balancer-tags annotation, the component's own Ingress on a shared ALB) fail their health checks, with failing CloudWatch metrics from now on, or recover.",
    schema: {
      input: {
        component: z =>
          z
            .string()
            .describe('The component entity, e.g. component:default/demo-2048'),
        health: z =>
          z
            .enum(['failing', 'healthy'])
            .describe('failing: from now on; healthy: recover now'),
      },
      output: {
        targetGroupArns: z => z.array(z.string()),
      },
    },
    async handler(ctx) {
      const ref = parseEntityRef(ctx.input.component, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      });
      const entity = await options.catalog.getEntityByRef(ref, {
        credentials: await ctx.getInitiatorCredentials(),
      });
      if (!entity) {
        throw new NotFoundError(
          `No entity ${stringifyEntityRef(ref)} in the catalog`,
        );
      }
      const annotations = entity.metadata.annotations ?? {};
      const tags = parseTags(
        annotations['aws.amazon.com/elbv2-load-balancer-tags'] ?? '',
      );
      const accountId = annotations['aws.amazon.com/account-id'];
      const region = annotations['aws.amazon.com/region'];
      const cluster = tags['elbv2.k8s.aws/cluster'];
      const stack = tags['ingress.k8s.aws/stack'];
      if (!accountId || !region || !cluster || !stack) {
        throw new InputError(
          `${stringifyEntityRef(
            entity,
          )} has no load balancer found by the controller's tags: it needs aws.amazon.com/elbv2-load-balancer-tags (elbv2.k8s.aws/cluster and ingress.k8s.aws/stack), aws.amazon.com/account-id and aws.amazon.com/region`,
        );
      }
      const elbv2 = await sandboxAdminClients().client(
        ElasticLoadBalancingV2Client,
        { accountId, region },
      );
      const lb = await findLoadBalancerByLbcTags(elbv2, cluster, stack);
      if (!lb?.LoadBalancerArn) {
        throw new NotFoundError(
          `The load balancer of ${stringifyEntityRef(
            entity,
          )} (cluster ${cluster}, stack ${stack}) does not exist yet`,
        );
      }
      const targetGroupArns = await targetGroupsOfLoadBalancer(
        elbv2,
        lb.LoadBalancerArn,
        annotations['cross-account-alb.io/ingress'],
      );
      await sandboxSetTargetGroupsFailing({
        networkAccountId: accountId,
        region,
        targetGroupArns,
        failing: ctx.input.health === 'failing',
      });
      ctx.logger.info(
        `${targetGroupArns.length} target group(s) of ${stringifyEntityRef(
          entity,
        )} ${
          ctx.input.health === 'failing' ? 'fail from now on' : 'recovered'
        }: ${targetGroupArns.join(', ')}`,
      );
      ctx.output('targetGroupArns', targetGroupArns);
    },
  });
}
