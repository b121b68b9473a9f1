import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  actionContext,
  awsError,
  checkpointStore,
  mockAuditor,
  mockAws,
  NETWORK,
  REGION,
  WORKLOAD,
} from '../__testUtils__/testing';
import { createAllowAlbToNodesAction } from './allowAlbToNodes';

const NODE_SG = 'sg-0c0000000000000c1';
const ALB_SG = 'sg-0a0000000000000a1';
const VPC = 'vpc-0a1b2c3d4e5f60718';
const input = {
  workloadAccountId: WORKLOAD,
  networkAccountId: NETWORK,
  region: REGION,
  nodeSecurityGroupId: NODE_SG,
  albSecurityGroupId: ALB_SG,
  fromPort: 80,
};

function setup(permissions: object[] = []) {
  const aws = mockAws();
  const audit = mockAuditor();
  aws.mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      {
        GroupId: NODE_SG,
        OwnerId: WORKLOAD,
        VpcId: VPC,
        IpPermissions: permissions,
      },
    ],
  });
  aws.mocks.ec2
    .on(DescribeSecurityGroupsCommand, { GroupIds: [ALB_SG] })
    .resolves({
      SecurityGroups: [{ GroupId: ALB_SG, OwnerId: NETWORK, VpcId: VPC }],
    });
  aws.mocks.ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({
    Return: true,
    SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0123' }],
  });
  const action = createAllowAlbToNodesAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

const fromAlb = (from: number, to: number, groupId = ALB_SG) => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  UserIdGroupPairs: [{ GroupId: groupId, UserId: NETWORK }],
});

describe('aws:ec2:allow-alb-to-nodes (client mock: moto refuses security-group references across accounts)', () => {
  it('refuses an ALB group of another VPC than the nodes, before any mutation', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand, { GroupIds: [ALB_SG] })
      .resolves({
        SecurityGroups: [
          { GroupId: ALB_SG, OwnerId: NETWORK, VpcId: 'vpc-0ffffffffffffffff' },
        ],
      });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      `albSecurityGroupId: ${ALB_SG} is in vpc-0ffffffffffffffff but nodeSecurityGroupId: ${NODE_SG} is in ${VPC}. The ALB security group must be in the shared VPC the cluster runs in`,
    );
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand, { GroupIds: [ALB_SG] })
      .resolves({ SecurityGroups: [] });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      `albSecurityGroupId: ${ALB_SG} was not found in network account ${NETWORK}`,
    );
    expect(aws.mutations()).toEqual([]);
    // The ALB group is read as the network account that owns it.
    expect(aws.targets.map(t => t.accountId)).toContain(NETWORK);
  });

  it('adds a rule referencing the ALB group of the network account, not a CIDR', async () => {
    const { aws, audit, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    const call = aws.mocks.ec2.commandCalls(
      AuthorizeSecurityGroupIngressCommand,
    )[0].args[0].input;
    expect(call.GroupId).toBe(NODE_SG);
    expect(call.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        UserIdGroupPairs: [
          { GroupId: ALB_SG, UserId: NETWORK, Description: expect.any(String) },
        ],
      },
    ]);
    expect(call.IpPermissions![0].IpRanges).toBeUndefined();
    expect(aws.targets[0].accountId).toBe(WORKLOAD);
    expect(outputs()).toEqual({
      nodeSecurityGroupId: NODE_SG,
      albSecurityGroupId: ALB_SG,
      fromPort: 80,
      toPort: 80,
      created: true,
      securityGroupRuleId: 'sgr-0123',
    });
    expect(audit.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        meta: expect.objectContaining({
          accountId: WORKLOAD,
          resourceArn: `arn:aws:ec2:us-east-1:${WORKLOAD}:security-group/${NODE_SG}`,
        }),
      }),
    );
  });

  it('treats an existing identical or wider rule as success', async () => {
    for (const existing of [
      fromAlb(80, 80),
      fromAlb(0, 65535),
      { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: ALB_SG }] },
    ]) {
      const { aws, action } = setup([existing]);
      const { ctx, outputs } = actionContext(input);
      await action.handler(ctx);
      expect(aws.mutations()).toEqual([]);
      expect(outputs().created).toBe(false);
    }
  });

  it('adds the range when only part of it is open (partial / drift repaired)', async () => {
    const { aws, action } = setup([
      fromAlb(8080, 8085),
      fromAlb(8080, 8090, 'sg-0ffffffffffffffff'),
    ]);
    await action.handler(
      actionContext({ ...input, fromPort: 8080, toPort: 8090 }).ctx,
    );
    expect(aws.mutations()).toEqual(['AuthorizeSecurityGroupIngressCommand']);
  });

  it('treats InvalidPermission.Duplicate from a concurrent run as success', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(AuthorizeSecurityGroupIngressCommand)
      .rejects(awsError('InvalidPermission.Duplicate'));
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs().created).toBe(true);
  });

  it('says which group is missing in which account', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand)
      .rejects(awsError('InvalidGroup.NotFound'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /nodeSecurityGroupId: sg-0c0000000000000c1 was not found in workload account 222222222222/,
    );
  });

  it('maps AccessDenied to the workload role', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(AuthorizeSecurityGroupIngressCommand)
      .rejects(awsError('UnauthorizedOperation'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /role backstage-alb-workload in workload account 222222222222 \(Account-B\) is not allowed to call ec2:AuthorizeSecurityGroupIngress/,
    );
  });

  it('dry-run makes no AWS call', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual([]);
    expect(outputs().dryRun).toBe(true);
  });

  it('rejects bad input before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({
          ...input,
          fromPort: 90,
          toPort: 80,
          albSecurityGroupId: 'sg-1',
        }).ctx,
      ),
    ).rejects.toThrow(
      /albSecurityGroupId: expected a security group ID.*toPort: expected toPort greater than or equal to fromPort/,
    );
    expect(aws.commands()).toEqual([]);
  });

  it('does not authorize again when resumed', async () => {
    const { aws, action } = setup();
    const store = checkpointStore();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    expect(
      aws.mocks.ec2.commandCalls(AuthorizeSecurityGroupIngressCommand),
    ).toHaveLength(1);
  });
});
