import {
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { oidcProviderArn } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  sandboxAdminCredentials,
  useSandboxEndpoint,
} from '../accounts';
import { MotoServer, startMoto } from '../moto';
import { controllerClientOptions } from './aws';
import { seedSandboxClusterWithController } from './seeding';

jest.setTimeout(120_000);

/*
 * moto knows a role or provider the moment it is created; real IAM takes a few seconds. The
 * OIDC provider is taken away and put back during the controller stand-in's first wait, as
 * STS sees a provider created a moment ago.
 */
describe('the controller stand-in and IAM propagation (sandbox)', () => {
  let moto: MotoServer;
  let restore: () => void;
  let iam: IAMClient;
  let seeded: Awaited<ReturnType<typeof seedSandboxClusterWithController>>;
  let providerArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    seeded = await seedSandboxClusterWithController({ clusterName: 'fresh' });
    iam = new IAMClient({
      region: REGION,
      credentials: (await sandboxAdminCredentials(NETWORK))
        .sdkCredentialProvider,
    });
    providerArn = oidcProviderArn('aws', NETWORK, seeded.issuer);
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  const assume = (sleep: (ms: number) => Promise<void>, errors: string[]) =>
    controllerClientOptions({
      networkAccountId: NETWORK,
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName: 'fresh',
      roleArn: seeded.controllerRoleArn,
      propagation: {
        delaysMs: [1, 1, 1],
        sleep,
        onRetry: (_attempt, _ms, error) =>
          errors.push(String((error as Error).message)),
      },
    });

  it('names the seeded controller role after the cluster and its workload account', () => {
    expect(seeded.controllerRoleArn).toBe(
      `arn:aws:iam::${NETWORK}:role/sandbox/sandbox-fresh-${WORKLOAD}-aws-lbc`,
    );
  });

  it('retries AssumeRoleWithWebIdentity until a fresh OIDC provider is known', async () => {
    await iam.send(
      new DeleteOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: providerArn,
      }),
    );
    const errors: string[] = [];
    const options = await assume(async () => {
      if (errors.length === 1) {
        await iam.send(
          new CreateOpenIDConnectProviderCommand({
            Url: seeded.issuer,
            ClientIDList: ['sts.amazonaws.com'],
          }),
        );
      }
    }, errors);
    expect(errors).toEqual([
      expect.stringMatching(/No OpenIDConnect provider found/),
    ]);
    expect(options.credentials).toBeDefined();
  });

  it("gives up after the bounded wait with STS's refusal", async () => {
    await iam.send(
      new DeleteOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: providerArn,
      }),
    );
    const errors: string[] = [];
    await expect(assume(async () => {}, errors)).rejects.toThrow(
      /No OpenIDConnect provider found/,
    );
    expect(errors).toHaveLength(3);
  });
});
