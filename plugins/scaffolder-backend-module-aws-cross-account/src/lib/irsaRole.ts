/**
 * The IAM role a cluster's service account assumes through IRSA, in another account than the
 * cluster's (the controller's role in the network account, external-dns's in the zone's
 * account): found, refused when it is not this cluster's, created, or its trust repaired.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  IAMClient,
  Role,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ConflictError } from '@backstage/errors';
import {
  isAlreadyExists,
  sdkErrorOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { ActionRun, call, digest, mutate } from './action';
import {
  buildIrsaTrustPolicy,
  CLUSTER_TAG_KEY,
  controllerRoleOwner,
  decodePolicyDocument,
  describeOwner,
  isManaged,
  managedTags,
  oidcProviderRegion,
  policyDocumentsEqual,
  WORKLOAD_ACCOUNT_TAG_KEY,
} from './builders';

/** Path of every role and policy the project makes. */
export const IAM_PATH = '/cross-account-alb/';

/** One cluster's IRSA role, as an action ensures it. */
export interface IrsaRoleSpec {
  /** The account the role is in, and how messages name it ("network account"). */
  accountId: string;
  accountLabel: string;
  roleName: string;
  trustPolicy: ReturnType<typeof buildIrsaTrustPolicy>;
  description: string;
  clusterName: string;
  workloadAccountId: string;
  region: string;
  /** The service account the trust policy lets in, `namespace/name`. */
  serviceAccount: string;
  /** What a refusal tells the user to do: about a role we did not make, another cluster's. */
  hints: { notOurs: string; anotherCluster: string };
}

/** The role of that name, or undefined when there is none. */
export async function getRole(
  { scope }: ActionRun,
  iam: IAMClient,
  roleName: string,
): Promise<Role | undefined> {
  const found = await call(scope, 'iam:GetRole', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(new GetRoleCommand({ RoleName: roleName })),
    ),
  );
  return found?.Role;
}

/**
 * A role this project did not make is never taken over (rewriting its trust would lock its
 * owner out), nor one made for another cluster: its tags name the cluster and workload
 * account, its trust policy the issuer (and so the region). Only the same cluster (same name,
 * workload account and region; e.g. recreated with a new issuer) may have its trust repaired.
 */
export function refuseForeignRole(
  role: Parameters<typeof controllerRoleOwner>[0] & {
    Arn?: string;
    Tags?: Array<{ Key?: string; Value?: string }>;
  },
  spec: IrsaRoleSpec,
): void {
  if (!isManaged(role.Tags)) {
    throw new ConflictError(
      `Role ${role.Arn} already exists in ${spec.accountLabel} ${spec.accountId} but was not created by this project (no cross-account-alb:managed-by tag). ${spec.hints.notOurs}`,
    );
  }
  const owner = controllerRoleOwner(role);
  const otherRegion = owner.oidcProviderArns
    .map(oidcProviderRegion)
    .find(r => r !== undefined && r !== spec.region);
  if (
    owner.clusterName === spec.clusterName &&
    owner.workloadAccountId === spec.workloadAccountId &&
    !otherRegion
  ) {
    return;
  }
  throw new ConflictError(
    `Role ${role.Arn} in ${spec.accountLabel} ${
      spec.accountId
    } belongs to ${describeOwner(owner)}${
      otherRegion ? ` in ${otherRegion}` : ''
    }, not to cluster ${spec.clusterName} in workload account ${
      spec.workloadAccountId
    } (${spec.region}); refusing to repoint its trust policy. ${
      spec.hints.anotherCluster
    }`,
  );
}

/**
 * Creates the role, or repairs the trust policy of this cluster's existing one (`existing`,
 * as `getRole` found it). Refuses a role that is not this cluster's. Returns the role's ARN.
 */
export async function ensureIrsaRole(
  run: ActionRun,
  iam: IAMClient,
  spec: IrsaRoleSpec,
  existing: Role | undefined,
  adopting = false,
): Promise<string> {
  const { ctx, options, scope } = run;
  const { roleName, trustPolicy } = spec;
  if (!existing) {
    return mutate(
      ctx,
      options,
      {
        key: `iam.role.${spec.accountId}.${roleName}.create`,
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
            Description: spec.description.slice(0, 1000),
            Tags: managedTags({
              [CLUSTER_TAG_KEY]: spec.clusterName,
              [WORKLOAD_ACCOUNT_TAG_KEY]: spec.workloadAccountId,
            }),
          }),
        );
        return created.Role!.Arn!;
      },
    ).catch(async error => {
      if (adopting || !isAlreadyExists(sdkErrorOf(error))) throw error;
      ctx.logger.info(
        `Role ${roleName} already exists (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
      );
      const found = await getRole(run, iam, roleName);
      if (!found) throw error;
      return ensureIrsaRole(run, iam, spec, found, true);
    });
  }
  const arn = existing.Arn!;
  refuseForeignRole(existing, spec);
  const currentTrust = decodePolicyDocument(
    existing.AssumeRolePolicyDocument ?? '{}',
  );
  if (policyDocumentsEqual(currentTrust, trustPolicy)) {
    ctx.logger.info(`Role ${arn} already trusts ${spec.serviceAccount}`);
    return arn;
  }
  await mutate(
    ctx,
    options,
    {
      key: `iam.role.${spec.accountId}.${roleName}.trust.${digest(
        trustPolicy,
      )}`,
      scope,
      action: 'iam:UpdateAssumeRolePolicy',
      resourceArn: arn,
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
  ctx.logger.info(`Repaired the drifted trust policy of ${arn}`);
  return arn;
}

/**
 * Deletes the role (checkpointed under `iam.role.<account>.<name>.delete`, audited) once its
 * policies are off it; one already gone counts as deleted.
 */
export async function deleteRoleNamed(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  roleName: string,
  roleArn: string,
): Promise<void> {
  await mutate(
    ctx,
    options,
    {
      key: `iam.role.${scope.accountId}.${roleName}.delete`,
      scope,
      action: 'iam:DeleteRole',
      resourceArn: roleArn,
    },
    async () => {
      await unlessAwsError(
        ['NoSuchEntity', 'NoSuchEntityException'],
        iam.send(new DeleteRoleCommand({ RoleName: roleName })),
      );
      return true;
    },
  );
  ctx.logger.info(`Deleted role ${roleArn}`);
}
