/*
 * Every statement of the shipped policies is needed: the golden path and the teardown run
 * against the sandbox, whose IAM gateway evaluates Backstage's roles as IAM would, and at the
 * step that needs a statement the step is run once with that statement taken out of the
 * role's policy. It must fail with the module's message naming the account, the role and
 * the IAM action, before the step is run again with the whole policy and the path goes on.
 */
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { ConfigReader } from '@backstage/config';
import {
  MotoServer,
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_DNS_ROLE_NAME,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_NETWORK_ROLE_NAME,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SANDBOX_WORKLOAD_ROLE_NAME,
  ShippedPolicy,
  ensureSandboxPrincipals,
  sandboxAdminCredentials,
  sandboxAwsConfig,
  seedSandboxDnsZone,
  seedSandboxNetwork,
  seedSandboxWebAcl,
  shippedPolicy,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { createNetworkAutocompleteHandler } from '../autocomplete/networkAutocomplete';
import { RecipeIds, recipeInput } from '../__testUtils__/recipe';
import {
  actionContext,
  actionsWithShareKnobs,
  mockAuditor,
} from '../__testUtils__/testing';

jest.setTimeout(180_000);

const CLUSTER = 'policy-check';

type Statement = { Sid: string; Action: string | string[] };
const statementsOf = (key: ShippedPolicy): Statement[] =>
  shippedPolicy(key).Statement;

let moto: MotoServer;
let restoreEnv: () => void;

/**
 * Gives Backstage's roles the shipped policies, less `sid` of policy `key` when given. The
 * sandbox's network role also carries the health backend's policy (one role for both
 * plugins); a network statement is judged without it, as a portal that gives the scaffolder
 * a role of its own would run.
 */
async function setPolicies(without?: { key: ShippedPolicy; sid: string }) {
  const policyOverrides = without
    ? {
        [without.key]: {
          ...shippedPolicy(without.key),
          Statement: statementsOf(without.key).filter(
            s => s.Sid !== without.sid,
          ),
        },
        ...(without.key === 'network'
          ? { health: { ...shippedPolicy('health'), Statement: [] } }
          : {}),
      }
    : {};
  await ensureSandboxPrincipals({
    endpoint: moto.endpoint,
    region: REGION,
    networkAccountIds: [NETWORK],
    workloadAccountIds: [WORKLOAD],
    networkRoleName: SANDBOX_NETWORK_ROLE_NAME,
    workloadRoleName: SANDBOX_WORKLOAD_ROLE_NAME,
    dnsAccountIds: [DNS],
    dnsRoleName: SANDBOX_DNS_ROLE_NAME,
    policyOverrides,
  });
}

const clients = createAwsClientFactory({
  config: new ConfigReader({ aws: sandboxAwsConfig() }),
});
const actions = Object.fromEntries(
  actionsWithShareKnobs({
    clients,
    auditor: mockAuditor().auditor,
  }).map(a => [a.id, a]),
);
/** The template forms' pickers, as the scaffolder's autocomplete route calls them. */
const autocomplete = createNetworkAutocompleteHandler({ clients });

async function run(id: string, input: Record<string, any>) {
  const { ctx, outputs } = actionContext(input);
  await actions[id].handler(ctx);
  return outputs() as Record<string, any>;
}

/** One step of the path and the statements it needs, in the order it calls them. */
interface Step {
  title: string;
  action: string;
  /** Input beyond the recipe's usual one for this action. */
  extra?: () => Record<string, unknown>;
  /** A step that is not an action (a form picker): what it calls instead. */
  call?: () => Promise<unknown>;
  needs: Array<[ShippedPolicy, string]>;
}

/** Filled in as the path goes: the network, the cluster's issuer and groups, the share. */
const ids = { clusterName: CLUSTER } as RecipeIds;

const steps: Step[] = [
  {
    title: 'reads the network',
    action: 'aws:ec2:describe-shared-network',
    needs: [
      ['network', 'ReadOrganization'],
      ['workload', 'ReadOrganization'],
      ['network', 'ReadNetwork'],
      ['network', 'ReadNodeEgress'],
    ],
  },
  {
    title: 'shares the node subnets',
    action: 'aws:ram:share-subnets',
    needs: [
      ['network', 'ReadResourceShares'],
      ['network', 'CreateTaggedResourceShare'],
    ],
  },
  {
    title: 'adds the ALB subnets to the share',
    action: 'aws:ram:share-subnets',
    extra: () => ({
      subnetIds: [
        ...ids.network.privateSubnets,
        ...ids.network.publicSubnets,
      ].map(s => s.subnetId),
    }),
    needs: [['network', 'ChangeManagedResourceShare']],
  },
  {
    title: 'resolves the shared subnets in the workload account',
    action: 'aws:ec2:resolve-shared-subnets',
    needs: [['workload', 'ReadSharedSubnetsAndGroups']],
  },
  {
    title: 'reads the cluster',
    action: 'aws:eks:describe-cluster',
    needs: [['workload', 'ReadCluster']],
  },
  {
    title: 'makes the OIDC provider',
    action: 'aws:iam:ensure-oidc-provider',
    needs: [['network', 'EksOidcProviders']],
  },
  {
    title: "makes the controller's policy and role",
    action: 'aws:iam:ensure-load-balancer-controller-role',
    needs: [
      ['network', 'ControllerPolicyUnderProjectPath'],
      ['network', 'ReadRoles'],
      ['network', 'ControllerRoleUnderProjectPath'],
      ['network', 'AttachOnlyTheControllerPolicy'],
    ],
  },
  {
    title: "lists the DNS account's public hosted zones for the zone picker",
    action: 'autocomplete hosted-zones',
    call: async () => {
      const { results } = await autocomplete({
        resource: 'hosted-zones',
        token: '',
        context: { dnsAccountId: DNS, region: REGION },
      });
      expect(results.map(r => r.id)).toContain(ids.hostedZoneId);
      return results;
    },
    needs: [['dns', 'ListHostedZones']],
  },
  {
    title: "makes external-dns's OIDC provider and role in the DNS account",
    action: 'aws:iam:ensure-external-dns-role',
    needs: [
      ['dns', 'ReadHostedZones'],
      ['dns', 'ReadRoles'],
      ['dns', 'EksOidcProviders'],
      ['dns', 'ExternalDnsRoleUnderProjectPath'],
    ],
  },
  {
    title: 'makes the ALB security group',
    action: 'aws:ec2:ensure-alb-security-group',
    needs: [
      ['network', 'CreateAlbSecurityGroupInVpc'],
      ['network', 'CreateTaggedAlbSecurityGroup'],
      ['network', 'TagOnCreateOnly'],
      ['network', 'OpenManagedAlbSecurityGroup'],
    ],
  },
  {
    title: 'opens the nodes to the ALB',
    action: 'aws:ec2:allow-alb-to-nodes',
    needs: [
      ['workload', 'OpenNodeSecurityGroupToAlb'],
      ['workload', 'CreateTaggedNodeRule'],
      ['workload', 'TagRuleOnCreateOnly'],
    ],
  },
  {
    title: 'ensures the HTTPS certificate, validated in the DNS account',
    action: 'aws:acm:ensure-certificate',
    needs: [
      ['dns', 'ReadHostedZones'],
      ['network', 'ReadCertificates'],
      ['network', 'RequestDnsValidatedTaggedCertificate'],
      ['network', 'TagCertificateOnRequest'],
      ['dns', 'UpsertCertificateValidationRecords'],
    ],
  },
  {
    title: 'reads the web ACL an application names',
    action: 'aws:wafv2:check-web-acl',
    needs: [['network', 'ReadWebAcls']],
  },
  {
    title: "checks that the controller's load balancers are gone (teardown)",
    action: 'aws:elbv2:check-no-load-balancers',
    needs: [['network', 'FindControllerLoadBalancers']],
  },
  {
    title:
      'deletes the unused certificate and its validation record (teardown)',
    action: 'aws:acm:delete-certificate',
    // ReadHostedZones and ReadCertificates: shown at ensure-certificate.
    needs: [
      ['dns', 'DeleteCertificateValidationRecords'],
      ['network', 'DeleteManagedUnusedCertificate'],
    ],
  },
  {
    title: 'closes the nodes to the ALB (teardown)',
    action: 'aws:ec2:revoke-alb-to-nodes',
    needs: [['workload', 'CloseNodeSecurityGroupToAlb']],
  },
  {
    title: 'deletes the ALB security group (teardown)',
    action: 'aws:ec2:delete-alb-security-group',
    needs: [['network', 'DeleteManagedAlbSecurityGroup']],
  },
  {
    title: "deletes the controller's role and policy (teardown)",
    action: 'aws:iam:delete-load-balancer-controller-role',
    needs: [['network', 'DetachOnlyTheControllerPolicy']],
  },
  {
    title:
      "deletes external-dns's role and OIDC provider in the DNS account (teardown)",
    action: 'aws:iam:delete-external-dns-role',
    // EksOidcProviders and ReadRoles, shown at ensure-external-dns-role.
    needs: [
      ['dns', 'DeleteExternalDnsRoleUnderProjectPath'],
      ['dns', 'ListRolesForProviderTrust'],
    ],
  },
  {
    title: 'deletes the OIDC provider (teardown)',
    action: 'aws:iam:delete-oidc-provider',
    // EksOidcProviders, shown at ensure-oidc-provider.
    needs: [['network', 'ListRolesForProviderTrust']],
  },
  {
    title: 'deletes the subnet share (teardown)',
    action: 'aws:ram:delete-subnet-share',
    needs: [['network', 'DeleteManagedResourceShare']],
  },
];

const inputOf = (step: Step) => ({
  ...recipeInput(step.action, ids),
  ...step.extra?.(),
});

const runStep = (step: Step) =>
  step.call ? step.call() : run(step.action, inputOf(step));

/** eksctl's part (step 3 of the recipe), as the workload account's administrator. */
async function createCluster() {
  const eks = new EKSClient({
    region: REGION,
    credentials: (await sandboxAdminCredentials(WORKLOAD))
      .sdkCredentialProvider,
  });
  await eks.send(
    new CreateClusterCommand({
      name: CLUSTER,
      roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
      resourcesVpcConfig: {
        subnetIds: ids.network.privateSubnets.map(s => s.subnetId),
      },
    }),
  );
  const { cluster } = await eks.send(
    new DescribeClusterCommand({ name: CLUSTER }),
  );
  ids.issuer = cluster!.identity!.oidc!.issuer;
  ids.nodeSecurityGroupId = cluster!.resourcesVpcConfig!.clusterSecurityGroupId;
}

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = useSandboxEndpoint(moto.endpoint);
  ids.network = await seedSandboxNetwork();
  ids.hostedZoneId = (await seedSandboxDnsZone()).hostedZoneId;
  ids.webAclArn = (await seedSandboxWebAcl()).arn;
});

