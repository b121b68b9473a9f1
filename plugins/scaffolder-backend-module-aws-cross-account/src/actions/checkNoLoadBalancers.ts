import {
  ResourceGroupsTaggingAPIClient,
  ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ingressOfTargetGroupResource,
  isTargetGroupOfIngress,
  LBC_TAG_RESOURCE,
  LBC_TAG_STACK,
} from '@cross-account-alb/plugin-aws-alb-common';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
import { findControllerResources } from '../lib/controllerResources';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './checkNoLoadBalancers.examples';

export const CHECK_NO_LOAD_BALANCERS_ID = 'aws:elbv2:check-no-load-balancers';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f.region(),
    clusterName: f.clusterName(),
    stack: zod
      .string()
      .regex(
        /^(|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?|[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?)$/,
        'expected <namespace>/<ingress>, an Ingress group name, or nothing',
      )
      .optional()
      .describe(
        "Only the controller's stack (ingress.k8s.aws/stack): <namespace>/<ingress>, or the group name of an Ingress group. Without it, every load balancer of the cluster counts.",
      ),
    ingress: zod
      .string()
      .regex(
        /^(|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/,
        'expected <namespace>/<ingress> or nothing',
      )
      .optional()
      .describe(
        "With an Ingress group's stack: only this Ingress (<namespace>/<ingress>) must be gone. The group's ALB may stay for its other members; it fails while the Ingress's target groups (tag ingress.k8s.aws/resource <namespace>/<ingress>-…) remain",
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    loadBalancerArns: zod.array(zod.string()),
    groupLoadBalancerRemains: zod
      .boolean()
      .describe(
        "With ingress: the group's ALB stays for other members, so what the group shares (its ALB security group and node rule) must stay too",
      ),
    otherMembers: zod
      .array(zod.string())
      .describe('With ingress: the Ingresses still in the group'),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

interface FoundLoadBalancer {
  arn: string;
  name: string;
  stack?: string;
}

/**
 * `aws:elbv2:check-no-load-balancers`: the teardown's first AWS step. The controller deletes
 * an ALB when its Ingress goes; while one of the cluster's (or the application's) ALBs
 * remains, removing the node rule cuts its traffic, deleting its security group fails with
 * DependencyViolation and deleting the controller's role strands it in the network account.
 * So the teardown stops here, before changing anything, naming each ALB and what removes it.
 */
export function createCheckNoLoadBalancersAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: CHECK_NO_LOAD_BALANCERS_ID,
    description:
      "Fails, naming each one and the command that removes it, while the network account (Account-A) holds a load balancer the cluster's Load Balancer Controller made (tag elbv2.k8s.aws/cluster, and ingress.k8s.aws/stack when a stack is given). Read-only: runs in dry-run too, so a teardown preview shows the same refusal.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        CHECK_NO_LOAD_BALANCERS_ID,
      );
      const scope = networkScope(options, input.networkAccountId);
      if (input.ingress && input.stack && !input.stack.includes('/')) {
        await checkIngressLeftGroup(ctx, options, scope, {
          ...input,
          stack: input.stack,
          ingress: input.ingress,
        });
        return;
      }
      const found = await findControllerLoadBalancers(options, scope, input);
      if (found.length) {
        throw new ConflictError(refusal(input, found));
      }
      ctx.logger.info(
        `No load balancer of cluster ${input.clusterName}${
          input.stack ? ` for ${input.stack}` : ''
        } in network account ${input.networkAccountId} (${
          input.region
        }): the teardown may go on`,
      );
      ctx.output('loadBalancerArns', []);
      ctx.output('groupLoadBalancerRemains', false);
      ctx.output('otherMembers', []);
      if (ctx.isDryRun) ctx.output('dryRun', true);
    },
  });
}

/**
 * One application of an Ingress group: its Ingress must be gone (the controller then deletes
 * its target groups and rules), while the group's ALB may stay for the other members. The
 * controller tags each target group with `<namespace>/<ingress>-<service>:<port>`.
 */
