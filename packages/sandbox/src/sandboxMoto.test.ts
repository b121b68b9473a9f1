import {
  CreateListenerCommand,
  DeleteListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeOrganizationCommand,
  InviteAccountToOrganizationCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClusterCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import {
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  DisassociateResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  RAMClient,
} from '@aws-sdk/client-ram';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  ACMClient,
  DescribeCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  AssociateWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLForResourceCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { MotoServer, startMoto } from './moto';
import {
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAdminCredentials,
  useSandboxEndpoint,
} from './accounts';
import {
  SandboxNetwork,
  seedSandboxDnsZone,
  seedSandboxNetwork,
  seedSandboxWebAcl,
  shareSandboxSubnets,
} from './seed';

jest.setTimeout(60_000);

async function sandboxEc2Of(accountId: string) {
  return new EC2Client({
    region: SANDBOX_REGION,
    credentials: (await sandboxAdminCredentials(accountId))
      .sdkCredentialProvider,
  });
}

/**
 * Each test here failed against plain moto 5.2.1 and passes against the sandbox launcher
 * (moto/sandbox_moto.py). All calls go through the SDK with assumed-role credentials.
 */
describe('sandbox moto patches', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  let network: SandboxNetwork;
  let ec2A: EC2Client;
  let ec2B: EC2Client;
  let eksB: EKSClient;

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    const b = await sandboxAdminCredentials(SANDBOX_WORKLOAD_ACCOUNT_ID);
    ec2A = new EC2Client({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
    ec2B = new EC2Client({
      region: SANDBOX_REGION,
      credentials: b.sdkCredentialProvider,
    });
    eksB = new EKSClient({
      region: SANDBOX_REGION,
      credentials: b.sdkCredentialProvider,
    });
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  const allSubnetIds = () =>
    [...network.publicSubnets, ...network.privateSubnets].map(s => s.subnetId);

  it('hides Account-A subnets from Account-B until they are shared', async () => {
    await expect(
      ec2B.send(
        new DescribeSubnetsCommand({
          SubnetIds: [network.privateSubnets[0].subnetId],
        }),
      ),
    ).rejects.toThrow(/does not exist|NotFound/);
  });

  it('lets the participant see subnets shared with it through RAM', async () => {
    const first = await shareSandboxSubnets(network);
    const again = await shareSandboxSubnets(network);
    expect(again).toEqual(first);

    const { Subnets = [] } = await ec2B.send(
      new DescribeSubnetsCommand({ SubnetIds: allSubnetIds() }),
    );
    expect(Subnets.map(s => s.SubnetId).sort()).toEqual(allSubnetIds().sort());
    for (const subnet of Subnets) {
      const seeded = [...network.publicSubnets, ...network.privateSubnets].find(
        s => s.subnetId === subnet.SubnetId,
      )!;
      expect(subnet.OwnerId).toBe(SANDBOX_NETWORK_ACCOUNT_ID);
      expect(subnet.VpcId).toBe(network.vpcId);
      expect(subnet.CidrBlock).toBe(seeded.cidr);
      expect(subnet.AvailabilityZone).toBe(seeded.availabilityZone);
      expect(subnet.AvailabilityZoneId).toBe(seeded.availabilityZoneId);
      // Tags of shared resources are not visible to participants.
      expect(subnet.Tags ?? []).toEqual([]);
    }

    // Filters work on the shared view; the participant's own list includes them.
    const byVpc = await ec2B.send(
      new DescribeSubnetsCommand({
        Filters: [{ Name: 'vpc-id', Values: [network.vpcId] }],
      }),
    );
    expect(byVpc.Subnets?.map(s => s.SubnetId).sort()).toEqual(
      allSubnetIds().sort(),
    );
    const byTag = await ec2B.send(
      new DescribeSubnetsCommand({
        Filters: [{ Name: 'tag:sandbox:seed', Values: ['private'] }],
      }),
    );
    expect(byTag.Subnets ?? []).toEqual([]);

    // The shared VPC shows in the participant's DescribeVpcs, owned by Account-A.
    const vpcs = await ec2B.send(
      new DescribeVpcsCommand({ VpcIds: [network.vpcId] }),
    );
    expect(vpcs.Vpcs?.[0]?.OwnerId).toBe(SANDBOX_NETWORK_ACCOUNT_ID);

    // A subnet that is not in the share stays invisible.
    const unshared = await ec2A.send(
      new CreateSubnetCommand({
        VpcId: network.vpcId,
        CidrBlock: '10.20.200.0/24',
      }),
    );
    await expect(
      ec2B.send(
        new DescribeSubnetsCommand({
          SubnetIds: [unshared.Subnet!.SubnetId!],
        }),
      ),
    ).rejects.toThrow(/does not exist|NotFound/);
  });

  it("lets the participant reference the owner's security group in the shared VPC", async () => {
    await shareSandboxSubnets(network);
    const albSg = await ec2A.send(
      new CreateSecurityGroupCommand({
        GroupName: 'alb-sg',
        Description: 'ALB',
        VpcId: network.vpcId,
      }),
    );
    const nodeSg = await ec2B.send(
      new CreateSecurityGroupCommand({
        GroupName: 'node-sg',
        Description: 'nodes',
        VpcId: network.vpcId,
      }),
    );
    await ec2B.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: nodeSg.GroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            UserIdGroupPairs: [
              {
                GroupId: albSg.GroupId,
                UserId: SANDBOX_NETWORK_ACCOUNT_ID,
                Description: 'from the ALB',
              },
            ],
          },
        ],
      }),
    );
    const { SecurityGroups = [] } = await ec2B.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [nodeSg.GroupId!] }),
    );
    const pair = SecurityGroups[0].IpPermissions?.[0]?.UserIdGroupPairs?.[0];
    expect(pair?.GroupId).toBe(albSg.GroupId);
    expect(pair?.UserId).toBe(SANDBOX_NETWORK_ACCOUNT_ID);

    // Only within the shared VPC: a group of Account-B in another VPC cannot reference it.
    const elsewhere = await ec2B.send(
      new CreateSecurityGroupCommand({
        GroupName: 'other-vpc-sg',
        Description: 'in the default VPC of Account-B',
      }),
    );
    await expect(
      ec2B.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: elsewhere.GroupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 80,
              ToPort: 80,
              UserIdGroupPairs: [
                { GroupId: albSg.GroupId, UserId: SANDBOX_NETWORK_ACCOUNT_ID },
              ],
            },
          ],
        }),
      ),
    ).rejects.toThrow(albSg.GroupId!);

    // A group that does not exist anywhere is still refused.
    await expect(
      ec2B.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: nodeSg.GroupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 81,
              ToPort: 81,
              UserIdGroupPairs: [
                { GroupId: 'sg-0123456789abcdef0', UserId: '111111111111' },
              ],
            },
          ],
        }),
      ),
    ).rejects.toThrow(/sg-0123456789abcdef0/);
  });

  it('gives each EKS cluster its own issuer and a cluster security group in its VPC', async () => {
    await shareSandboxSubnets(network);
    const subnetIds = network.privateSubnets.map(s => s.subnetId);
    const create = (name: string) =>
      eksB.send(
        new CreateClusterCommand({
          name,
          roleArn: `arn:aws:iam::${SANDBOX_WORKLOAD_ACCOUNT_ID}:role/eks-cluster`,
          resourcesVpcConfig: { subnetIds },
        }),
      );
    await create('patched-one');
    await create('patched-two');
    const one = (
      await eksB.send(new DescribeClusterCommand({ name: 'patched-one' }))
    ).cluster!;
    const two = (
      await eksB.send(new DescribeClusterCommand({ name: 'patched-two' }))
    ).cluster!;

    const issuer =
      /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/;
    expect(one.identity?.oidc?.issuer).toMatch(issuer);
    expect(two.identity?.oidc?.issuer).toMatch(issuer);
    expect(one.identity?.oidc?.issuer).not.toBe(two.identity?.oidc?.issuer);

    expect(one.resourcesVpcConfig?.vpcId).toBe(network.vpcId);
    expect(one.resourcesVpcConfig?.subnetIds).toEqual(subnetIds);
    const clusterSgId = one.resourcesVpcConfig?.clusterSecurityGroupId;
    expect(clusterSgId).toMatch(/^sg-/);
    expect(two.resourcesVpcConfig?.clusterSecurityGroupId).not.toBe(
      clusterSgId,
    );

    const { SecurityGroups = [] } = await ec2B.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [clusterSgId!] }),
    );
    expect(SecurityGroups[0].OwnerId).toBe(SANDBOX_WORKLOAD_ACCOUNT_ID);
    expect(SecurityGroups[0].VpcId).toBe(network.vpcId);
    expect(SecurityGroups[0].Tags).toEqual(
      expect.arrayContaining([
        { Key: 'aws:eks:cluster-name', Value: 'patched-one' },
      ]),
    );

    // The cluster security group goes with the cluster.
    await eksB.send(new DeleteClusterCommand({ name: 'patched-one' }));
    await expect(
      ec2B.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [clusterSgId!] }),
      ),
    ).rejects.toThrow(/does not exist|NotFound/);
  });

  it('adds to and removes from an existing RAM share, and filters shares by name', async () => {
    const { resourceShareArn } = await shareSandboxSubnets(network);
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    const ram = new RAMClient({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
    await shareSandboxSubnets(network, { name: 'another-share' });
    const byName = await ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        name: 'sandbox-shared-subnets',
      }),
    );
    expect(byName.resourceShares?.map(s => s.resourceShareArn)).toEqual([
      resourceShareArn,
    ]);

    const extra = await ec2A.send(
      new CreateSubnetCommand({
        VpcId: network.vpcId,
        CidrBlock: '10.20.201.0/24',
      }),
    );
    const extraId = extra.Subnet!.SubnetId!;
    const extraArn = `arn:aws:ec2:${SANDBOX_REGION}:${SANDBOX_NETWORK_ACCOUNT_ID}:subnet/${extraId}`;
    const associated = await ram.send(
      new AssociateResourceShareCommand({
        resourceShareArn,
        resourceArns: [extraArn],
      }),
    );
    expect(associated.resourceShareAssociations).toEqual([
      expect.objectContaining({
        associatedEntity: extraArn,
        associationType: 'RESOURCE',
        status: 'ASSOCIATED',
      }),
    ]);
    const resources = await ram.send(
      new GetResourceShareAssociationsCommand({
        associationType: 'RESOURCE',
        resourceShareArns: [resourceShareArn],
      }),
    );
    expect(
      resources.resourceShareAssociations?.map(x => x.associatedEntity),
    ).toContain(extraArn);
    const seen = await ec2B.send(
      new DescribeSubnetsCommand({ SubnetIds: [extraId] }),
    );
    expect(seen.Subnets?.[0]?.OwnerId).toBe(SANDBOX_NETWORK_ACCOUNT_ID);

    await ram.send(
      new DisassociateResourceShareCommand({
        resourceShareArn,
        resourceArns: [extraArn],
      }),
    );
    await expect(
      ec2B.send(new DescribeSubnetsCommand({ SubnetIds: [extraId] })),
    ).rejects.toThrow(/does not exist|NotFound/);
  });

  it('answers a CreateResourceShare retried with its clientToken with the first share', async () => {
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    const ram = new RAMClient({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
    const request = {
      name: 'token-share',
      resourceArns: [
        `arn:aws:ec2:${SANDBOX_REGION}:${SANDBOX_NETWORK_ACCOUNT_ID}:subnet/${network.privateSubnets[0].subnetId}`,
      ],
      principals: [SANDBOX_WORKLOAD_ACCOUNT_ID],
      clientToken: 'a-retried-create',
    };
    const first = await ram.send(new CreateResourceShareCommand(request));
    const retry = await ram.send(new CreateResourceShareCommand(request));
    expect(retry.resourceShare?.resourceShareArn).toBe(
      first.resourceShare?.resourceShareArn,
    );
    expect(retry.clientToken).toBe('a-retried-create');
    const shares = await ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        name: 'token-share',
      }),
    );
    expect(shares.resourceShares).toHaveLength(1);
    // The same token with other parameters is refused, as AWS does.
    await expect(
      ram.send(
        new CreateResourceShareCommand({ ...request, name: 'other-share' }),
      ),
    ).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
    // Without a token every call creates a share.
    const { clientToken: _, ...untokened } = request;
    await ram.send(new CreateResourceShareCommand(untokened));
    await ram.send(new CreateResourceShareCommand(untokened));
    const all = await ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        name: 'token-share',
      }),
    );
    expect(all.resourceShares).toHaveLength(3);
  });

  it("keeps a RAM share's tags, lists them and filters shares by them", async () => {
    const a = await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    const ram = new RAMClient({
      region: SANDBOX_REGION,
      credentials: a.sdkCredentialProvider,
    });
    const resourceArns = [
      `arn:aws:ec2:${SANDBOX_REGION}:${SANDBOX_NETWORK_ACCOUNT_ID}:subnet/${network.privateSubnets[0].subnetId}`,
    ];
    const tagged = await ram.send(
      new CreateResourceShareCommand({
        name: 'tagged-share',
        resourceArns,
        tags: [{ key: 'cross-account-alb:managed-by', value: 'backstage' }],
      }),
    );
    expect(tagged.resourceShare?.tags).toEqual([
      { key: 'cross-account-alb:managed-by', value: 'backstage' },
    ]);
    await ram.send(
      new CreateResourceShareCommand({ name: 'untagged-share', resourceArns }),
    );
    const listed = await ram.send(
      new GetResourceSharesCommand({ resourceOwner: 'SELF' }),
    );
    const byName = Object.fromEntries(
      (listed.resourceShares ?? []).map(r => [r.name, r.tags]),
    );
    expect(byName['tagged-share']).toEqual([
      { key: 'cross-account-alb:managed-by', value: 'backstage' },
    ]);
    expect(byName['untagged-share']).toBeUndefined();
    const filtered = async (tagValues: string[]) =>
      (
        await ram.send(
          new GetResourceSharesCommand({
            resourceOwner: 'SELF',
            tagFilters: [{ tagKey: 'cross-account-alb:managed-by', tagValues }],
          }),
        )
      ).resourceShares?.map(r => r.name);
    expect(await filtered(['backstage'])).toEqual(['tagged-share']);
    expect(await filtered(['someone-else'])).toEqual([]);
  });

  it('refuses an ALB on two subnets of one AZ, as ELBv2 does', async () => {
    const [first, second] = network.publicSubnets;
    const { Subnet } = await ec2A.send(
      new CreateSubnetCommand({
        VpcId: network.vpcId,
        CidrBlock: '10.20.3.0/24',
        AvailabilityZone: first.availabilityZone,
      }),
    );
    const elb = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
    const refused = await elb
      .send(
        new CreateLoadBalancerCommand({
          Name: 'two-in-one-az',
          Subnets: [first.subnetId, second.subnetId, Subnet!.SubnetId!],
        }),
      )
      .then(
        () => undefined,
        (e: Error) => `${e.name}: ${e.message}`,
      );
    expect(refused).toBe(
      'InvalidConfigurationRequestException: A load balancer cannot be attached to multiple subnets in the same Availability Zone',
    );
    await ec2A.send(new DeleteSubnetCommand({ SubnetId: Subnet!.SubnetId! }));
  });

  it('gives an ALB one web ACL at most, of an ALB that exists, and ends it with the ALB', async () => {
    const credentials = (
      await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID)
    ).sdkCredentialProvider;
    const elb = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials,
    });
    const waf = new WAFV2Client({ region: SANDBOX_REGION, credentials });
    const [first, second] = network.publicSubnets;
    const lb = (
      await elb.send(
        new CreateLoadBalancerCommand({
          Name: 'waf-patch',
          Subnets: [first.subnetId, second.subnetId],
        }),
      )
    ).LoadBalancers![0].LoadBalancerArn!;
    const one = await seedSandboxWebAcl('patch-one');
    const two = await seedSandboxWebAcl('patch-two');
    const aclOf = async () =>
      (await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lb })))
        .WebACL?.ARN;
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: Error) => e.name,
      );

    await waf.send(
      new AssociateWebACLCommand({ WebACLArn: one.arn, ResourceArn: lb }),
    );
    await waf.send(
      new AssociateWebACLCommand({ WebACLArn: two.arn, ResourceArn: lb }),
    );
    // The second association replaced the first (plain moto kept both, answering the first).
    expect(await aclOf()).toBe(two.arn);
    await waf.send(new DisassociateWebACLCommand({ ResourceArn: lb }));
    expect(await aclOf()).toBeUndefined();

    // An ALB that does not exist cannot be associated or asked about.
    const missing = lb.replace(/\/[0-9a-f]+$/, '/0000000000000000');
    expect(
      await failure(
        waf.send(
          new AssociateWebACLCommand({
            WebACLArn: one.arn,
            ResourceArn: missing,
          }),
        ),
      ),
    ).toBe('WAFNonexistentItemException');

    // Deleting the ALB ends its association.
    await waf.send(
      new AssociateWebACLCommand({ WebACLArn: one.arn, ResourceArn: lb }),
    );
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb }));
    expect(
      await failure(
        waf.send(new GetWebACLForResourceCommand({ ResourceArn: lb })),
      ),
    ).toBe('WAFNonexistentItemException');
  });

  it("refuses to delete a security group a load balancer uses or another account's rule names", async () => {
    const { GroupId: albGroup } = await ec2A.send(
      new CreateSecurityGroupCommand({
        GroupName: 'in-use-alb',
        Description: 'ALB group',
        VpcId: network.vpcId,
      }),
    );
    await shareSandboxSubnets(network);
    const { GroupId: nodeGroup } = await ec2B.send(
      new CreateSecurityGroupCommand({
        GroupName: 'in-use-nodes',
        Description: 'node group',
        VpcId: network.vpcId,
      }),
    );
    await ec2B.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: nodeGroup,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            UserIdGroupPairs: [
              { GroupId: albGroup, UserId: SANDBOX_NETWORK_ACCOUNT_ID },
            ],
          },
        ],
      }),
    );
    const elb = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
    const { LoadBalancers } = await elb.send(
      new CreateLoadBalancerCommand({
        Name: 'uses-the-group',
        Subnets: network.publicSubnets.map(s => s.subnetId),
        SecurityGroups: [albGroup!],
      }),
    );
    const deleteAlbGroup = () =>
      ec2A.send(new DeleteSecurityGroupCommand({ GroupId: albGroup })).then(
        () => 'deleted',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    const refusal = `DependencyViolation: resource ${albGroup} has a dependent object`;
    expect(await deleteAlbGroup()).toBe(refusal);
    await elb.send(
      new DeleteLoadBalancerCommand({
        LoadBalancerArn: LoadBalancers![0].LoadBalancerArn,
      }),
    );
    // The node rule of the other account still names it.
    expect(await deleteAlbGroup()).toBe(refusal);
    await ec2B.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: nodeGroup,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            UserIdGroupPairs: [
              { GroupId: albGroup, UserId: SANDBOX_NETWORK_ACCOUNT_ID },
            ],
          },
        ],
      }),
    );
    expect(await deleteAlbGroup()).toBe('deleted');
  });

  it('ties a target group to the load balancers whose rules forward to it now', async () => {
    const elb = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
    const { LoadBalancers } = await elb.send(
      new CreateLoadBalancerCommand({
        Name: 'rules-move',
        Subnets: network.publicSubnets.map(s => s.subnetId),
      }),
    );
    const lbArn = LoadBalancers![0].LoadBalancerArn!;
    const group = async (name: string) =>
      (
        await elb.send(
          new CreateTargetGroupCommand({
            Name: name,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: network.vpcId,
            TargetType: 'ip',
          }),
        )
      ).TargetGroups![0].TargetGroupArn!;
    const [first, second] = [await group('first'), await group('second')];
    const { Listeners } = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '404' },
          },
        ],
      }),
    );
    const { Rules } = await elb.send(
      new CreateRuleCommand({
        ListenerArn: Listeners![0].ListenerArn,
        Priority: 1,
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } },
        ],
        Actions: [{ Type: 'forward', TargetGroupArn: first }],
      }),
    );
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: Rules![0].RuleArn,
        Actions: [{ Type: 'forward', TargetGroupArn: second }],
      }),
    );
    const { TargetGroups = [] } = await elb.send(
      new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }),
    );
    expect(TargetGroups.map(t => t.TargetGroupArn)).toEqual([second]);
  });

  it("lists in a certificate's InUseBy the ALBs whose listeners use it, and only while they do", async () => {
    const credentials = (
      await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID)
    ).sdkCredentialProvider;
    const elb = new ElasticLoadBalancingV2Client({
      region: SANDBOX_REGION,
      credentials,
    });
    const acm = new ACMClient({ region: SANDBOX_REGION, credentials });
    const { CertificateArn } = await acm.send(
      new RequestCertificateCommand({
        DomainName: 'in-use.example.test',
        ValidationMethod: 'DNS',
      }),
    );
    const inUseBy = async () =>
      (await acm.send(new DescribeCertificateCommand({ CertificateArn })))
        .Certificate?.InUseBy ?? [];
    expect(await inUseBy()).toEqual([]);
    const { LoadBalancers } = await elb.send(
      new CreateLoadBalancerCommand({
        Name: 'uses-a-certificate',
        Subnets: network.publicSubnets.map(s => s.subnetId),
      }),
    );
    const lbArn = LoadBalancers![0].LoadBalancerArn!;
    const { Listeners } = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTPS',
        Port: 443,
        Certificates: [{ CertificateArn }],
        DefaultActions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '404' },
          },
        ],
      }),
    );
    expect(await inUseBy()).toEqual([lbArn]);
    await elb.send(
      new DeleteListenerCommand({ ListenerArn: Listeners![0].ListenerArn }),
    );
    expect(await inUseBy()).toEqual([]);
  });

  it('computes percentile statistics in GetMetricData from the values published', async () => {
    const cloudwatch = new CloudWatchClient({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    const metric = {
      Namespace: 'Sandbox/Test',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'Service', Value: 'percentiles' }],
    };
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: metric.Namespace,
        MetricData: [
          {
            MetricName: metric.MetricName,
            Dimensions: metric.Dimensions,
            Timestamp: minute,
            Values: Array.from({ length: 100 }, (_, i) => i + 1),
            Unit: 'Seconds',
          },
        ],
      }),
    );
    const { MetricDataResults = [] } = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute.getTime() - 60_000),
        EndTime: new Date(minute.getTime() + 60_000),
        MetricDataQueries: ['p50', 'p99', 'Maximum'].map((Stat, i) => ({
          Id: `q${i}`,
          MetricStat: { Metric: metric, Period: 60, Stat },
        })),
      }),
    );
    expect(MetricDataResults.map(r => r.Values)).toEqual([[50], [99], [100]]);
  });

  it('issues a DNS-validated certificate only once its own CNAME is in a public zone of the domain', async () => {
    const zone = await seedSandboxDnsZone();
    expect(await seedSandboxDnsZone()).toEqual(zone);
    const asAdmin = async (accountId: string) =>
      (await sandboxAdminCredentials(accountId)).sdkCredentialProvider;
    const acmA = new ACMClient({
      region: SANDBOX_REGION,
      credentials: await asAdmin(SANDBOX_NETWORK_ACCOUNT_ID),
    });
    const acmB = new ACMClient({
      region: SANDBOX_REGION,
      credentials: await asAdmin(SANDBOX_WORKLOAD_ACCOUNT_ID),
    });
    const route53 = new Route53Client({
      region: SANDBOX_REGION,
      credentials: await asAdmin(SANDBOX_DNS_ACCOUNT_ID),
    });
    const request = async (
      acm: ACMClient,
      DomainName: string,
      ValidationMethod: 'DNS' | 'EMAIL' = 'DNS',
    ) =>
      (
        await acm.send(
          new RequestCertificateCommand({ DomainName, ValidationMethod }),
        )
      ).CertificateArn!;
    const describe = async (acm: ACMClient, CertificateArn: string) =>
      (await acm.send(new DescribeCertificateCommand({ CertificateArn })))
        .Certificate!;
    const recordOf = async (acm: ACMClient, arn: string) =>
      (await describe(acm, arn)).DomainValidationOptions![0].ResourceRecord!;

    const shop = await request(acmA, 'shop.example.test');
    const shopAgain = await request(acmA, 'shop.example.test');
    const cart = await request(acmA, 'cart.example.test');
    const shopInB = await request(acmB, 'shop.example.test');
    const byEmail = await request(acmA, 'mail.example.test', 'EMAIL');

    const pending = await describe(acmA, shop);
    expect(pending.Status).toBe('PENDING_VALIDATION');
    expect(pending.DomainValidationOptions).toEqual([
      expect.objectContaining({
        DomainName: 'shop.example.test',
        ValidationMethod: 'DNS',
        ValidationStatus: 'PENDING_VALIDATION',
      }),
    ]);
    // A pending certificate has no serial, validity or issue date yet.
    expect(pending.NotAfter).toBeUndefined();
    expect(pending.IssuedAt).toBeUndefined();
    const record = await recordOf(acmA, shop);
    expect(record.Type).toBe('CNAME');
    expect(record.Name).toMatch(/^_[0-9a-f]{32}\.shop\.example\.test\.$/);
    expect(record.Value).toMatch(
      /^_[0-9a-f]{32}\.[a-z]{10}\.acm-validations\.aws\.$/,
    );
    // ACM's record is per account and domain name: the same for a second certificate of
    // that name in the account, another for another name or another account.
    expect(await recordOf(acmA, shopAgain)).toEqual(record);
    expect((await recordOf(acmA, cart)).Name).not.toBe(record.Name);
    expect((await recordOf(acmB, shopInB)).Name).not.toBe(record.Name);
    expect((await recordOf(acmB, shopInB)).Value).not.toBe(record.Value);
    expect(
      (await describe(acmA, byEmail)).DomainValidationOptions?.[0]
        ?.ResourceRecord,
    ).toBeUndefined();

    const upsert = (HostedZoneId: string, Name: string, Value: string) =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name,
                  Type: 'CNAME',
                  TTL: 300,
                  ResourceRecords: [{ Value }],
                },
              },
            ],
          },
        }),
      );
    // A wrong value, or the right record in a private zone, validates nothing.
    await upsert(
      zone.hostedZoneId,
      record.Name!,
      '_wrong.acm-validations.aws.',
    );
    const ec2Dns = await sandboxEc2Of(SANDBOX_DNS_ACCOUNT_ID);
    const { Vpc } = await ec2Dns.send(
      new CreateVpcCommand({ CidrBlock: '10.99.0.0/16' }),
    );
    const { HostedZone: privateZone } = await route53.send(
      new CreateHostedZoneCommand({
        Name: 'example.test',
        CallerReference: 'private-example-test',
        HostedZoneConfig: { PrivateZone: true },
        VPC: { VPCId: Vpc!.VpcId!, VPCRegion: SANDBOX_REGION },
      }),
    );
    await upsert(privateZone!.Id!, record.Name!, record.Value!);
    expect((await describe(acmA, shop)).Status).toBe('PENDING_VALIDATION');

    await upsert(zone.hostedZoneId, record.Name!, record.Value!);
    const issued = await describe(acmA, shop);
    expect(issued.Status).toBe('ISSUED');
    expect(issued.DomainValidationOptions?.[0]?.ValidationStatus).toBe(
      'SUCCESS',
    );
    expect(issued.IssuedAt).toBeInstanceOf(Date);
    expect(issued.NotAfter!.getTime()).toBeGreaterThan(Date.now());
    // The same record validates the account's other certificate of that name, not the others.
    expect((await describe(acmA, shopAgain)).Status).toBe('ISSUED');
    expect((await describe(acmA, cart)).Status).toBe('PENDING_VALIDATION');
    expect((await describe(acmB, shopInB)).Status).toBe('PENDING_VALIDATION');
    expect((await describe(acmA, byEmail)).Status).toBe('PENDING_VALIDATION');
  });

  it('lets an existing account join an Organization by invitation, and leave it', async () => {
    const asAdmin = async (accountId: string) =>
      new OrganizationsClient({
        region: SANDBOX_REGION,
        credentials: (await sandboxAdminCredentials(accountId))
          .sdkCredentialProvider,
      });
    const orgA = await asAdmin(SANDBOX_NETWORK_ACCOUNT_ID);
    const orgB = await asAdmin(SANDBOX_WORKLOAD_ACCOUNT_ID);
    // The seed made the Organization in Account-A and invited Account-B: both see it.
    const seen = async (client: OrganizationsClient) =>
      client.send(new DescribeOrganizationCommand({})).then(
        r => r.Organization?.Id,
        (e: Error) => e.name,
      );
    const id = await seen(orgA);
    expect(id).toMatch(/^o-[a-z0-9]{10,32}$/);
    expect(await seen(orgB)).toBe(id);
    await orgA.send(
      new RemoveAccountFromOrganizationCommand({
        AccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      }),
    );
    expect(await seen(orgB)).toBe('AWSOrganizationsNotInUseException');
    const invited = await orgA.send(
      new InviteAccountToOrganizationCommand({
        Target: { Id: SANDBOX_WORKLOAD_ACCOUNT_ID, Type: 'ACCOUNT' },
      }),
    );
    expect(invited.Handshake?.State).toBe('ACCEPTED');
    expect(await seen(orgB)).toBe(id);
  });
});
