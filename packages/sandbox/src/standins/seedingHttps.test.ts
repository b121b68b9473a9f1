/*
 * The sandbox portal's HTTPS demo (scripts/start.sh seeds demo-2048 so): an issued certificate
 * in the network account, the controller stand-in's HTTPS 443 listener with it and HTTP 80
 * redirect from the Ingress annotations, and external-dns's alias records for the host name.
 */
import {
  ACMClient,
  DescribeCertificateCommand,
  ListCertificatesCommand,
} from '@aws-sdk/client-acm';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { MotoServer, startMoto } from '../moto';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  sandboxAdminClients,
  useSandboxEndpoint,
} from '../accounts';
import {
  SANDBOX_DNS_ZONE_NAME,
  seedSandboxCertificate,
  seedSandboxDnsZone,
} from '../seed';
import { seedSandboxAlb, seedSandboxHostRecords } from './seeding';

jest.setTimeout(120_000);

const HOST = `2048.${SANDBOX_DNS_ZONE_NAME}`;

describe('the HTTPS demo seeding', () => {
  let moto: MotoServer;
  let restore: () => void;

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  it('serves the host name on 443 with an issued certificate, redirects 80, and names the ALB in the zone', async () => {
    const zone = await seedSandboxDnsZone();
    const certificateArn = await seedSandboxCertificate(HOST, zone);
    // Seeding again reuses the issued certificate.
    expect(await seedSandboxCertificate(HOST, zone)).toBe(certificateArn);
    const admin = sandboxAdminClients();
    const acm = await admin.client(ACMClient, {
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
    });
    const { CertificateSummaryList = [] } = await acm.send(
      new ListCertificatesCommand({}),
    );
    expect(
      CertificateSummaryList.filter(c => c.DomainName === HOST),
    ).toHaveLength(1);

    const alb = await seedSandboxAlb({
      clusterName: 'https-demo',
      namespace: 'game-2048',
      ingressName: 'ingress-2048',
      serviceName: 'service-2048',
      replicas: 3,
      host: HOST,
      annotations: {
        'alb.ingress.kubernetes.io/listen-ports':
          '[{"HTTP": 80}, {"HTTPS": 443}]',
        'alb.ingress.kubernetes.io/certificate-arn': certificateArn,
        'alb.ingress.kubernetes.io/ssl-redirect': '443',
        // What template 3 writes: the controller's recommended TLS 1.3 policy.
        'alb.ingress.kubernetes.io/ssl-policy':
          'ELBSecurityPolicy-TLS13-1-2-2021-06',
      },
    });
    const elbv2 = await admin.client(ElasticLoadBalancingV2Client, {
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
    });
    const { Listeners = [] } = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: alb.loadBalancerArn }),
    );
    const byPort = new Map(Listeners.map(l => [l.Port, l]));
    expect([...byPort.keys()].sort()).toEqual([443, 80]);
    expect(byPort.get(443)).toMatchObject({
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificateArn }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    expect(byPort.get(80)).toMatchObject({
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: expect.objectContaining({
            Protocol: 'HTTPS',
            Port: '443',
            StatusCode: 'HTTP_301',
          }),
        },
      ],
    });
    // The application's rule is on 443, for its host.
    const { Rules = [] } = await elbv2.send(
      new DescribeRulesCommand({
        ListenerArn: byPort.get(443)!.ListenerArn,
      }),
    );
    expect(
      Rules.filter(r => !r.IsDefault).flatMap(r =>
        (r.Conditions ?? []).flatMap(c => c.HostHeaderConfig?.Values ?? []),
      ),
    ).toEqual([HOST]);
    // ACM says the ALB uses the certificate.
    const { Certificate } = await acm.send(
      new DescribeCertificateCommand({ CertificateArn: certificateArn }),
    );
    expect(Certificate).toMatchObject({
      Status: 'ISSUED',
      InUseBy: [alb.loadBalancerArn],
    });

    const changes = await seedSandboxHostRecords({
      clusterName: 'https-demo',
      workloadAccountId: alb.network.workloadAccountId,
      region: SANDBOX_REGION,
      zone,
    });
    expect(changes.map(c => `${c.type} ${c.name}`).sort()).toEqual(
      expect.arrayContaining([`A ${HOST}`, `AAAA ${HOST}`]),
    );
    const route53 = await admin.client(Route53Client, {
      accountId: zone.accountId,
      region: SANDBOX_REGION,
    });
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zone.hostedZoneId }),
    );
    const alias = ResourceRecordSets.find(
      r => r.Name === `${HOST}.` && r.Type === 'A',
    );
    expect(alias?.AliasTarget?.DNSName?.replace(/\.$/, '').toLowerCase()).toBe(
      alb.dnsName.toLowerCase(),
    );
  });
});