async function checkIngressLeftGroup(
  ctx: {
    output(name: string, value: unknown): void;
    isDryRun?: boolean;
    logger: { info(m: string): void };
  },
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input & { stack: string; ingress: string },
) {
  const mappings = await tagged(options, scope, input, [
    'elasticloadbalancing:loadbalancer',
    'elasticloadbalancing:targetgroup',
  ]);
  const resourceOf = (m: ResourceTagMapping) =>
    m.Tags?.find(t => t.Key === LBC_TAG_RESOURCE)?.Value ?? '';
  const loadBalancers = mappings.filter(m =>
    m.ResourceARN?.includes(':loadbalancer/'),
  );
  const targetGroups = mappings.filter(m =>
    m.ResourceARN?.includes(':targetgroup/'),
  );
  const own = targetGroups.filter(m =>
    isTargetGroupOfIngress(resourceOf(m), input.ingress),
  );
  const [namespace, name] = input.ingress.split('/');
  if (own.length) {
    const lb = loadBalancers[0]?.ResourceARN;
    throw new ConflictError(
      `Nothing was changed: Ingress ${
        input.ingress
      } is still in Ingress group ${input.stack} of cluster ${
        input.clusterName
      }: ${own.length} of its target group${own.length === 1 ? '' : 's'} (${own
        .map(m => m.ResourceARN)
        .join(', ')}) still exist in network account ${
        input.networkAccountId
      } (${input.region})${
        lb ? ` on the group's load balancer ${lb.split('/')[2]} (${lb})` : ''
      }. Removing the application's set-up now would cut its traffic. With kubectl on the cluster: kubectl delete ingress ${name} -n ${namespace}. The controller then removes its target groups and rules (the load balancer stays for the group's other Ingresses); run the teardown again once they are gone.`,
    );
  }
  const others = [
    ...new Set(
      targetGroups.flatMap(m => {
        const ingress = ingressOfTargetGroupResource(resourceOf(m));
        return ingress ? [ingress] : [];
      }),
    ),
  ].sort();
  const remains = loadBalancers.length > 0;
  ctx.logger.info(
    remains
      ? `Ingress ${input.ingress} has left Ingress group ${
          input.stack
        }; the group's load balancer stays for ${
          others.join(', ') || 'its other Ingresses'
        }, and with it the group's ALB security group and node rule`
      : `Ingress ${input.ingress} has left Ingress group ${input.stack}, and the group has no load balancer left: the teardown may remove what the group shared`,
  );
  ctx.output(
    'loadBalancerArns',
    loadBalancers.map(m => m.ResourceARN!),
  );
  ctx.output('groupLoadBalancerRemains', remains);
  ctx.output('otherMembers', others);
  if (ctx.isDryRun) ctx.output('dryRun', true);
}

async function tagged(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
  resourceTypes: string[],
): Promise<ResourceTagMapping[]> {
  const tagging = await options.clients.client(ResourceGroupsTaggingAPIClient, {
    accountId: input.networkAccountId,
    region: input.region,
  });
  return findControllerResources(tagging, scope, input, resourceTypes);
}

async function findControllerLoadBalancers(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
): Promise<FoundLoadBalancer[]> {
  const mappings = await tagged(options, scope, input, [
    'elasticloadbalancing:loadbalancer',
  ]);
  return mappings.map(m => ({
    arn: m.ResourceARN!,
    name: m.ResourceARN!.split('/')[2] ?? m.ResourceARN!,
    stack: m.Tags?.find(t => t.Key === LBC_TAG_STACK)?.Value,
  }));
}

/** How one stack's load balancer goes away: its Ingress, or every Ingress of its group. */
function removal(stack: string | undefined): string {
  if (!stack) {
    return 'delete the Ingress that made it (kubectl get ingress -A shows the address)';
  }
  const slash = stack.indexOf('/');
  if (slash > 0) {
    return `kubectl delete ingress ${stack.slice(slash + 1)} -n ${stack.slice(
      0,
      slash,
    )}`;
  }
  return `delete every Ingress of group ${stack} (those annotated alb.ingress.kubernetes.io/group.name: ${stack}; kubectl get ingress -A)`;
}

function refusal(input: Input, found: FoundLoadBalancer[]): string {
  const list = found
    .map(
      lb =>
        `${lb.name} (${lb.arn})${
          lb.stack ? ` of Ingress ${lb.stack}` : ''
        }: ${removal(lb.stack)}`,
    )
    .join('; ');
  return `Nothing was changed: ${found.length} load balancer${
    found.length === 1 ? '' : 's'
  } of cluster ${input.clusterName} still exist${
    found.length === 1 ? 's' : ''
  } in network account ${input.networkAccountId} (${
    input.region
  }). Removing the set-up now would cut their traffic and strand them there. With kubectl on the cluster: ${list}. The controller then deletes each load balancer; run the teardown again once they are gone.`;
}
