import {
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import {
  actionContext,
  awsError,
  mockAws,
  NETWORK,
  REGION,
  WORKLOAD,
} from '../__testUtils__/testing';
import { createResolveSharedSubnetsAction } from './resolveSharedSubnets';

const SUBNETS = ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'];
const VPC = 'vpc-0a1b2c3d4e5f60718';
const input = {
  workloadAccountId: WORKLOAD,
  networkAccountId: NETWORK,
  region: REGION,
  subnetIds: SUBNETS,
};

function setup() {
  const aws = mockAws();
  aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      // As the workload account sees them: Account-A's us-east-1a may be another zone here.
      {
        SubnetId: SUBNETS[0],
        VpcId: VPC,
        OwnerId: NETWORK,
        AvailabilityZoneId: 'use1-az1',
        AvailabilityZone: 'us-east-1a',
        CidrBlock: '10.0.10.0/24',
      },
      {
        SubnetId: SUBNETS[1],
        VpcId: VPC,
        OwnerId: NETWORK,
        AvailabilityZoneId: 'use1-az2',
        AvailabilityZone: 'us-east-1b',
        CidrBlock: '10.0.11.0/24',
      },
    ],
  });
  aws.mocks.ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [
      { ZoneId: 'use1-az1', ZoneName: 'us-east-1c' },
      { ZoneId: 'use1-az2', ZoneName: 'us-east-1d' },
    ],
  });
  // A fake clock that only moves when the action sleeps.
  const clock = { now: 0, sleeps: [] as number[] };
  return {
    aws,
    clock,
    action: createResolveSharedSubnetsAction({
      clients: aws.clients,
      now: () => clock.now,
      sleep: async ms => {
        clock.sleeps.push(ms);
        clock.now += ms;
      },
    }),
  };
}

describe('aws:ec2:resolve-shared-subnets', () => {
  it("keys the subnets by the workload account's AZ names, mapped through AZ IDs", async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs().vpcId).toBe(VPC);
    expect(outputs().eksctlSubnets).toEqual({
      'us-east-1c': { id: SUBNETS[0] },
      'us-east-1d': { id: SUBNETS[1] },
    });
    expect(aws.targets.every(t => t.accountId === WORKLOAD)).toBe(true);
    expect(
      aws.mocks.ec2.commandCalls(DescribeAvailabilityZonesCommand)[0].args[0]
        .input,
    ).toEqual({
      Filters: [{ Name: 'zone-id', Values: ['use1-az1', 'use1-az2'] }],
    });
  });

  it('explains that the subnets are not visible, after a bounded wait', async () => {
    const { aws, action, clock } = setup();
    aws.mocks.ec2
      .on(DescribeSubnetsCommand)
      .rejects(awsError('InvalidSubnetID.NotFound'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /Workload account 222222222222 cannot see the subnets .* after waiting 120s \(waitTimeoutSeconds\)\. Share them first with aws:ram:share-subnets.*raise waitTimeoutSeconds/,
    );
    // Backoff 2 s doubling to 15 s, never past the 120 s bound.
    expect(clock.sleeps.slice(0, 4)).toEqual([2000, 4000, 8000, 15000]);
    expect(clock.now).toBeLessThanOrEqual(120_000);
    expect(aws.mutations()).toEqual([]);
  });

  it('waits for subnets that appear a little after the share is ASSOCIATED', async () => {
    const { aws, action, clock } = setup();
    aws.mocks.ec2
      .on(DescribeSubnetsCommand)
      .rejectsOnce(awsError('InvalidSubnetID.NotFound'))
      .resolvesOnce({
        Subnets: [{ SubnetId: SUBNETS[0], VpcId: VPC, OwnerId: NETWORK }],
      })
      .resolves({
        Subnets: SUBNETS.map((SubnetId, i) => ({
          SubnetId,
          VpcId: VPC,
          OwnerId: NETWORK,
          AvailabilityZoneId: `use1-az${i + 1}`,
        })),
      });
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(clock.sleeps).toEqual([2000, 4000]);
    expect(outputs().eksctlSubnets).toEqual({
      'us-east-1c': { id: SUBNETS[0] },
      'us-east-1d': { id: SUBNETS[1] },
    });
  });

  it('with waitTimeoutSeconds 0 looks once', async () => {
    const { aws, action, clock } = setup();
    aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    await expect(
      action.handler(actionContext({ ...input, waitTimeoutSeconds: 0 }).ctx),
    ).rejects.toThrow(/after waiting 0s/);
    expect(clock.sleeps).toEqual([]);
  });

  it('refuses subnets not owned by the network account, and two subnets in one AZ', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        {
          SubnetId: SUBNETS[0],
          VpcId: VPC,
          OwnerId: '333333333333',
          AvailabilityZoneId: 'use1-az1',
        },
        {
          SubnetId: SUBNETS[1],
          VpcId: VPC,
          OwnerId: NETWORK,
          AvailabilityZoneId: 'use1-az2',
        },
      ],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /subnet-0b0000000000000b1 is owned by 333333333333/,
    );
    aws.mocks.ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: SUBNETS.map(SubnetId => ({
        SubnetId,
        VpcId: VPC,
        OwnerId: NETWORK,
        AvailabilityZoneId: 'use1-az1',
      })),
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /eksctl takes one subnet per AZ/,
    );
  });

  it('maps AccessDenied to the workload role', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeSubnetsCommand)
      .rejects(awsError('UnauthorizedOperation'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /role backstage-alb-workload in workload account 222222222222 \(Account-B\) is not allowed to call ec2:DescribeSubnets/,
    );
  });

  it('dry-run makes no AWS call', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual([]);
    expect(outputs().dryRun).toBe(true);
    expect(Object.keys(outputs().eksctlSubnets)).toHaveLength(2);
  });

  it('dry-run fails like the real run for an account without credentials', async () => {
    const { aws, action } = setup();
    aws.clients.client = async () => {
      throw new Error(
        `Backstage has no AWS credentials for account ${WORKLOAD}: add it to aws.accounts in app-config`,
      );
    };
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await expect(action.handler(ctx)).rejects.toThrow(
      `workloadAccountId: Backstage has no AWS credentials for account ${WORKLOAD}: add it to aws.accounts`,
    );
    expect(outputs()).toEqual({});
  });

  it('rejects equal accounts and bad subnet IDs before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({ ...input, workloadAccountId: NETWORK }).ctx,
      ),
    ).rejects.toThrow(
      /workloadAccountId: expected an account different from networkAccountId/,
    );
    await expect(
      action.handler(
        actionContext({ ...input, subnetIds: ['subnet-xyz'] }).ctx,
      ),
    ).rejects.toThrow(/subnetIds.0: expected a subnet ID/);
    expect(aws.commands()).toEqual([]);
  });
});
