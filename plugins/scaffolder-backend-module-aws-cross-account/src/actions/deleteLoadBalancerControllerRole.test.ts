import {
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
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
import { createDeleteLoadBalancerControllerRoleAction } from './deleteLoadBalancerControllerRole';

const ROLE = `shop-prod-${WORKLOAD}-aws-lbc`;
const ROLE_ARN = `arn:aws:iam::${NETWORK}:role/cross-account-alb/${ROLE}`;
const POLICY_ARN = `arn:aws:iam::${NETWORK}:policy/cross-account-alb/AWSLoadBalancerControllerIAMPolicy`;
const MANAGED = [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }];
const OWNER = [
  ...MANAGED,
  { Key: 'cross-account-alb:cluster', Value: 'shop-prod' },
  { Key: 'cross-account-alb:workload-account', Value: WORKLOAD },
];
const input = {
  networkAccountId: NETWORK,
  workloadAccountId: WORKLOAD,
  region: REGION,
  clusterName: 'shop-prod',
};

function setup(
  options: {
    role?: boolean;
    roleTags?: object[];
    attached?: string[];
    policyUsers?: string[];
  } = {},
) {
  const aws = mockAws();
  const audit = mockAuditor();
  if (options.role === false) {
    aws.mocks.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity'));
  } else {
    aws.mocks.iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: ROLE,
        Arn: ROLE_ARN,
        Tags: (options.roleTags ?? OWNER) as any,
      } as any,
    });
  }
  aws.mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: (options.attached ?? [POLICY_ARN]).map(PolicyArn => ({
      PolicyArn,
    })),
  });
  aws.mocks.iam.on(GetPolicyCommand).resolves({
    Policy: { Arn: POLICY_ARN, DefaultVersionId: 'v2', Tags: MANAGED as any },
  });
  aws.mocks.iam.on(ListEntitiesForPolicyCommand).resolves({
    PolicyRoles: (options.policyUsers ?? [ROLE]).map(RoleName => ({
      RoleName,
    })),
  });
  aws.mocks.iam.on(ListPolicyVersionsCommand).resolves({
    Versions: [
      { VersionId: 'v2', IsDefaultVersion: true },
      { VersionId: 'v1', IsDefaultVersion: false },
    ],
  });
  const action = createDeleteLoadBalancerControllerRoleAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

describe('aws:iam:delete-load-balancer-controller-role', () => {
  it("refuses, naming the owner, to delete another workload account's cluster role", async () => {
    const { aws, action } = setup({
      roleTags: [
        ...MANAGED,
        { Key: 'cross-account-alb:cluster', Value: 'shop-prod' },
        { Key: 'cross-account-alb:workload-account', Value: '333333333333' },
      ],
    });
    await expect(
      action.handler(actionContext({ ...input, roleName: ROLE }).ctx),
    ).rejects.toThrow(
      `Refusing to delete role ${ROLE_ARN} in network account ${NETWORK}: it belongs to cluster shop-prod in workload account 333333333333, not to cluster shop-prod in workload account ${WORKLOAD}.`,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('needs the workload account (or a role name) to name the role', async () => {
    const { aws, action } = setup();
    const { workloadAccountId: _, ...withoutAccount } = input;
    await expect(
      action.handler(actionContext(withoutAccount).ctx),
    ).rejects.toThrow(/give workloadAccountId/);
    expect(aws.mutations()).toEqual([]);
  });

  it('detaches the policy and deletes the role, keeping the shared policy by default', async () => {
    const { aws, audit, action } = setup();
    const store = checkpointStore();
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'DetachRolePolicyCommand',
      'DeleteRoleCommand',
    ]);
    expect(
      aws.mocks.iam.commandCalls(DetachRolePolicyCommand)[0].args[0].input,
    ).toEqual({ RoleName: ROLE, PolicyArn: POLICY_ARN });
    expect(
      aws.mocks.iam.commandCalls(DeleteRoleCommand)[0].args[0].input,
    ).toEqual({ RoleName: ROLE });
    expect(store.keys).toEqual([
      `iam.role.${NETWORK}.${ROLE}.detach.${POLICY_ARN}`,
      `iam.role.${NETWORK}.${ROLE}.delete`,
    ]);
    expect(audit.createEvent).toHaveBeenCalledTimes(2);
    expect(aws.mocks.iam.commandCalls(GetPolicyCommand)).toHaveLength(0);
    expect(outputs()).toEqual({
      roleName: ROLE,
      policyArn: POLICY_ARN,
      roleDeleted: true,
      policyDeleted: false,
    });
  });

  it('with deletePolicy, deletes the non-default versions and then the policy', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext({ ...input, deletePolicy: true });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'DetachRolePolicyCommand',
      'DeleteRoleCommand',
      'DeletePolicyVersionCommand',
      'DeletePolicyCommand',
    ]);
    expect(
      aws.mocks.iam.commandCalls(DeletePolicyVersionCommand)[0].args[0].input,
    ).toEqual({ PolicyArn: POLICY_ARN, VersionId: 'v1' });
    expect(
      aws.mocks.iam.commandCalls(DeletePolicyCommand)[0].args[0].input,
    ).toEqual({ PolicyArn: POLICY_ARN });
    expect(outputs().policyDeleted).toBe(true);
  });

  it('with deletePolicy, keeps a policy another role still uses', async () => {
    const { aws, action } = setup({ policyUsers: [ROLE, 'other-aws-lbc'] });
    const { ctx, outputs } = actionContext({ ...input, deletePolicy: true });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'DetachRolePolicyCommand',
      'DeleteRoleCommand',
    ]);
    expect(outputs().policyDeleted).toBe(false);
  });

  it('succeeds when the role does not exist', async () => {
    const { aws, action } = setup({ role: false });
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().roleDeleted).toBe(false);
  });

  it('succeeds when the role was never given the policy', async () => {
    const { aws, action } = setup({ attached: [] });
    const { ctx } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual(['DeleteRoleCommand']);
  });

  it('refuses a role this project did not create', async () => {
    const { aws, action } = setup({ roleTags: [] });
    const { ctx } = actionContext(input);
    await expect(action.handler(ctx)).rejects.toThrow(
      /Refusing to delete role .*no cross-account-alb:managed-by tag/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses a role that carries other policies too', async () => {
    const { aws, action } = setup({
      attached: [POLICY_ARN, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
    const { ctx } = actionContext(input);
    await expect(action.handler(ctx)).rejects.toThrow(
      /policies other than .* are attached to it \(arn:aws:iam::aws:policy\/ReadOnlyAccess\)/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('lists what it would delete in a dry-run without deleting', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(
      { ...input, deletePolicy: true },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs().dryRun).toBe(true);
    expect(outputs().wouldDelete).toEqual([
      `attachment of ${POLICY_ARN} to role ${ROLE}`,
      `IAM role ${ROLE_ARN}`,
      `IAM policy ${POLICY_ARN}`,
    ]);
  });

  it('lists nothing in a dry-run when the role is gone', async () => {
    const { action } = setup({ role: false });
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs().wouldDelete).toEqual([]);
  });
});
