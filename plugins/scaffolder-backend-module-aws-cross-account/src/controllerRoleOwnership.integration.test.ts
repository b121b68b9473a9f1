/*
 * Two clusters of one name in two workload accounts, one network account, against moto with
 * the IAM gateway: each gets its own controller role, and neither action takes over or
 * deletes the other cluster's role, even when given its name.
 */
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ConfigReader } from '@backstage/config';
import {
  createAwsClientFactory,
  oidcProviderArn,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxNetwork,
  sandboxAwsConfig,
  sandboxAdminCredentials,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import {
  actionContext,
  actionsWithShareKnobs,
  mockAuditor,
} from './__testUtils__/testing';

jest.setTimeout(120_000);

/** The same cluster name in a workload account Backstage does not need to reach here. */
const OTHER_WORKLOAD = '333333333333';
const CLUSTER = 'shop';
const READ_ONLY = /:(Describe|Get|List)/;

let moto: MotoServer;
let restoreEnv: () => void;
let network: SandboxNetwork;
let iam: IAMClient;
const recorded: string[] = [];
const issuers: Record<string, string> = {};

async function run(id: string, input: Record<string, any>) {
  const clients = createAwsClientFactory({
    config: new ConfigReader({ aws: sandboxAwsConfig() }),
    onCommand: e => recorded.push(e.action),
  });
  const action = actionsWithShareKnobs({
    clients,
    auditor: mockAuditor().auditor,
  }).find(a => a.id === id)!;
  const { ctx, outputs } = actionContext(input);
  await action.handler(ctx);
  return outputs() as Record<string, any>;
}

const mutations = () => recorded.filter(a => !READ_ONLY.test(a));

async function trustOf(roleName: string) {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  return decodeURIComponent(Role!.AssumeRolePolicyDocument!);
}

const ensureInput = (workloadAccountId: string, issuer: string) => ({
  networkAccountId: NETWORK,
  workloadAccountId,
  region: REGION,
  clusterName: CLUSTER,
  oidcIssuerUrl: issuer,
});

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = useSandboxEndpoint(moto.endpoint);
  network = await seedSandboxNetwork();
  const admin = async (accountId: string) =>
    (await sandboxAdminCredentials(accountId)).sdkCredentialProvider;
  const eks = new EKSClient({
    region: REGION,
    credentials: await admin(WORKLOAD),
  });
  iam = new IAMClient({ region: REGION, credentials: await admin(NETWORK) });
  // Two clusters give two issuers: `shop` here, and one standing for the issuer of the
  // `shop` cluster of the other workload account.
  for (const name of [CLUSTER, 'issuer-of-the-other-shop']) {
    await eks.send(
      new CreateClusterCommand({
        name,
        roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
        resourcesVpcConfig: {
          subnetIds: network.privateSubnets.map(s => s.subnetId),
        },
      }),
    );
    const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
    issuers[name] = cluster!.identity!.oidc!.issuer!;
    await run('aws:iam:ensure-oidc-provider', {
      networkAccountId: NETWORK,
      region: REGION,
      oidcIssuerUrl: issuers[name],
    });
  }
  await run(
    'aws:iam:ensure-load-balancer-controller-role',
    ensureInput(WORKLOAD, issuers[CLUSTER]),
  );
});

afterAll(async () => {
  restoreEnv?.();
  await moto?.stop();
});

describe('clusters of one name in two workload accounts', () => {
  const firstRole = `${CLUSTER}-${WORKLOAD}-aws-lbc`;

  it('gives the second cluster its own role and leaves the first one alone', async () => {
    const before = await trustOf(firstRole);
    const out = await run(
      'aws:iam:ensure-load-balancer-controller-role',
      ensureInput(OTHER_WORKLOAD, issuers['issuer-of-the-other-shop']),
    );
    expect(out.roleName).toBe(`${CLUSTER}-${OTHER_WORKLOAD}-aws-lbc`);
    expect(await trustOf(firstRole)).toBe(before);
    expect(await trustOf(out.roleName)).toContain(
      issuers['issuer-of-the-other-shop'].replace('https://', ''),
    );
  });

  it("refuses, before any change, to repoint the first cluster's role, naming its owner", async () => {
    const before = await trustOf(firstRole);
    recorded.length = 0;
    await expect(
      run('aws:iam:ensure-load-balancer-controller-role', {
        ...ensureInput(OTHER_WORKLOAD, issuers['issuer-of-the-other-shop']),
        roleName: firstRole,
      }),
    ).rejects.toThrow(
      `Role arn:aws:iam::${NETWORK}:role/cross-account-alb/${firstRole} in network account ${NETWORK} belongs to cluster ${CLUSTER} in workload account ${WORKLOAD} (trusting ${oidcProviderArn(
        'aws',
        NETWORK,
        issuers[CLUSTER],
      )}), not to cluster ${CLUSTER} in workload account ${OTHER_WORKLOAD} (${REGION}); refusing to repoint its trust policy.`,
    );
    expect(mutations()).toEqual([]);
    expect(await trustOf(firstRole)).toBe(before);
  });

  it("refuses, before any change, to delete the first cluster's role for the other one", async () => {
    recorded.length = 0;
    await expect(
      run('aws:iam:delete-load-balancer-controller-role', {
        networkAccountId: NETWORK,
        workloadAccountId: OTHER_WORKLOAD,
        region: REGION,
        clusterName: CLUSTER,
        roleName: firstRole,
      }),
    ).rejects.toThrow(
      `Refusing to delete role arn:aws:iam::${NETWORK}:role/cross-account-alb/${firstRole} in network account ${NETWORK}: it belongs to cluster ${CLUSTER} in workload account ${WORKLOAD} (trusting `,
    );
    expect(mutations()).toEqual([]);
    await expect(trustOf(firstRole)).resolves.toContain('sts.amazonaws.com');
  });
});
