import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import {
  actionContext,
  awsError,
  mockAws,
  NETWORK,
  REGION,
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
        Associations: [{ Main: true }],
        Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }],
      },
    ],
  });
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
