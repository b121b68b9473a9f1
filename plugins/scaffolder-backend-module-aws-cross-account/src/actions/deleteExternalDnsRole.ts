import {
  DeleteRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  Role,
} from '@aws-sdk/client-iam';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  oidcProviderArn,
  partitionOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  accountClient,
  ActionRun,
  AwsActionOptions,
  AwsTemplateAction,
  call,
  dnsScope,
  mutate,
} from '../lib/action';
import {
  buildExternalDnsRoleName,
  controllerRoleOwner,
  describeOwner,
  EXTERNAL_DNS_POLICY_NAME,
  isManaged,
} from '../lib/builders';
import {
  deleteProviderIn,
  getProvider,
  rolesTrustingProvider,
} from '../lib/oidcProvider';
import { deleteRoleNamed, getRole } from '../lib/irsaRole';
import { attachedPolicyArns } from '../lib/roleLookups';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './deleteExternalDnsRole.examples';

export const DELETE_EXTERNAL_DNS_ROLE_ID = 'aws:iam:delete-external-dns-role';

const NOT_FOUND = ['NoSuchEntity', 'NoSuchEntityException'];

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    dnsAccountId: f
      .accountId()
      .describe(
        "The account of the hosted zone given to template 2: where external-dns's role and its OIDC provider are",
      ),
    workloadAccountId: f.workloadAccountId(),
    region: f.region(),
    clusterName: f.clusterName(),
    oidcIssuerUrl: f
      .oidcIssuerUrl()
      .or(zod.literal(''))
      .optional()
      .describe(
        "The cluster's issuer: its OIDC provider in the DNS account is deleted too, unless another role there still trusts it. Without it the provider is left alone.",
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    roleName: zod.string(),
    roleDeleted: zod.boolean(),
    oidcProviderArn: zod.string().optional(),
    providerDeleted: zod.boolean(),
    /** Why the provider stays: not ours, or roles that still trust it. */
    providerKept: zod.string().optional(),
    wouldDelete: zod.array(zod.string()).optional(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

/** What exists and may go; a role of another cluster or not ours throws before any change. */
interface Plan {
  roleName: string;
  role?: Role;
  /** Whether external-dns's inline policy is on the role. */
  inlinePolicy: boolean;
  providerArn?: string;
  /** The provider is to be deleted (it exists, is ours, and no other role trusts it). */
  deleteProvider: boolean;
  providerKept?: string;
  /** The other roles that trust the provider now. */
  trustedBy: string[];
}

export function createDeleteExternalDnsRoleAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DELETE_EXTERNAL_DNS_ROLE_ID,
    description:
      "Teardown of aws:iam:ensure-external-dns-role, when the cluster goes: in the account of the hosted zone, deletes external-dns's role of this cluster (its inline policy first), only if this project made it for this cluster, and then the cluster's OIDC provider there, only if this project made it and no other role trusts it (in a DNS account that is also the network account, the controller's role trusts it until it is deleted). Missing resources count as deleted.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DELETE_EXTERNAL_DNS_ROLE_ID,
      );
      const iam = await accountClient(
        options,
        IAMClient,
        { accountId: input.dnsAccountId, region: input.region },
        'dnsAccountId',
      );
      const run: ActionRun = {
        ctx,
        options,
        scope: dnsScope(options, input.dnsAccountId),
      };
      // Read-only first, in a dry-run as in a run: a role that is not this cluster's, or one
      // with policies this project did not put there, stops the action before any change.
      const plan = await planDeletion(run, iam, input);
      if (plan.providerKept && !ctx.isDryRun) {
        ctx.logger.info(plan.providerKept);
      }
      ctx.output('roleName', plan.roleName);
      if (plan.providerArn) ctx.output('oidcProviderArn', plan.providerArn);
      if (plan.providerKept) ctx.output('providerKept', plan.providerKept);

      if (ctx.isDryRun) {
        const wouldDelete = [
          ...(plan.inlinePolicy
            ? [`inline policy ${EXTERNAL_DNS_POLICY_NAME} of ${plan.role!.Arn}`]
            : []),
          ...(plan.role ? [`IAM role ${plan.role.Arn}`] : []),
          ...(plan.deleteProvider ? [`OIDC provider ${plan.providerArn}`] : []),
          // Trusted now by a role an earlier step of the teardown may delete (the
          // controller's, when the zone is in the network account): decided in the run.
          ...(plan.trustedBy.length
            ? [
                `OIDC provider ${plan.providerArn} if no role trusts it by then (${plan.providerKept})`,
              ]
            : []),
        ];
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would delete ${wouldDelete.join(', ')}`
            : `Dry run: nothing to delete for external-dns of ${input.clusterName} in DNS account ${input.dnsAccountId}`,
        );
        ctx.output('roleDeleted', false);
        ctx.output('providerDeleted', false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      await deleteRole(run, iam, plan);
      // The role is gone: the provider's trusting roles were counted without it.
      if (plan.deleteProvider)
        await deleteProviderIn(run, iam, plan.providerArn!);
      ctx.output('roleDeleted', !!plan.role);
      ctx.output('providerDeleted', plan.deleteProvider);
    },
  });
}

async function planDeletion(
  run: ActionRun,
  iam: IAMClient,
  input: Input,
): Promise<Plan> {
  const { scope } = run;
  const roleName = buildExternalDnsRoleName(
    input.clusterName,
    input.workloadAccountId,
  );
  const role = await getRole(run, iam, roleName);
  let inlinePolicy = false;
  if (role) {
    refuseForeignRole(role, input);
    const inline = await inlinePolicyNames(run, iam, roleName);
    const attached = await attachedPolicyArns(iam, scope, roleName);
    const others = [
      ...inline.filter(n => n !== EXTERNAL_DNS_POLICY_NAME),
      ...attached,
    ];
    if (others.length) {
      throw new ConflictError(
        `Refusing to delete role ${
          role.Arn
        }: it holds policies this project did not put there (${others.join(
          ', ',
        )}). Remove them first if the role is really no longer needed.`,
      );
    }
    inlinePolicy = inline.includes(EXTERNAL_DNS_POLICY_NAME);
  }
  if (!input.oidcIssuerUrl) {
    return {
      roleName,
      role,
      inlinePolicy,
      deleteProvider: false,
      trustedBy: [],
    };
  }
  const providerArn = oidcProviderArn(
    partitionOf(input.region),
    input.dnsAccountId,
    input.oidcIssuerUrl,
  );
  const provider = await getProvider(run, iam, providerArn);
  let providerKept: string | undefined;
  let trustedBy: string[] = [];
  if (!provider) {
    providerKept = `OIDC provider ${providerArn} does not exist in DNS account ${input.dnsAccountId}`;
  } else if (!isManaged(provider.Tags)) {
    providerKept = `Keeping OIDC provider ${providerArn}: not created by this project (no cross-account-alb:managed-by tag)`;
  } else {
    trustedBy = await rolesTrustingProvider(scope, iam, providerArn, [
      roleName,
    ]);
    if (trustedBy.length) {
      providerKept = `Keeping OIDC provider ${providerArn}: still trusted by ${trustedBy.join(
        ', ',
      )}`;
    }
  }
  return {
    roleName,
    role,
    inlinePolicy,
    providerArn,
    deleteProvider: !providerKept,
    providerKept,
    trustedBy,
  };
}

/** Only this project's role made for this cluster (tags) may go. */
function refuseForeignRole(role: Role, input: Input): void {
  if (!isManaged(role.Tags)) {
    throw new ConflictError(
      `Refusing to delete role ${role.Arn} in DNS account ${input.dnsAccountId}: it was not created by this project (no cross-account-alb:managed-by tag).`,
    );
  }
  const owner = controllerRoleOwner(role);
  if (
    owner.clusterName !== input.clusterName ||
    owner.workloadAccountId !== input.workloadAccountId
  ) {
    throw new ConflictError(
      `Refusing to delete role ${role.Arn} in DNS account ${
        input.dnsAccountId
      }: it belongs to ${describeOwner(owner)}, not to cluster ${
        input.clusterName
      } in workload account ${input.workloadAccountId}.`,
    );
  }
}

/** The names of the role's inline policies, every page. */
async function inlinePolicyNames(
  { scope }: ActionRun,
  iam: IAMClient,
  roleName: string,
): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const request = new ListRolePoliciesCommand({
      RoleName: roleName,
      Marker: marker,
    });
    const page = await call(scope, 'iam:ListRolePolicies', () =>
      iam.send(request),
    );
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return names;
}

async function deleteRole(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  plan: Plan,
): Promise<void> {
  const { roleName, role } = plan;
  if (!role) {
    ctx.logger.info(`Nothing to delete: role ${roleName} does not exist`);
    return;
  }
  const keyBase = `iam.role.${scope.accountId}.${roleName}`;
  if (plan.inlinePolicy) {
    await mutate(
      ctx,
      options,
      {
        key: `${keyBase}.delete-policy.${EXTERNAL_DNS_POLICY_NAME}`,
        scope,
        action: 'iam:DeleteRolePolicy',
        resourceArn: role.Arn!,
      },
      async () => {
        await unlessAwsError(
          NOT_FOUND,
          iam.send(
            new DeleteRolePolicyCommand({
              RoleName: roleName,
              PolicyName: EXTERNAL_DNS_POLICY_NAME,
            }),
          ),
        );
        return true;
      },
    );
    ctx.logger.info(
      `Deleted inline policy ${EXTERNAL_DNS_POLICY_NAME} of ${role.Arn}`,
    );
  }
  await deleteRoleNamed({ ctx, options, scope }, iam, roleName, role.Arn!);
}
