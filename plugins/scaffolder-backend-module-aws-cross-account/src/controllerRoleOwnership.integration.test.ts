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
import { oidcProviderArn } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  sandboxAdminCredentials,
} from 'sandbox';
import { useActionSandbox } from './__testUtils__/actionSandbox';

jest.setTimeout(120_000);

/** The same cluster name in a workload account Backstage does not need to reach here. */
const OTHER_WORKLOAD = '333333333333';
const CLUSTER = 'shop';

const sandbox = useActionSandbox();
const { run, calls } = sandbox;
let iam: IAMClient;
const issuers: Record<string, string> = {};

const mutations = () => sandbox.mutations().map(c => c.action);

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
  const network = sandbox.network();
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
    calls.length = 0;
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
    calls.length = 0;
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
