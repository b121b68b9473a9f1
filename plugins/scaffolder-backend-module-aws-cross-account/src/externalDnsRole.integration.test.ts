/*
 * aws:iam:ensure-external-dns-role against the sandbox: the OIDC provider and the role in
 * the DNS account, made with the role Backstage has there and the shipped DNS-account
 * policy (the sandbox's IAM gateway refuses anything else). Then external-dns (the sandbox's
 * stand-in, standins/externalDns.ts) runs as that role through IRSA: each statement of the
 * role's policy is needed for its loop, and only its service account gets in. The whole path
 * through the templates is the scenario test (packages/sandbox-backend, tasks.test.ts).
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { Route53Client } from '@aws-sdk/client-route-53';
import {
  externalDnsLoop,
  ExternalDnsConfig,
  webIdentityClientOptions,
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

  describe('external-dns as that role', () => {
    const roleName = `shop-prod-${WORKLOAD}-external-dns`;
    const roleArn = `arn:aws:iam::${DNS}:role/cross-account-alb/${roleName}`;
    const alb =
      'k8s-shop-shop-0123456789-1234567890.us-east-1.elb.amazonaws.com';
    const objects = () => [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'shop', namespace: 'shop', annotations: {} },
        spec: { rules: [{ host: `shop.${zone.zoneName}` }] },
        status: { loadBalancer: { ingress: [{ hostname: alb }] } },
      },
    ];
    const config = (): ExternalDnsConfig => ({
      deployment: 'external-dns/external-dns',
      namespace: 'external-dns',
      serviceAccountName: 'external-dns',
      roleArn,
      sources: ['ingress'],
      domainFilters: [zone.zoneName],
      zoneIdFilters: [zone.hostedZoneId],
      zoneType: 'public',
      ownerId: `shop-prod.${REGION}.${WORKLOAD}`,
      policy: 'sync',
      evaluateTargetHealth: true,
    });
    const route53As = async (namespace: string, serviceAccount: string) =>
      new Route53Client(
        await webIdentityClientOptions({
          region: REGION,
          issuer: ISSUER,
          roleArn,
          namespace,
          serviceAccount,
          sessionName: 'external-dns',
          propagation: { delaysMs: [] },
        }),
      );
    const putPolicy = async (document: object) =>
      (await iam()).send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: 'external-dns-route53',
          PolicyDocument: JSON.stringify(document),
        }),
      );
    const full = () => buildExternalDnsPolicy('aws', zone.hostedZoneId);

    it('only its service account may assume the role', async () => {
      expect(await failure(route53As('default', 'external-dns'))).toContain(
        'sts:AssumeRoleWithWebIdentity',
      );
      expect(await failure(route53As('external-dns', 'other'))).toContain(
        'sts:AssumeRoleWithWebIdentity',
      );
    });

    // The statements' names and actions (the zone is known once the tests run).
    it.each(
      buildExternalDnsPolicy('aws', 'Z0').Statement.map(
        s => [s.Sid, s] as const,
      ),
    )('its loop is refused without statement %s', async (sid, statement) => {
      await putPolicy({
        ...full(),
        Statement: full().Statement.filter(s => s.Sid !== sid),
      });
      const route53 = await route53As('external-dns', 'external-dns');
      expect(
        await failure(externalDnsLoop(route53, objects(), config())),
      ).toContain(String(statement.Action).split(':')[1]);
      await putPolicy(full());
    });

    it('with the whole policy it writes the alias and its owner records, then changes nothing', async () => {
      await putPolicy(full());
      const route53 = await route53As('external-dns', 'external-dns');
      const made = await externalDnsLoop(route53, objects(), config());
      expect(made.map(c => `${c.action} ${c.name} ${c.type}`)).toEqual([
        `CREATE shop.${zone.zoneName} A`,
        `CREATE cname-shop.${zone.zoneName} TXT`,
        `CREATE shop.${zone.zoneName} AAAA`,
        `CREATE aaaa-shop.${zone.zoneName} TXT`,
      ]);
      expect(await externalDnsLoop(route53, objects(), config())).toEqual([]);
      // The Ingress gone: --policy=sync deletes what it wrote.
      expect(
        (await externalDnsLoop(route53, [], config())).map(
          c => `${c.action} ${c.name} ${c.type}`,
        ),
      ).toEqual([
        `DELETE shop.${zone.zoneName} A`,
        `DELETE cname-shop.${zone.zoneName} TXT`,
        `DELETE shop.${zone.zoneName} AAAA`,
        `DELETE aaaa-shop.${zone.zoneName} TXT`,
      ]);
    });
  });
});

describe('aws:iam:delete-external-dns-role in the sandbox', () => {
  const DELETE = 'aws:iam:delete-external-dns-role';
  const issuer = (n: number) =>
    `https://oidc.eks.us-east-1.amazonaws.com/id/E0D05000000000000000000000000D0${n}`;
  const providerArn = (n: number) =>
    `arn:aws:iam::${DNS}:oidc-provider/${issuer(n).replace('https://', '')}`;
  const teardown = (clusterName: string, n: number) => ({
    dnsAccountId: DNS,
    workloadAccountId: WORKLOAD,
    region: REGION,
    clusterName,
    oidcIssuerUrl: issuer(n),
  });
  const gone = (promise: Promise<unknown>) =>
    promise.then(
      () => 'exists',
      (e: Error) => e.name,
    );

  it('deletes the role with its policy, then the provider no role trusts any more; a re-run changes nothing', async () => {
    await sandbox.run(ID, input('retired', { oidcIssuerUrl: issuer(1) }));
    const roleName = `retired-${WORKLOAD}-external-dns`;
    expect(await sandbox.run(DELETE, teardown('retired', 1))).toEqual({
      roleName,
      oidcProviderArn: providerArn(1),
      roleDeleted: true,
      providerDeleted: true,
    });
    const admin = await iam();
    expect(
      await gone(admin.send(new GetRoleCommand({ RoleName: roleName }))),
    ).toBe('NoSuchEntityException');
    expect(
      await gone(
        admin.send(
          new GetOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: providerArn(1),
          }),
        ),
      ),
    ).toBe('NoSuchEntityException');

    const mutations = sandbox.mutations().length;
    expect(await sandbox.run(DELETE, teardown('retired', 1))).toEqual({
      roleName,
      oidcProviderArn: providerArn(1),
      providerKept: `OIDC provider ${providerArn(
        1,
      )} does not exist in DNS account ${DNS}`,
      roleDeleted: false,
      providerDeleted: false,
    });
    expect(sandbox.mutations().length).toBe(mutations);
  });

  it('keeps the provider while another role trusts it, naming that role', async () => {
    await sandbox.run(ID, input('leaving', { oidcIssuerUrl: issuer(2) }));
    const admin = await iam();
    // A role someone made by hand for another service account of the same cluster.
    await admin.send(
      new CreateRoleCommand({
        RoleName: 'leaving-cert-manager',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: providerArn(2) },
              Action: 'sts:AssumeRoleWithWebIdentity',
            },
          ],
        }),
      }),
    );
    const out = await sandbox.run(DELETE, teardown('leaving', 2));
    expect(out).toEqual({
      roleName: `leaving-${WORKLOAD}-external-dns`,
      oidcProviderArn: providerArn(2),
      providerKept: `Keeping OIDC provider ${providerArn(
        2,
      )}: still trusted by arn:aws:iam::${DNS}:role/leaving-cert-manager`,
      roleDeleted: true,
      providerDeleted: false,
    });
    expect(
      await gone(
        admin.send(
          new GetOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: providerArn(2),
          }),
        ),
      ),
    ).toBe('exists');
    // Once that role is gone, a re-run deletes the provider.
    await admin.send(
      new DeleteRoleCommand({ RoleName: 'leaving-cert-manager' }),
    );
    expect(
      (await sandbox.run(DELETE, teardown('leaving', 2))).providerDeleted,
    ).toBe(true);
  });

  it("refuses another cluster's role of that name before changing anything", async () => {
    const roleName = `taken-${WORKLOAD}-external-dns`;
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
        Tags: [
          { Key: 'cross-account-alb:managed-by', Value: 'backstage' },
          { Key: 'cross-account-alb:cluster', Value: 'another' },
          { Key: 'cross-account-alb:workload-account', Value: WORKLOAD },
        ],
      }),
    );
    const mutations = sandbox.mutations().length;
    expect(await failure(sandbox.run(DELETE, teardown('taken', 3)))).toBe(
      `Refusing to delete role arn:aws:iam::${DNS}:role/cross-account-alb/${roleName} in DNS account ${DNS}: it belongs to cluster another in workload account ${WORKLOAD}, not to cluster taken in workload account ${WORKLOAD}.`,
    );
    expect(sandbox.mutations().length).toBe(mutations);
  });
});
