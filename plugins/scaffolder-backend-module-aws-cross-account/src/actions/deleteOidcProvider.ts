import {
  GetOpenIDConnectProviderCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  call,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
import { isManaged } from '../lib/builders';
import { deleteProviderIn, rolesTrustingProvider } from '../lib/oidcProvider';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './deleteOidcProvider.examples';
import {
  oidcProviderArn,
  partitionOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const DELETE_OIDC_PROVIDER_ID = 'aws:iam:delete-oidc-provider';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f
      .region()
      .describe('Region for the IAM client (IAM itself is global)'),
    oidcIssuerUrl: f.oidcIssuerUrl(),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    oidcProviderArn: zod.string(),
    deleted: zod.boolean(),
    /** Why an existing provider stays: roles that still trust it. */
    kept: zod.string().optional(),
    wouldDelete: zod.array(zod.string()).optional(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

export function createDeleteOidcProviderAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DELETE_OIDC_PROVIDER_ID,
    description:
      "Teardown of aws:iam:ensure-oidc-provider: deletes the network account's (Account-A) IAM OIDC provider for the cluster's issuer, only if it carries the cross-account-alb:managed-by tag and no role there still trusts it (a provider still trusted is kept and the roles named). A missing provider counts as deleted.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DELETE_OIDC_PROVIDER_ID,
      );
      const arn = oidcProviderArn(
        partitionOf(input.region),
        input.networkAccountId,
        input.oidcIssuerUrl,
      );
      const scope = networkScope(options, input.networkAccountId);

      ctx.output('oidcProviderArn', arn);
      if (ctx.isDryRun) {
        let wouldDelete = [`OIDC provider ${arn}`];
        try {
          const { exists, kept } = await lookupProvider(
            options,
            scope,
            input,
            arn,
          );
          // Roles trusting it now may be deleted by earlier steps of the same teardown
          // (the controller's role): the run decides on what is left then.
          if (!exists) wouldDelete = [];
          else if (kept) {
            wouldDelete = [
              `OIDC provider ${arn} if no role trusts it by then (${kept})`,
            ];
          }
        } catch (error) {
          if (error instanceof ConflictError) throw error;
          ctx.logger.warn(
            `Dry run: could not look up ${arn} (${
              (error as Error).message
            }); listing it as it would be deleted if present`,
          );
        }
        ctx.logger.info(
          wouldDelete.length
            ? `Dry run: would delete ${wouldDelete.join(', ')}`
            : `Dry run: nothing to delete, ${arn} does not exist`,
        );
        ctx.output('deleted', false);
        ctx.output('wouldDelete', wouldDelete);
        ctx.output('dryRun', true);
        return;
      }

      const { iam, exists, kept } = await lookupProvider(
        options,
        scope,
        input,
        arn,
      );
      if (!exists || kept) {
        ctx.logger.info(kept ?? `Nothing to delete: ${arn} does not exist`);
        if (kept) ctx.output('kept', kept);
        ctx.output('deleted', false);
        return;
      }
      await deleteProviderIn({ ctx, options, scope }, iam, arn);
      ctx.output('deleted', true);
    },
  });
}

/**
 * Whether the provider exists, with the client to delete it, and why it stays when roles
 * still trust it; refuses a foreign one.
 */
async function lookupProvider(
  options: AwsActionOptions,
  scope: ScopeBase,
  input: Input,
  arn: string,
): Promise<{ iam: IAMClient; exists: boolean; kept?: string }> {
  const iam = await options.clients.client(IAMClient, {
    accountId: input.networkAccountId,
    region: input.region,
  });
  const existing = await call(scope, 'iam:GetOpenIDConnectProvider', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(
        new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
      ),
    ),
  );
  if (existing && !isManaged(existing.Tags)) {
    throw new ConflictError(
      `Refusing to delete OIDC provider ${arn} in network account ${input.networkAccountId}: it was not created by this project (no cross-account-alb:managed-by tag). Other roles may trust it; delete it by hand if it really is yours to remove.`,
    );
  }
  if (!existing) return { iam, exists: false };
  // A role still trusting the provider (external-dns's, when the zone is in this account and
  // its role was not removed; one made by hand) would lose its service accounts' access.
  const trusting = await rolesTrustingProvider(scope, iam, arn);
  return {
    iam,
    exists: true,
    kept: trusting.length
      ? `Keeping OIDC provider ${arn}: still trusted by ${trusting.join(
          ', ',
        )}. Delete those roles first (external-dns's: template 4 with the account of its zone).`
      : undefined,
  };
}
