/*
 * Ensuring an IAM OIDC identity provider for a cluster's issuer, in whichever account the
 * run's scope names: the network account (the controller's role) or a DNS account
 * (external-dns's role). Both actions that need one share these steps.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommandOutput,
  IAMClient,
  ListRolesCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import {
  isAlreadyExists,
  sdkErrorOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { ActionRun, call, mutate, ScopeBase } from './action';
import { controllerRoleOwner, managedTags, STS_AUDIENCE } from './builders';

type Provider = GetOpenIDConnectProviderCommandOutput;

export interface OidcProviderWanted {
  oidcIssuerUrl: string;
  /** Replaced when given and different; optional since IAM verifies EKS issuers itself. */
  thumbprints?: string[];
}

/**
 * Creates the provider `arn` for the issuer, or brings an existing one in line (client ID
 * sts.amazonaws.com, the thumbprints asked for). Returns whether it was created.
 */
export async function ensureOidcProviderIn(
  run: ActionRun,
  iam: IAMClient,
  wanted: OidcProviderWanted,
  arn: string,
): Promise<boolean> {
  let existing = await getProvider(run, iam, arn);
  if (!existing) {
    try {
      await createProvider(run, iam, wanted, arn);
      return true;
    } catch (error) {
      existing = isAlreadyExists(sdkErrorOf(error))
        ? await getProvider(run, iam, arn)
        : undefined;
      if (!existing) throw error;
      run.ctx.logger.info(
        `${arn} already exists (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
      );
    }
  }
  await ensureClientId(run, iam, existing, arn);
  await ensureThumbprints(run, iam, existing, wanted, arn);
  return false;
}

/** The provider, or undefined when the account has none of that ARN. */
export function getProvider(
  { scope }: ActionRun,
  iam: IAMClient,
  arn: string,
): Promise<Provider | undefined> {
  return call(scope, 'iam:GetOpenIDConnectProvider', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
      ),
    ),
  );
}

async function createProvider(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  wanted: OidcProviderWanted,
  arn: string,
): Promise<void> {
  await mutate(
    ctx,
    options,
    {
      key: `iam.oidc.${arn}.create`,
      scope,
      action: 'iam:CreateOpenIDConnectProvider',
      resourceArn: arn,
    },
    async () => {
      const created = await iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: wanted.oidcIssuerUrl,
          ClientIDList: [STS_AUDIENCE],
          ...(wanted.thumbprints?.length
            ? { ThumbprintList: wanted.thumbprints.map(t => t.toLowerCase()) }
            : {}),
          Tags: managedTags(),
        }),
      );
      return created.OpenIDConnectProviderArn ?? arn;
    },
  );
}

async function ensureClientId(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  existing: Provider,
  arn: string,
): Promise<void> {
  if ((existing.ClientIDList ?? []).includes(STS_AUDIENCE)) return;
  await mutate(
    ctx,
    options,
    {
      key: `iam.oidc.${arn}.add-client-id`,
      scope,
      action: 'iam:AddClientIDToOpenIDConnectProvider',
      resourceArn: arn,
    },
    async () => {
      await iam.send(
        new AddClientIDToOpenIDConnectProviderCommand({
          OpenIDConnectProviderArn: arn,
          ClientID: STS_AUDIENCE,
        }),
      );
      return true;
    },
  );
  ctx.logger.info(`Added client ID ${STS_AUDIENCE} to ${arn}`);
}

/** Replaces the thumbprints when some are asked for and they differ. */
async function ensureThumbprints(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  existing: Provider,
  wanted: OidcProviderWanted,
  arn: string,
): Promise<void> {
  const want = (wanted.thumbprints ?? []).map(t => t.toLowerCase()).sort();
  const have = (existing.ThumbprintList ?? []).map(t => t.toLowerCase()).sort();
  if (!want.length || want.join() === have.join()) return;
  await mutate(
    ctx,
    options,
    {
      key: `iam.oidc.${arn}.thumbprints.${want.join('-')}`,
      scope,
      action: 'iam:UpdateOpenIDConnectProviderThumbprint',
      resourceArn: arn,
    },
    async () => {
      await iam.send(
        new UpdateOpenIDConnectProviderThumbprintCommand({
          OpenIDConnectProviderArn: arn,
          ThumbprintList: want,
        }),
      );
      return true;
    },
  );
  ctx.logger.info(`Updated the thumbprints of ${arn}`);
}

/**
 * The ARNs of the account's roles whose trust policy names the provider `arn` as federated
 * principal (every page of ListRoles, which returns each role's trust policy), but for the
 * roles named in `except`. A provider some role still trusts is in use: deleting it would
 * lock that role's service accounts out. In a shared account (the DNS account is the network
 * account) the controller's and external-dns's roles trust the same provider.
 */
export async function rolesTrustingProvider(
  scope: ScopeBase,
  iam: IAMClient,
  arn: string,
  except: string[] = [],
): Promise<string[]> {
  const trusting: string[] = [];
  let marker: string | undefined;
  do {
    const request = new ListRolesCommand({ Marker: marker });
    const page = await call(scope, 'iam:ListRoles', () => iam.send(request));
    for (const role of page.Roles ?? []) {
      if (except.includes(role.RoleName!)) continue;
      if (controllerRoleOwner(role).oidcProviderArns.includes(arn)) {
        trusting.push(role.Arn ?? role.RoleName!);
      }
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return trusting.sort();
}

/** Deletes the provider `arn` (checkpointed, audited); one already gone counts as deleted. */
export async function deleteProviderIn(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  arn: string,
): Promise<void> {
  await mutate(
    ctx,
    options,
    {
      key: `iam.oidc.${arn}.delete`,
      scope,
      action: 'iam:DeleteOpenIDConnectProvider',
      resourceArn: arn,
    },
    async () => {
      await unlessAwsError(
        ['NoSuchEntity', 'NoSuchEntityException'],
        iam.send(
          new DeleteOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: arn,
          }),
        ),
      );
      return true;
    },
  );
  ctx.logger.info(`Deleted OIDC provider ${arn}`);
}
