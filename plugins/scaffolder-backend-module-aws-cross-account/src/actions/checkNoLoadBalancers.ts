import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  ResourceTagMapping,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  LBC_TAG_CLUSTER,
  LBC_TAG_STACK,
} from '@cross-account-alb/plugin-aws-alb-common';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  call,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
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
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    loadBalancerArns: zod.array(zod.string()),
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
      if (ctx.isDryRun) ctx.output('dryRun', true);
    },
  });
}

async function findControllerLoadBalancers(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
): Promise<FoundLoadBalancer[]> {
  const tagging = await options.clients.client(ResourceGroupsTaggingAPIClient, {
    accountId: input.networkAccountId,
    region: input.region,
  });
  const tagFilters = [{ Key: LBC_TAG_CLUSTER, Values: [input.clusterName] }];
  if (input.stack)
    tagFilters.push({ Key: LBC_TAG_STACK, Values: [input.stack] });
  const mappings: ResourceTagMapping[] = [];
  let token: string | undefined;
  do {
    const request = new GetResourcesCommand({
      ResourceTypeFilters: ['elasticloadbalancing:loadbalancer'],
      TagFilters: tagFilters,
      PaginationToken: token,
    });
    const page = await call(scope, 'tag:GetResources', () =>
      tagging.send(request),
    );
    mappings.push(...(page.ResourceTagMappingList ?? []));
    token = page.PaginationToken || undefined;
  } while (token);
  return mappings
    .filter(m => m.ResourceARN)
    .map(m => ({
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
