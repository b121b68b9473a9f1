import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  accountClient,
  AwsActionOptions,
  call,
  digest,
  mutate,
  networkScope,
  AwsTemplateAction,
} from '../lib/action';
import {
  buildControllerRoleName,
  buildIrsaTrustPolicy,
  CLUSTER_TAG_KEY,
  controllerRoleOwner,
  decodePolicyDocument,
  describeOwner,
  DEFAULT_NAMESPACE,
  DEFAULT_SERVICE_ACCOUNT,
  isManaged,
  managedTags,
  oidcProviderRegion,
  policyDocumentsEqual,
  WORKLOAD_ACCOUNT_TAG_KEY,
} from '../lib/builders';
import {
  loadBalancerControllerIamPolicy,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES,
  LOAD_BALANCER_CONTROLLER_VERSION,
} from '../policies';
import { attachedPolicyArns } from '../lib/roleLookups';
import { accountsMustDiffer, fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './ensureLoadBalancerControllerRole.examples';
import {
  iamPolicyArn,
  iamRoleArn,
  isAlreadyExists,
  oidcProviderArn,
  partitionOf,
  sdkErrorOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const ENSURE_LOAD_BALANCER_CONTROLLER_ROLE_ID =
  'aws:iam:ensure-load-balancer-controller-role';

/** IAM path of everything this action creates; Backstage's own policy is scoped to it. */
export const IAM_PATH = '/cross-account-alb/';
export const DEFAULT_POLICY_NAME = 'AWSLoadBalancerControllerIAMPolicy';
const VERSION_TAG = 'cross-account-alb:lbc-version';
const MAX_POLICY_VERSIONS = 5;

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      networkAccountId: f.networkAccountId(),
      workloadAccountId: f.workloadAccountId(),
      region: f.region(),
      clusterName: f.clusterName(),
      oidcIssuerUrl: f.oidcIssuerUrl(),
      namespace: f
        .kubernetesName('Namespace of the controller service account')
        .default(DEFAULT_NAMESPACE),
      serviceAccountName: f
        .kubernetesName('Name of the controller service account')
        .default(DEFAULT_SERVICE_ACCOUNT),
      roleName: f
        .iamRoleName()
        .optional()
        .describe(
          'Defaults to <clusterName>-<workloadAccountId>-aws-lbc (within 64 characters; see buildControllerRoleName)',
        ),
      policyName: f.iamPolicyName().default(DEFAULT_POLICY_NAME),
    })
    .superRefine(accountsMustDiffer);
};

const outputSchema = (zod: Zod) =>
  zod.object({
    roleArn: zod.string(),
    roleName: zod.string(),
    policyArn: zod.string(),
    policyVersionId: zod.string(),
    controllerVersion: zod.string(),
    serviceAccountAnnotations: zod.record(zod.string()),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

function compareVersions(a: string, b: string): number {
  const parse = (v: string) =>
    v
      .replace(/^v/, '')
      .split('.')
      .map(n => parseInt(n, 10) || 0);
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export function createEnsureLoadBalancerControllerRoleAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: ENSURE_LOAD_BALANCER_CONTROLLER_ROLE_ID,
    description: `Ensures, in the network account (Account-A), the official AWS Load Balancer Controller IAM policy (${LOAD_BALANCER_CONTROLLER_VERSION}) and a role trusting the cluster's OIDC provider for the controller's service account (IRSA), with the policy attached. The role is named <clusterName>-<workloadAccountId>-aws-lbc; a role made for another cluster (other name, workload account or region, as its tags and trust policy say) is refused, naming its owner, while a drifted trust policy of the same cluster is repaired. Adds a newer policy document as the default version.`,
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        ENSURE_LOAD_BALANCER_CONTROLLER_ROLE_ID,
      );
      const plan = planControllerIam(input);

      if (ctx.isDryRun) {
        // Read-only: the role of another cluster (or not this project's) is refused in the
        // preview as in the run, instead of a preview that promises a run that cannot happen.
        const dryRunIam = await accountClient(
          options,
          IAMClient,
          { accountId: input.networkAccountId, region: input.region },
          'networkAccountId',
        );
        const existing = await call(
          networkScope(options, input.networkAccountId),
          'iam:GetRole',
          () =>
            unlessAwsError(
              ['NoSuchEntity', 'NoSuchEntityException'],
              dryRunIam.send(new GetRoleCommand({ RoleName: plan.roleName })),
            ),
        );
        if (existing?.Role) refuseForeignRole(existing.Role, input);
        ctx.logger.info(
          `Dry run: would ensure policy ${plan.policyArn} (controller ${LOAD_BALANCER_CONTROLLER_VERSION}) and role ${plan.roleArn} trusted by ${input.namespace}/${input.serviceAccountName} through ${plan.providerArn}`,
        );
        writeOutputs(ctx, plan, plan.roleArn, 'v1');
        ctx.output('dryRun', true);
        return;
      }

      const run: ActionRun = {
        ctx,
        options,
        scope: networkScope(options, input.networkAccountId),
      };
      const iam = await options.clients.client(IAMClient, {
        accountId: input.networkAccountId,
        region: input.region,
      });
      await requireOidcProvider(run, iam, input, plan.providerArn);
      const policyVersionId = await ensurePolicy(run, iam, input, plan);
      const roleArn = await ensureRole(run, iam, input, plan);
      await ensureAttached(run, iam, plan);
      writeOutputs(ctx, plan, roleArn, policyVersionId);
    },
  });
}

