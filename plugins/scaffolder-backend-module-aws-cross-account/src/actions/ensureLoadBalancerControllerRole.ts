import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
} from '@aws-sdk/client-iam';
import { NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  accountClient,
  AwsActionOptions,
  call,
  mutate,
  networkScope,
  AwsTemplateAction,
} from '../lib/action';
import {
  buildControllerRoleName,
  buildIrsaTrustPolicy,
  decodePolicyDocument,
  DEFAULT_NAMESPACE,
  DEFAULT_SERVICE_ACCOUNT,
  managedTags,
  policyDocumentsEqual,
} from '../lib/builders';
import {
  loadBalancerControllerIamPolicy,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES,
  LOAD_BALANCER_CONTROLLER_VERSION,
} from '../policies';
import { attachedPolicyArns } from '../lib/roleLookups';
import {
  ensureIrsaRole,
  getRole,
  IAM_PATH,
  IrsaRoleSpec,
  refuseForeignRole,
} from '../lib/irsaRole';
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
export { IAM_PATH };
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
        if (existing?.Role)
          refuseForeignRole(existing.Role, controllerRoleSpec(input, plan));
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
      const spec = controllerRoleSpec(input, plan);
      const roleArn = await ensureIrsaRole(
        run,
        iam,
        spec,
        await getRole(run, iam, plan.roleName),
      );
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

/** The controller's role as the shared IRSA-role steps take it. */
function controllerRoleSpec(
  input: Input,
  plan: ControllerIamPlan,
): IrsaRoleSpec {
  return {
    accountId: input.networkAccountId,
    accountLabel: 'network account',
    roleName: plan.roleName,
    trustPolicy: plan.trustPolicy,
    description: `AWS Load Balancer Controller of EKS cluster ${input.clusterName} in workload account ${input.workloadAccountId} (IRSA)`,
    clusterName: input.clusterName,
    workloadAccountId: input.workloadAccountId,
    region: input.region,
    serviceAccount: `${input.namespace}/${input.serviceAccountName}`,
    hints: {
      notOurs: 'Pass another roleName, or tag the role to adopt it.',
      anotherCluster:
        "Pass another roleName, or remove that cluster's controller role first if it is gone.",
    },
  };
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
