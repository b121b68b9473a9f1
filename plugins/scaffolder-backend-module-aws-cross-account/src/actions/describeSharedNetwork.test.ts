import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import {
  actionContext,
  awsError,
  mockAws,
  NETWORK,
  REGION,
  WORKLOAD,
} from '../__testUtils__/testing';
import { createDescribeSharedNetworkAction } from './describeSharedNetwork';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const PUB = ['subnet-0a0000000000000a1', 'subnet-0a0000000000000a2'];
const PRIV = ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'];
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  vpcId: VPC,
  albSubnetIds: PUB,
  nodeSubnetIds: PRIV,
};

function subnet(id: string, i: number, vpcId = VPC) {
  return {
    SubnetId: id,
    VpcId: vpcId,
    CidrBlock: `10.0.${i}.0/24`,
    AvailabilityZone: `us-east-1${'ab'[i % 2]}`,
    AvailabilityZoneId: `use1-az${(i % 2) + 1}`,
    SubnetArn: `arn:aws:ec2:us-east-1:${NETWORK}:subnet/${id}`,
    OwnerId: NETWORK,
  };
}

function setup() {
  const aws = mockAws();
  aws.mocks.ec2.on(DescribeVpcsCommand).resolves({
    Vpcs: [{ VpcId: VPC, CidrBlock: '10.0.0.0/16', OwnerId: NETWORK }],
  });
  aws.mocks.ec2
    .on(DescribeSubnetsCommand)
    .resolves({ Subnets: [...PUB, ...PRIV].map((id, i) => subnet(id, i)) });
  aws.mocks.ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [
      {
        Associations: PUB.map(SubnetId => ({ SubnetId })),
        Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0123' }],
      },
      {
        RouteTableId: 'rtb-0main',
        Associations: [{ Main: true }],
        Routes: [
          { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' },
          { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0123' },
        ],
      },
    ],
  });
  aws.mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
  const action = createDescribeSharedNetworkAction({ clients: aws.clients });
  return { aws, action };
}