/** The names and documents the action ensures, all derived from its input. */
interface ControllerIamPlan {
  roleName: string;
  /** The role's ARN as it would be created (an existing role keeps its own). */
  roleArn: string;
  policyArn: string;
  providerArn: string;
  trustPolicy: ReturnType<typeof buildIrsaTrustPolicy>;
  /** The controller's policy document for the region's partition. */
  policyDocument: object;
}

function planControllerIam(input: Input): ControllerIamPlan {
  const partition = partitionOf(input.region);
  const roleName =
    input.roleName ??
    buildControllerRoleName(input.clusterName, input.workloadAccountId);
  return {
    roleName,
    roleArn: iamRoleArn(partition, input.networkAccountId, roleName, IAM_PATH),
    policyArn: iamPolicyArn(
      partition,
      input.networkAccountId,
      input.policyName,
      IAM_PATH,
    ),
    providerArn: oidcProviderArn(
      partition,
      input.networkAccountId,
      input.oidcIssuerUrl,
    ),
    policyDocument: loadBalancerControllerIamPolicy(partition),
    trustPolicy: buildIrsaTrustPolicy({
      partition,
      networkAccountId: input.networkAccountId,
      oidcIssuerUrl: input.oidcIssuerUrl,
      namespace: input.namespace,
      serviceAccountName: input.serviceAccountName,
    }),
  };
}

function writeOutputs(
  ctx: ActionRun['ctx'],
  plan: ControllerIamPlan,
  roleArn: string,
  policyVersionId: string,
) {
  ctx.output('roleArn', roleArn);
  ctx.output('roleName', plan.roleName);
  ctx.output('policyArn', plan.policyArn);
  ctx.output('policyVersionId', policyVersionId);
  ctx.output('controllerVersion', LOAD_BALANCER_CONTROLLER_VERSION);
  ctx.output('serviceAccountAnnotations', {
    'eks.amazonaws.com/role-arn': roleArn,
  });
}

/** The trust policy names the provider; IAM rejects it as malformed if it is missing. */
async function requireOidcProvider(
  { scope }: ActionRun,
  iam: IAMClient,
  input: Input,
  providerArn: string,
): Promise<void> {
  const provider = await call(scope, 'iam:GetOpenIDConnectProvider', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(
        new GetOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: providerArn,
        }),
      ),
    ),
  );
  if (!provider) {
    throw new NotFoundError(
      `The OIDC provider ${providerArn} does not exist in network account ${input.networkAccountId}. Run aws:iam:ensure-oidc-provider for ${input.oidcIssuerUrl} first.`,
    );
  }
}

/**
 * Creates the policy, or brings an older document of ours up to this controller version as
 * the new default version. Returns the default version's ID.
 */
