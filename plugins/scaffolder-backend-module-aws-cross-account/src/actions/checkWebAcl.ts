import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { WAFV2_REGIONAL_WEB_ACL_ARN_PATTERN } from '@cross-account-alb/plugin-aws-alb-common';
import {
  partitionOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { z } from 'zod/v3';
import {
  accountClient,
  AwsActionOptions,
  AwsTemplateAction,
  call,
  networkScope,
  ScopeBase,
} from '../lib/action';
import { findControllerResources } from '../lib/controllerResources';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './checkWebAcl.examples';

export const CHECK_WEB_ACL_ID = 'aws:wafv2:check-web-acl';

/** The parts of a regional web ACL ARN (WAFV2_REGIONAL_WEB_ACL_ARN_PATTERN's captures). */
export interface WebAclArnParts {
  partition: string;
  region: string;
  accountId: string;
  name: string;
  id: string;
}

/** The parts of a regional web ACL ARN, or undefined when it is not one. */
export function parseWebAclArn(arn: string): WebAclArnParts | undefined {
  const m = new RegExp(WAFV2_REGIONAL_WEB_ACL_ARN_PATTERN).exec(arn);
  if (!m) return undefined;
  const [, partition, region, accountId, name, id] = m;
  return { partition, region, accountId, name, id };
}

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      networkAccountId: f
        .networkAccountId()
        .describe(
          "Account-A: the ALB's account, where the web ACL must be (AWS WAF associates a web ACL only with resources of its own account)",
        ),
      region: f
        .region()
        .describe("The cluster's region: the ALB's, where the web ACL must be"),
      wafAclArn: zod
        .string()
        .regex(
          new RegExp(WAFV2_REGIONAL_WEB_ACL_ARN_PATTERN),
          'expected a regional AWS WAF web ACL ARN such as arn:aws:wafv2:us-east-1:111111111111:regional/webacl/shop-acl/0a1b2c3d-0000-4000-8000-000000000000 (name of letters, digits, _ and -, at most 128; ID a lower-case UUID). A CloudFront (global) web ACL cannot protect an ALB',
        )
        .describe('The regional AWS WAF web ACL to associate with the ALB'),
      clusterName: f
        .clusterName()
        .optional()
        .describe(
          "With ingressGroup: the cluster whose controller made the group's ALB",
        ),
      ingressGroup: zod
        .string()
        .regex(
          /^([a-z0-9][-a-z0-9.]{0,61}[a-z0-9]|[a-z0-9])$/,
          'an Ingress group name: lower-case letters, digits, - and ., at most 63 characters, starting and ending with a letter or digit',
        )
        .or(zod.literal(''))
        .optional()
        .describe(
          "The application's Ingress group: when the group's ALB already has a web ACL (another member names it), a different one is refused, since the controller stops reconciling a group whose Ingresses name different web ACLs",
        ),
    })
    .superRefine((value, ctx) => {
      const arn = parseWebAclArn(value.wafAclArn);
      if (!arn) return;
      if (arn.accountId !== value.networkAccountId) {
        ctx.addIssue({
          code: 'custom',
          path: ['wafAclArn'],
          message: `expected a web ACL of network account ${value.networkAccountId}, the ALB's account: this one is in account ${arn.accountId}, and AWS WAF associates a web ACL only with resources of its own account. Create the web ACL in the network account, or pick one there`,
        });
      }
      if (arn.region !== value.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['wafAclArn'],
          message: `expected a web ACL in ${value.region}, the cluster's (and the ALB's) region: this one is in ${arn.region}, and a regional web ACL only protects resources of its own region`,
        });
      } else if (arn.partition !== partitionOf(value.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['wafAclArn'],
          message: `expected partition ${partitionOf(
            value.region,
          )} for region ${value.region}, not ${arn.partition}`,
        });
      }
    });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    webAclArn: zod.string(),
    webAclName: zod.string(),
    webAclId: zod.string(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

export function createCheckWebAclAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: CHECK_WEB_ACL_ID,
    description:
      "Checks an AWS WAF (v2) web ACL before an application's Ingress names it: refuses one outside the network account (Account-A, the ALB's) or the cluster's region without calling AWS, then reads it there (wafv2:GetWebACL), so a mistyped or deleted web ACL fails here rather than in the Load Balancer Controller after the ALB is made. Read-only: a dry-run reads too.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        CHECK_WEB_ACL_ID,
      );
      const arn = parseWebAclArn(input.wafAclArn)!;
      const wafv2 = await accountClient(
        options,
        WAFV2Client,
        { accountId: input.networkAccountId, region: input.region },
        'networkAccountId',
      );
      const scope = networkScope(options, input.networkAccountId);
      // A read changes nothing: a dry-run reads as a run does, so it fails on the same web ACL.
      const found = await call(scope, 'wafv2:GetWebACL', () =>
        unlessAwsError(
          ['WAFNonexistentItemException'],
          wafv2.send(
            new GetWebACLCommand({
              Name: arn.name,
              Scope: 'REGIONAL',
              Id: arn.id,
            }),
          ),
        ),
      );
      const webAcl = found?.WebACL;
      if (!webAcl) {
        throw new NotFoundError(
          `wafAclArn: there is no web ACL ${arn.name} (ID ${arn.id}) in network account ${input.networkAccountId}, region ${input.region}. Check the ARN in the AWS WAF console (Web ACLs, Regional, ${input.region}) of the network account, or create the web ACL there first.`,
        );
      }
      if (input.ingressGroup && input.clusterName) {
        await checkGroupWebAcl(
          scope,
          wafv2,
          await accountClient(
            options,
            ResourceGroupsTaggingAPIClient,
            { accountId: input.networkAccountId, region: input.region },
            'networkAccountId',
          ),
          {
            clusterName: input.clusterName,
            ingressGroup: input.ingressGroup,
            wafAclArn: input.wafAclArn,
          },
        );
      }
      ctx.logger.info(
        `${ctx.isDryRun ? 'Dry run: ' : ''}Web ACL ${webAcl.Name} (${
          webAcl.Id
        }) exists in network account ${input.networkAccountId} (${
          input.region
        }); the controller will associate it with the ALB`,
      );
      // The ARN as given (and checked): the Ingress names it exactly.
      ctx.output('webAclArn', input.wafAclArn);
      ctx.output('webAclName', webAcl.Name ?? arn.name);
      ctx.output('webAclId', webAcl.Id ?? arn.id);
      if (ctx.isDryRun) ctx.output('dryRun', true);
    },
  });
}

