import {
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  iamRoleArn,
  oidcProviderArn,
  partitionOf,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  ActionRun,
  accountClient,
  AwsActionOptions,
  AwsTemplateAction,
  call,
  digest,
  dnsScope,
  mutate,
} from '../lib/action';
import {
  buildExternalDnsPolicy,
  buildExternalDnsRoleName,
  buildExternalDnsTxtOwnerId,
  buildIrsaTrustPolicy,
  decodePolicyDocument,
  EXTERNAL_DNS_NAMESPACE,
  EXTERNAL_DNS_POLICY_NAME,
  EXTERNAL_DNS_SERVICE_ACCOUNT,
  EXTERNAL_DNS_VERSION,
  policyDocumentsEqual,
} from '../lib/builders';
import { ensureOidcProviderIn } from '../lib/oidcProvider';
import { fields, parseInput, Zod } from '../lib/schemas';
import { checkPublicZone } from '../lib/zones';
import {
  ensureIrsaRole,
  getRole,
  IAM_PATH,
  IrsaRoleSpec,
  refuseForeignRole,
} from '../lib/irsaRole';
import { examples } from './ensureExternalDnsRole.examples';

export const ENSURE_EXTERNAL_DNS_ROLE_ID = 'aws:iam:ensure-external-dns-role';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    dnsAccountId: f
      .accountId()
      .describe(
        'The account that holds the public hosted zone (a DNS account, or the network account): the role and its OIDC provider are made there',
      ),
    workloadAccountId: f.workloadAccountId(),
    region: f.region(),
    clusterName: f.clusterName(),
    oidcIssuerUrl: f.oidcIssuerUrl(),
    hostedZoneId: f
      .hostedZoneId()
      .describe('The public hosted zone external-dns keeps records in'),
    hostedZoneName: f
      .hostName()
      .describe(
        "That zone's name, e.g. example.com (external-dns's --domain-filter)",
      ),
  });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    roleArn: zod.string(),
    roleName: zod.string(),
    oidcProviderArn: zod.string(),
    namespace: zod.string(),
    serviceAccountName: zod.string(),
    txtOwnerId: zod.string(),
    externalDnsVersion: zod.string(),
    domainFilter: zod.string(),
    hostedZoneId: zod.string(),
    serviceAccountAnnotations: zod.record(zod.string()),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

interface ExternalDnsPlan {
  roleName: string;
  roleArn: string;
  providerArn: string;
  trustPolicy: ReturnType<typeof buildIrsaTrustPolicy>;
  policy: ReturnType<typeof buildExternalDnsPolicy>;
}

function planExternalDnsIam(input: Input): ExternalDnsPlan {
  const partition = partitionOf(input.region);
  const roleName = buildExternalDnsRoleName(
    input.clusterName,
    input.workloadAccountId,
  );
  return {
    roleName,
    roleArn: iamRoleArn(partition, input.dnsAccountId, roleName, IAM_PATH),
    providerArn: oidcProviderArn(
      partition,
      input.dnsAccountId,
      input.oidcIssuerUrl,
    ),
    trustPolicy: buildIrsaTrustPolicy({
      partition,
      // The provider and the role are in the zone's account.
      networkAccountId: input.dnsAccountId,
      oidcIssuerUrl: input.oidcIssuerUrl,
      namespace: EXTERNAL_DNS_NAMESPACE,
      serviceAccountName: EXTERNAL_DNS_SERVICE_ACCOUNT,
    }),
    policy: buildExternalDnsPolicy(partition, input.hostedZoneId),
  };
}

export function createEnsureExternalDnsRoleAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: ENSURE_EXTERNAL_DNS_ROLE_ID,
    description: `Ensures, in the account of a public hosted zone, what external-dns of one EKS cluster needs to keep the names of its Ingresses pointing at their ALBs: an IAM OIDC provider for the cluster's issuer and a role <clusterName>-<workloadAccountId>-external-dns trusted only by the service account ${EXTERNAL_DNS_NAMESPACE}/${EXTERNAL_DNS_SERVICE_ACCOUNT} (audience sts.amazonaws.com), whose inline policy lets it list hosted zones and list and change the A, AAAA, CNAME and TXT records of that one zone. A role of another cluster, or not made by this project, is refused; a drifted trust or policy of the same cluster's role is repaired.`,
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        ENSURE_EXTERNAL_DNS_ROLE_ID,
      );
      const plan = planExternalDnsIam(input);
      const target = { accountId: input.dnsAccountId, region: input.region };
      const iam = await accountClient(
        options,
        IAMClient,
        target,
        'dnsAccountId',
      );
      const route53 = await accountClient(
        options,
        Route53Client,
        target,
        'dnsAccountId',
      );
      const run: ActionRun = {
        ctx,
        options,
        scope: dnsScope(options, input.dnsAccountId),
      };
      // Read-only checks first, in a dry-run as in a run: the zone external-dns will write in,
      // and a role of that name that is not this cluster's.
      await checkPublicZone(
        run.scope,
        route53,
        input,
        'external-dns runs with --aws-zone-type=public, so the name must be in the public zone',
      );
      const spec = externalDnsRoleSpec(input, plan);
      const existing = await getRole(run, iam, plan.roleName);
      if (existing) refuseForeignRole(existing, spec);

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ensure OIDC provider ${plan.providerArn} and role ${plan.roleArn} trusted by ${EXTERNAL_DNS_NAMESPACE}/${EXTERNAL_DNS_SERVICE_ACCOUNT}, allowed to change records of zone ${input.hostedZoneName} (${input.hostedZoneId}) in DNS account ${input.dnsAccountId}`,
        );
        writeOutputs(ctx, input, plan, existing?.Arn ?? plan.roleArn);
        ctx.output('dryRun', true);
        return;
      }

      await ensureOidcProviderIn(run, iam, input, plan.providerArn);
      const roleArn = await ensureIrsaRole(run, iam, spec, existing);
      await ensureRolePolicy(run, iam, plan, roleArn);
      ctx.logger.info(
        `external-dns of ${input.clusterName} will run as ${roleArn}, in zone ${input.hostedZoneName} only`,
      );
      writeOutputs(ctx, input, plan, roleArn);
    },
  });
}

function writeOutputs(
  ctx: ActionRun['ctx'],
  input: Input,
  plan: ExternalDnsPlan,
  roleArn: string,
) {
  ctx.output('roleArn', roleArn);
  ctx.output('roleName', plan.roleName);
  ctx.output('oidcProviderArn', plan.providerArn);
  ctx.output('namespace', EXTERNAL_DNS_NAMESPACE);
  ctx.output('serviceAccountName', EXTERNAL_DNS_SERVICE_ACCOUNT);
  ctx.output('txtOwnerId', buildExternalDnsTxtOwnerId(input));
  ctx.output('externalDnsVersion', EXTERNAL_DNS_VERSION);
  ctx.output('domainFilter', input.hostedZoneName);
  ctx.output('hostedZoneId', input.hostedZoneId);
  ctx.output('serviceAccountAnnotations', {
    'eks.amazonaws.com/role-arn': roleArn,
  });
}

/** external-dns's role as the shared IRSA-role steps take it. */
function externalDnsRoleSpec(
  input: Input,
  plan: ExternalDnsPlan,
): IrsaRoleSpec {
  return {
    accountId: input.dnsAccountId,
    accountLabel: 'DNS account',
    roleName: plan.roleName,
    trustPolicy: plan.trustPolicy,
    description: `external-dns of EKS cluster ${input.clusterName} in workload account ${input.workloadAccountId} (IRSA), zone ${input.hostedZoneName}`,
    clusterName: input.clusterName,
    workloadAccountId: input.workloadAccountId,
    region: input.region,
    serviceAccount: `${EXTERNAL_DNS_NAMESPACE}/${EXTERNAL_DNS_SERVICE_ACCOUNT}`,
    hints: {
      notOurs: 'Delete or rename it, or tag it to adopt it.',
      anotherCluster:
        "Remove that cluster's external-dns role first if the cluster is gone.",
    },
  };
}

/** Puts the zone's policy on the role unless it already holds exactly that document. */
async function ensureRolePolicy(
  { ctx, options, scope }: ActionRun,
  iam: IAMClient,
  plan: ExternalDnsPlan,
  roleArn: string,
): Promise<void> {
  const current = await call(scope, 'iam:GetRolePolicy', () =>
    unlessAwsError(
      ['NoSuchEntity', 'NoSuchEntityException'],
      iam.send(
        new GetRolePolicyCommand({
          RoleName: plan.roleName,
          PolicyName: EXTERNAL_DNS_POLICY_NAME,
        }),
      ),
    ),
  );
  if (
    current?.PolicyDocument &&
    policyDocumentsEqual(
      decodePolicyDocument(current.PolicyDocument),
      plan.policy,
    )
  ) {
    return;
  }
  await mutate(
    ctx,
    options,
    {
      key: `iam.role.${scope.accountId}.${plan.roleName}.policy.${digest(
        plan.policy,
      )}`,
      scope,
      action: 'iam:PutRolePolicy',
      resourceArn: roleArn,
    },
    async () => {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: plan.roleName,
          PolicyName: EXTERNAL_DNS_POLICY_NAME,
          PolicyDocument: JSON.stringify(plan.policy),
        }),
      );
      return true;
    },
  );
  ctx.logger.info(
    `${
      current ? 'Replaced' : 'Put'
    } policy ${EXTERNAL_DNS_POLICY_NAME} on ${roleArn}`,
  );
}