async function ensurePolicy(
  run: ActionRun,
  iam: IAMClient,
  input: Input,
  plan: ControllerIamPlan,
  adopting = false,
): Promise<string> {
  const { ctx, options, scope } = run;
  const { policyArn } = plan;
  const existing = await call(scope, 'iam:GetPolicy', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(new GetPolicyCommand({ PolicyArn: policyArn })),
    ),
  );
  if (!existing?.Policy) {
    return mutate(
      ctx,
      options,
      {
        key: `iam.policy.${policyArn}.create`,
        scope,
        action: 'iam:CreatePolicy',
        resourceArn: policyArn,
      },
      async () => {
        const created = await iam.send(
          new CreatePolicyCommand({
            PolicyName: input.policyName,
            Path: IAM_PATH,
            PolicyDocument: JSON.stringify(plan.policyDocument),
            Description: `AWS Load Balancer Controller ${LOAD_BALANCER_CONTROLLER_VERSION} (official ${
              LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES[
                partitionOf(input.region)
              ]
            }), managed by Backstage`,
            Tags: managedTags({
              [VERSION_TAG]: LOAD_BALANCER_CONTROLLER_VERSION,
            }),
          }),
        );
        return created.Policy?.DefaultVersionId ?? 'v1';
      },
    ).catch(error => {
      if (adopting || !isAlreadyExists(sdkErrorOf(error))) throw error;
      ctx.logger.info(
        `Policy ${policyArn} already exists (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
      );
      return ensurePolicy(run, iam, input, plan, true);
    });
  }
  const defaultVersionId = existing.Policy.DefaultVersionId!;
  const current = await call(scope, 'iam:GetPolicyVersion', () =>
    iam.send(
      new GetPolicyVersionCommand({
        PolicyArn: policyArn,
        VersionId: defaultVersionId,
      }),
    ),
  );
  const currentDocument = decodePolicyDocument(
    current.PolicyVersion?.Document ?? '{}',
  );
  if (policyDocumentsEqual(currentDocument, plan.policyDocument)) {
    ctx.logger.info(
      `Policy ${policyArn} already holds the ${LOAD_BALANCER_CONTROLLER_VERSION} document`,
    );
    return defaultVersionId;
  }
  const taggedVersion = existing.Policy.Tags?.find(
    t => t.Key === VERSION_TAG,
  )?.Value;
  if (
    taggedVersion &&
    compareVersions(taggedVersion, LOAD_BALANCER_CONTROLLER_VERSION) > 0
  ) {
    ctx.logger.warn(
      `Policy ${policyArn} holds the document of controller ${taggedVersion}, newer than ${LOAD_BALANCER_CONTROLLER_VERSION}; leaving it as is`,
    );
    return defaultVersionId;
  }
  await pruneOldestPolicyVersion(run, iam, policyArn);
  const versionId = await mutate(
    ctx,
    options,
    {
      key: `iam.policy.${policyArn}.version.${LOAD_BALANCER_CONTROLLER_VERSION}`,
      scope,
      action: 'iam:CreatePolicyVersion',
      resourceArn: policyArn,
    },
    async () => {
      const created = await iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: policyArn,
          PolicyDocument: JSON.stringify(plan.policyDocument),
          SetAsDefault: true,
        }),
      );
      return created.PolicyVersion?.VersionId ?? '';
    },
  );
  await mutate(
    ctx,
    options,
    {
      key: `iam.policy.${policyArn}.tag.${LOAD_BALANCER_CONTROLLER_VERSION}`,
      scope,
      action: 'iam:TagPolicy',
      resourceArn: policyArn,
    },
    async () => {
      await iam.send(
        new TagPolicyCommand({
          PolicyArn: policyArn,
          Tags: managedTags({
            [VERSION_TAG]: LOAD_BALANCER_CONTROLLER_VERSION,
          }),
        }),
      );
      return true;
    },
  );
  ctx.logger.info(
    `Set the ${LOAD_BALANCER_CONTROLLER_VERSION} document as default version ${versionId} of ${policyArn}`,
  );
  return versionId;
}

/** IAM keeps at most five versions; the oldest non-default one makes room for a new one. */
async function pruneOldestPolicyVersion(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  policyArn: string,
): Promise<void> {
  const versions = await call(scope, 'iam:ListPolicyVersions', () =>
    iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn })),
  );
  const all = versions.Versions ?? [];
  if (all.length < MAX_POLICY_VERSIONS) return;
  const oldest = all
    .filter(v => !v.IsDefaultVersion)
    .sort(
      (a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0),
    )[0];
  if (!oldest?.VersionId) return;
  await mutate(
    ctx,
    options,
    {
      key: `iam.policy.${policyArn}.delete-version.${oldest.VersionId}`,
      scope,
      action: 'iam:DeletePolicyVersion',
      resourceArn: policyArn,
    },
    async () => {
      await iam.send(
        new DeletePolicyVersionCommand({
          PolicyArn: policyArn,
          VersionId: oldest.VersionId,
        }),
      );
      return oldest.VersionId!;
    },
  );
  ctx.logger.info(`Pruned version ${oldest.VersionId} of ${policyArn}`);
}

/**
 * Creates the role, or repairs the trust policy of our existing role. Refuses a role the
 * project did not create. Returns the role's ARN.
 */
async function ensureRole(
  run: ActionRun,
  iam: IAMClient,
  input: Input,
  plan: ControllerIamPlan,
  adopting = false,
): Promise<string> {
  const { ctx, options, scope } = run;
  const { roleName, trustPolicy } = plan;
  const existing = await call(scope, 'iam:GetRole', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(new GetRoleCommand({ RoleName: roleName })),
    ),
  );
  if (!existing?.Role) {
    return mutate(
      ctx,
      options,
      {
        key: `iam.role.${input.networkAccountId}.${roleName}.create`,
        scope,
        action: 'iam:CreateRole',
        resourceArn: arn => arn,
      },
      async () => {
        const created = await iam.send(
          new CreateRoleCommand({
            RoleName: roleName,
            Path: IAM_PATH,
            AssumeRolePolicyDocument: JSON.stringify(trustPolicy),
            Description:
              `AWS Load Balancer Controller of EKS cluster ${input.clusterName} in workload account ${input.workloadAccountId} (IRSA)`.slice(
                0,
                1000,
              ),
            Tags: managedTags({
              [CLUSTER_TAG_KEY]: input.clusterName,
              [WORKLOAD_ACCOUNT_TAG_KEY]: input.workloadAccountId,
            }),
          }),
        );
        return created.Role!.Arn!;
      },
    ).catch(error => {
      if (adopting || !isAlreadyExists(sdkErrorOf(error))) throw error;
      ctx.logger.info(
        `Role ${roleName} already exists (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
      );
      return ensureRole(run, iam, input, plan, true);
    });
  }
  const existingArn = existing.Role.Arn!;
  refuseForeignRole(existing.Role, input);
  const currentTrust = decodePolicyDocument(
    existing.Role.AssumeRolePolicyDocument ?? '{}',
  );
  if (policyDocumentsEqual(currentTrust, trustPolicy)) {
    ctx.logger.info(
      `Role ${existingArn} already trusts ${input.namespace}/${input.serviceAccountName}`,
    );
    return existingArn;
  }
  await mutate(
    ctx,
    options,
    {
      key: `iam.role.${input.networkAccountId}.${roleName}.trust.${digest(
        trustPolicy,
      )}`,
      scope,
      action: 'iam:UpdateAssumeRolePolicy',
      resourceArn: existingArn,
    },
    async () => {
      await iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: roleName,
          PolicyDocument: JSON.stringify(trustPolicy),
        }),
      );
      return true;
    },
  );
  ctx.logger.info(`Repaired the drifted trust policy of ${existingArn}`);
  return existingArn;
}

