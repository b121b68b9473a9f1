import {
  DeleteSecurityGroupCommand,
  EC2Client,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  mutate,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
  sleep,
} from '../lib/action';
import { buildAlbSecurityGroupName, isManaged } from '../lib/builders';
import { findSecurityGroupByName } from '../lib/lookups';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './deleteAlbSecurityGroup.examples';
import {
  awsErrorName,
  securityGroupArn,
  sdkErrorOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const DELETE_ALB_SECURITY_GROUP_ID = 'aws:ec2:delete-alb-security-group';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f.region(),
    vpcId: f.vpcId(),
    clusterName: f.clusterName(),
    groupName: f
      .securityGroupName()
      .optional()
      .describe('Defaults to <clusterName>-alb'),
    lookupOnly: zod
      .boolean()
      .default(false)
      .describe(
        'Only find the group and output its ID (read-only, also in a dry-run), e.g. for aws:ec2:revoke-alb-to-nodes, which must run before the group can be deleted',
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    groupName: zod.string(),
    securityGroupId: zod.string().optional(),
    deleted: zod.boolean(),
    wouldDelete: zod.array(zod.string()).optional(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

/**
 * The delete action's own knobs: how long it waits while EC2 answers DependencyViolation.
 * After the controller deletes an ALB, its network interfaces linger for a few minutes and
 * keep the security group in use; tests pass a fake `sleep`.
 */
export interface DeleteAlbSecurityGroupActionOptions extends AwsActionOptions {
  dependencyWait?: {
    /** Give up (and say why) after this long; default 10 minutes. */
    timeoutMs?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
  };
  sleep?: (ms: number) => Promise<void>;
}

export function createDeleteAlbSecurityGroupAction(
  options: DeleteAlbSecurityGroupActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DELETE_ALB_SECURITY_GROUP_ID,
    description:
      'Teardown of aws:ec2:ensure-alb-security-group: deletes the ALB security group from the shared VPC of the network account (Account-A), only if it carries the cross-account-alb:managed-by tag. A missing group counts as deleted. Remove the node rule referencing it (aws:ec2:revoke-alb-to-nodes) and the ALB first.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DELETE_ALB_SECURITY_GROUP_ID,
      );
      const groupName =
        input.groupName ?? buildAlbSecurityGroupName(input.clusterName);
      const scope = networkScope(options, input.networkAccountId);

      if (input.lookupOnly) {
        const { group } = await lookupGroup(options, scope, input, groupName);
        ctx.logger.info(
          group
            ? `Found security group ${group.GroupId} (${groupName}) in ${input.vpcId}`
            : `Security group ${groupName} does not exist in ${input.vpcId}`,
        );
        ctx.output('groupName', groupName);
        if (group?.GroupId) ctx.output('securityGroupId', group.GroupId);
        ctx.output('deleted', false);
        ctx.output('wouldDelete', []);
        if (ctx.isDryRun) ctx.output('dryRun', true);
        return;
      }

      if (ctx.isDryRun) {
        let wouldDelete = [`security group ${groupName} in ${input.vpcId}`];
        let groupId: string | undefined;
        try {
          const { group } = await lookupGroup(options, scope, input, groupName);
          groupId = group?.GroupId;
          wouldDelete = group
            ? [
                `security group ${group.GroupId} (${groupName}) in ${input.vpcId}`,
              ]
            : [];
        } catch (error) {
          if (error instanceof ConflictError) throw error;
          ctx.logger.warn(
            `Dry run: could not look up ${groupName} (${
              (error as Error).message
            }); listing it as it would be deleted if present`,
          );
        }
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would delete ${wouldDelete.join(', ')}`
            : `Dry run: nothing to delete, ${groupName} does not exist in ${input.vpcId}`,
        );
        ctx.output('groupName', groupName);
        if (groupId) ctx.output('securityGroupId', groupId);
        ctx.output('deleted', false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      const { ec2, group } = await lookupGroup(
        options,
        scope,
        input,
        groupName,
      );
      ctx.output('groupName', groupName);
      if (!group?.GroupId) {
        ctx.logger.info(
          `Nothing to delete: ${groupName} does not exist in ${input.vpcId}`,
        );
        ctx.output('deleted', false);
        return;
      }
      const groupId = group.GroupId;
      await mutate(
        ctx,
        options,
        {
          key: `ec2.sg.${input.networkAccountId}.${input.region}.${input.vpcId}.${groupName}.delete`,
          scope,
          action: 'ec2:DeleteSecurityGroup',
          resourceArn: securityGroupArn(
            input.region,
            input.networkAccountId,
            groupId,
          ),
        },
        async () => {
          await deleteWhenReleased(options, ctx.logger, () =>
            unlessAwsError(
              ['InvalidGroup.NotFound'],
              ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })),
            ),
          );
          return true;
        },
      );
      ctx.logger.info(`Deleted security group ${groupId} (${groupName})`);
      ctx.output('securityGroupId', groupId);
      ctx.output('deleted', true);
    },
  });
}

/** The group of that name, with the client to delete it; refuses a foreign one. */
async function lookupGroup(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
  groupName: string,
): Promise<{ ec2: EC2Client; group?: SecurityGroup }> {
  const ec2 = await options.clients.client(EC2Client, {
    accountId: input.networkAccountId,
    region: input.region,
  });
  const group = await findSecurityGroupByName(
    ec2,
    scope,
    input.vpcId,
    groupName,
  );
  if (group && !isManaged(group.Tags)) {
    throw new ConflictError(
      `Refusing to delete security group ${group.GroupId} (${groupName}) in ${input.vpcId}: it was not created by this project (no cross-account-alb:managed-by tag). Delete it by hand if it really is yours to remove.`,
    );
  }
  return { ec2, group };
}

/**
 * Deletes, retrying with a bounded backoff while EC2 answers DependencyViolation: the
 * network interfaces of a just-deleted ALB keep the group in use for a while. Past the
 * deadline the last DependencyViolation is thrown, which the caller maps to a message saying
 * what still uses the group.
 */
async function deleteWhenReleased(
  options: DeleteAlbSecurityGroupActionOptions,
  logger: { info(message: string): void },
  attempt: () => Promise<unknown>,
): Promise<void> {
  const wait = options.sleep ?? sleep;
  const timeoutMs = options.dependencyWait?.timeoutMs ?? 10 * 60_000;
  let delayMs = options.dependencyWait?.initialDelayMs ?? 5_000;
  const maxDelayMs = options.dependencyWait?.maxDelayMs ?? 60_000;
  let waitedMs = 0;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (awsErrorName(sdkErrorOf(error)) !== 'DependencyViolation')
        throw error;
      if (waitedMs >= timeoutMs) {
        throw new ConflictError(
          `The security group is still in use after ${Math.round(
            waitedMs / 1000,
          )} s of waiting (${
            (error as Error).message
          }). A load balancer or its network interfaces still use it: check that the controller deleted the ALB (aws elbv2 describe-load-balancers in the network account, aws ec2 describe-network-interfaces --filters Name=group-id,Values=<group>), then run the teardown again.`,
        );
      }
      logger.info(
        `Security group still in use (DependencyViolation), e.g. by the network interfaces of a load balancer being deleted; trying again in ${Math.round(
          delayMs / 1000,
        )} s`,
      );
      await wait(delayMs);
      waitedMs += delayMs;
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
