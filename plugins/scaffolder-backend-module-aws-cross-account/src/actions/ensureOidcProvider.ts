import { IAMClient } from '@aws-sdk/client-iam';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  AwsActionOptions,
  networkScope,
  AwsTemplateAction,
} from '../lib/action';
import { STS_AUDIENCE } from '../lib/builders';
import { ensureOidcProviderIn } from '../lib/oidcProvider';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './ensureOidcProvider.examples';
import {
  oidcProviderArn,
  partitionOf,
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
      const created = await ensureOidcProviderIn(run, iam, input, arn);
      if (created) {
        ctx.output('oidcProviderArn', arn);
        ctx.output('created', true);
        return;
      }
      ctx.logger.info(`OIDC provider ${arn} is in place`);
      ctx.output('oidcProviderArn', arn);
      ctx.output('created', false);
    },
  });
}
