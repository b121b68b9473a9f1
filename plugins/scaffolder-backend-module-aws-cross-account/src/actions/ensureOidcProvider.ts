import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  IAMClient,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import { AwsActionOptions, call, mutate, networkScope } from '../lib/action';
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

export function createEnsureOidcProviderAction(options: AwsActionOptions) {
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
      const scope = networkScope(options, input.networkAccountId);
      const iam = await options.clients.client(IAMClient, {
        accountId: input.networkAccountId,
        region: input.region,
      });
      const keyBase = `iam.oidc.${arn}`;
      const getProvider = () =>
        call(scope, 'iam:GetOpenIDConnectProvider', () =>
          unlessAwsError(
            ['NoSuchEntity', 'NoSuchEntityException'],
            iam.send(
              new GetOpenIDConnectProviderCommand({
                OpenIDConnectProviderArn: arn,
              }),
            ),
          ),
        );
      let existing = await getProvider();
      if (!existing) {
        try {
          await createProvider();
          ctx.output('oidcProviderArn', arn);
          ctx.output('created', true);
          return;
        } catch (error) {
          existing = isAlreadyExists(sdkErrorOf(error))
            ? await getProvider()
            : undefined;
          if (!existing) throw error;
          ctx.logger.info(
            `${arn} already exists (made by an earlier attempt whose answer was lost, or by another run): checking it instead`,
          );
        }
      }

      async function createProvider() {
        await mutate(
          ctx,
          options,
          {
            key: `${keyBase}.create`,
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
                  ? {
                      ThumbprintList: input.thumbprints.map(t =>
                        t.toLowerCase(),
                      ),
                    }
                  : {}),
                Tags: managedTags(),
              }),
            );
            return created.OpenIDConnectProviderArn ?? arn;
          },
        );
      }

      if (!(existing.ClientIDList ?? []).includes(STS_AUDIENCE)) {
        await mutate(
          ctx,
          options,
          {
            key: `${keyBase}.add-client-id`,
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
      const wanted = (input.thumbprints ?? []).map(t => t.toLowerCase()).sort();
      const have = (existing.ThumbprintList ?? [])
        .map(t => t.toLowerCase())
        .sort();
      if (wanted.length && wanted.join() !== have.join()) {
        await mutate(
          ctx,
          options,
          {
            key: `${keyBase}.thumbprints.${wanted.join('-')}`,
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
      ctx.logger.info(`OIDC provider ${arn} is in place`);
      ctx.output('oidcProviderArn', arn);
      ctx.output('created', false);
    },
  });
}
