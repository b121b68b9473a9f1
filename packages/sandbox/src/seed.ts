import {
  EC2Client,
  DescribeVpcsCommand,
  CreateVpcCommand,
  CreateSubnetCommand,
  DescribeSubnetsCommand,
  CreateInternetGatewayCommand,
  AttachInternetGatewayCommand,
  CreateRouteTableCommand,
  CreateRouteCommand,
  AssociateRouteTableCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  CreateTagsCommand,
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  Tag,
} from '@aws-sdk/client-ec2';
import {
  RAMClient,
  CreateResourceShareCommand,
  EnableSharingWithAwsOrganizationCommand,
  GetResourceSharesCommand,
} from '@aws-sdk/client-ram';
import {
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  InviteAccountToOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  ACMClient,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  CreateWebACLCommand,
  ListWebACLsCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import {
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_MEMBER_ACCOUNT_IDS,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAdminClients,
} from './accounts';
import { subnetArn } from '@cross-account-alb/plugin-aws-cross-account-node';

const SEED_TAG = 'sandbox:seed';

/** What the sandbox's Account-A network looks like once seeded. */
export interface SandboxNetwork {
  region: string;
  networkAccountId: string;
  workloadAccountId: string;
  vpcId: string;
  vpcCidr: string;
  publicSubnets: SandboxSubnet[];
  privateSubnets: SandboxSubnet[];
  internetGatewayId: string;
}

export interface SandboxSubnet {
  subnetId: string;
  cidr: string;
  availabilityZone: string;
  availabilityZoneId: string;
}

const LAYOUT = {
  vpcCidr: '10.20.0.0/16',
  public: ['10.20.0.0/24', '10.20.1.0/24'],
  private: ['10.20.10.0/24', '10.20.11.0/24'],
};

function tags(role: string, name: string): Tag[] {
  return [
    { Key: SEED_TAG, Value: role },
    { Key: 'Name', Value: name },
  ];
}

/** An EC2 client acting as the given sandbox account's administrator. */
export async function sandboxEc2(accountId: string) {
  return sandboxAdminClients().client(EC2Client, {
    accountId,
    region: SANDBOX_REGION,
  });
}

/** The Organization the account belongs to, as its administrator sees it. */
async function sandboxOrganizationOf(
  accountId: string,
): Promise<string | undefined> {
  const organizations = await sandboxAdminClients().client(
    OrganizationsClient,
    { accountId, region: SANDBOX_REGION },
  );
  try {
    const { Organization } = await organizations.send(
      new DescribeOrganizationCommand({}),
    );
    return Organization?.Id;
  } catch (error) {
    if ((error as Error).name === 'AWSOrganizationsNotInUseException') {
      return undefined;
    }
    throw error;
  }
}

/**
 * Puts the sandbox accounts in one AWS Organization, as subnet sharing requires, idempotently:
 * the network account makes it (and so is its management account), enables RAM sharing with
 * it, and invites the workload accounts and the DNS account (which the sandbox's moto accepts
 * at once). Returns the Organization's ID.
 */
export async function ensureSandboxOrganization(): Promise<string> {
  const networkOrganizations = () =>
    sandboxAdminClients().client(OrganizationsClient, {
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
    });
  let organizationId = await sandboxOrganizationOf(SANDBOX_NETWORK_ACCOUNT_ID);
  if (!organizationId) {
    const { Organization } = await (
      await networkOrganizations()
    ).send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    organizationId = Organization!.Id!;
    const ram = await sandboxAdminClients().client(RAMClient, {
      accountId: SANDBOX_NETWORK_ACCOUNT_ID,
      region: SANDBOX_REGION,
    });
    await ram.send(new EnableSharingWithAwsOrganizationCommand({}));
  }
  for (const accountId of SANDBOX_MEMBER_ACCOUNT_IDS) {
    if ((await sandboxOrganizationOf(accountId)) !== organizationId) {
      await (
        await networkOrganizations()
      ).send(
        new InviteAccountToOrganizationCommand({
          Target: { Id: accountId, Type: 'ACCOUNT' },
        }),
      );
    }
  }
  return organizationId;
}

/**
 * Seeds step 1 of the recipe in the sandbox, idempotently: both accounts in one AWS
 * Organization, and in Account-A a VPC with two public subnets (routed to an internet
 * gateway) and two private subnets (routed to a NAT gateway), in two AZs. The roles
 * Backstage assumes are made with the server (startMoto, iam/sandboxPrincipals.ts). Running it
 * again returns the existing network.
 */
export async function seedSandboxNetwork(): Promise<SandboxNetwork> {
  await ensureSandboxOrganization();
  const ec2 = await sandboxEc2(SANDBOX_NETWORK_ACCOUNT_ID);
  const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  const [az1, az2] = (zones.AvailabilityZones ?? [])
    .filter(z => z.State === 'available')
    .slice(0, 2);
  if (!az1 || !az2)
    throw new Error('The sandbox region has fewer than two AZs');

  const existing = await ec2.send(
    new DescribeVpcsCommand({
      Filters: [{ Name: `tag:${SEED_TAG}`, Values: ['network'] }],
    }),
  );
  let vpcId = existing.Vpcs?.[0]?.VpcId;
  let internetGatewayId: string | undefined;
  if (!vpcId) {
    const vpc = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: LAYOUT.vpcCidr,
        TagSpecifications: [
          { ResourceType: 'vpc', Tags: tags('network', 'shared-network') },
        ],
      }),
    );
    vpcId = vpc.Vpc!.VpcId!;
    const igw = await ec2.send(
      new CreateInternetGatewayCommand({
        TagSpecifications: [
          {
            ResourceType: 'internet-gateway',
            Tags: tags('igw', 'shared-network-igw'),
          },
        ],
      }),
    );
    internetGatewayId = igw.InternetGateway!.InternetGatewayId!;
    await ec2.send(
      new AttachInternetGatewayCommand({
        InternetGatewayId: internetGatewayId,
        VpcId: vpcId,
      }),
    );
    const publicRt = await ec2.send(
      new CreateRouteTableCommand({ VpcId: vpcId }),
    );
    const publicRtId = publicRt.RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [publicRtId],
        Tags: tags('public-rt', 'public'),
      }),
    );
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: publicRtId,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: internetGatewayId,
      }),
    );
    const privateRt = await ec2.send(
      new CreateRouteTableCommand({ VpcId: vpcId }),
    );
    const privateRtId = privateRt.RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [privateRtId],
        Tags: tags('private-rt', 'private'),
      }),
    );
    const zonesInOrder = [az1, az2];
    const subnetsOf: Record<'public' | 'private', string[]> = {
      public: [],
      private: [],
    };
    for (const [kind, cidrs, rt] of [
      ['public', LAYOUT.public, publicRtId],
      ['private', LAYOUT.private, privateRtId],
    ] as const) {
      for (let i = 0; i < cidrs.length; i++) {
        const subnet = await ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: cidrs[i],
            AvailabilityZone: zonesInOrder[i].ZoneName,
            TagSpecifications: [
              {
                ResourceType: 'subnet',
                Tags: tags(kind, `${kind}-${zonesInOrder[i].ZoneName}`),
              },
            ],
          }),
        );
        await ec2.send(
          new AssociateRouteTableCommand({
            RouteTableId: rt,
            SubnetId: subnet.Subnet!.SubnetId!,
          }),
        );
        subnetsOf[kind].push(subnet.Subnet!.SubnetId!);
      }
    }
    // eksctl makes no NAT gateway in an existing VPC: the private (node) subnets get their
    // egress from one here, in a public subnet, as a real network account provides it.
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: subnetsOf.public[0],
        AllocationId: eip.AllocationId!,
        TagSpecifications: [
          {
            ResourceType: 'natgateway',
            Tags: tags('nat', 'shared-network-nat'),
          },
        ],
      }),
    );
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: privateRtId,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: nat.NatGateway!.NatGatewayId!,
      }),
    );
  }
  return describeSandboxNetwork(ec2, vpcId, internetGatewayId);
}

