import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxCredentials,
  useSandboxEndpoint,
} from '../accounts';
import { MotoServer, startMoto } from '../moto';
import {
  sandboxEc2,
  seedSandboxDnsZone,
  seedSandboxNetwork,
  shareSandboxSubnets,
} from '../seed';
import { controllerClientOptions, serviceAccountToken } from '../standins/aws';
import { seedSandboxClusterWithController } from '../standins/seeding';
import { shippedPolicy } from './sandboxPrincipals';

const workloadPolicy = shippedPolicy('workload');

function withoutStatement(policy: any, sid: string) {
  return {
    ...policy,
    Statement: policy.Statement.filter((s: any) => s.Sid !== sid),
  };
}

async function nodeRuleAttempt() {
  const network = await seedSandboxNetwork();
  await shareSandboxSubnets(network);
  const admin = await sandboxEc2(SANDBOX_WORKLOAD_ACCOUNT_ID);
  const { GroupId } = await admin.send(
    new CreateSecurityGroupCommand({
      GroupName: `nodes-${Date.now()}`,
      Description: 'nodes',
      VpcId: network.vpcId,
    }),
  );
  const asBackstage = new EC2Client({
    region: SANDBOX_REGION,
    credentials: (await sandboxCredentials(SANDBOX_WORKLOAD_ACCOUNT_ID))
      .sdkCredentialProvider,
  });
  // What aws:ec2:allow-alb-to-nodes sends: a rule tagged on create.
  return asBackstage.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          IpRanges: [{ CidrIp: '10.20.0.0/24' }],
        },
      ],
      TagSpecifications: [
        {
          ResourceType: 'security-group-rule',
          Tags: [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }],
        },
      ],
    }),
  );
}

jest.setTimeout(60_000);

