import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeletePolicyVersionCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { buildIrsaTrustPolicy } from '../lib/builders';
import {
  actionContext,
  awsError,
  checkpointStore,
  ISSUER,
  mockAuditor,
  mockAws,
  NETWORK,
  REGION,
  WORKLOAD,
} from '../__testUtils__/testing';
import {
  loadBalancerControllerIamPolicy,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY,
} from '../policies';
import { createEnsureLoadBalancerControllerRoleAction } from './ensureLoadBalancerControllerRole';

const POLICY_ARN = `arn:aws:iam::${NETWORK}:policy/cross-account-alb/AWSLoadBalancerControllerIAMPolicy`;
const ROLE_NAME = `shop-prod-${WORKLOAD}-aws-lbc`;
const ROLE_ARN = `arn:aws:iam::${NETWORK}:role/cross-account-alb/${ROLE_NAME}`;
const OWNER_TAGS = [
  { Key: 'cross-account-alb:managed-by', Value: 'backstage' },
  { Key: 'cross-account-alb:cluster', Value: 'shop-prod' },
  { Key: 'cross-account-alb:workload-account', Value: WORKLOAD },
];
const input = {
  networkAccountId: NETWORK,
  workloadAccountId: WORKLOAD,
  region: REGION,
  clusterName: 'shop-prod',
  oidcIssuerUrl: ISSUER,
};
const trust = buildIrsaTrustPolicy({
  partition: 'aws',
  networkAccountId: NETWORK,
  oidcIssuerUrl: ISSUER,
  namespace: 'kube-system',
  serviceAccountName: 'aws-load-balancer-controller',
});

function setup(
  state: {
    policy?: boolean;
    document?: object;
    versions?: number;
    role?: boolean;
    trust?: object;
    attached?: boolean;
    roleTags?: Array<{ Key: string; Value: string }>;
  } = {},
) {
  const aws = mockAws();
  const audit = mockAuditor();
  const iam = aws.mocks.iam;
  iam
    .on(GetOpenIDConnectProviderCommand)
    .resolves({ ClientIDList: ['sts.amazonaws.com'] });
  if (state.policy) {
    iam.on(GetPolicyCommand).resolves({
      Policy: { Arn: POLICY_ARN, DefaultVersionId: 'v1', Tags: [] },
    });
    iam.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: {
        VersionId: 'v1',
        Document: encodeURIComponent(
          JSON.stringify(state.document ?? LOAD_BALANCER_CONTROLLER_IAM_POLICY),
        ),
      },
    });
  } else {
    iam.on(GetPolicyCommand).rejects(awsError('NoSuchEntity'));
  }
  iam.on(ListPolicyVersionsCommand).resolves({
    Versions: Array.from({ length: state.versions ?? 1 }, (_, i) => ({
      VersionId: `v${i + 1}`,
      IsDefaultVersion: i === (state.versions ?? 1) - 1,
      CreateDate: new Date(2025, 0, i + 1),
    })),
  });
  iam
    .on(CreatePolicyCommand)
    .resolves({ Policy: { Arn: POLICY_ARN, DefaultVersionId: 'v1' } });
  iam
    .on(CreatePolicyVersionCommand)
    .resolves({ PolicyVersion: { VersionId: 'v9' } });
  if (state.role) {
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: ROLE_NAME,
        Arn: ROLE_ARN,
        Path: '/cross-account-alb/',
        RoleId: 'x',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify(state.trust ?? trust),
        ),
        Tags: state.roleTags ?? OWNER_TAGS,
      },
    });
  } else {
    iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity'));
  }
  iam.on(CreateRoleCommand).resolves({ Role: { Arn: ROLE_ARN } as any });
  iam.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: state.attached ? [{ PolicyArn: POLICY_ARN }] : [],
  });
  const action = createEnsureLoadBalancerControllerRoleAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

