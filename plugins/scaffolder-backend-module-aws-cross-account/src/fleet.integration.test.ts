/*
 * Several clusters of one workload account on the same shared subnets, against moto with the
 * sandbox's IAM gateway: each cluster gets its own RAM share, and tearing one down leaves the
 * subnets shared with the account through the others.
 */
import {
  CreateResourceShareCommand,
  GetResourceSharesCommand,
  RAMClient,
} from '@aws-sdk/client-ram';
import {
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  sandboxAdminCredentials,
} from 'sandbox';
import { useActionSandbox } from './__testUtils__/actionSandbox';
import { recipeInput } from './__testUtils__/recipe';

jest.setTimeout(120_000);

const sandbox = useActionSandbox();
const { run } = sandbox;

const shareFor = (clusterName: string) =>
  run('aws:ram:share-subnets', {
    ...recipeInput('aws:ram:share-subnets', {
      network: sandbox.network(),
      clusterName,
    }),
    clusterName,
  });

const visibleInWorkload = () =>
  run(
    'aws:ec2:resolve-shared-subnets',
    recipeInput('aws:ec2:resolve-shared-subnets', {
      network: sandbox.network(),
      clusterName: 'any',
    }),
  );

async function ram() {
  return new RAMClient({
    region: REGION,
    credentials: (await sandboxAdminCredentials(NETWORK)).sdkCredentialProvider,
  });
}

describe('two clusters of one workload account on the same subnets', () => {
  it("gives each cluster its own share, and one cluster's teardown leaves the other's subnets", async () => {
    const blue = await shareFor('blue');
    const green = await shareFor('green');
    expect(blue.shareName).toBe(`cross-account-alb-subnets-${WORKLOAD}-blue`);
    expect(green.shareName).toBe(`cross-account-alb-subnets-${WORKLOAD}-green`);
    expect(blue.resourceShareArn).not.toBe(green.resourceShareArn);
    const { resourceShares } = await (
      await ram()
    ).send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        resourceShareArns: [blue.resourceShareArn],
      }),
    );
    expect(resourceShares![0].tags).toEqual(
      expect.arrayContaining([
        { key: 'cross-account-alb:cluster', value: 'blue' },
      ]),
    );

    // Blue's teardown may not take green's share...
    await expect(
      run('aws:ram:delete-subnet-share', {
        networkAccountId: NETWORK,
        region: REGION,
        resourceShareArn: green.resourceShareArn,
        clusterName: 'blue',
      }),
    ).rejects.toThrow(
      `it shares the subnets of cluster green, not blue (tag cross-account-alb:cluster). Nothing was deleted.`,
    );
    // ...and deletes its own.
    await run('aws:ram:delete-subnet-share', {
      networkAccountId: NETWORK,
      region: REGION,
      resourceShareArn: blue.resourceShareArn,
      clusterName: 'blue',
    });
    // Green still sees the subnets it runs on.
    const seen = await visibleInWorkload();
    expect(
      seen.subnets.map((s: { subnetId: string }) => s.subnetId).sort(),
    ).toEqual(
      sandbox
        .network()
        .privateSubnets.map(s => s.subnetId)
        .sort(),
    );
  });

  it('refuses to delete, for one cluster, a share made for the whole account', async () => {
    const { resourceShare } = await (
      await ram()
    ).send(
      new CreateResourceShareCommand({
        name: `cross-account-alb-subnets-${WORKLOAD}`,
        resourceArns: sandbox
          .network()
          .privateSubnets.map(
            s => `arn:aws:ec2:${REGION}:${NETWORK}:subnet/${s.subnetId}`,
          ),
        principals: [WORKLOAD],
        allowExternalPrincipals: false,
        tags: [{ key: 'cross-account-alb:managed-by', value: 'backstage' }],
      }),
    );
    await expect(
      run('aws:ram:delete-subnet-share', {
        networkAccountId: NETWORK,
        region: REGION,
        resourceShareArn: resourceShare!.resourceShareArn,
        clusterName: 'green',
      }),
    ).rejects.toThrow(
      'it has no cross-account-alb:cluster tag, so other clusters of the same workload account may run on its subnets and would lose them. Nothing was deleted.',
    );
  });
});