async function describeSandboxNetwork(
  ec2: EC2Client,
  vpcId: string,
  internetGatewayId?: string,
): Promise<SandboxNetwork> {
  const { Subnets = [] } = await ec2.send(
    new DescribeSubnetsCommand({
      Filters: [{ Name: 'vpc-id', Values: [vpcId] }],
    }),
  );
  const pick = (kind: string) =>
    Subnets.filter(s =>
      s.Tags?.some(t => t.Key === SEED_TAG && t.Value === kind),
    )
      .map(s => ({
        subnetId: s.SubnetId!,
        cidr: s.CidrBlock!,
        availabilityZone: s.AvailabilityZone!,
        availabilityZoneId: s.AvailabilityZoneId!,
      }))
      .sort((a, b) => a.cidr.localeCompare(b.cidr));
  let igwId = internetGatewayId;
  if (!igwId) {
    const igws = await ec2.send(
      new DescribeInternetGatewaysCommand({
        Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }],
      }),
    );
    igwId = igws.InternetGateways?.[0]?.InternetGatewayId ?? '';
  }
  return {
    region: SANDBOX_REGION,
    networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
    workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
    vpcId,
    vpcCidr: LAYOUT.vpcCidr,
    publicSubnets: pick('public'),
    privateSubnets: pick('private'),
    internetGatewayId: igwId,
  };
}

