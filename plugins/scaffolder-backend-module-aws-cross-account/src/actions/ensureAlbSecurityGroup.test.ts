import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
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
import { createEnsureAlbSecurityGroupAction } from './ensureAlbSecurityGroup';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const SG = 'sg-0a0000000000000a1';
const MANAGED = [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }];
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  vpcId: VPC,
  clusterName: 'shop-prod',
};

function setup(existing?: object) {
  const aws = mockAws();
  const audit = mockAuditor();
  aws.mocks.ec2.on(DescribeVpcsCommand).resolves({
    Vpcs: [{ VpcId: VPC, CidrBlock: '10.20.0.0/16', OwnerId: NETWORK }],
  });
  aws.mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: existing
      ? [
          {
            GroupId: SG,
            GroupName: 'shop-prod-alb',
            VpcId: VPC,
            Tags: MANAGED,
            IpPermissions: [],
            ...existing,
          },
        ]
      : [],
  });
  aws.mocks.ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: SG });
  aws.mocks.ec2
    .on(AuthorizeSecurityGroupIngressCommand)
    .resolves({ Return: true });
  const action = createEnsureAlbSecurityGroupAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

const rule = (port: number, cidr: string) => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: cidr }],
});

describe('aws:ec2:ensure-alb-security-group', () => {
  it('creates a tagged group in the shared VPC open to the internet on port 80', async () => {
    const { aws, audit, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(
      aws.mocks.ec2.commandCalls(CreateSecurityGroupCommand)[0].args[0].input,
    ).toMatchObject({
      GroupName: 'shop-prod-alb',
      VpcId: VPC,
      TagSpecifications: [
        {
          ResourceType: 'security-group',
          Tags: expect.arrayContaining([
            ...MANAGED,
            { Key: 'elbv2.k8s.aws/cluster', Value: 'shop-prod' },
          ]),
        },
      ],
    });
    expect(
      aws.mocks.ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]
        .args[0].input.IpPermissions,
    ).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ALB listener 80' }],
      },
    ]);
    expect(outputs()).toMatchObject({
      securityGroupId: SG,
      securityGroupArn: `arn:aws:ec2:us-east-1:${NETWORK}:security-group/${SG}`,
      ingressCidrs: ['0.0.0.0/0'],
      created: true,
    });
    expect(audit.success).toHaveBeenCalledWith({
      meta: {
        resourceArn: `arn:aws:ec2:us-east-1:${NETWORK}:security-group/${SG}`,
      },
    });
  });

  it("refuses a VPC other than the cluster's, before any AWS call", async () => {
    const { aws, action } = setup();
    const other = 'vpc-0ffffffffffffffff';
    for (const isDryRun of [false, true]) {
      await expect(
        action.handler(
          actionContext({ ...input, clusterVpcId: other }, { isDryRun }).ctx,
        ),
      ).rejects.toThrow(
        `vpcId: ${VPC} is not the VPC cluster shop-prod runs in (clusterVpcId ${other}, as EKS reports it)`,
      );
    }
    expect(aws.commands()).toEqual([]);
    // The same VPC passes.
    await action.handler(actionContext({ ...input, clusterVpcId: VPC }).ctx);
  });

  it('defaults an internal ALB to the VPC CIDR', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext({
      ...input,
      scheme: 'internal',
      listenerPorts: [80, 443],
    });
    await action.handler(ctx);
    expect(outputs().ingressCidrs).toEqual(['10.20.0.0/16']);
    expect(
      aws.mocks.ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]
        .args[0].input.IpPermissions,
    ).toHaveLength(2);
  });

  it('makes no mutating call when the group and its rules exist', async () => {
    const { aws, action } = setup({ IpPermissions: [rule(80, '0.0.0.0/0')] });
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().created).toBe(false);
  });

  it('adds only the missing rule to a partial group (drift repaired)', async () => {
    const { aws, action } = setup({ IpPermissions: [rule(80, '0.0.0.0/0')] });
    await action.handler(
      actionContext({ ...input, listenerPorts: [80, 443] }).ctx,
    );
    expect(aws.mutations()).toEqual(['AuthorizeSecurityGroupIngressCommand']);
    expect(
      aws.mocks.ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]
        .args[0].input.IpPermissions,
    ).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443 })]);
  });

  it('takes over the group whose create answer was lost (InvalidGroup.Duplicate on the retry)', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [] })
      .resolves({
        SecurityGroups: [
          {
            GroupId: SG,
            GroupName: 'shop-prod-alb',
            VpcId: VPC,
            Tags: MANAGED,
            IpPermissions: [],
          },
        ],
      });
    aws.mocks.ec2
      .on(CreateSecurityGroupCommand)
      .rejects(awsError('InvalidGroup.Duplicate', 'already exists'));
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'CreateSecurityGroupCommand',
      'AuthorizeSecurityGroupIngressCommand',
    ]);
    expect(outputs()).toMatchObject({ securityGroupId: SG, created: false });
  });

  it('refuses a group someone else created between the look-up and the create', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [] })
      .resolves({
        SecurityGroups: [
          { GroupId: SG, GroupName: 'shop-prod-alb', VpcId: VPC, Tags: [] },
        ],
      });
    aws.mocks.ec2
      .on(CreateSecurityGroupCommand)
      .rejects(awsError('InvalidGroup.Duplicate', 'already exists'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /not created by this project/,
    );
    expect(aws.mutations()).toEqual(['CreateSecurityGroupCommand']);
  });

  it("tags an Ingress group's security group with the group and the ALB scheme", async () => {
    const { aws, action } = setup();
    await action.handler(
      actionContext({
        ...input,
        groupName: 'shop-prod-group.storefront-alb',
        ingressGroup: 'storefront',
        scheme: 'internal',
      }).ctx,
    );
    expect(
      aws.mocks.ec2.commandCalls(CreateSecurityGroupCommand)[0].args[0].input
        .TagSpecifications?.[0].Tags,
    ).toEqual(
      expect.arrayContaining([
        { Key: 'cross-account-alb:ingress-group', Value: 'storefront' },
        { Key: 'cross-account-alb:alb-scheme', Value: 'internal' },
      ]),
    );
  });

  it('refuses, before any change, a member of an Ingress group asking for another scheme', async () => {
    const { aws, action } = setup({
      GroupName: 'shop-prod-group.storefront-alb',
      Tags: [
        ...MANAGED,
        { Key: 'cross-account-alb:alb-scheme', Value: 'internal' },
        { Key: 'cross-account-alb:ingress-group', Value: 'storefront' },
      ],
    });
    await expect(
      action.handler(
        actionContext({
          ...input,
          groupName: 'shop-prod-group.storefront-alb',
          ingressGroup: 'storefront',
          scheme: 'internet-facing',
        }).ctx,
      ),
    ).rejects.toThrow(
      `scheme: internet-facing differs from the internal ALB that security group ${SG} (shop-prod-group.storefront-alb) serves for Ingress group storefront. The Ingresses of a group share one ALB and the Load Balancer Controller refuses a group whose schemes differ ("conflicting scheme"): choose internal, or another Ingress group.`,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses to adopt a group it did not create', async () => {
    const { aws, action } = setup({ Tags: [] });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /not created by this project/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses a VPC not owned by the network account', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(DescribeVpcsCommand)
      .resolves({ Vpcs: [{ VpcId: VPC, OwnerId: '333333333333' }] });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /is owned by 333333333333/,
    );
  });

  it('maps AccessDenied on CreateSecurityGroup', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(CreateSecurityGroupCommand)
      .rejects(awsError('UnauthorizedOperation'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /backstage-alb-network .* not allowed to call ec2:CreateSecurityGroup/,
    );
  });

  it('dry-run makes no AWS call', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual([]);
    expect(outputs()).toMatchObject({
      groupName: 'shop-prod-alb',
      dryRun: true,
    });
  });

  it('rejects bad input before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({
          ...input,
          listenerPorts: [70000],
          ingressCidrs: ['10.0.0.0'],
          scheme: 'public',
        }).ctx,
      ),
    ).rejects.toThrow(
      /scheme: .*listenerPorts.0: expected a port between 0 and 65535; ingressCidrs.0: expected an IPv4 CIDR/,
    );
    expect(aws.commands()).toEqual([]);
  });

  it('does not create the group again when resumed', async () => {
    const { aws, action } = setup();
    const store = checkpointStore();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    aws.mocks.ec2.resetHistory();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    expect(aws.mutations()).toEqual([]);
  });
});

describe('aws:ec2:ensure-alb-security-group after a resume', () => {
  it('treats a rule that already exists as done when the lookup lags behind', async () => {
    const { aws, action } = setup();
    aws.mocks.ec2
      .on(AuthorizeSecurityGroupIngressCommand)
      .rejects(awsError('InvalidPermission.Duplicate'));
    const store = checkpointStore({
      [`ec2.sg.${NETWORK}.${REGION}.${VPC}.shop-prod-alb.create`]: SG,
    });
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await action.handler(ctx);
    expect(aws.mocks.ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(
      0,
    );
    expect(outputs().securityGroupId).toBe(SG);
  });
});
