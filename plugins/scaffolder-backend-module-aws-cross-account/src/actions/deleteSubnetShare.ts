import {
  DeleteResourceShareCommand,
  GetResourceSharesCommand,
  GetResourceSharesCommandInput,
  RAMClient,
  ResourceShare,
} from '@aws-sdk/client-ram';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  AwsActionOptions,
  call,
  digest,
  mutate,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
import {
  isManaged,
  MANAGED_BY_TAG_KEY,
  MANAGED_BY_TAG_VALUE,
  CLUSTER_TAG_KEY,
} from '../lib/builders';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './deleteSubnetShare.examples';
import { unlessAwsError } from '@cross-account-alb/plugin-aws-cross-account-node';

export const DELETE_SUBNET_SHARE_ID = 'aws:ram:delete-subnet-share';

const SHARE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):ram:[a-z0-9-]+:[0-9]{12}:resource-share\/[A-Za-z0-9-]{1,128}$/;

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      networkAccountId: f.networkAccountId(),
      region: f.region(),
      resourceShareArn: zod
        .string()
        .regex(
          SHARE_ARN,
          'expected a RAM resource share ARN such as arn:aws:ram:us-east-1:111111111111:resource-share/<id>',
        )
        .optional()
        .describe('The share to delete (output of aws:ram:share-subnets)'),
      shareName: f
        .resourceShareName()
        .optional()
        .describe('Or the name of the share, when its ARN is not known'),
      clusterName: f
        .clusterName()
        .optional()
        .describe(
          "The cluster being torn down: the share is deleted only if it is that cluster's own (tag cross-account-alb:cluster), never one other clusters of the account also use",
        ),
    })
    .superRefine((value, ctx) => {
      if (!value.resourceShareArn === !value.shareName) {
        ctx.addIssue({
          code: 'custom',
          path: ['resourceShareArn'],
          message: 'expected exactly one of resourceShareArn and shareName',
        });
      }
      if (
        value.resourceShareArn &&
        value.resourceShareArn.split(':')[4] !== value.networkAccountId
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['resourceShareArn'],
          message: 'expected a resource share owned by networkAccountId',
        });
      }
    });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    resourceShareArns: zod.array(zod.string()),
    deleted: zod.boolean(),
    wouldDelete: zod.array(zod.string()).optional(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

const GONE = ['DELETING', 'DELETED'];

export function createDeleteSubnetShareAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DELETE_SUBNET_SHARE_ID,
    description:
      'Teardown of aws:ram:share-subnets: deletes the RAM resource share of the network account (Account-A), by ARN or name, only if it carries the cross-account-alb:managed-by tag. The workload account loses access to the subnets, so delete the cluster first. A missing share counts as deleted.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DELETE_SUBNET_SHARE_ID,
      );
      const what = input.resourceShareArn ?? `named ${input.shareName}`;
      const scope = networkScope(options, input.networkAccountId);
      const run: ActionRun = { ctx, options, scope };

      if (ctx.isDryRun) {
        let arns = [input.resourceShareArn ?? `resource share ${what}`];
        try {
          arns = (await lookupShares(run, input)).arns;
        } catch (error) {
          if (error instanceof ConflictError) throw error;
          ctx.logger.warn(
            `Dry run: could not look up resource share ${what} (${
              (error as Error).message
            }); listing it as it would be deleted if present`,
          );
        }
        const wouldDelete = arns.map(a =>
          a.startsWith('arn:') ? `resource share ${a}` : a,
        );
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would delete ${wouldDelete.join(', ')}`
            : `Dry run: nothing to delete, resource share ${what} does not exist`,
        );
        ctx.output(
          'resourceShareArns',
          arns.filter(a => a.startsWith('arn:')),
        );
        ctx.output('deleted', false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      const { ram, arns } = await lookupShares(run, input);
      if (!arns.length) {
        ctx.logger.info(
          `Nothing to delete: resource share ${what} does not exist`,
        );
      }
      for (const arn of arns) {
        await mutate(
          ctx,
          options,
          {
            key: `ram.${arn}.delete`,
            scope,
            action: 'ram:DeleteResourceShare',
            resourceArn: arn,
          },
          async () => {
            await unlessAwsError(
              ['UnknownResourceException'],
              ram.send(
                new DeleteResourceShareCommand({
                  resourceShareArn: arn,
                  clientToken: digest({ delete: arn }),
                }),
              ),
            );
            return true;
          },
        );
        ctx.logger.info(`Deleted resource share ${arn}`);
      }
      ctx.output('resourceShareArns', arns);
      ctx.output('deleted', arns.length > 0);
    },
  });
}

/** The live shares of the input's ARN or name, optionally only those tagged as ours. */
function findShares(
  scope: ScopeBase,
  ram: RAMClient,
  input: Input,
  managedOnly: boolean,
): Promise<ResourceShare[]> {
  const request: GetResourceSharesCommandInput = {
    resourceOwner: 'SELF',
    ...(input.resourceShareArn
      ? { resourceShareArns: [input.resourceShareArn] }
      : { name: input.shareName }),
    ...(managedOnly
      ? {
          tagFilters: [
            { tagKey: MANAGED_BY_TAG_KEY, tagValues: [MANAGED_BY_TAG_VALUE] },
          ],
        }
      : {}),
  };
  return call(scope, 'ram:GetResourceShares', async () => {
    const found = await unlessAwsError(
      ['UnknownResourceException'],
      ram.send(new GetResourceSharesCommand(request)),
    );
    return (found?.resourceShares ?? []).filter(
      s =>
        (input.resourceShareArn
          ? s.resourceShareArn === input.resourceShareArn
          : s.name === input.shareName) && !GONE.includes(s.status ?? ''),
    );
  });
}

/**
 * The ARNs of the shares to delete (ours only), with the client to delete them. Refuses a
 * foreign share named by ARN, or a name that only foreign shares carry.
 */
async function lookupShares(
  { ctx, options, scope }: ActionRun,
  input: Input,
): Promise<{ ram: RAMClient; arns: string[] }> {
  const ram = await options.clients.client(RAMClient, {
    accountId: input.networkAccountId,
    region: input.region,
  });
  const shares = await findShares(scope, ram, input, false);
  // RAM lists tags with each share; where they are left out (moto), ask again with a
  // tag filter, which only returns the shares carrying the project's tag.
  const untagged = shares.filter(s => !s.tags);
  const managedArns = new Set(
    untagged.length
      ? (await findShares(scope, ram, input, true)).map(s => s.resourceShareArn)
      : [],
  );
  const managed = (s: ResourceShare) =>
    s.tags ? isManaged(s.tags) : managedArns.has(s.resourceShareArn);
  const foreign = shares.filter(s => !managed(s));
  if (input.resourceShareArn && foreign.length) {
    throw new ConflictError(
      `Refusing to delete resource share ${input.resourceShareArn} in network account ${input.networkAccountId}: it was not created by this project (no cross-account-alb:managed-by tag).`,
    );
  }
  if (foreign.length) {
    ctx.logger.warn(
      `Leaving ${foreign.length} resource share(s) named ${input.shareName} that this project did not create`,
    );
  }
  if (input.shareName && !shares.some(managed) && foreign.length) {
    throw new ConflictError(
      `Refusing to delete the resource share named ${input.shareName} in network account ${input.networkAccountId}: it was not created by this project (no cross-account-alb:managed-by tag).`,
    );
  }
  const ours = shares.filter(managed);
  if (input.clusterName) {
    for (const share of ours) assertClustersOwn(share, input);
  }
  return { ram, arns: ours.map(s => s.resourceShareArn!) };
}

/**
 * Refuses to delete a share that is not the cluster's own: one tagged for another cluster, or
 * an account-wide one (no cluster tag) that every cluster of the workload account may use.
 * Deleting it would take the subnets from those clusters: no new node or pod interface could
 * be made in them.
 */
function assertClustersOwn(share: ResourceShare, input: Input): void {
  const tagged = (share.tags ?? []).find(t => t.key === CLUSTER_TAG_KEY)?.value;
  if (tagged === input.clusterName) return;
  const name = `${share.name} (${share.resourceShareArn})`;
  throw new ConflictError(
    tagged
      ? `Refusing to delete resource share ${name} in network account ${input.networkAccountId}: it shares the subnets of cluster ${tagged}, not ${input.clusterName} (tag ${CLUSTER_TAG_KEY}). Nothing was deleted.`
      : `Refusing to delete resource share ${name} in network account ${input.networkAccountId}: it has no ${CLUSTER_TAG_KEY} tag, so other clusters of the same workload account may run on its subnets and would lose them. Nothing was deleted. Delete it by hand (aws ram delete-resource-share) once no cluster uses its subnets.`,
  );
}
