import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import {
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
} from '@aws-sdk/client-ram';
import {
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import { GetWebACLCommand } from '@aws-sdk/client-wafv2';
import yaml from 'yaml';
import {
  actionContext,
  actionsWithShareKnobs,
  awsError,
  ISSUER,
  mockAws,
} from '../__testUtils__/testing';
import { createAwsCrossAccountActions } from './createAwsCrossAccountActions';

/** One fake AWS answering every example plausibly, from the request's own IDs. */
function fakeAws(oidcProviderExists = true) {
  const aws = mockAws();
  const zoneOf = (id: string) => (parseInt(id.slice(-1), 16) % 2) + 1;
  aws.mocks.ec2.on(DescribeVpcsCommand).callsFake(({ VpcIds }) => ({
    Vpcs: VpcIds.map((VpcId: string) => ({ VpcId, CidrBlock: '10.20.0.0/16' })),
  }));
  aws.mocks.ec2.on(DescribeSubnetsCommand).callsFake(({ SubnetIds }) => ({
    Subnets: SubnetIds.map((SubnetId: string, i: number) => ({
      SubnetId,
      VpcId: 'vpc-0a1b2c3d4e5f60718',
      CidrBlock: `10.20.${i}.0/24`,
      AvailabilityZone: `us-east-1${'ab'[zoneOf(SubnetId) - 1]}`,
      AvailabilityZoneId: `use1-az${zoneOf(SubnetId)}`,
    })),
  }));
  aws.mocks.ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        RouteTableId: 'rtb-0main',
        Associations: [{ Main: true }],
        Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1' }],
      },
    ],
  });
  // The node subnets' egress: the endpoints nodes need (the main table routes to the IGW).
  aws.mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({
    VpcEndpoints: [
      ...['ec2', 'ecr.api', 'ecr.dkr', 'sts'].map(name => ({
        ServiceName: `com.amazonaws.us-east-1.${name}`,
        VpcEndpointType: 'Interface' as const,
      })),
      {
        ServiceName: 'com.amazonaws.us-east-1.s3',
        VpcEndpointType: 'Gateway',
        RouteTableIds: ['rtb-0main'],
      },
    ],
  });
  aws.mocks.iam.on(ListRolesCommand).resolves({ Roles: [] });
  aws.mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  aws.mocks.organizations
    .on(DescribeOrganizationCommand)
    .resolves({ Organization: { Id: 'o-exampleorg1' } });
  aws.mocks.ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [
      { ZoneId: 'use1-az1', ZoneName: 'us-east-1c' },
      { ZoneId: 'use1-az2', ZoneName: 'us-east-1d' },
    ],
  });
  aws.mocks.ec2
    .on(DescribeSecurityGroupsCommand)
    .resolves({ SecurityGroups: [] })
    .on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-0c0000000000000c1'] })
    .resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-0c0000000000000c1',
          VpcId: 'vpc-0a1b2c3d4e5f60718',
          IpPermissions: [],
        },
      ],
    })
    .on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-0a0000000000000a1'] })
    .resolves({
      SecurityGroups: [
        { GroupId: 'sg-0a0000000000000a1', VpcId: 'vpc-0a1b2c3d4e5f60718' },
      ],
    });
  aws.mocks.ec2
    .on(CreateSecurityGroupCommand)
    .resolves({ GroupId: 'sg-0a0000000000000a1' });
  aws.mocks.ec2
    .on(AuthorizeSecurityGroupIngressCommand)
    .resolves({ Return: true });
  aws.mocks.ram.on(GetResourceSharesCommand).resolves({ resourceShares: [] });
  aws.mocks.tagging
    .on(GetResourcesCommand)
    .resolves({ ResourceTagMappingList: [] });
  aws.mocks.ram.on(CreateResourceShareCommand).resolves({
    resourceShare: {
      resourceShareArn: 'arn:aws:ram:us-east-1:111111111111:resource-share/x',
    },
  });
  let lastShare: { principals: string[]; resourceArns: string[] } = {
    principals: [],
    resourceArns: [],
  };
  aws.mocks.ram.on(CreateResourceShareCommand).callsFake(input => {
    lastShare = input;
    return {
      resourceShare: {
        resourceShareArn: `arn:aws:ram:${
          input.resourceArns[0].split(':')[3]
        }:111111111111:resource-share/x`,
      },
    };
  });
  aws.mocks.ram
    .on(GetResourceShareAssociationsCommand)
    .callsFake(({ associationType }) => ({
      resourceShareAssociations: (associationType === 'PRINCIPAL'
        ? lastShare.principals
        : lastShare.resourceArns
      ).map(associatedEntity => ({ associatedEntity, status: 'ASSOCIATED' })),
    }));
  aws.mocks.eks.on(DescribeClusterCommand).callsFake(({ name }) => ({
    cluster: {
      name,
      arn: `arn:aws:eks:us-east-1:222222222222:cluster/${name}`,
      status: 'ACTIVE',
      version: '1.33',
      identity: { oidc: { issuer: ISSUER } },
      resourcesVpcConfig: {},
    },
  }));
  if (oidcProviderExists) {
    aws.mocks.iam.on(GetOpenIDConnectProviderCommand).resolves({
      ClientIDList: ['sts.amazonaws.com'],
      Tags: [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }],
    });
  } else {
    aws.mocks.iam
      .on(GetOpenIDConnectProviderCommand)
      .rejects(awsError('NoSuchEntity'));
  }
  aws.mocks.iam.on(CreateOpenIDConnectProviderCommand).resolves({});
  aws.mocks.iam.on(GetPolicyCommand).rejects(awsError('NoSuchEntity'));
  aws.mocks.iam
    .on(CreatePolicyCommand)
    .resolves({ Policy: { DefaultVersionId: 'v1' } });
  aws.mocks.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity'));
  aws.mocks.iam.on(CreateRoleCommand).resolves({
    Role: {
      Arn: 'arn:aws:iam::111111111111:role/cross-account-alb/x',
    } as any,
  });
  aws.mocks.iam
    .on(ListAttachedRolePoliciesCommand)
    .resolves({ AttachedPolicies: [] });
  aws.mocks.iam.on(GetRolePolicyCommand).rejects(awsError('NoSuchEntity'));
  aws.mocks.iam.on(PutRolePolicyCommand).resolves({});
  // ACM answers an issued certificate for the requested name; the zones of the examples.
  let requested = '';
  aws.mocks.acm
    .on(ListCertificatesCommand)
    .resolves({ CertificateSummaryList: [] });
  aws.mocks.acm.on(RequestCertificateCommand).callsFake(input => {
    requested = input.DomainName;
    return {
      CertificateArn: `arn:aws:acm:us-east-1:111111111111:certificate/${requested}`,
    };
  });
  aws.mocks.acm
    .on(DescribeCertificateCommand)
    .callsFake(({ CertificateArn }) => ({
      Certificate: {
        CertificateArn,
        DomainName: requested,
        Status: 'ISSUED',
        DomainValidationOptions: [],
      },
    }));
  const zones: Record<string, string> = {
    Z0123456789ABCDEFGHIJ: 'example.com.',
    Z09876543210ZYXWVUTSR: 'shop.example.com.',
  };
  aws.mocks.route53.on(GetHostedZoneCommand).callsFake(({ Id }) => ({
    HostedZone: {
      Id: `/hostedzone/${Id}`,
      Name: zones[Id],
      CallerReference: 'x',
      Config: { PrivateZone: false },
    },
  }));
  aws.mocks.route53
    .on(ListResourceRecordSetsCommand)
    .resolves({ ResourceRecordSets: [] });
  aws.mocks.route53.on(ChangeResourceRecordSetsCommand).resolves({});
  aws.mocks.acm.on(ListTagsForCertificateCommand).resolves({ Tags: [] });
  // WAF answers the web ACL asked for, in the account and region of the example.
  aws.mocks.wafv2.on(GetWebACLCommand).callsFake(({ Name, Id }) => ({
    WebACL: {
      Name,
      Id,
      ARN: `arn:aws:wafv2:us-east-1:111111111111:regional/webacl/${Name}/${Id}`,
    },
  }));
  return aws;
}

