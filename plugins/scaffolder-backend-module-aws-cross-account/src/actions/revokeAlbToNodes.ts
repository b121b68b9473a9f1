import {
  EC2Client,
  IpPermission,
  RevokeSecurityGroupIngressCommand,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  AnyContext,
  AwsActionOptions,
  mutate,
  ScopeBase,
  workloadScope,
  AwsTemplateAction,
} from '../lib/action';
import { findSecurityGroupById } from '../lib/lookups';
import { parseInput, Zod } from '../lib/schemas';
import { albToNodesInputSchema } from './allowAlbToNodes';
import { examples } from './revokeAlbToNodes.examples';
import {
  securityGroupArn,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const REVOKE_ALB_TO_NODES_ID = 'aws:ec2:revoke-alb-to-nodes';

const outputSchema = (zod: Zod) =>
  zod.object({
    nodeSecurityGroupId: zod.string(),
    albSecurityGroupId: zod.string(),
    deleted: zod.boolean(),
    wouldDelete: zod.array(zod.string()).optional(),
    dryRun: zod.boolean().optional(),
  });

/** The allow action's input, and whether every port goes. */
const inputSchema = (zod: Zod) =>
  zod.intersection(
    albToNodesInputSchema(zod),
    zod.object({
      allPorts: zod
        .boolean()
        .optional()
        .describe(
          'Remove every tcp rule that references the ALB security group, whatever its ports: before the group itself is deleted (an Ingress group whose applications used several container ports; EC2 refuses to delete a group other rules still reference)',
        ),
    }),
  );

type Input = z.infer<ReturnType<typeof inputSchema>>;

/** The tcp rules of exactly this port range that reference the ALB group. */
export function rulesFromGroup(
  permissions: IpPermission[],
  groupId: string,
  fromPort: number | 'any',
  toPort?: number,
): IpPermission[] {
  return permissions
    .filter(
      p =>
        p.IpProtocol === 'tcp' &&
        (fromPort === 'any' ||
          (p.FromPort === fromPort && p.ToPort === toPort)) &&
        (p.UserIdGroupPairs ?? []).some(pair => pair.GroupId === groupId),
    )
    .map(p => ({
      IpProtocol: 'tcp',
      FromPort: p.FromPort,
      ToPort: p.ToPort,
      UserIdGroupPairs: (p.UserIdGroupPairs ?? [])
        .filter(pair => pair.GroupId === groupId)
        // The rule as EC2 lists it; EC2 ignores the description when matching, moto does not.
        .map(pair => ({
          GroupId: pair.GroupId,
          UserId: pair.UserId,
          ...(pair.Description ? { Description: pair.Description } : {}),
        })),
    }));
}

export function createRevokeAlbToNodesAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: REVOKE_ALB_TO_NODES_ID,
    description:
      'Teardown of aws:ec2:allow-alb-to-nodes: removes, from the cluster/node security group of the workload account (Account-B), the inbound rule that references the ALB security group of the network account. A missing rule or group counts as removed.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        REVOKE_ALB_TO_NODES_ID,
      );
      const toPort = input.toPort ?? input.fromPort;
      const ports = input.allPorts ? 'any' : `${input.fromPort}-${toPort}`;
      const label = `tcp ${
        input.allPorts ? 'any port' : `${input.fromPort}-${toPort}`
      } from ${input.albSecurityGroupId} on ${input.nodeSecurityGroupId}`;
      const scope = workloadScope(options, input.workloadAccountId);

      if (ctx.isDryRun) {
        let wouldDelete = [`security group rule ${label}`];
        try {
          const { rules } = await lookupRules(options, scope, input);
          wouldDelete = rules.map(
            r =>
              `security group rule tcp ${r.FromPort}-${r.ToPort} from ${input.albSecurityGroupId} on ${input.nodeSecurityGroupId}`,
          );
        } catch (error) {
          ctx.logger.warn(
            `Dry run: could not check ${input.nodeSecurityGroupId} (${
              (error as Error).message
            }); listing the rule as it would be removed if present`,
          );
        }
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would remove ${wouldDelete.join(', ')}`
            : `Dry run: nothing to remove, ${label} does not exist`,
        );
        writeOutputs(ctx, input, false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      const { ec2, group, rules } = await lookupRules(options, scope, input);
      if (!group || !rules.length) {
        ctx.logger.info(
          group
            ? `Nothing to remove: ${label} does not exist`
            : `Nothing to remove: ${input.nodeSecurityGroupId} does not exist in workload account ${input.workloadAccountId}`,
        );
        writeOutputs(ctx, input, false);
        return;
      }
      await mutate(
        ctx,
        options,
        {
          key: `ec2.sg.${input.nodeSecurityGroupId}.from.${input.albSecurityGroupId}.${ports}.revoke`,
          scope,
          action: 'ec2:RevokeSecurityGroupIngress',
          resourceArn: securityGroupArn(
            input.region,
            input.workloadAccountId,
            input.nodeSecurityGroupId,
          ),
        },
        async () => {
          await unlessAwsError(
            ['InvalidPermission.NotFound', 'InvalidGroup.NotFound'],
            ec2.send(
              new RevokeSecurityGroupIngressCommand({
                GroupId: input.nodeSecurityGroupId,
                IpPermissions: rules,
              }),
            ),
          );
          return true;
        },
      );
      ctx.logger.info(`Removed ${label}`);
      writeOutputs(ctx, input, true);
    },
  });
}

function writeOutputs(ctx: AnyContext, input: Input, deleted: boolean) {
  ctx.output('nodeSecurityGroupId', input.nodeSecurityGroupId);
  ctx.output('albSecurityGroupId', input.albSecurityGroupId);
  ctx.output('deleted', deleted);
}

/** The node group and its rules that accept the ALB group on the ports, if any. */
async function lookupRules(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
): Promise<{
  ec2: EC2Client;
  group?: SecurityGroup;
  rules: IpPermission[];
}> {
  const ec2 = await options.clients.client(EC2Client, {
    accountId: input.workloadAccountId,
    region: input.region,
  });
  const group = await findSecurityGroupById(
    ec2,
    scope,
    input.nodeSecurityGroupId,
  );
  const rules = group
    ? rulesFromGroup(
        group.IpPermissions ?? [],
        input.albSecurityGroupId,
        input.allPorts ? 'any' : input.fromPort,
        input.toPort ?? input.fromPort,
      )
    : [];
  return { ec2, group, rules };
}
