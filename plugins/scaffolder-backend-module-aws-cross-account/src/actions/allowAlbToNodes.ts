import {
  AuthorizeSecurityGroupIngressCommand,
  EC2Client,
  IpPermission,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  AnyContext,
  AwsActionOptions,
  mutate,
  networkScope,
  workloadScope,
  AwsTemplateAction,
} from '../lib/action';
import { managedTags } from '../lib/builders';
import { findSecurityGroupById } from '../lib/lookups';
import { accountsMustDiffer, fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './allowAlbToNodes.examples';
import { securityGroupArn } from '@cross-account-alb/plugin-aws-cross-account-node';

export const ALLOW_ALB_TO_NODES_ID = 'aws:ec2:allow-alb-to-nodes';

/** Input of both aws:ec2:allow-alb-to-nodes and its undo, aws:ec2:revoke-alb-to-nodes. */
export const albToNodesInputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      workloadAccountId: f.workloadAccountId(),
      networkAccountId: f.networkAccountId(),
      region: f.region(),
      nodeSecurityGroupId: f
        .securityGroupId()
        .describe(
          'The cluster or node security group in the workload account (clusterSecurityGroupId of aws:eks:describe-cluster)',
        ),
      albSecurityGroupId: f
        .securityGroupId()
        .describe('The ALB security group of the network account'),
      fromPort: f.port().describe('First target (pod) port'),
      toPort: f
        .port()
        .optional()
        .describe('Last target port; defaults to fromPort'),
    })
    .superRefine(accountsMustDiffer)
    .superRefine((value, ctx) => {
      if (value.toPort !== undefined && value.toPort < value.fromPort) {
        ctx.addIssue({
          code: 'custom',
          path: ['toPort'],
          message: 'expected toPort greater than or equal to fromPort',
        });
      }
    });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    nodeSecurityGroupId: zod.string(),
    albSecurityGroupId: zod.string(),
    fromPort: zod.number(),
    toPort: zod.number(),
    created: zod.boolean(),
    securityGroupRuleId: zod.string().optional(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof albToNodesInputSchema>>;

/** True when a rule already lets the ALB group reach every port of the range. */
export function allowsGroup(
  permissions: IpPermission[],
  groupId: string,
  fromPort: number,
  toPort: number,
): boolean {
  return permissions.some(
    p =>
      (p.IpProtocol === '-1' ||
        (p.IpProtocol === 'tcp' &&
          (p.FromPort ?? 0) <= fromPort &&
          (p.ToPort ?? 65535) >= toPort)) &&
      (p.UserIdGroupPairs ?? []).some(pair => pair.GroupId === groupId),
  );
}

export function createAllowAlbToNodesAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: ALLOW_ALB_TO_NODES_ID,
    description:
      'Ensures the cluster/node security group of the workload account (Account-B) accepts the target ports from the ALB security group of the network account, by security-group reference (allowed between participants of a shared VPC), not by CIDR. With explicit ALB security groups the controller does not open the node groups itself.',
    examples,
    supportsDryRun: true,
    schema: { input: albToNodesInputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        albToNodesInputSchema(z),
        ctx.input,
        ALLOW_ALB_TO_NODES_ID,
      );
      const toPort = input.toPort ?? input.fromPort;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would allow tcp ${input.fromPort}-${toPort} from ${input.albSecurityGroupId} (network account ${input.networkAccountId}) on ${input.nodeSecurityGroupId} in workload account ${input.workloadAccountId}`,
        );
        ctx.output('nodeSecurityGroupId', input.nodeSecurityGroupId);
        ctx.output('albSecurityGroupId', input.albSecurityGroupId);
        ctx.output('fromPort', input.fromPort);
        ctx.output('toPort', toPort);
        ctx.output('created', false);
        ctx.output('dryRun', true);
        return;
      }
      const scope = workloadScope(options, input.workloadAccountId);
      const ec2 = await options.clients.client(EC2Client, {
        accountId: input.workloadAccountId,
        region: input.region,
      });
      const group = await findSecurityGroupById(
        ec2,
        scope,
        input.nodeSecurityGroupId,
      );
      if (!group) {
        throw new NotFoundError(
          `nodeSecurityGroupId: ${input.nodeSecurityGroupId} was not found in workload account ${input.workloadAccountId} (${input.region}). Use the clusterSecurityGroupId output of aws:eks:describe-cluster.`,
        );
      }
      await checkSameVpc(options, input, group);
      if (
        allowsGroup(
          group.IpPermissions ?? [],
          input.albSecurityGroupId,
          input.fromPort,
          toPort,
        )
      ) {
        ctx.logger.info(
          `${input.nodeSecurityGroupId} already accepts tcp ${input.fromPort}-${toPort} from ${input.albSecurityGroupId}`,
        );
        writeOutputs(ctx, input, false);
        return;
      }
      const ruleId = await mutate(
        ctx,
        options,
        {
          key: `ec2.sg.${input.nodeSecurityGroupId}.from.${input.albSecurityGroupId}.${input.fromPort}-${toPort}`,
          scope,
          action: 'ec2:AuthorizeSecurityGroupIngress',
          resourceArn: securityGroupArn(
            input.region,
            input.workloadAccountId,
            input.nodeSecurityGroupId,
          ),
        },
        async () => {
          try {
            const response = await ec2.send(
              new AuthorizeSecurityGroupIngressCommand({
                GroupId: input.nodeSecurityGroupId,
                IpPermissions: [
                  {
                    IpProtocol: 'tcp',
                    FromPort: input.fromPort,
                    ToPort: toPort,
                    UserIdGroupPairs: [
                      {
                        GroupId: input.albSecurityGroupId,
                        // The owner of the referenced group, as participants of a shared VPC must give it.
                        UserId: input.networkAccountId,
                        Description:
                          'ALB of the network account (managed by Backstage)',
                      },
                    ],
                  },
                ],
                TagSpecifications: [
                  { ResourceType: 'security-group-rule', Tags: managedTags() },
                ],
              }),
            );
            return response.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
          } catch (error) {
            // A concurrent run added the same rule: the state we want exists.
            if ((error as Error).name === 'InvalidPermission.Duplicate')
              return '';
            throw error;
          }
        },
      );
      ctx.logger.info(
        `${input.nodeSecurityGroupId} now accepts tcp ${input.fromPort}-${toPort} from ${input.albSecurityGroupId}`,
      );
      writeOutputs(ctx, input, true, ruleId || undefined);
    },
  });
}

function writeOutputs(
  ctx: AnyContext,
  input: Input,
  created: boolean,
  ruleId?: string,
) {
  ctx.output('nodeSecurityGroupId', input.nodeSecurityGroupId);
  ctx.output('albSecurityGroupId', input.albSecurityGroupId);
  ctx.output('fromPort', input.fromPort);
  ctx.output('toPort', input.toPort ?? input.fromPort);
  ctx.output('created', created);
  if (ruleId) ctx.output('securityGroupRuleId', ruleId);
}

/**
 * A rule referencing a security group works only inside one VPC (here the shared one): the
 * node group must be in the cluster's VPC and the ALB group, read as the network account that
 * owns it, in that same VPC. EC2 accepts a reference across VPCs of a shared VPC's
 * participants only there, so a group of another VPC is refused before the rule is added.
 */
async function checkSameVpc(
  options: AwsActionOptions,
  input: Input,
  nodeGroup: SecurityGroup,
) {
  const scope = networkScope(options, input.networkAccountId);
  const ec2 = await options.clients.client(EC2Client, {
    accountId: input.networkAccountId,
    region: input.region,
  });
  const albGroup = await findSecurityGroupById(
    ec2,
    scope,
    input.albSecurityGroupId,
  );
  if (!albGroup) {
    throw new NotFoundError(
      `albSecurityGroupId: ${input.albSecurityGroupId} was not found in network account ${input.networkAccountId} (${input.region}). Use the securityGroupId output of aws:ec2:ensure-alb-security-group.`,
    );
  }
  if (albGroup.VpcId !== nodeGroup.VpcId) {
    throw new InputError(
      `albSecurityGroupId: ${input.albSecurityGroupId} is in ${albGroup.VpcId} but nodeSecurityGroupId: ${input.nodeSecurityGroupId} is in ${nodeGroup.VpcId}. The ALB security group must be in the shared VPC the cluster runs in (the node group's VPC): make it there with aws:ec2:ensure-alb-security-group, or check nodeSecurityGroupId is the clusterSecurityGroupId of this cluster.`,
    );
  }
}
