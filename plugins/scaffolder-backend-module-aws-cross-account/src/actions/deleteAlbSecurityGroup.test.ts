import {
  DeleteSecurityGroupCommand,
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
} from '../__testUtils__/testing';
import { createDeleteAlbSecurityGroupAction } from './deleteAlbSecurityGroup';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const SG = 'sg-0a0000000000000a1';
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  vpcId: VPC,
  clusterName: 'shop-prod',
};
const MANAGED = [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }];

function setup(groups: object[]) {
  const aws = mockAws();
  const audit = mockAuditor();
  aws.mocks.ec2
    .on(DescribeSecurityGroupsCommand)
    .resolves({ SecurityGroups: groups });
  aws.mocks.ec2.on(DeleteSecurityGroupCommand).resolves({});
  const action = createDeleteAlbSecurityGroupAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

describe('aws:ec2:delete-alb-security-group', () => {
  it('deletes the managed group found by VPC and name', async () => {
    const { aws, audit, action } = setup([
      { GroupId: SG, GroupName: 'shop-prod-alb', Tags: MANAGED },
    ]);
    const store = checkpointStore();
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await action.handler(ctx);
    expect(
      aws.mocks.ec2.commandCalls(DescribeSecurityGroupsCommand)[0].args[0].input
        .Filters,
    ).toEqual([
      { Name: 'vpc-id', Values: [VPC] },
      { Name: 'group-name', Values: ['shop-prod-alb'] },
    ]);
    expect(
      aws.mocks.ec2.commandCalls(DeleteSecurityGroupCommand)[0].args[0].input,
    ).toEqual({ GroupId: SG });
    expect(store.keys).toEqual([
      `ec2.sg.${NETWORK}.${REGION}.${VPC}.shop-prod-alb.delete`,
    ]);
    expect(audit.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        meta: expect.objectContaining({
          action: 'ec2:DeleteSecurityGroup',
          resourceArn: `arn:aws:ec2:${REGION}:${NETWORK}:security-group/${SG}`,
        }),
      }),
    );
    expect(outputs()).toEqual({
      groupName: 'shop-prod-alb',
      securityGroupId: SG,
      deleted: true,
    });
  });

  it('succeeds when the group does not exist', async () => {
    const { aws, action } = setup([]);
    const { ctx, outputs } = actionContext({
      ...input,
      groupName: 'shop-prod-default-game-alb',
    });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs()).toEqual({
      groupName: 'shop-prod-default-game-alb',
      deleted: false,
    });
  });

  it('treats a group deleted concurrently as deleted', async () => {
    const { aws, action } = setup([
      { GroupId: SG, GroupName: 'shop-prod-alb', Tags: MANAGED },
    ]);
    aws.mocks.ec2
      .on(DeleteSecurityGroupCommand)
      .rejects(awsError('InvalidGroup.NotFound'));
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs().deleted).toBe(true);
  });

  it("waits while the ALB's network interfaces still use the group", async () => {
    const aws = mockAws();
    aws.mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: SG, GroupName: 'shop-prod-alb', Tags: MANAGED },
      ],
    });
    aws.mocks.ec2
      .on(DeleteSecurityGroupCommand)
      .rejectsOnce(
        awsError('DependencyViolation', 'resource sg has a dependent object'),
      )
      .rejectsOnce(
        awsError('DependencyViolation', 'resource sg has a dependent object'),
      )
      .resolves({});
    const slept: number[] = [];
    const action = createDeleteAlbSecurityGroupAction({
      clients: aws.clients,
      dependencyWait: { initialDelayMs: 5_000, maxDelayMs: 8_000 },
      sleep: async ms => {
        slept.push(ms);
      },
    });
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(slept).toEqual([5_000, 8_000]);
    expect(aws.mocks.ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(
      3,
    );
    expect(outputs().deleted).toBe(true);
  });

  it('gives up after its deadline, saying what still uses the group', async () => {
    const aws = mockAws();
    aws.mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: SG, GroupName: 'shop-prod-alb', Tags: MANAGED },
      ],
    });
    aws.mocks.ec2
      .on(DeleteSecurityGroupCommand)
      .rejects(
        awsError('DependencyViolation', 'resource sg has a dependent object'),
      );
    const slept: number[] = [];
    const action = createDeleteAlbSecurityGroupAction({
      clients: aws.clients,
      dependencyWait: {
        timeoutMs: 60_000,
        initialDelayMs: 20_000,
        maxDelayMs: 40_000,
      },
      sleep: async ms => {
        slept.push(ms);
      },
    });
    const { ctx } = actionContext(input);
    await expect(action.handler(ctx)).rejects.toThrow(
      /still in use after 60 s of waiting .*check that the controller deleted the ALB/,
    );
    expect(slept).toEqual([20_000, 40_000]);
  });

  it('refuses a group this project did not create, also in a dry-run', async () => {
    const { aws, action } = setup([
      { GroupId: SG, GroupName: 'shop-prod-alb', Tags: [] },
    ]);
    for (const isDryRun of [false, true]) {
      const { ctx } = actionContext(input, { isDryRun });
      await expect(action.handler(ctx)).rejects.toThrow(
        /Refusing to delete security group sg-0a0000000000000a1 .*no cross-account-alb:managed-by tag/,
      );
    }
    expect(aws.mutations()).toEqual([]);
  });

  it('lists the group in a dry-run without deleting it', async () => {
    const { aws, action } = setup([
      { GroupId: SG, GroupName: 'shop-prod-alb', Tags: MANAGED },
    ]);
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().dryRun).toBe(true);
    expect(outputs().wouldDelete).toEqual([
      `security group ${SG} (shop-prod-alb) in ${VPC}`,
    ]);
  });

  it('still lists the group in a dry-run when it cannot look', async () => {
    const { aws, action } = setup([]);
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand)
      .rejects(awsError('CredentialsProviderError'));
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs().wouldDelete).toEqual([
      `security group shop-prod-alb in ${VPC}`,
    ]);
  });

  it('only finds the group with lookupOnly, also in a dry-run', async () => {
    const { aws, action } = setup([
      { GroupId: SG, GroupName: 'shop-prod-alb', Tags: MANAGED },
    ]);
    for (const isDryRun of [false, true]) {
      const { ctx, outputs } = actionContext(
        { ...input, lookupOnly: true },
        { isDryRun },
      );
      await action.handler(ctx);
      expect(outputs()).toMatchObject({
        securityGroupId: SG,
        deleted: false,
        wouldDelete: [],
      });
    }
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses a group name that is a group ID', async () => {
    const { aws, action } = setup([]);
    const { ctx } = actionContext({ ...input, groupName: 'sg-12345678' });
    await expect(action.handler(ctx)).rejects.toThrow(
      /groupName: expected a name not starting with sg-/,
    );
    expect(aws.commands()).toEqual([]);
  });
});
