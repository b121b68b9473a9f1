import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommandOutput,
  IAMClient,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  AwsActionOptions,
  call,
  mutate,
  networkScope,
  AwsTemplateAction,
} from '../lib/action';
import { managedTags, STS_AUDIENCE } from '../lib/builders';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './ensureOidcProvider.examples';
import {
  isAlreadyExists,
  oidcProviderArn,
  partitionOf,
  sdkErrorOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const ENSURE_OIDC_PROVIDER_ID = 'aws:iam:ensure-oidc-provider';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f
      .region()
      .describe('Region for the IAM client (IAM itself is global)'),
    oidcIssuerUrl: f.oidcIssuerUrl(),
    thumbprints: zod
      .array(
        zod
          .string()
          .regex(
            /^[0-9a-fA-F]{40}$/,
            'expected a 40-character hex SHA-1 thumbprint',
          ),
      )
      .max(5)
      .optional()
      .describe(
        'Optional since 2024: IAM verifies the EKS issuer certificate itself',
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    oidcProviderArn: zod.string(),
    created: zod.boolean(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

export function createEnsureOidcProviderAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: ENSURE_OIDC_PROVIDER_ID,
    description:
      "Ensures an IAM OIDC identity provider in the network account (Account-A) for the EKS cluster's issuer, with client ID sts.amazonaws.com, so the controller's service account can assume a role there.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        ENSURE_OIDC_PROVIDER_ID,
      );
      const arn = oidcProviderArn(
        partitionOf(input.region),
        input.networkAccountId,
        input.oidcIssuerUrl,
      );
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ensure OIDC provider ${arn} with client ID ${STS_AUDIENCE}`,
        );
        ctx.output('oidcProviderArn', arn);
        ctx.output('created', false);
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
      let existing = await getProvider(run, iam, arn);
      if (!existing) {
        try {
          await createProvider(run, iam, input, arn);
          ctx.output('oidcProviderArn', arn);
          ctx.output('created', true);
          return;
        } catch (error) {
          existing = isAlreadyExists(sdkErrorOf(error))
            ? await getProvider(run, iam, arn)
            : undefined;
          if (!existing) throw error;
          ctx.logger.info(
            `${arn} already exists (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
          );
        }
      }
      await ensureClientId(run, iam, existing, arn);
      await ensureThumbprints(run, iam, existing, input, arn);
      ctx.logger.info(`OIDC provider ${arn} is in place`);
      ctx.output('oidcProviderArn', arn);
      ctx.output('created', false);
    },
  });
}

type Provider = GetOpenIDConnectProviderCommandOutput;

function getProvider(
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
  input: Input,
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
          Url: input.oidcIssuerUrl,
          ClientIDList: [STS_AUDIENCE],
          ...(input.thumbprints?.length
            ? { ThumbprintList: input.thumbprints.map(t => t.toLowerCase()) }
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

/** Replaces the thumbprints when the input names some and they differ. */
async function ensureThumbprints(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  existing: Provider,
  input: Input,
  arn: string,
): Promise<void> {
  const wanted = (input.thumbprints ?? []).map(t => t.toLowerCase()).sort();
  const have = (existing.ThumbprintList ?? []).map(t => t.toLowerCase()).sort();
  if (!wanted.length || wanted.join() === have.join()) return;
  await mutate(
    ctx,
    options,
    {
      key: `iam.oidc.${arn}.thumbprints.${wanted.join('-')}`,
      scope,
      action: 'iam:UpdateOpenIDConnectProviderThumbprint',
      resourceArn: arn,
    },
    async () => {
      await iam.send(
        new UpdateOpenIDConnectProviderThumbprintCommand({
          OpenIDConnectProviderArn: arn,
          ThumbprintList: wanted,
        }),
      );
      return true;
    },
  );
  ctx.logger.info(`Updated the thumbprints of ${arn}`);
}
