/*
 * The VPC, subnet and hosted-zone pickers' data source: the `aws-cross-account` autocomplete provider of
 * the scaffolder module, through the real scaffolder router, against the sandbox's network
 * account.
 */
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import awsActionsModule from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import request from 'supertest';
import {
  CreateHostedZoneCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  MotoServer,
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_DNS_ZONE_NAME,
  SandboxDnsZone,
  sandboxAdminClients,
  seedSandboxDnsZone,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SandboxNetwork,
  sandboxAwsConfig,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';

jest.setTimeout(120_000);

describe('network autocomplete for the template forms', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let zone: SandboxDnsZone;
  let server: any;

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    zone = await seedSandboxDnsZone();
    ({ server } = await startTestBackend({
      features: [
        scaffolderPlugin,
        awsActionsModule,
        catalogServiceMock.factory({ entities: [] }),
        mockServices.rootConfig.factory({ data: { aws: sandboxAwsConfig() } }),
      ],
    }));
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  const ask = (resource: string, context: Record<string, string>) =>
    request(server)
      .post(`/api/scaffolder/v2/autocomplete/aws-cross-account/${resource}`)
      .set('Authorization', mockCredentials.user.header())
      // The scaffolder's route hands providers only a token (it was made for SCM providers):
      // the pickers send the user's Backstage token, which this provider verifies before it
      // reads AWS with the portal's own roles (permissions: see permissions.test.ts).
      .send({ token: mockCredentials.user.token(), context });

  it('lists the network account VPCs, the seeded one first, with its CIDR', async () => {
    const res = await ask('vpcs', {
      networkAccountId: NETWORK,
      region: REGION,
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toEqual({
      id: network.vpcId,
      title: expect.stringContaining(`${network.vpcId} · `),
    });
    expect(res.body.results[0].title).toContain(network.vpcCidr);
    // moto's default VPC comes last, marked as such.
    for (const other of res.body.results.slice(1)) {
      expect(other.title).toContain('default VPC');
    }
  });

  it.each([
    ['public-subnets', 'publicSubnets'],
    ['private-subnets', 'privateSubnets'],
  ] as const)(
    'lists the %s of the VPC with AZ name, AZ ID and CIDR',
    async (resource, key) => {
      const res = await ask(resource, {
        networkAccountId: NETWORK,
        region: REGION,
        vpcId: network.vpcId,
      });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { id: string }) => r.id).sort()).toEqual(
        network[key].map(s => s.subnetId).sort(),
      );
      for (const subnet of network[key]) {
        const result = res.body.results.find(
          (r: { id: string }) => r.id === subnet.subnetId,
        );
        expect(result.title).toContain(
          `${subnet.availabilityZone} (${subnet.availabilityZoneId})`,
        );
        expect(result.title).toContain(subnet.cidr);
      }
    },
  );

  it('refuses an account that is not in aws.accounts, naming the config key', async () => {
    const res = await ask('vpcs', {
      networkAccountId: '999999999999',
      region: REGION,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /networkAccountId: account 999999999999 is not configured: add it to aws.accounts/,
    );
  });

  it('refuses bad context before calling AWS, naming the field', async () => {
    const res = await ask('public-subnets', {
      networkAccountId: NETWORK,
      region: REGION,
      vpcId: 'vpc-$(id)',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^vpcId: expected a VPC ID/);
    const unknown = await ask('clusters', {
      networkAccountId: NETWORK,
      region: REGION,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(
      /expected one of vpcs, public-subnets, private-subnets, hosted-zones/,
    );
  });

  describe('hosted zones of the DNS account', () => {
    const PAGED = 100;

    beforeAll(async () => {
      // As the DNS account's administrator: a private zone, which the list leaves out, and
      // enough public zones that Route 53 answers in two pages of 100.
      const admin = sandboxAdminClients();
      const route53 = await admin.client(Route53Client, {
        accountId: DNS,
        region: REGION,
      });
      const ec2 = await admin.client(EC2Client, {
        accountId: DNS,
        region: REGION,
      });
      const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({}));
      await route53.send(
        new CreateHostedZoneCommand({
          Name: 'internal.example.test',
          CallerReference: 'autocomplete-test-private',
          HostedZoneConfig: { PrivateZone: true },
          VPC: { VPCRegion: REGION, VPCId: Vpcs[0].VpcId },
        }),
      );
      for (let i = 0; i < PAGED; i++) {
        await route53.send(
          new CreateHostedZoneCommand({
            Name: `z${String(i).padStart(3, '0')}.paged.test`,
            CallerReference: `autocomplete-test-${i}`,
          }),
        );
      }
    });

    it('lists every public zone, across pages, by name, with ID and record count', async () => {
      const res = await ask('hosted-zones', { dnsAccountId: DNS });
      expect(res.status).toBe(200);
      const results: { id: string; title: string }[] = res.body.results;
      expect(results).toHaveLength(PAGED + 1);
      // The seeded zone: the bare ID the actions take, its name and its NS and SOA records.
      expect(results[0]).toEqual({
        id: zone.hostedZoneId,
        title: `${SANDBOX_DNS_ZONE_NAME} · ${zone.hostedZoneId} · 2 records`,
      });
      expect(results.map(r => r.title.split(' · ')[0])).toEqual([
        SANDBOX_DNS_ZONE_NAME,
        ...Array.from(
          { length: PAGED },
          (_, i) => `z${String(i).padStart(3, '0')}.paged.test`,
        ),
      ]);
      expect(results.every(r => /^[A-Z0-9]+$/.test(r.id))).toBe(true);
      // The private zone is not offered: ACM validates through public records.
      expect(JSON.stringify(results)).not.toContain('internal.example.test');
    });

    it('takes the region of the form for the partition', async () => {
      const res = await ask('hosted-zones', {
        dnsAccountId: DNS,
        region: REGION,
      });
      expect(res.status).toBe(200);
      expect(res.body.results[0].id).toBe(zone.hostedZoneId);
    });

    it('refuses a DNS account that is not in aws.accounts, naming dnsAccountId', async () => {
      const res = await ask('hosted-zones', { dnsAccountId: '999999999999' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(
        /^dnsAccountId: account 999999999999 is not configured: add it to aws.accounts/,
      );
    });

    it.each([
      ['dnsAccountId', { dnsAccountId: '5555' }],
      ['dnsAccountId', { dnsAccountId: '555555555555; rm -rf /' }],
      ['dnsAccountId', { dnsAccountId: '../../555555555555' }],
      ['dnsAccountId', {}],
      ['region', { dnsAccountId: DNS, region: 'us-east-1\nHost: evil' }],
    ])(
      'refuses a malformed %s before calling AWS, naming the field',
      async (field, context) => {
        const before = moto.iam!.decisions.length;
        const res = await ask(
          'hosted-zones',
          context as Record<string, string>,
        );
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(
          new RegExp(`^${field}: (expected|Required)`),
        );
        expect(moto.iam!.decisions.length).toBe(before);
      },
    );
  });
});