/**
 * In an Ingress group, the controller builds one ALB from every member's annotations and
 * refuses (stops reconciling the whole group) when they name different web ACLs
 * (model_build_load_balancer_addons.go, "conflicting WAFv2 WebACL ARNs"). The group's ALB,
 * once made, carries the web ACL another member names: a different one is refused here,
 * naming the field, before the application's Ingress could break the group.
 */
async function checkGroupWebAcl(
  scope: ScopeBase,
  wafv2: WAFV2Client,
  tagging: ResourceGroupsTaggingAPIClient,
  group: { clusterName: string; ingressGroup: string; wafAclArn: string },
): Promise<void> {
  const albs = await findControllerResources(
    tagging,
    scope,
    { clusterName: group.clusterName, stack: group.ingressGroup },
    ['elasticloadbalancing:loadbalancer'],
  );
  for (const { ResourceARN } of albs) {
    if (!ResourceARN?.includes(':loadbalancer/app/')) continue;
    const { WebACL } = await call(scope, 'wafv2:GetWebACLForResource', () =>
      wafv2.send(new GetWebACLForResourceCommand({ ResourceArn: ResourceARN })),
    );
    if (WebACL?.ARN && WebACL.ARN !== group.wafAclArn) {
      throw new InputError(
        `wafAclArn: the ALB of Ingress group ${group.ingressGroup} (${ResourceARN}) is protected by web ACL ${WebACL.ARN}, which another application of the group names; the controller stops reconciling a group whose Ingresses name different web ACLs. Name ${WebACL.ARN}, or leave the field empty (the group's web ACL protects this application too).`,
      );
    }
  }
}