afterAll(async () => {
  restoreEnv?.();
  await moto?.stop();
});

describe('the shipped policies, statement by statement, under the sandbox IAM gateway', () => {
  it('covers every statement of the three account policies', () => {
    const covered = new Set(
      steps.flatMap(s => s.needs.map(([key, sid]) => `${key}:${sid}`)),
    );
    const shipped = (['network', 'workload', 'dns'] as const).flatMap(key =>
      statementsOf(key).map(s => `${key}:${s.Sid}`),
    );
    expect(shipped.filter(s => !covered.has(s))).toEqual([]);
  });

  it.each(steps.map(s => [s.title, s] as const))(
    '%s: each statement it needs is refused when taken out',
    async (_title, step) => {
      if (step.action === 'aws:eks:describe-cluster') await createCluster();
      for (const [key, sid] of step.needs) {
        await setPolicies({ key, sid });
        const statement = statementsOf(key).find(s => s.Sid === sid)!;
        const actionsOf = ([] as string[]).concat(statement.Action);
        const role = {
          network: `role ${SANDBOX_NETWORK_ROLE_NAME} in network account ${NETWORK}`,
          workload: `role ${SANDBOX_WORKLOAD_ROLE_NAME} in workload account ${WORKLOAD}`,
          dns: `role ${SANDBOX_DNS_ROLE_NAME} in DNS account ${DNS}`,
        }[key as 'network' | 'workload' | 'dns'];
        const failure = await runStep(step).then(
          () => undefined,
          (e: Error) => e,
        );
        expect({ sid, failure: failure?.message }).toEqual({
          sid,
          failure: expect.stringContaining(role),
        });
        expect(
          actionsOf.filter(a => failure!.message.includes(a)).length,
        ).toBeGreaterThan(0);
      }
      await setPolicies();
      const deniedBefore = moto.iam!.denials().length;
      const out = (await runStep(step)) as Record<string, any>;
      // With the whole policy the step makes no call IAM refuses.
      expect(moto.iam!.denials().slice(deniedBefore)).toEqual([]);
      if (step.action === 'aws:ram:share-subnets') {
        ids.resourceShareArn = out.resourceShareArn;
      }
      if (step.action === 'aws:ec2:ensure-alb-security-group') {
        ids.albSecurityGroupId = out.securityGroupId;
      }
    },
  );
});