describe('aws:iam:ensure-load-balancer-controller-role', () => {
  it('creates the pinned policy, the IRSA role and attaches them', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'CreatePolicyCommand',
      'CreateRoleCommand',
      'AttachRolePolicyCommand',
    ]);
    const createPolicy =
      aws.mocks.iam.commandCalls(CreatePolicyCommand)[0].args[0].input;
    expect(JSON.parse(createPolicy.PolicyDocument!)).toEqual(
      LOAD_BALANCER_CONTROLLER_IAM_POLICY,
    );
    expect(createPolicy.Path).toBe('/cross-account-alb/');
    const createRole =
      aws.mocks.iam.commandCalls(CreateRoleCommand)[0].args[0].input;
    expect(JSON.parse(createRole.AssumeRolePolicyDocument!)).toEqual(trust);
    expect(
      aws.mocks.iam.commandCalls(AttachRolePolicyCommand)[0].args[0].input,
    ).toEqual({
      RoleName: ROLE_NAME,
      PolicyArn: POLICY_ARN,
    });
    expect(outputs()).toEqual({
      roleArn: ROLE_ARN,
      roleName: ROLE_NAME,
      policyArn: POLICY_ARN,
      policyVersionId: 'v1',
      controllerVersion: 'v3.5.0',
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': ROLE_ARN },
    });
  });

  it("attaches the controller's GovCloud policy in a GovCloud region", async () => {
    const { aws, action } = setup();
    const govIssuer =
      'https://oidc.eks.us-gov-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
    const { ctx, outputs } = actionContext({
      ...input,
      region: 'us-gov-west-1',
      oidcIssuerUrl: govIssuer,
    });
    await action.handler(ctx);
    const createPolicy =
      aws.mocks.iam.commandCalls(CreatePolicyCommand)[0].args[0].input;
    expect(JSON.parse(createPolicy.PolicyDocument!)).toEqual(
      loadBalancerControllerIamPolicy('aws-us-gov'),
    );
    expect(createPolicy.Description).toContain(
      'docs/install/iam_policy_us-gov.json',
    );
    expect(createPolicy.PolicyDocument).not.toContain('arn:aws:');
    expect(outputs().policyArn).toBe(
      `arn:aws-us-gov:iam::${NETWORK}:policy/cross-account-alb/AWSLoadBalancerControllerIAMPolicy`,
    );
  });

  it('makes no mutating call when everything is in place', async () => {
    const { aws, action } = setup({ policy: true, role: true, attached: true });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual([]);
  });

  it('completes a partial setup: policy exists, role missing', async () => {
    const { aws, action } = setup({ policy: true });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual([
      'CreateRoleCommand',
      'AttachRolePolicyCommand',
    ]);
  });

  it('repairs a drifted trust policy', async () => {
    const drifted = JSON.parse(JSON.stringify(trust));
    drifted.Statement[0].Condition.StringEquals[
      'oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:sub'
    ] = 'system:serviceaccount:default:*';
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      trust: drifted,
    });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual(['UpdateAssumeRolePolicyCommand']);
    const update = aws.mocks.iam.commandCalls(UpdateAssumeRolePolicyCommand)[0]
      .args[0].input;
    expect(JSON.parse(update.PolicyDocument!)).toEqual(trust);
  });

  it('refuses, naming the owner, a role of a cluster of the same name in another workload account', async () => {
    const otherIssuer =
      'https://oidc.eks.us-east-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210';
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      trust: buildIrsaTrustPolicy({
        partition: 'aws',
        networkAccountId: NETWORK,
        oidcIssuerUrl: otherIssuer,
        namespace: 'kube-system',
        serviceAccountName: 'aws-load-balancer-controller',
      }),
      roleTags: [
        { Key: 'cross-account-alb:managed-by', Value: 'backstage' },
        { Key: 'cross-account-alb:cluster', Value: 'shop-prod' },
        { Key: 'cross-account-alb:workload-account', Value: '333333333333' },
      ],
    });
    await expect(
      action.handler(actionContext({ ...input, roleName: ROLE_NAME }).ctx),
    ).rejects.toThrow(
      `Role ${ROLE_ARN} in network account ${NETWORK} belongs to cluster shop-prod in workload account 333333333333 (trusting arn:aws:iam::${NETWORK}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210), not to cluster shop-prod in workload account ${WORKLOAD} (us-east-1); refusing to repoint its trust policy.`,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses the role of a cluster of the same name and account in another region', async () => {
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      trust: buildIrsaTrustPolicy({
        partition: 'aws',
        networkAccountId: NETWORK,
        oidcIssuerUrl:
          'https://oidc.eks.eu-west-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210',
        namespace: 'kube-system',
        serviceAccountName: 'aws-load-balancer-controller',
      }),
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /belongs to cluster shop-prod in workload account 222222222222 \(trusting .*oidc\.eks\.eu-west-1.*\) in eu-west-1, not to cluster shop-prod/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('refuses a managed role that names no cluster rather than guess its owner', async () => {
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      roleTags: [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /belongs to an unnamed cluster \(no cross-account-alb:cluster tag\)/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('names the role after the cluster and its workload account, and tags the owner', async () => {
    const { aws, action } = setup({ policy: true, attached: true });
    await action.handler(actionContext(input).ctx);
    const createRole =
      aws.mocks.iam.commandCalls(CreateRoleCommand)[0].args[0].input;
    expect(createRole.RoleName).toBe('shop-prod-222222222222-aws-lbc');
    expect(createRole.Tags).toEqual(expect.arrayContaining(OWNER_TAGS));
  });

  it('adds the shipped document as a new default version, pruning the oldest of five', async () => {
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      document: { Version: '2012-10-17', Statement: [] },
      versions: 5,
    });
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'DeletePolicyVersionCommand',
      'CreatePolicyVersionCommand',
      'TagPolicyCommand',
    ]);
    expect(
      aws.mocks.iam.commandCalls(DeletePolicyVersionCommand)[0].args[0].input
        .VersionId,
    ).toBe('v1');
    expect(
      aws.mocks.iam.commandCalls(CreatePolicyVersionCommand)[0].args[0].input
        .SetAsDefault,
    ).toBe(true);
    expect(
      aws.mocks.iam.commandCalls(TagPolicyCommand)[0].args[0].input.Tags,
    ).toContainEqual({
      Key: 'cross-account-alb:lbc-version',
      Value: 'v3.5.0',
    });
    expect(outputs().policyVersionId).toBe('v9');
  });

  it('leaves a newer controller document alone', async () => {
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      document: { Statement: [] },
    });
    aws.mocks.iam.on(GetPolicyCommand).resolves({
      Policy: {
        Arn: POLICY_ARN,
        DefaultVersionId: 'v3',
        Tags: [{ Key: 'cross-account-alb:lbc-version', Value: 'v3.6.0' }],
      },
    });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual([]);
  });

  it('checks and keeps a policy and a role whose create answers were lost (EntityAlreadyExists on the retry)', async () => {
    const { aws, action } = setup();
    const iam = aws.mocks.iam;
    iam
      .on(GetPolicyCommand)
      .rejectsOnce(awsError('NoSuchEntity'))
      .resolves({
        Policy: { Arn: POLICY_ARN, DefaultVersionId: 'v1', Tags: [] },
      });
    iam.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: {
        VersionId: 'v1',
        Document: encodeURIComponent(
          JSON.stringify(LOAD_BALANCER_CONTROLLER_IAM_POLICY),
        ),
      },
    });
    iam
      .on(CreatePolicyCommand)
      .rejects(awsError('EntityAlreadyExists', 'A policy called x exists'));
    iam
      .on(GetRoleCommand)
      .rejectsOnce(awsError('NoSuchEntity'))
      .resolves({
        Role: {
          RoleName: ROLE_NAME,
          Arn: ROLE_ARN,
          Path: '/cross-account-alb/',
          RoleId: 'x',
          CreateDate: new Date(),
          AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
          Tags: OWNER_TAGS,
        },
      });
    iam
      .on(CreateRoleCommand)
      .rejects(awsError('EntityAlreadyExists', 'Role exists'));
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([
      'CreatePolicyCommand',
      'CreateRoleCommand',
      'AttachRolePolicyCommand',
    ]);
    expect(outputs()).toMatchObject({
      roleArn: ROLE_ARN,
      policyVersionId: 'v1',
    });
  });

  it('refuses a role someone else created between the look-up and the create', async () => {
    const { aws, action } = setup({ policy: true, attached: true });
    aws.mocks.iam
      .on(GetRoleCommand)
      .rejectsOnce(awsError('NoSuchEntity'))
      .resolves({
        Role: {
          RoleName: ROLE_NAME,
          Arn: ROLE_ARN,
          Path: '/',
          RoleId: 'x',
          CreateDate: new Date(),
          AssumeRolePolicyDocument: '{}',
          Tags: [],
        },
      });
    aws.mocks.iam
      .on(CreateRoleCommand)
      .rejects(awsError('EntityAlreadyExists', 'Role exists'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /not created by this project/,
    );
    expect(aws.mutations()).toEqual(['CreateRoleCommand']);
  });

  it('never rewrites the trust policy of a role it did not create', async () => {
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      trust: {},
      roleTags: [],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /Role .* already exists .* not created by this project/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('says to run ensure-oidc-provider first when the provider is missing', async () => {
    const { aws, action } = setup();
    aws.mocks.iam
      .on(GetOpenIDConnectProviderCommand)
      .rejects(awsError('NoSuchEntity'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /Run aws:iam:ensure-oidc-provider .* first/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('maps AccessDenied on CreateRole', async () => {
    const { aws, audit, action } = setup({ policy: true });
    aws.mocks.iam
      .on(CreateRoleCommand)
      .rejects(
        awsError(
          'AccessDenied',
          'User: arn:aws:sts::111111111111:assumed-role/backstage-alb-network/s is not authorized to perform: iam:CreateRole',
        ),
      );
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /role backstage-alb-network in network account 111111111111 \(Account-A\) is not allowed to call iam:CreateRole/,
    );
    expect(audit.fail).toHaveBeenCalled();
  });

  it('dry-run only reads the role, and refuses one of another cluster as the run would', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual(['GetRoleCommand']);
    expect(outputs()).toMatchObject({
      roleArn: ROLE_ARN,
      policyArn: POLICY_ARN,
      dryRun: true,
    });
  });

  it("refuses another cluster's role in a dry-run too, changing nothing", async () => {
    const { aws, action } = setup({
      policy: true,
      role: true,
      attached: true,
      roleTags: [
        { Key: 'cross-account-alb:managed-by', Value: 'backstage' },
        { Key: 'cross-account-alb:cluster', Value: 'shop-prod' },
        { Key: 'cross-account-alb:workload-account', Value: '333333333333' },
      ],
    });
    await expect(
      action.handler(
        actionContext({ ...input, roleName: ROLE_NAME }, { isDryRun: true })
          .ctx,
      ),
    ).rejects.toThrow(
      `belongs to cluster shop-prod in workload account 333333333333`,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('rejects bad input before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({
          ...input,
          namespace: 'Kube_System',
          workloadAccountId: NETWORK,
        }).ctx,
      ),
    ).rejects.toThrow(
      /namespace: expected a Kubernetes name.*workloadAccountId: expected an account different/,
    );
    expect(aws.commands()).toEqual([]);
  });

  it('skips steps checkpointed by a previous run', async () => {
    const { aws, action } = setup();
    const store = checkpointStore();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    aws.mocks.iam.resetHistory();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    // The mocks still report nothing exists, yet nothing is created again.
    expect(aws.mutations()).toEqual([]);
  });
});