/**
 * Shares the seeded network's subnets (private ones, and public ones unless told otherwise)
 * with Account-B through RAM, as step 2 of the recipe does. Idempotent: an active share with
 * the same name is reused. Tests and the browser-test seeding use it; the portal's templates
 * do this themselves through their actions.
 */
export async function shareSandboxSubnets(
  network: SandboxNetwork,
  options: { name?: string; includePublic?: boolean } = {},
): Promise<{ resourceShareArn: string }> {
  const name = options.name ?? 'sandbox-shared-subnets';
  const ram = await sandboxAdminClients().client(RAMClient, {
    accountId: network.networkAccountId,
    region: network.region,
  });
  const existing = await ram.send(
    new GetResourceSharesCommand({ resourceOwner: 'SELF', name }),
  );
  // moto ignores the name filter; AWS applies it. Filter here too.
  const active = existing.resourceShares?.find(
    s => s.name === name && s.status === 'ACTIVE',
  );
  if (active?.resourceShareArn) {
    return { resourceShareArn: active.resourceShareArn };
  }
  const subnets = [
    ...network.privateSubnets,
    ...(options.includePublic === false ? [] : network.publicSubnets),
  ];
  const created = await ram.send(
    new CreateResourceShareCommand({
      name,
      allowExternalPrincipals: false,
      principals: [network.workloadAccountId],
      resourceArns: subnets.map(s =>
        subnetArn(network.region, network.networkAccountId, s.subnetId),
      ),
    }),
  );
  return { resourceShareArn: created.resourceShare!.resourceShareArn! };
}

/** The public hosted zone seeded in the sandbox's DNS account. */
export const SANDBOX_DNS_ZONE_NAME = 'example.test';

/** Where the applications' names live in the sandbox: the DNS account's public zone. */
export interface SandboxDnsZone {
  accountId: string;
  /** The bare ID (`Z…`), as the actions and the form take it. */
  hostedZoneId: string;
  /** Without the trailing dot. */
  zoneName: string;
}

/**
 * Seeds the DNS account's public hosted zone (SANDBOX_DNS_ZONE_NAME) as its administrator,
 * idempotently: an existing public zone of that name is returned. Route 53 allows several
 * zones of one name; the seed keeps to one.
 */
