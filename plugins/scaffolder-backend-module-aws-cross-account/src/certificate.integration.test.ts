/*
 * aws:acm:ensure-certificate against the sandbox: ACM in the network account, the zone in the
 * DNS account, each reached with the role Backstage has there and the shipped policies (the
 * sandbox's IAM gateway refuses anything else), and ACM issuing only once the validation
 * record is in the zone (sandbox moto gap 11).
 */
import {
  ACMClient,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeleteListenerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SandboxDnsZone,
  sandboxAdminCredentials,
  seedSandboxDnsZone,
} from 'sandbox';
import { useActionSandbox } from './__testUtils__/actionSandbox';

jest.setTimeout(120_000);

const ID = 'aws:acm:ensure-certificate';
const sandbox = useActionSandbox();
let zone: SandboxDnsZone;

beforeAll(async () => {
  zone = await seedSandboxDnsZone();
});

const input = (hostName: string) => ({
  networkAccountId: NETWORK,
  region: REGION,
  hostName,
  dnsAccountId: DNS,
  hostedZoneId: zone.hostedZoneId,
  hostedZoneName: zone.zoneName,
  waitTimeoutSeconds: 30,
});

async function admin<C>(
  Client: new (config: object) => C,
  accountId: string,
): Promise<C> {
  return new Client({
    region: REGION,
    credentials: (await sandboxAdminCredentials(accountId))
      .sdkCredentialProvider,
  });
}

async function zoneRecords() {
  const route53 = await admin(Route53Client, DNS);
  const { ResourceRecordSets = [] } = await route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zone.hostedZoneId }),
  );
  return ResourceRecordSets.map(r => ({
    name: r.Name,
    type: r.Type,
    values: (r.ResourceRecords ?? []).map(v => v.Value),
  }));
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: Error) => e.message,
  );