const cases = createAwsCrossAccountActions({
  clients: fakeAws().clients,
}).flatMap(action =>
  (action.examples ?? []).map((example, i) => [action.id, i, example] as const),
);

describe('examples', () => {
  it('exist for every action', () => {
    expect(new Set(cases.map(([id]) => id)).size).toBe(19);
  });

  it.each(cases)(
    '%s example %i runs through the handler',
    async (id, _i, example) => {
      const aws = fakeAws(
        id !== 'aws:iam:ensure-oidc-provider' &&
          id !== 'aws:iam:delete-oidc-provider',
      );
      const action = actionsWithShareKnobs({
        clients: aws.clients,
        sleep: async () => {},
      }).find(a => a.id === id)!;
      const step = yaml.parse(example.example).steps[0];
      expect(step.action).toBe(id);
      const { ctx, outputs } = actionContext(step.input);
      await action.handler(ctx);
      expect(Object.keys(outputs()).length).toBeGreaterThan(0);
      expect(outputs().dryRun).toBeUndefined();
    },
  );

  it.each(cases)(
    '%s example %i runs as a dry-run without mutating',
    async (id, _i, example) => {
      const aws = fakeAws();
      const action = createAwsCrossAccountActions({
        clients: aws.clients,
      }).find(a => a.id === id)!;
      const { ctx, outputs } = actionContext(
        yaml.parse(example.example).steps[0].input,
        {
          isDryRun: true,
        },
      );
      await action.handler(ctx);
      expect(aws.mutations()).toEqual([]);
      expect(outputs().dryRun).toBe(true);
    },
  );
});
