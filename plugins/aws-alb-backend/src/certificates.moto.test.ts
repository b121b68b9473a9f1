/*
 * The certificates route against the sandbox: an ALB in the network account with an HTTPS
 * listener whose certificate ACM issued (validated in the DNS account's zone, sandbox moto
 * gap 11), read through the health backend's role with its shipped policy.
 */
import {
  ACMClient,
  DescribeCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  CreateListenerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  MotoServer,
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_NETWORK_ROLE_NAME,
  ensureSandboxPrincipals,
  sandboxAdminCredentials,
  sandboxAwsConfig,
  seedSandboxDnsZone,
  seedSandboxNetwork,
  shippedPolicy,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { MemoryCache, entity } from './__testUtils__/fixtures';
import { createLbcAlb, networkElbv2 } from './__testUtils__/motoAlb';
import { DefaultAwsAlbService } from './service/DefaultAwsAlbService';

jest.setTimeout(120_000);

const REGION = 'us-east-1';

describe('certificates of HTTPS listeners, against moto_server', () => {
  let moto: MotoServer;
  let restore: () => void;
  let albArn: string;
  let certificateArn: string;
  let listenerArn: string;

  const entities = [
    entity(
      {
        'aws.amazon.com/elbv2-load-balancer-tags':
          'elbv2.k8s.aws/cluster=demo,ingress.k8s.aws/stack=shop/shop',
        'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
        'aws.amazon.com/region': REGION,
      },
      'shop',
    ),
  ];
  const service = () =>
    DefaultAwsAlbService.fromConfig(
      new ConfigReader({ aws: sandboxAwsConfig() }),
      {
        catalog: catalogServiceMock({ entities }),
        cache: new MemoryCache(),
        logger: mockServices.logger.mock(),
      },
    );
  const read = () =>
    service().getEntityCertificates({
      entityRef: 'component:default/shop',
      credentials: mockCredentials.user(),
    });

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    const network = await seedSandboxNetwork();
    const zone = await seedSandboxDnsZone();
    const admin = async (accountId: string) => ({
      region: REGION,
      credentials: (await sandboxAdminCredentials(accountId))
        .sdkCredentialProvider,
    });
    // An issued certificate: requested in the network account, its record in the DNS zone.
    const acm = new ACMClient(await admin(SANDBOX_NETWORK_ACCOUNT_ID));
    ({ CertificateArn: certificateArn } = (await acm.send(
      new RequestCertificateCommand({
        DomainName: `shop.${zone.zoneName}`,
        ValidationMethod: 'DNS',
      }),
    )) as { CertificateArn: string });
    const pending = await acm.send(
      new DescribeCertificateCommand({ CertificateArn: certificateArn }),
    );
    const record =
      pending.Certificate!.DomainValidationOptions![0].ResourceRecord!;
    await new Route53Client(await admin(SANDBOX_DNS_ACCOUNT_ID)).send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.hostedZoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: record.Name,
                Type: 'CNAME',
                TTL: 300,
                ResourceRecords: [{ Value: record.Value }],
              },
            },
          ],
        },
      }),
    );
    const elbv2: ElasticLoadBalancingV2Client = await networkElbv2();
    ({ arn: albArn } = await createLbcAlb({
      elbv2,
      network,
      name: 'k8s-shop-shop-abc123',
      cluster: 'demo',
      stack: 'shop/shop',
      targetGroups: 1,
      targetsPerGroup: 1,
    }));
    const { Listeners } = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: albArn,
        Protocol: 'HTTPS',
        Port: 443,
        Certificates: [{ CertificateArn: certificateArn }],
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        DefaultActions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '404' },
          },
        ],
      }),
    );
    listenerArn = Listeners![0].ListenerArn!;
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  it("shows the HTTPS listener's certificate: domain, status, validity, what uses it", async () => {
    const res = await read();
    expect(res.entityRef).toBe('component:default/shop');
    expect(res.certificates).toEqual([
      {
        arn: certificateArn,
        listenerArns: [listenerArn],
        domainName: 'shop.example.test',
        subjectAlternativeNames: ['shop.example.test'],
        status: 'ISSUED',
        type: 'AMAZON_ISSUED',
        notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        inUseBy: [albArn],
        renewalEligibility: expect.any(String),
        // Issued for more than 30 days, and in use: nothing to warn about.
        warnings: [],
      },
    ]);
  });

  it("needs the health policy's certificate statement, and only it", async () => {
    const principals = {
      endpoint: moto.endpoint,
      region: REGION,
      networkAccountIds: [SANDBOX_NETWORK_ACCOUNT_ID],
      workloadAccountIds: [],
      networkRoleName: SANDBOX_NETWORK_ROLE_NAME,
      workloadRoleName: 'backstage-alb-workload',
    };
    const health = shippedPolicy('health');
    // The sandbox's network role also carries the scaffolder's policy (which reads ACM too):
    // the health policy is judged alone.
    await ensureSandboxPrincipals({
      ...principals,
      policyOverrides: {
        health: {
          ...health,
          Statement: health.Statement.filter(
            (st: { Sid: string }) => st.Sid !== 'ReadListenerCertificates',
          ),
        },
        network: { ...shippedPolicy('network'), Statement: [] },
      },
    });
    try {
      await expect(read()).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining('AWS denied acm:DescribeCertificate'),
      });
    } finally {
      await ensureSandboxPrincipals(principals);
    }
    await ensureSandboxPrincipals({
      ...principals,
      policyOverrides: {
        network: { ...shippedPolicy('network'), Statement: [] },
      },
    });
    try {
      await expect(read()).resolves.toMatchObject({
        certificates: [{ arn: certificateArn, status: 'ISSUED' }],
      });
    } finally {
      await ensureSandboxPrincipals(principals);
    }
  });
});
