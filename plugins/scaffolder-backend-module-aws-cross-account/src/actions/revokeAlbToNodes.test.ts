import {
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
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
import { createRevokeAlbToNodesAction } from './revokeAlbToNodes';

const NODE_SG = 'sg-0c0000000000000c1';
const ALB_SG = 'sg-0a0000000000000a1';
const input = {
  workloadAccountId: WORKLOAD,
  networkAccountId: NETWORK,
  region: REGION,
  nodeSecurityGroupId: NODE_SG,
  albSecurityGroupId: ALB_SG,
  fromPort: 80,
};
const fromAlb = (from: number, to: number, groupId = ALB_SG) => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  UserIdGroupPairs: [{ GroupId: groupId, UserId: NETWORK, Description: 'ALB' }],
});

function setup(permissions: object[] | undefined) {
  const aws = mockAws();
  const audit = mockAuditor();
  if (permissions) {
    aws.mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: NODE_SG, IpPermissions: permissions }],
    });
  } else {
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand)
      .rejects(awsError('InvalidGroup.NotFound'));
  }
  aws.mocks.ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
  const action = createRevokeAlbToNodesAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

describe('aws:ec2:revoke-alb-to-nodes', () => {
  it('removes the rule referencing the ALB group, checkpointed and audited', async () => {
    const { aws, audit, action } = setup([
      fromAlb(80, 80),
      fromAlb(80, 80, 'sg-0b0000000000000b1'),
    ]);
    const store = checkpointStore();
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await action.handler(ctx);
    const call = aws.mocks.ec2.commandCalls(
      RevokeSecurityGroupIngressCommand,
    )[0].args[0].input;
    expect(call).toEqual({
      GroupId: NODE_SG,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          UserIdGroupPairs: [
            { GroupId: ALB_SG, UserId: NETWORK, Description: 'ALB' },
          ],
        },
      ],
    });
    expect(aws.targets[0].accountId).toBe(WORKLOAD);
    expect(store.keys).toEqual([
      `ec2.sg.${NODE_SG}.from.${ALB_SG}.80-80.revoke`,
    ]);
    expect(audit.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        meta: expect.objectContaining({
          action: 'ec2:RevokeSecurityGroupIngress',
          accountId: WORKLOAD,
        }),
      }),
    );
    expect(audit.success).toHaveBeenCalled();
    expect(outputs()).toEqual({
      nodeSecurityGroupId: NODE_SG,
      albSecurityGroupId: ALB_SG,
      deleted: true,
    });
  });

  it('with allPorts, removes every rule from the ALB group before the group goes', async () => {
    const other = 'sg-0b0000000000000b1';
    const { aws, action } = setup([
      fromAlb(80, 80),
      fromAlb(8080, 8080),
      fromAlb(80, 80, other),
    ]);
    await action.handler(actionContext({ ...input, allPorts: true }).ctx);
    const call = aws.mocks.ec2.commandCalls(
      RevokeSecurityGroupIngressCommand,
    )[0].args[0].input;
    expect(
      call.IpPermissions?.map(p => [
        p.FromPort,
        p.ToPort,
        p.UserIdGroupPairs?.map(g => g.GroupId),
      ]),
    ).toEqual([
      [80, 80, [ALB_SG]],
      [8080, 8080, [ALB_SG]],
    ]);
  });

  it('succeeds without a call when the rule is already gone', async () => {
    const { aws, action } = setup([fromAlb(443, 443)]);
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().deleted).toBe(false);
  });

  it('succeeds when the node group itself is gone', async () => {
    const { aws, action } = setup(undefined);
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().deleted).toBe(false);
  });

  it('treats a rule removed concurrently as removed', async () => {
    const { aws, action } = setup([fromAlb(80, 80)]);
    aws.mocks.ec2
      .on(RevokeSecurityGroupIngressCommand)
      .rejects(awsError('InvalidPermission.NotFound'));
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs().deleted).toBe(true);
  });

  it('lists the rule in a dry-run without removing it', async () => {
    const { aws, action } = setup([fromAlb(80, 80)]);
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().dryRun).toBe(true);
    expect(outputs().wouldDelete).toEqual([
      `security group rule tcp 80-80 from ${ALB_SG} on ${NODE_SG}`,
    ]);
  });

  it('lists nothing in a dry-run when the rule is gone', async () => {
    const { action } = setup([]);
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs().wouldDelete).toEqual([]);
  });

  it('refuses the same malformed input as allow-alb-to-nodes', async () => {
    const { aws, action } = setup([]);
    const { ctx } = actionContext({ ...input, fromPort: 90, toPort: 80 });
    await expect(action.handler(ctx)).rejects.toThrow(
      /toPort: expected toPort greater than or equal to fromPort/,
    );
    const same = actionContext({ ...input, workloadAccountId: NETWORK });
    await expect(action.handler(same.ctx)).rejects.toThrow(/workloadAccountId/);
    expect(aws.commands()).toEqual([]);
  });
});