describe('aws:ec2:describe-shared-network', () => {
  it('outputs the VPC and subnets with AZ names and IDs', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs().vpcCidr).toBe('10.0.0.0/16');
    expect(outputs().albSubnets).toEqual([
      expect.objectContaining({
        subnetId: PUB[0],
        availabilityZone: 'us-east-1a',
        availabilityZoneId: 'use1-az1',
      }),
      expect.objectContaining({
        subnetId: PUB[1],
        availabilityZoneId: 'use1-az2',
      }),
    ]);
    expect(outputs().subnetArns).toHaveLength(4);
    expect(aws.targets[0]).toEqual({
      accountId: NETWORK,
      region: REGION,
      service: 'ec2',
    });
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses ALB subnets without a route to an internet gateway', async () => {
    const { action } = setup();
    const { ctx } = actionContext({
      ...input,
      albSubnetIds: PRIV,
      nodeSubnetIds: PUB,
    });
    await expect(action.handler(ctx)).rejects.toThrow(
      /albSubnetIds: .* have no route to an internet gateway/,
    );
  });

  it('refuses subnets outside the VPC and subnets in one AZ', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        subnet(PUB[0], 0),
        subnet(PUB[1], 2),
        subnet(PRIV[0], 1),
        subnet(PRIV[1], 3, 'vpc-99999999'),
      ],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      `nodeSubnetIds: ${PRIV[1]} not in ${VPC}`,
    );
    aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        subnet(PUB[0], 0),
        subnet(PUB[1], 2),
        subnet(PRIV[0], 1),
        subnet(PRIV[1], 3),
      ],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /albSubnetIds: the subnets are all in one availability zone/,
    );
  });

  it('names missing subnets and a missing VPC', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeSubnetsCommand)
      .resolves({ Subnets: [subnet(PUB[0], 0)] });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /albSubnetIds, nodeSubnetIds: subnets not found in network account 111111111111: subnet-0a0000000000000a2/,
    );
    aws.mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /vpcId: vpc-0a1b2c3d4e5f60718 was not found/,
    );
  });

  it('names the field when EC2 rejects an unknown ID', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2.on(DescribeSubnetsCommand).rejects(
      Object.assign(awsError('InvalidSubnetID.NotFound'), {
        message: `The subnet ID '${PRIV[0]}' does not exist`,
      }),
    );
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      `nodeSubnetIds: ${PRIV[0]} not found in network account 111111111111`,
    );
    aws.mocks.ec2
      .on(DescribeVpcsCommand)
      .rejects(awsError('InvalidVpcID.NotFound'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /vpcId: vpc-0a1b2c3d4e5f60718 was not found/,
    );
  });

  it('maps AccessDenied to the account, role and action', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeVpcsCommand)
      .rejects(awsError('UnauthorizedOperation'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /role backstage-alb-network in network account 111111111111 \(Account-A\) is not allowed to call ec2:DescribeVpcs/,
    );
  });

  it('dry-run reads the network and marks the output', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs().dryRun).toBe(true);
    expect(outputs().vpcCidr).toBe('10.0.0.0/16');
    expect(aws.mutations()).toEqual([]);
  });

  it('dry-run without access outputs placeholders', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2.on(DescribeVpcsCommand).rejects(awsError('AuthFailure'));
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs()).toMatchObject({ vpcId: VPC, dryRun: true });
    expect(outputs().albSubnets).toHaveLength(2);
  });

  it('refuses two ALB subnets in one AZ, naming the AZ', async () => {
    const { aws, action } = setup();
    const third = 'subnet-0a0000000000000a3';
    aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        subnet(PUB[0], 0),
        subnet(PUB[1], 1),
        subnet(third, 2),
        subnet(PRIV[0], 3),
        subnet(PRIV[1], 4),
      ],
    });
    aws.mocks.ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          Associations: [...PUB, third].map(SubnetId => ({ SubnetId })),
          Routes: [
            { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0123' },
          ],
        },
        {
          Associations: [{ Main: true }],
          Routes: [
            { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0123' },
          ],
        },
      ],
    });
    await expect(
      action.handler(
        actionContext({ ...input, albSubnetIds: [...PUB, third] }).ctx,
      ),
    ).rejects.toThrow(
      `albSubnetIds: ${PUB[0]} and ${third} are all in availability zone us-east-1a (use1-az1); an ALB takes one subnet per AZ`,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses node subnets without egress, naming them and what is missing', async () => {
    const { aws, action } = setup();
    const tables = (natRoute: boolean) => ({
      RouteTables: [
        {
          Associations: PUB.map(SubnetId => ({ SubnetId })),
          Routes: [
            { DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-0123' },
          ],
        },
        {
          RouteTableId: 'rtb-0priv',
          Associations: PRIV.map(SubnetId => ({ SubnetId })),
          Routes: natRoute
            ? [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }]
            : [],
        },
      ],
    });
    aws.mocks.ec2.on(DescribeRouteTablesCommand).resolves(tables(false));
    aws.mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          ServiceName: 'com.amazonaws.us-east-1.ec2',
          VpcEndpointType: 'Interface',
          State: 'Available',
        },
      ],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      `nodeSubnetIds: ${PRIV[0]} (route table rtb-0priv), ${PRIV[1]} (route table rtb-0priv) have no egress for the nodes: no 0.0.0.0/0 route to a NAT gateway, and the VPC lacks the endpoints nodes need (missing: ecr.api, ecr.dkr, sts, s3 gateway)`,
    );
    // The endpoints nodes need are enough without NAT.
    aws.mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        ...['ec2', 'ecr.api', 'ecr.dkr', 'sts'].map(name => ({
          ServiceName: `com.amazonaws.us-east-1.${name}`,
          VpcEndpointType: 'Interface' as const,
          State: 'Available' as const,
        })),
        {
          ServiceName: 'com.amazonaws.us-east-1.s3',
          VpcEndpointType: 'Gateway',
          State: 'Available',
          RouteTableIds: ['rtb-0priv'],
        },
      ],
    });
    await action.handler(actionContext(input).ctx);
    // And so is a NAT route.
    aws.mocks.ec2.on(DescribeVpcEndpointsCommand).resolves({});
    aws.mocks.ec2.on(DescribeRouteTablesCommand).resolves(tables(true));
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses a subnet chosen both for the ALB and the nodes before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({ ...input, nodeSubnetIds: [PRIV[0], PUB[1]] }).ctx,
      ),
    ).rejects.toThrow(
      `nodeSubnetIds: ${PUB[1]} also in albSubnetIds. The ALB takes public subnets and the nodes private ones`,
    );
    expect(aws.commands()).toEqual([]);
  });

  it.each([
    [
      { desiredSize: 5, minSize: 2, maxSize: 4 },
      'desiredSize: 5 is above maxSize 4 (eksctl: "cannot use --nodes-max=4 and --nodes=5 at the same time")',
    ],
    [
      { desiredSize: 1, minSize: 2, maxSize: 4 },
      'desiredSize: 1 is below minSize 2',
    ],
    [
      { desiredSize: 3, minSize: 3, maxSize: 2 },
      'minSize: 3 is above maxSize 2',
    ],
  ])(
    'refuses node-group sizes %j that contradict, before any AWS call',
    async (sizes, message) => {
      const { aws, action } = setup();
      await expect(
        action.handler(actionContext({ ...input, ...sizes }).ctx),
      ).rejects.toThrow(message);
      await expect(
        action.handler(
          actionContext({ ...input, ...sizes }, { isDryRun: true }).ctx,
        ),
      ).rejects.toThrow(message);
      expect(aws.commands()).toEqual([]);
    },
  );

  it('dry-run fails like the real run for an account without credentials', async () => {
    const { aws, action } = setup();
    aws.clients.client = async () => {
      throw new Error(
        `Backstage has no AWS credentials for account ${NETWORK}: add it to aws.accounts in app-config`,
      );
    };
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await expect(action.handler(ctx)).rejects.toThrow(
      `networkAccountId: Backstage has no AWS credentials for account ${NETWORK}: add it to aws.accounts`,
    );
    expect(outputs()).toEqual({});
  });

  describe('with workloadAccountId: one AWS Organization', () => {
    const withWorkload = { ...input, workloadAccountId: WORKLOAD };
    const orgs = (aws: ReturnType<typeof setup>['aws'], ids: object) => {
      aws.mocks.organizations.on(DescribeOrganizationCommand).callsFake(() => {
        const id = (ids as Record<string, string | undefined>)[
          aws.targets.filter(t => t.service === 'organizations').at(-1)!
            .accountId
        ];
        if (!id) throw awsError('AWSOrganizationsNotInUseException');
        return { Organization: { Id: id } };
      });
    };

    it('passes when both accounts see the same Organization, and outputs it', async () => {
      const { aws, action } = setup();
      orgs(aws, { [NETWORK]: 'o-aaaaaaaaaa', [WORKLOAD]: 'o-aaaaaaaaaa' });
      const { ctx, outputs } = actionContext(withWorkload);
      await action.handler(ctx);
      expect(outputs().organizationId).toBe('o-aaaaaaaaaa');
      expect(
        aws.targets
          .filter(t => t.service === 'organizations')
          .map(t => t.accountId)
          .sort(),
      ).toEqual([NETWORK, WORKLOAD]);
    });

    it.each([
      [
        { [NETWORK]: 'o-aaaaaaaaaa', [WORKLOAD]: 'o-bbbbbbbbbb' },
        `workloadAccountId: workload account ${WORKLOAD} is in Organization o-bbbbbbbbbb but network account ${NETWORK} is in o-aaaaaaaaaa`,
      ],
      [
        { [NETWORK]: 'o-aaaaaaaaaa' },
        `workloadAccountId: workload account ${WORKLOAD} is not a member of an AWS Organization, so RAM cannot share the subnets with it`,
      ],
      [
        { [WORKLOAD]: 'o-bbbbbbbbbb' },
        `networkAccountId: network account ${NETWORK} is not a member of an AWS Organization`,
      ],
    ])(
      'refuses accounts %j, first, saying what to do',
      async (ids, message) => {
        const { aws, action } = setup();
        orgs(aws, ids);
        await expect(
          action.handler(actionContext(withWorkload).ctx),
        ).rejects.toThrow(message);
        // In a dry-run too, and before the network is read.
        await expect(
          action.handler(actionContext(withWorkload, { isDryRun: true }).ctx),
        ).rejects.toThrow(message);
        expect(aws.mocks.ec2.calls()).toEqual([]);
      },
    );

    it('maps a refused DescribeOrganization to the role and action', async () => {
      const { aws, action } = setup();
      aws.mocks.organizations
        .on(DescribeOrganizationCommand)
        .rejects(awsError('AccessDeniedException'));
      await expect(
        action.handler(actionContext(withWorkload).ctx),
      ).rejects.toThrow(/organizations:DescribeOrganization/);
    });

    it('refuses the same account on both sides before any AWS call', async () => {
      const { aws, action } = setup();
      await expect(
        action.handler(
          actionContext({ ...input, workloadAccountId: NETWORK }).ctx,
        ),
      ).rejects.toThrow(
        /workloadAccountId: expected an account different from networkAccountId/,
      );
      expect(aws.commands()).toEqual([]);
    });
  });

  it('rejects bad input before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({
          ...input,
          networkAccountId: '1234',
          albSubnetIds: [PUB[0]],
        }).ctx,
      ),
    ).rejects.toThrow(
      /networkAccountId: expected a 12-digit AWS account ID; albSubnetIds: expected at least two public subnets/,
    );
    await expect(
      action.handler(actionContext({ ...input, vpcId: 'vpc-XYZ' }).ctx),
    ).rejects.toThrow(/vpcId: expected a VPC ID/);
    expect(aws.commands()).toEqual([]);
  });
});