/** Refuses a role this project did not create, or made for another cluster. */
function refuseForeignRole(
  role: Parameters<typeof controllerRoleOwner>[0] & {
    Arn?: string;
    Tags?: Array<{ Key?: string; Value?: string }>;
  },
  input: Input,
): void {
  if (!isManaged(role.Tags)) {
    // Rewriting the trust policy of someone else's role would lock them out.
    throw new ConflictError(
      `Role ${role.Arn} already exists in network account ${input.networkAccountId} but was not created by this project (no cross-account-alb:managed-by tag). Pass another roleName, or tag the role to adopt it.`,
    );
  }
  refuseAnotherClustersRole(role, role.Arn!, input);
}

/**
 * A managed role made for another cluster is never taken over: its tags name the cluster and
 * workload account it was made for, its trust policy the issuer (and so the region). Only the
 * same cluster (same name, workload account and region; e.g. recreated with a new issuer) may
 * have its trust repaired.
 */
function refuseAnotherClustersRole(
  role: Parameters<typeof controllerRoleOwner>[0],
  roleArn: string,
  input: Input,
): void {
  const owner = controllerRoleOwner(role);
  const otherRegion = owner.oidcProviderArns
    .map(oidcProviderRegion)
    .find(r => r !== undefined && r !== input.region);
  if (
    owner.clusterName === input.clusterName &&
    owner.workloadAccountId === input.workloadAccountId &&
    !otherRegion
  ) {
    return;
  }
  throw new ConflictError(
    `Role ${roleArn} in network account ${
      input.networkAccountId
    } belongs to ${describeOwner(owner)}${
      otherRegion ? ` in ${otherRegion}` : ''
    }, not to cluster ${input.clusterName} in workload account ${
      input.workloadAccountId
    } (${
      input.region
    }); refusing to repoint its trust policy. Pass another roleName, or remove that cluster's controller role first if it is gone.`,
  );
}

/** Attaches the policy to the role unless it is attached already. */
async function ensureAttached(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  plan: ControllerIamPlan,
): Promise<void> {
  const { roleName, policyArn } = plan;
  if ((await attachedPolicyArns(iam, scope, roleName)).includes(policyArn)) {
    return;
  }
  await mutate(
    ctx,
    options,
    {
      key: `iam.role.${scope.accountId}.${roleName}.attach.${policyArn}`,
      scope,
      action: 'iam:AttachRolePolicy',
      resourceArn: policyArn,
    },
    async () => {
      await iam.send(
        new AttachRolePolicyCommand({
          RoleName: roleName,
          PolicyArn: policyArn,
        }),
      );
      return true;
    },
  );
  ctx.logger.info(`Attached ${policyArn} to ${roleName}`);
}