describe('aws:acm:ensure-certificate in the sandbox', () => {
  it('ends with an issued certificate in the network account and its record in the DNS account, and a re-run changes nothing', async () => {
    const before = await zoneRecords();
    const mark = sandbox.calls.length;
    const out = await sandbox.run(ID, input('shop.example.test'));
    expect(out).toMatchObject({
      status: 'ISSUED',
      hostName: 'shop.example.test',
      created: true,
    });
    expect(out.certificateArn).toMatch(
      new RegExp(`^arn:aws:acm:${REGION}:${NETWORK}:certificate/`),
    );
    // Where each call went: ACM in the network account, Route 53 in the DNS account.
    const made = sandbox.calls.slice(mark);
    expect(
      [...new Set(made.map(c => `${c.action.split(':')[0]} ${c.accountId}`))]
        .filter(c => !c.startsWith('sts'))
        .sort(),
    ).toEqual([`acm ${NETWORK}`, `route53 ${DNS}`]);
    expect(
      sandbox
        .mutations()
        .slice(sandbox.mutations().length - 2)
        .map(c => c.action),
    ).toEqual(['acm:RequestCertificate', 'route53:ChangeResourceRecordSets']);

    // The certificate, as the network account's administrator sees it.
    const acm = await admin(ACMClient, NETWORK);
    const { Certificate } = await acm.send(
      new DescribeCertificateCommand({ CertificateArn: out.certificateArn }),
    );
    expect(Certificate?.Status).toBe('ISSUED');
    const record = Certificate!.DomainValidationOptions![0].ResourceRecord!;
    expect(out.validationRecords).toEqual([
      { name: record.Name, type: 'CNAME', value: record.Value },
    ]);
    const { Tags } = await acm.send(
      new ListTagsForCertificateCommand({
        CertificateArn: out.certificateArn,
      }),
    );
    expect(Tags).toEqual(
      expect.arrayContaining([
        { Key: 'cross-account-alb:managed-by', Value: 'backstage' },
        { Key: 'cross-account-alb:host-name', Value: 'shop.example.test' },
      ]),
    );
    // The zone holds what it held, plus exactly the validation record.
    expect(await zoneRecords()).toEqual([
      ...before,
      { name: record.Name, type: 'CNAME', values: [record.Value] },
    ]);

    // Again: the same certificate, no change anywhere.
    const mutationsBefore = sandbox.mutations().length;
    const again = await sandbox.run(ID, input('shop.example.test'));
    expect(again).toMatchObject({
      certificateArn: out.certificateArn,
      status: 'ISSUED',
      created: false,
    });
    expect(sandbox.mutations().length).toBe(mutationsBefore);
    const { CertificateSummaryList = [] } = await acm.send(
      new ListCertificatesCommand({}),
    );
    expect(
      CertificateSummaryList.filter(c => c.DomainName === 'shop.example.test'),
    ).toHaveLength(1);
    expect(sandbox.moto().iam!.denials()).toEqual([]);
  });

  it('refuses a name outside the zone and an account Backstage has no role in, before any AWS call', async () => {
    const mark = sandbox.calls.length;
    expect(await failure(sandbox.run(ID, input('shop.example.org')))).toContain(
      'hostName: expected a name in hosted zone example.test (shop.example.org is outside it)',
    );
    expect(
      await failure(
        sandbox.run(ID, {
          ...input('cart.example.test'),
          dnsAccountId: '444444444444',
        }),
      ),
    ).toMatch(/^dnsAccountId: .*444444444444/);
    expect(sandbox.calls.slice(mark)).toEqual([]);
  });

  it('refuses a zone of the DNS account that is not the one named, before changing anything', async () => {
    const mutations = sandbox.mutations().length;
    expect(
      await failure(
        sandbox.run(ID, {
          ...input('cart.example.test'),
          hostedZoneId: 'Z0000000000000000000000',
        }),
      ),
    ).toContain(
      `hostedZoneId: no hosted zone Z0000000000000000000000 in DNS account ${DNS}`,
    );
    expect(sandbox.mutations().length).toBe(mutations);
  });

  describe('aws:acm:delete-certificate', () => {
    const DELETE = 'aws:acm:delete-certificate';
    const del = (hostName: string) => {
      const { waitTimeoutSeconds: _wait, ...teardown } = input(hostName);
      return sandbox.run(DELETE, teardown);
    };

    it('keeps a certificate a listener uses, and its record; deletes both once unused; the zone ends as it was', async () => {
      const before = await zoneRecords();
      const { certificateArn } = await sandbox.run(
        ID,
        input('api.example.test'),
      );
      expect(await zoneRecords()).toHaveLength(before.length + 1);
      // An HTTPS listener in the network account uses it.
      const credentials = (await sandboxAdminCredentials(NETWORK))
        .sdkCredentialProvider;
      const elb = new ElasticLoadBalancingV2Client({
        region: REGION,
        credentials,
      });
      const { LoadBalancers } = await elb.send(
        new CreateLoadBalancerCommand({
          Name: 'uses-api-certificate',
          Subnets: sandbox.network().publicSubnets.map(s => s.subnetId),
        }),
      );
      const { Listeners } = await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: LoadBalancers![0].LoadBalancerArn,
          Protocol: 'HTTPS',
          Port: 443,
          Certificates: [{ CertificateArn: certificateArn }],
          DefaultActions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: { StatusCode: '404' },
            },
          ],
        }),
      );
      const mutations = sandbox.mutations().length;
      expect(await del('api.example.test')).toEqual({
        deleted: [],
        kept: [
          {
            arn: certificateArn,
            reason: `in use by ${LoadBalancers![0].LoadBalancerArn}`,
          },
        ],
        deletedRecords: [],
      });
      expect(sandbox.mutations().length).toBe(mutations);
      expect(await zoneRecords()).toHaveLength(before.length + 1);

      await elb.send(
        new DeleteListenerCommand({ ListenerArn: Listeners![0].ListenerArn }),
      );
      const out = await del('api.example.test');
      expect(out).toMatchObject({ deleted: [certificateArn], kept: [] });
      expect(out.deletedRecords).toHaveLength(1);
      expect(await zoneRecords()).toEqual(before);
      const acm = await admin(ACMClient, NETWORK);
      const { CertificateSummaryList = [] } = await acm.send(
        new ListCertificatesCommand({}),
      );
      expect(
        CertificateSummaryList.filter(c => c.DomainName === 'api.example.test'),
      ).toEqual([]);
      // Again: nothing left to do.
      const after = sandbox.mutations().length;
      expect(await del('api.example.test')).toEqual({
        deleted: [],
        kept: [],
        deletedRecords: [],
      });
      expect(sandbox.mutations().length).toBe(after);
      expect(sandbox.moto().iam!.denials()).toEqual([]);
    });

    it('never deletes a certificate this project did not request, and keeps the record it validates through', async () => {
      const acm = await admin(ACMClient, NETWORK);
      const { certificateArn } = await sandbox.run(
        ID,
        input('www.example.test'),
      );
      // Someone else's certificate for the same name: ACM gives it the same record.
      const { CertificateArn: theirs } = await acm.send(
        new RequestCertificateCommand({
          DomainName: 'www.example.test',
          ValidationMethod: 'DNS',
        }),
      );
      const before = await zoneRecords();
      const out = await del('www.example.test');
      expect(out).toEqual({
        deleted: [certificateArn],
        kept: [{ arn: theirs, reason: 'not requested by this project' }],
        deletedRecords: [],
      });
      expect(await zoneRecords()).toEqual(before);
    });
  });
});
