import {
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import { AwsActionOptions, call, mutate, networkScope } from '../lib/action';
import { buildControllerRoleName, isManaged } from '../lib/builders';
import { fields, parseInput, Zod } from '../lib/schemas';
import {
  DEFAULT_POLICY_NAME,
  IAM_PATH,
} from './ensureLoadBalancerControllerRole';
import { examples } from './deleteLoadBalancerControllerRole.examples';
import {
  iamPolicyArn,
  partitionOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const DELETE_LOAD_BALANCER_CONTROLLER_ROLE_ID =
  'aws:iam:delete-load-balancer-controller-role';

const NOT_FOUND = ['NoSuchEntity', 'NoSuchEntityException'];

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f
      .region()
      .describe('Region for the IAM client (IAM itself is global)'),
    clusterName: f.clusterName(),
    roleName: f
      .iamRoleName()
      .optional()
      .describe(
        'Defaults to <clusterName>-aws-lbc (truncated to 64 characters)',
      ),
    policyName: f.iamPolicyName().default(DEFAULT_POLICY_NAME),
    deletePolicy: zod
      .boolean()
      .default(false)
      .describe(
        'Also delete the shared controller policy, if this project created it and nothing else is attached to it',
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    roleName: zod.string(),
    policyArn: zod.string(),
    roleDeleted: zod.boolean(),
    policyDeleted: zod.boolean(),
    wouldDelete: zod.array(zod.string()).optional(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

export function createDeleteLoadBalancerControllerRoleAction(
  options: AwsActionOptions,
) {
  return createTemplateAction({
    id: DELETE_LOAD_BALANCER_CONTROLLER_ROLE_ID,
    description:
      'Teardown of aws:iam:ensure-load-balancer-controller-role: in the network account (Account-A), detaches the controller policy from the role and deletes the role, only if it carries the cross-account-alb:managed-by tag. The shared controller policy is kept unless deletePolicy is true and no other role, user or group uses it. Missing resources count as deleted.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DELETE_LOAD_BALANCER_CONTROLLER_ROLE_ID,
      );
      const roleName =
        input.roleName ?? buildControllerRoleName(input.clusterName);
      const policyArn = iamPolicyArn(
        partitionOf(input.region),
        input.networkAccountId,
        input.policyName,
        IAM_PATH,
      );
      const scope = networkScope(options, input.networkAccountId);

      /** What exists and may be removed; throws on foreign resources. */
      const plan = async (iam: IAMClient) => {
        const role = (
          await call(scope, 'iam:GetRole', () =>
            unlessAwsError(
              NOT_FOUND,
              iam.send(new GetRoleCommand({ RoleName: roleName })),
            ),
          )
        )?.Role;
        if (role && !isManaged(role.Tags)) {
          throw new ConflictError(
            `Refusing to delete role ${role.Arn} in network account ${input.networkAccountId}: it was not created by this project (no cross-account-alb:managed-by tag).`,
          );
        }
        const attached: string[] = [];
        if (role) {
          let marker: string | undefined;
          do {
            const pageMarker = marker;
            const page = await call(scope, 'iam:ListAttachedRolePolicies', () =>
              iam.send(
                new ListAttachedRolePoliciesCommand({
                  RoleName: roleName,
                  Marker: pageMarker,
                }),
              ),
            );
            attached.push(
              ...(page.AttachedPolicies ?? []).map(p => p.PolicyArn!),
            );
            marker = page.IsTruncated ? page.Marker : undefined;
          } while (marker);
          const others = attached.filter(a => a !== policyArn);
          if (others.length) {
            throw new ConflictError(
              `Refusing to delete role ${
                role.Arn
              }: policies other than ${policyArn} are attached to it (${others.join(
                ', ',
              )}). Detach them first if the role is really no longer needed.`,
            );
          }
        }
        let deletePolicy = false;
        let policyNote = '';
        if (input.deletePolicy) {
          const policy = (
            await call(scope, 'iam:GetPolicy', () =>
              unlessAwsError(
                NOT_FOUND,
                iam.send(new GetPolicyCommand({ PolicyArn: policyArn })),
              ),
            )
          )?.Policy;
          if (!policy) {
            policyNote = `policy ${policyArn} does not exist`;
          } else if (!isManaged(policy.Tags)) {
            policyNote = `keeping policy ${policyArn}: not created by this project (no cross-account-alb:managed-by tag)`;
          } else {
            const entities = await call(
              scope,
              'iam:ListEntitiesForPolicy',
              () =>
                iam.send(
                  new ListEntitiesForPolicyCommand({ PolicyArn: policyArn }),
                ),
            );
            const users = [
              ...(entities.PolicyRoles ?? [])
                .map(r => r.RoleName!)
                .filter(n => n !== roleName),
              ...(entities.PolicyUsers ?? []).map(u => `user ${u.UserName}`),
              ...(entities.PolicyGroups ?? []).map(g => `group ${g.GroupName}`),
            ];
            if (users.length) {
              policyNote = `keeping policy ${policyArn}: still attached to ${users.join(
                ', ',
              )}`;
            } else {
              deletePolicy = true;
            }
          }
        }
        return {
          role,
          attached: attached.includes(policyArn),
          deletePolicy,
          policyNote,
        };
      };

      const output = (roleDeleted: boolean, policyDeleted: boolean) => {
        ctx.output('roleName', roleName);
        ctx.output('policyArn', policyArn);
        ctx.output('roleDeleted', roleDeleted);
        ctx.output('policyDeleted', policyDeleted);
      };

      if (ctx.isDryRun) {
        let wouldDelete = [
          `attachment of ${policyArn} to role ${roleName}`,
          `IAM role ${roleName}`,
          ...(input.deletePolicy
            ? [`IAM policy ${policyArn} (if nothing else uses it)`]
            : []),
        ];
        try {
          const iam = await options.clients.client(IAMClient, {
            accountId: input.networkAccountId,
            region: input.region,
          });
          const p = await plan(iam);
          wouldDelete = [
            ...(p.attached
              ? [`attachment of ${policyArn} to role ${roleName}`]
              : []),
            ...(p.role ? [`IAM role ${p.role.Arn}`] : []),
            ...(p.deletePolicy ? [`IAM policy ${policyArn}`] : []),
          ];
          if (p.policyNote) ctx.logger.info(`Dry run: ${p.policyNote}`);
        } catch (error) {
          if (error instanceof ConflictError) throw error;
          ctx.logger.warn(
            `Dry run: could not look up role ${roleName} (${
              (error as Error).message
            }); listing what would be deleted if present`,
          );
        }
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would delete ${wouldDelete.join(', ')}`
            : `Dry run: nothing to delete for role ${roleName}`,
        );
        output(false, false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      const iam = await options.clients.client(IAMClient, {
        accountId: input.networkAccountId,
        region: input.region,
      });
      const p = await plan(iam);
      const keyBase = `iam.role.${input.networkAccountId}.${roleName}`;
      if (p.attached) {
        await mutate(
          ctx,
          options,
          {
            key: `${keyBase}.detach.${policyArn}`,
            scope,
            action: 'iam:DetachRolePolicy',
            resourceArn: policyArn,
          },
          async () => {
            await unlessAwsError(
              NOT_FOUND,
              iam.send(
                new DetachRolePolicyCommand({
                  RoleName: roleName,
                  PolicyArn: policyArn,
                }),
              ),
            );
            return true;
          },
        );
        ctx.logger.info(`Detached ${policyArn} from ${roleName}`);
      }
      if (p.role) {
        const roleArn = p.role.Arn!;
        await mutate(
          ctx,
          options,
          {
            key: `${keyBase}.delete`,
            scope,
            action: 'iam:DeleteRole',
            resourceArn: roleArn,
          },
          async () => {
            await unlessAwsError(
              NOT_FOUND,
              iam.send(new DeleteRoleCommand({ RoleName: roleName })),
            );
            return true;
          },
        );
        ctx.logger.info(`Deleted role ${roleArn}`);
      } else {
        ctx.logger.info(`Nothing to delete: role ${roleName} does not exist`);
      }
      if (p.policyNote) ctx.logger.info(p.policyNote);
      if (p.deletePolicy) {
        const versions = await call(scope, 'iam:ListPolicyVersions', () =>
          iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn })),
        );
        for (const version of (versions.Versions ?? []).filter(
          v => !v.IsDefaultVersion,
        )) {
          await mutate(
            ctx,
            options,
            {
              key: `iam.policy.${policyArn}.delete-version.${version.VersionId}`,
              scope,
              action: 'iam:DeletePolicyVersion',
              resourceArn: policyArn,
            },
            async () => {
              await unlessAwsError(
                NOT_FOUND,
                iam.send(
                  new DeletePolicyVersionCommand({
                    PolicyArn: policyArn,
                    VersionId: version.VersionId,
                  }),
                ),
              );
              return true;
            },
          );
        }
        await mutate(
          ctx,
          options,
          {
            key: `iam.policy.${policyArn}.delete`,
            scope,
            action: 'iam:DeletePolicy',
            resourceArn: policyArn,
          },
          async () => {
            await unlessAwsError(
              NOT_FOUND,
              iam.send(new DeletePolicyCommand({ PolicyArn: policyArn })),
            );
            return true;
          },
        );
        ctx.logger.info(`Deleted policy ${policyArn}`);
      }
      output(!!p.role, p.deletePolicy);
    },
  });
}