describe('the sandbox IAM gateway', () => {
  let moto: MotoServer;
  let restore: () => void;
  afterEach(async () => {
    restore?.();
    await moto?.stop();
  });

  it('needs security-group-rule on a tagged node rule: refused without that statement, allowed with the shipped policy', async () => {
    moto = await startMoto({
      iam: {
        policyOverrides: {
          workload: withoutStatement(workloadPolicy, 'CreateTaggedNodeRule'),
        },
      },
    });
    restore = useSandboxEndpoint(moto.endpoint);
    await expect(nodeRuleAttempt()).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: expect.stringContaining(
        'ec2:AuthorizeSecurityGroupIngress on resource: arn:aws:ec2:us-east-1:222222222222:security-group-rule/*',
      ),
    });
    restore();
    await moto.stop();

    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    await expect(nodeRuleAttempt()).resolves.toBeDefined();
    expect(moto.iam!.denials()).toEqual([]);
  });

  it("lets Backstage's DNS role upsert and delete certificate validation CNAMEs in the zone, and nothing else", async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    const zone = await seedSandboxDnsZone();
    const route53 = new Route53Client({
      region: SANDBOX_REGION,
      credentials: (await sandboxCredentials(SANDBOX_DNS_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
    const change = (
      Action: 'UPSERT' | 'DELETE' | 'CREATE',
      Name: string,
      Type: 'CNAME' | 'A',
      Value: string,
    ) =>
      route53
        .send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zone.hostedZoneId,
            ChangeBatch: {
              Changes: [
                {
                  Action,
                  ResourceRecordSet: {
                    Name,
                    Type,
                    TTL: 300,
                    ResourceRecords: [{ Value }],
                  },
                },
              ],
            },
          }),
        )
        .then(
          () => 'allowed',
          (e: Error) => `${e.name}: ${e.message}`,
        );
    const validation = '_0123456789abcdef0123456789abcdef.shop.example.test.';
    const target =
      '_fedcba9876543210fedcba9876543210.abcdefghij.acm-validations.aws.';
    expect(await change('UPSERT', validation, 'CNAME', target)).toBe('allowed');
    const refused = expect.stringMatching(
      new RegExp(
        `^AccessDenied: User: arn:aws:sts::${SANDBOX_DNS_ACCOUNT_ID}:assumed-role/backstage-alb-dns/.* is not authorized to perform: route53:ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/${zone.hostedZoneId}`,
      ),
    );
    // Another type, a name that is not a validation label, another change action.
    expect(
      await change('UPSERT', 'www.example.test', 'A', '192.0.2.1'),
    ).toEqual(refused);
    expect(
      await change('UPSERT', 'www.example.test', 'CNAME', 'elsewhere.test'),
    ).toEqual(refused);
    // A DELETE in one batch with an UPSERT matches neither statement (each allows one action).
    expect(
      await route53
        .send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zone.hostedZoneId,
            ChangeBatch: {
              Changes: [
                {
                  Action: 'DELETE',
                  ResourceRecordSet: {
                    Name: validation,
                    Type: 'CNAME',
                    TTL: 300,
                    ResourceRecords: [{ Value: target }],
                  },
                },
                {
                  Action: 'UPSERT',
                  ResourceRecordSet: {
                    Name: validation.replace('_0123', '_3210'),
                    Type: 'CNAME',
                    TTL: 300,
                    ResourceRecords: [{ Value: target }],
                  },
                },
              ],
            },
          }),
        )
        .then(
          () => 'allowed',
          (e: Error) => `${e.name}: ${e.message}`,
        ),
    ).toEqual(refused);
    // Deleting a validation CNAME (the teardown's) is allowed; another name is not.
    expect(
      await change('DELETE', 'www.example.test', 'CNAME', 'elsewhere.test'),
    ).toEqual(refused);
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zone.hostedZoneId }),
    );
    expect(ResourceRecordSets.map(r => `${r.Name} ${r.Type}`)).toContain(
      `${validation} CNAME`,
    );
    expect(await change('DELETE', validation, 'CNAME', target)).toBe('allowed');
    expect(moto.iam!.denials().map(d => [d.action, d.resourceType])).toEqual([
      ['route53:ChangeResourceRecordSets', 'hostedzone'],
      ['route53:ChangeResourceRecordSets', 'hostedzone'],
      ['route53:ChangeResourceRecordSets', 'hostedzone'],
      ['route53:ChangeResourceRecordSets', 'hostedzone'],
    ]);
  });

  describe('the controller, through IRSA, under the official policy', () => {
    let issuer: string;
    let roleArn: string;
    beforeEach(async () => {
      moto = await startMoto();
      restore = useSandboxEndpoint(moto.endpoint);
      const cluster = await seedSandboxClusterWithController({
        clusterName: 'irsa',
      });
      issuer = cluster.issuer;
      roleArn = cluster.controllerRoleArn;
    });

    it('may create a target group and a load balancer tagged with its cluster, not without the tag', async () => {
      const network = await seedSandboxNetwork();
      const elbv2 = new ElasticLoadBalancingV2Client(
        await controllerClientOptions({
          networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
          workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
          region: SANDBOX_REGION,
          clusterName: 'irsa',
        }),
      );
      const tg = (tags: Array<{ Key: string; Value: string }>) =>
        elbv2.send(
          new CreateTargetGroupCommand({
            Name: `tg-${tags.length}-${Date.now() % 100000}`,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: network.vpcId,
            TargetType: 'ip',
            ...(tags.length ? { Tags: tags } : {}),
          }),
        );
      await expect(
        tg([{ Key: 'elbv2.k8s.aws/cluster', Value: 'irsa' }]),
      ).resolves.toBeDefined();
      await expect(tg([])).rejects.toMatchObject({ name: 'AccessDenied' });
      await expect(tg([{ Key: 'team', Value: 'a' }])).rejects.toMatchObject({
        name: 'AccessDenied',
      });

      // The same for the load balancer itself.
      const lb = (name: string, tags: Array<{ Key: string; Value: string }>) =>
        elbv2.send(
          new CreateLoadBalancerCommand({
            Name: name,
            Type: 'application',
            Scheme: 'internet-facing',
            Subnets: network.publicSubnets.map(s => s.subnetId),
            ...(tags.length ? { Tags: tags } : {}),
          }),
        );
      await expect(
        lb('tagged', [{ Key: 'elbv2.k8s.aws/cluster', Value: 'irsa' }]),
      ).resolves.toBeDefined();
      await expect(lb('untagged', [])).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining(
          'elasticloadbalancing:CreateLoadBalancer',
        ),
      });
    });

    const assume = (token: string, arn = roleArn) =>
      new STSClient({
        region: SANDBOX_REGION,
        credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
      }).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: arn,
          RoleSessionName: 'lbc',
          WebIdentityToken: token,
        }),
      );
    it('admits exactly the controller service account of that cluster', async () => {
      const controllerToken = serviceAccountToken(
        issuer,
        'kube-system',
        'aws-load-balancer-controller',
      );
      await expect(assume(controllerToken)).resolves.toMatchObject({
        Credentials: expect.anything(),
      });
      const refused = [
        serviceAccountToken(issuer, 'default', 'aws-load-balancer-controller'),
        serviceAccountToken(issuer, 'kube-system', 'other'),
        serviceAccountToken(
          issuer,
          'kube-system',
          'aws-load-balancer-controller',
          'other-audience',
        ),
        serviceAccountToken(
          'https://oidc.eks.us-east-1.amazonaws.com/id/0000000000000000000000000000AAAA',
          'kube-system',
          'aws-load-balancer-controller',
        ),
      ];
      for (const token of refused) {
        await expect(assume(token)).rejects.toMatchObject({
          name: 'AccessDenied',
        });
      }
      // The same role name in another account: no provider for the issuer there.
      await expect(
        assume(
          controllerToken,
          roleArn.replace(
            SANDBOX_NETWORK_ACCOUNT_ID,
            SANDBOX_WORKLOAD_ACCOUNT_ID,
          ),
        ),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    });
  });
});