export async function seedSandboxDnsZone(): Promise<SandboxDnsZone> {
  const route53 = await sandboxAdminClients().client(Route53Client, {
    accountId: SANDBOX_DNS_ACCOUNT_ID,
    region: SANDBOX_REGION,
  });
  const { HostedZones = [] } = await route53.send(
    new ListHostedZonesByNameCommand({ DNSName: SANDBOX_DNS_ZONE_NAME }),
  );
  let zone = HostedZones.find(
    z => z.Name === `${SANDBOX_DNS_ZONE_NAME}.` && !z.Config?.PrivateZone,
  );
  if (!zone) {
    ({ HostedZone: zone } = await route53.send(
      new CreateHostedZoneCommand({
        Name: SANDBOX_DNS_ZONE_NAME,
        CallerReference: `sandbox-seed-${SANDBOX_DNS_ZONE_NAME}`,
        HostedZoneConfig: {
          Comment: "Sandbox DNS account: the applications' public zone",
          PrivateZone: false,
        },
      }),
    ));
  }
  return {
    accountId: SANDBOX_DNS_ACCOUNT_ID,
    hostedZoneId: zone!.Id!.replace(/^\/hostedzone\//, ''),
    zoneName: SANDBOX_DNS_ZONE_NAME,
  };
}

/**
 * An ISSUED ACM certificate for `hostName` in the network account, got as its administrator
 * gets one: requested with DNS validation, its validation CNAME written in the DNS account's
 * zone, after which the sandbox issues it as ACM does (sandbox moto gap 11). An issued
 * certificate for the name is reused. Throws when it is not issued.
 */
export async function seedSandboxCertificate(
  hostName: string,
  zone: SandboxDnsZone,
): Promise<string> {
  const admin = sandboxAdminClients();
  const acm = await admin.client(ACMClient, {
    accountId: SANDBOX_NETWORK_ACCOUNT_ID,
    region: SANDBOX_REGION,
  });
  const { CertificateSummaryList = [] } = await acm.send(
    new ListCertificatesCommand({ CertificateStatuses: ['ISSUED'] }),
  );
  const existing = CertificateSummaryList.find(c => c.DomainName === hostName);
  if (existing?.CertificateArn) return existing.CertificateArn;
  const { CertificateArn } = await acm.send(
    new RequestCertificateCommand({
      DomainName: hostName,
      ValidationMethod: 'DNS',
      IdempotencyToken: 'sandboxseed',
    }),
  );
  const { Certificate } = await acm.send(
    new DescribeCertificateCommand({ CertificateArn }),
  );
  const record = Certificate?.DomainValidationOptions?.[0]?.ResourceRecord;
  if (!record?.Name || !record.Value) {
    throw new Error(
      `ACM gave no DNS validation record for ${hostName} (${CertificateArn})`,
    );
  }
  const route53 = await admin.client(Route53Client, {
    accountId: zone.accountId,
    region: SANDBOX_REGION,
  });
  await route53.send(
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
  const issued = await acm.send(
    new DescribeCertificateCommand({ CertificateArn }),
  );
  if (issued.Certificate?.Status !== 'ISSUED') {
    throw new Error(
      `The certificate for ${hostName} is ${issued.Certificate?.Status} after its validation record was written in ${zone.zoneName}`,
    );
  }
  return CertificateArn!;
}

/** A regional AWS WAF web ACL the sandbox made in the network account. */
export interface SandboxWebAcl {
  arn: string;
  name: string;
  id: string;
}

/**
 * Makes (or finds) a regional AWS WAF web ACL in the network account, as its administrator
 * would in the console: what an application's `wafAclArn` names. Allows by default, no rules;
 * idempotent by name.
 */
export async function seedSandboxWebAcl(
  name = 'sandbox-web-acl',
  accountId = SANDBOX_NETWORK_ACCOUNT_ID,
  region = SANDBOX_REGION,
): Promise<SandboxWebAcl> {
  const wafv2 = await sandboxAdminClients().client(WAFV2Client, {
    accountId,
    region,
  });
  const { WebACLs = [] } = await wafv2.send(
    new ListWebACLsCommand({ Scope: 'REGIONAL' }),
  );
  let acl = WebACLs.find(a => a.Name === name);
  if (!acl) {
    ({ Summary: acl } = await wafv2.send(
      new CreateWebACLCommand({
        Name: name,
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        Rules: [],
        VisibilityConfig: {
          SampledRequestsEnabled: false,
          CloudWatchMetricsEnabled: false,
          MetricName: name,
        },
      }),
    ));
  }
  return { arn: acl!.ARN!, name: acl!.Name!, id: acl!.Id! };
}
