import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import {
  actionContext,
  awsError,
  checkpointStore,
  ISSUER,
  mockAuditor,
  mockAws,
  NETWORK,
  REGION,
} from '../__testUtils__/testing';
import { createEnsureOidcProviderAction } from './ensureOidcProvider';

const ARN = `arn:aws:iam::${NETWORK}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`;
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  oidcIssuerUrl: ISSUER,
};
const THUMB = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';

function setup(existing?: {
  ClientIDList?: string[];
  ThumbprintList?: string[];
}) {
  const aws = mockAws();
  const audit = mockAuditor();
  if (existing) {
    aws.mocks.iam.on(GetOpenIDConnectProviderCommand).resolves(existing);
  } else {
    aws.mocks.iam
      .on(GetOpenIDConnectProviderCommand)
      .rejects(awsError('NoSuchEntity'));
  }
  aws.mocks.iam
    .on(CreateOpenIDConnectProviderCommand)
    .resolves({ OpenIDConnectProviderArn: ARN });
  const action = createEnsureOidcProviderAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

describe('aws:iam:ensure-oidc-provider', () => {
  it('creates the provider with client ID sts.amazonaws.com and no thumbprint', async () => {
    const { aws, audit, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(
      aws.mocks.iam.commandCalls(CreateOpenIDConnectProviderCommand)[0].args[0]
        .input,
    ).toEqual({
      Url: ISSUER,
      ClientIDList: ['sts.amazonaws.com'],
      Tags: [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }],
    });
    expect(outputs()).toEqual({ oidcProviderArn: ARN, created: true });
    expect(audit.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        severityLevel: 'high',
        meta: expect.objectContaining({
          action: 'iam:CreateOpenIDConnectProvider',
          resourceArn: ARN,
        }),
      }),
    );
  });

  it('passes thumbprints when given', async () => {
    const { aws, action } = setup();
    await action.handler(
      actionContext({ ...input, thumbprints: [THUMB.toUpperCase()] }).ctx,
    );
    expect(
      aws.mocks.iam.commandCalls(CreateOpenIDConnectProviderCommand)[0].args[0]
        .input.ThumbprintList,
    ).toEqual([THUMB]);
  });

  it('makes no mutating call when the provider exists as wanted', async () => {
    const { aws, action } = setup({
      ClientIDList: ['sts.amazonaws.com'],
      ThumbprintList: [],
    });
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs()).toEqual({ oidcProviderArn: ARN, created: false });
  });

  it('checks and keeps a provider whose create answer was lost (EntityAlreadyExists on the retry)', async () => {
    const { aws, action } = setup();
    aws.mocks.iam
      .on(GetOpenIDConnectProviderCommand)
      .rejectsOnce(awsError('NoSuchEntity'))
      .resolves({ ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [] });
    aws.mocks.iam
      .on(CreateOpenIDConnectProviderCommand)
      .rejects(awsError('EntityAlreadyExistsException', 'Provider exists'));
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual(['CreateOpenIDConnectProviderCommand']);
    expect(outputs()).toEqual({ oidcProviderArn: ARN, created: false });
  });

  it('still fails when AWS says it exists but it cannot be read', async () => {
    const { aws, action } = setup();
    aws.mocks.iam
      .on(CreateOpenIDConnectProviderCommand)
      .rejects(awsError('EntityAlreadyExistsException', 'Provider exists'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /already exists/,
    );
  });

  it('adds the missing client ID to a partial provider', async () => {
    const { aws, action } = setup({ ClientIDList: ['other'] });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual([
      'AddClientIDToOpenIDConnectProviderCommand',
    ]);
    expect(
      aws.mocks.iam.commandCalls(AddClientIDToOpenIDConnectProviderCommand)[0]
        .args[0].input,
    ).toEqual({ OpenIDConnectProviderArn: ARN, ClientID: 'sts.amazonaws.com' });
  });

  it('repairs drifted thumbprints', async () => {
    const { aws, action } = setup({
      ClientIDList: ['sts.amazonaws.com'],
      ThumbprintList: ['a'.repeat(40)],
    });
    await action.handler(actionContext({ ...input, thumbprints: [THUMB] }).ctx);
    expect(aws.mutations()).toEqual([
      'UpdateOpenIDConnectProviderThumbprintCommand',
    ]);
    expect(
      aws.mocks.iam.commandCalls(
        UpdateOpenIDConnectProviderThumbprintCommand,
      )[0].args[0].input,
    ).toEqual({ OpenIDConnectProviderArn: ARN, ThumbprintList: [THUMB] });
  });

  it('maps AccessDenied to the network role and the missing action', async () => {
    const { aws, audit, action } = setup();
    aws.mocks.iam
      .on(CreateOpenIDConnectProviderCommand)
      .rejects(awsError('AccessDenied', 'nope'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /role backstage-alb-network in network account 111111111111 \(Account-A\) is not allowed to call iam:CreateOpenIDConnectProvider/,
    );
    expect(audit.fail).toHaveBeenCalled();
  });

  it('dry-run makes no AWS call', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual([]);
    expect(outputs()).toEqual({
      oidcProviderArn: ARN,
      created: false,
      dryRun: true,
    });
  });

  it('accepts only EKS issuer URLs', async () => {
    const { aws, action } = setup();
    for (const url of [
      'https://token.actions.githubusercontent.com',
      'http://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
      'https://oidc.eks.us-east-1.amazonaws.com/id/abc',
    ]) {
      await expect(
        action.handler(actionContext({ ...input, oidcIssuerUrl: url }).ctx),
      ).rejects.toThrow(/oidcIssuerUrl: expected an EKS OIDC issuer URL/);
    }
    expect(aws.commands()).toEqual([]);
  });

  it('does not create twice when resumed', async () => {
    const { aws, action } = setup();
    const store = checkpointStore();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    expect(
      aws.mocks.iam.commandCalls(CreateOpenIDConnectProviderCommand),
    ).toHaveLength(1);
  });
});
