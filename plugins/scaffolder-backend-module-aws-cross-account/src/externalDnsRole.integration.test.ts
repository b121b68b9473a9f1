/*
 * aws:iam:ensure-external-dns-role against the sandbox: the OIDC provider and the role in
 * the DNS account, made with the role Backstage has there and the shipped DNS-account
 * policy (the sandbox's IAM gateway refuses anything else). That external-dns can then
 * write the zone's records as this role is shown by the scenario test of the templates
 * (packages/sandbox-backend, tasks.test.ts), through the external-dns stand-in.
 */
import {
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxDnsZone,
  sandboxAdminCredentials,
  seedSandboxDnsZone,
} from 'sandbox';
import { useActionSandbox } from './__testUtils__/actionSandbox';
import {
  buildExternalDnsPolicy,
  buildIrsaTrustPolicy,
  decodePolicyDocument,
} from './lib/builders';

jest.setTimeout(120_000);

const ID = 'aws:iam:ensure-external-dns-role';
const ISSUER =
  'https://oidc.eks.us-east-1.amazonaws.com/id/E0D05000000000000000000000000001';
const sandbox = useActionSandbox();
let zone: SandboxDnsZone;

beforeAll(async () => {
  zone = await seedSandboxDnsZone();
});

const input = (clusterName: string, extra: Record<string, unknown> = {}) => ({
  dnsAccountId: DNS,
  workloadAccountId: WORKLOAD,
  region: REGION,
  clusterName,
  oidcIssuerUrl: ISSUER,
  hostedZoneId: zone.hostedZoneId,
  hostedZoneName: zone.zoneName,
  ...extra,
});

async function iam() {
  return new IAMClient({
    region: REGION,
    credentials: (await sandboxAdminCredentials(DNS)).sdkCredentialProvider,
  });
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: Error) => e.message,
  );

describe('aws:iam:ensure-external-dns-role in the sandbox', () => {
  it("makes the provider and a role trusted by external-dns's service account only, allowed the zone only; a re-run changes nothing", async () => {
    const out = await sandbox.run(ID, input('shop-prod'));
    const roleName = `shop-prod-${WORKLOAD}-external-dns`;
    expect(out).toEqual({
      roleArn: `arn:aws:iam::${DNS}:role/cross-account-alb/${roleName}`,
      roleName,
      oidcProviderArn: `arn:aws:iam::${DNS}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/E0D05000000000000000000000000001`,
      namespace: 'external-dns',
      serviceAccountName: 'external-dns',
      txtOwnerId: `shop-prod.${REGION}.${WORKLOAD}`,
      externalDnsVersion: 'v0.19.0',
      domainFilter: zone.zoneName,
      hostedZoneId: zone.hostedZoneId,
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': out.roleArn },
    });
    // Every call went to the DNS account.
    expect(
      [...new Set(sandbox.calls.map(c => c.accountId))].filter(a => a !== DNS),
    ).toEqual([]);

    const admin = await iam();
    const { ClientIDList } = await admin.send(
      new GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: out.oidcProviderArn,
      }),
    );
    expect(ClientIDList).toEqual(['sts.amazonaws.com']);
    const { Role } = await admin.send(
      new GetRoleCommand({ RoleName: roleName }),
    );
    expect(decodePolicyDocument(Role!.AssumeRolePolicyDocument!)).toEqual(
      buildIrsaTrustPolicy({
        partition: 'aws',
        networkAccountId: DNS,
        oidcIssuerUrl: ISSUER,
        namespace: 'external-dns',
        serviceAccountName: 'external-dns',
      }),
    );
    const { PolicyDocument } = await admin.send(
      new GetRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'external-dns-route53',
      }),
    );
    expect(decodePolicyDocument(PolicyDocument!)).toEqual(
      buildExternalDnsPolicy('aws', zone.hostedZoneId),
    );

    const mutations = sandbox.mutations().length;
    expect(await sandbox.run(ID, input('shop-prod'))).toEqual(out);
    expect(sandbox.mutations().length).toBe(mutations);
  });

  it('refuses a role of that name the project did not make, before changing anything', async () => {
    const roleName = `legacy-${WORKLOAD}-external-dns`;
    await (
      await iam()
    ).send(
      new CreateRoleCommand({
        RoleName: roleName,
        Path: '/cross-account-alb/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [],
        }),
      }),
    );
    const mutations = sandbox.mutations().length;
    expect(await failure(sandbox.run(ID, input('legacy')))).toContain(
      `Role arn:aws:iam::${DNS}:role/cross-account-alb/${roleName} already exists in DNS account ${DNS} but was not created by this project`,
    );
    expect(sandbox.mutations().length).toBe(mutations);
  });

  it('refuses a zone ID that is not the named zone, before changing anything', async () => {
    const mutations = sandbox.mutations().length;
    expect(
      await failure(
        sandbox.run(ID, input('other', { hostedZoneName: 'example.other' })),
      ),
    ).toBe(
      `hostedZoneId: ${zone.hostedZoneId} is the zone of ${zone.zoneName}, not of hostedZoneName example.other. Pick the zone example.other (or give its name as hostedZoneName).`,
    );
    expect(sandbox.mutations().length).toBe(mutations);
  });
});
