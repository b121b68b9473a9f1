import {
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  Role,
  ListEntitiesForPolicyCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  AwsActionOptions,
  call,
  mutate,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
import {
  buildControllerRoleName,
  controllerRoleOwner,
  describeOwner,
  isManaged,
} from '../lib/builders';
import { deleteRoleNamed } from '../lib/irsaRole';
import { attachedPolicyArns } from '../lib/roleLookups';
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
    workloadAccountId: f
      .workloadAccountId()
      .optional()
      .describe(
        "The cluster's account; names the default role (required unless roleName is given)",
      ),
    roleName: f
      .iamRoleName()
      .optional()
      .describe(
        'Defaults to <clusterName>-<workloadAccountId>-aws-lbc (within 64 characters; see buildControllerRoleName)',
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
): AwsTemplateAction {
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
      if (!input.roleName && !input.workloadAccountId) {
        throw new InputError(
          `${DELETE_LOAD_BALANCER_CONTROLLER_ROLE_ID}: give workloadAccountId (the controller role's name includes it) or roleName`,
        );
      }
      const target: Target = {
        networkAccountId: input.networkAccountId,
        clusterName: input.clusterName,
        workloadAccountId: input.workloadAccountId,
        roleName:
          input.roleName ??
          buildControllerRoleName(input.clusterName, input.workloadAccountId!),
        policyArn: iamPolicyArn(
          partitionOf(input.region),
          input.networkAccountId,
          input.policyName,
          IAM_PATH,
        ),
        deletePolicy: input.deletePolicy,
      };
      const run: ActionRun = {
        ctx,
        options,
        scope: networkScope(options, input.networkAccountId),
      };
      if (ctx.isDryRun) {
        const wouldDelete = await listWouldDelete(run, input.region, target);
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would delete ${wouldDelete.join(', ')}`
            : `Dry run: nothing to delete for role ${target.roleName}`,
        );
        writeOutputs(ctx, target, false, false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      const iam = await options.clients.client(IAMClient, {
        accountId: input.networkAccountId,
        region: input.region,
      });
      const plan = await planDeletion(run.scope, iam, target);
      await deleteRole(run, iam, target, plan);
      if (plan.policyNote) ctx.logger.info(plan.policyNote);
      if (plan.deletePolicy) await deletePolicy(run, iam, target.policyArn);
      writeOutputs(ctx, target, !!plan.role, plan.deletePolicy);
    },
  });
}

/** What the action deletes, derived from its input. */
interface Target {
  networkAccountId: string;
  clusterName: string;
  workloadAccountId?: string;
  roleName: string;
  policyArn: string;
  /** Whether the input asks to delete the policy too. */
  deletePolicy: boolean;
}

/** What exists and may be removed. */
interface DeletionPlan {
  role?: Role;
  /** Whether the policy is attached to the role. */
  attached: boolean;
  /** Whether the policy is to be deleted (asked for, ours and unused elsewhere). */
  deletePolicy: boolean;
  /** Why the policy stays, when asked to delete it. */
  policyNote: string;
}

function writeOutputs(
  ctx: ActionRun['ctx'],
  target: Target,
  roleDeleted: boolean,
  policyDeleted: boolean,
) {
  ctx.output('roleName', target.roleName);
  ctx.output('policyArn', target.policyArn);
  ctx.output('roleDeleted', roleDeleted);
  ctx.output('policyDeleted', policyDeleted);
}

/**
 * What a run would delete: from a look-up when AWS answers, else everything the action
 * could delete. A foreign role is refused as in a real run.
 */
async function listWouldDelete(
  { ctx, options, scope }: ActionRun,
  region: string,
  target: Target,
): Promise<string[]> {
  const { roleName, policyArn } = target;
  try {
    const iam = await options.clients.client(IAMClient, {
      accountId: target.networkAccountId,
      region,
    });
    const plan = await planDeletion(scope, iam, target);
    if (plan.policyNote) ctx.logger.info(`Dry run: ${plan.policyNote}`);
    return [
      ...(plan.attached
        ? [`attachment of ${policyArn} to role ${roleName}`]
        : []),
      ...(plan.role ? [`IAM role ${plan.role.Arn}`] : []),
      ...(plan.deletePolicy ? [`IAM policy ${policyArn}`] : []),
    ];
  } catch (error) {
    if (error instanceof ConflictError) throw error;
    ctx.logger.warn(
      `Dry run: could not look up role ${roleName} (${
        (error as Error).message
      }); listing what would be deleted if present`,
    );
    return [
      `attachment of ${policyArn} to role ${roleName}`,
      `IAM role ${roleName}`,
      ...(target.deletePolicy
        ? [`IAM policy ${policyArn} (if nothing else uses it)`]
        : []),
    ];
  }
}

/** What exists and may be removed; throws on foreign resources. */
async function planDeletion(
  scope: ScopeBase,
  iam: IAMClient,
  target: Target,
): Promise<DeletionPlan> {
  const { roleName, policyArn } = target;
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
      `Refusing to delete role ${role.Arn} in network account ${target.networkAccountId}: it was not created by this project (no cross-account-alb:managed-by tag).`,
    );
  }
  if (role) {
    const owner = controllerRoleOwner(role);
    // A role without owner tags is judged by its name alone, as before the tags existed.
    const otherCluster =
      owner.clusterName !== undefined &&
      owner.clusterName !== target.clusterName;
    const otherAccount =
      owner.workloadAccountId !== undefined &&
      target.workloadAccountId !== undefined &&
      owner.workloadAccountId !== target.workloadAccountId;
    if (otherCluster || otherAccount) {
      throw new ConflictError(
        `Refusing to delete role ${role.Arn} in network account ${
          target.networkAccountId
        }: it belongs to ${describeOwner(owner)}, not to cluster ${
          target.clusterName
        }${
          target.workloadAccountId
            ? ` in workload account ${target.workloadAccountId}`
            : ''
        }.`,
      );
    }
  }
  const attached = role ? await attachedPolicyArns(iam, scope, roleName) : [];
  const others = attached.filter(a => a !== policyArn);
  if (role && others.length) {
    throw new ConflictError(
      `Refusing to delete role ${
        role.Arn
      }: policies other than ${policyArn} are attached to it (${others.join(
        ', ',
      )}). Detach them first if the role is really no longer needed.`,
    );
  }
  const policyNote = target.deletePolicy
    ? await whyKeepPolicy(scope, iam, target)
    : '';
  return {
    role,
    attached: attached.includes(policyArn),
    deletePolicy: target.deletePolicy && policyNote === '',
    policyNote,
  };
}

/** Why the policy must stay (missing, foreign, used elsewhere), or '' when it may go. */
async function whyKeepPolicy(
  scope: ScopeBase,
  iam: IAMClient,
  target: Target,
): Promise<string> {
  const { roleName, policyArn } = target;
  const policy = (
    await call(scope, 'iam:GetPolicy', () =>
      unlessAwsError(
        NOT_FOUND,
        iam.send(new GetPolicyCommand({ PolicyArn: policyArn })),
      ),
    )
  )?.Policy;
  if (!policy) return `policy ${policyArn} does not exist`;
  if (!isManaged(policy.Tags)) {
    return `keeping policy ${policyArn}: not created by this project (no cross-account-alb:managed-by tag)`;
  }
  const entities = await call(scope, 'iam:ListEntitiesForPolicy', () =>
    iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: policyArn })),
  );
  const users = [
    ...(entities.PolicyRoles ?? [])
      .map(r => r.RoleName!)
      .filter(n => n !== roleName),
    ...(entities.PolicyUsers ?? []).map(u => `user ${u.UserName}`),
    ...(entities.PolicyGroups ?? []).map(g => `group ${g.GroupName}`),
  ];
  return users.length
    ? `keeping policy ${policyArn}: still attached to ${users.join(', ')}`
    : '';
}

/** Detaches the policy if attached, then deletes the role if it exists. */
async function deleteRole(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  target: Target,
  plan: DeletionPlan,
): Promise<void> {
  const { roleName, policyArn } = target;
  const keyBase = `iam.role.${target.networkAccountId}.${roleName}`;
  if (plan.attached) {
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
  if (!plan.role) {
    ctx.logger.info(`Nothing to delete: role ${roleName} does not exist`);
    return;
  }
  await deleteRoleNamed({ ctx, options, scope }, iam, roleName, plan.role.Arn!);
}

/** Deletes the policy's non-default versions, then the policy. */
async function deletePolicy(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  policyArn: string,
): Promise<void> {
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
