import {
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListRolesCommand,
  Role,
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
import { createDeleteOidcProviderAction } from './deleteOidcProvider';

const ARN = `arn:aws:iam::${NETWORK}:oidc-provider/${ISSUER.replace(
  'https://',
  '',
)}`;
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  oidcIssuerUrl: ISSUER,
};
const MANAGED = [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }];

/** A role whose trust policy names `provider`, URL-encoded as ListRoles returns it. */
const trusting = (name: string, provider: string): Role => ({
  RoleName: name,
  Arn: `arn:aws:iam::${NETWORK}:role/${name}`,
  Path: '/',
  RoleId: 'AROAEXAMPLE',
  CreateDate: new Date(),
  AssumeRolePolicyDocument: encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: provider },
          Action: 'sts:AssumeRoleWithWebIdentity',
        },
      ],
    }),
  ),
});

function setup(tags: object[] | undefined, roles: Role[] = []) {
  const aws = mockAws();
  // Two pages: every page is read.
  aws.mocks.iam
    .on(ListRolesCommand)
    .resolves({
      Roles: [trusting('other-issuer', `${ARN}0`)],
      IsTruncated: true,
      Marker: 'page2',
    })
    .on(ListRolesCommand, { Marker: 'page2' })
    .resolves({ Roles: roles, IsTruncated: false });
  const audit = mockAuditor();
  if (tags) {
    aws.mocks.iam
      .on(GetOpenIDConnectProviderCommand)
      .resolves({ ClientIDList: ['sts.amazonaws.com'], Tags: tags as any });
  } else {
    aws.mocks.iam
      .on(GetOpenIDConnectProviderCommand)
      .rejects(awsError('NoSuchEntity'));
  }
  aws.mocks.iam.on(DeleteOpenIDConnectProviderCommand).resolves({});
  const action = createDeleteOidcProviderAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

describe('aws:iam:delete-oidc-provider', () => {
  it('deletes the managed provider of the issuer', async () => {
    const { aws, audit, action } = setup(MANAGED);
    const store = checkpointStore();
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await action.handler(ctx);
    expect(
      aws.mocks.iam.commandCalls(DeleteOpenIDConnectProviderCommand)[0].args[0]
        .input,
    ).toEqual({ OpenIDConnectProviderArn: ARN });
    expect(store.keys).toEqual([`iam.oidc.${ARN}.delete`]);
    expect(audit.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        severityLevel: 'high',
        meta: expect.objectContaining({
          action: 'iam:DeleteOpenIDConnectProvider',
          resourceArn: ARN,
        }),
      }),
    );
    expect(outputs()).toEqual({ oidcProviderArn: ARN, deleted: true });
  });

  it('succeeds when the provider does not exist', async () => {
    const { aws, action } = setup(undefined);
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs()).toEqual({ oidcProviderArn: ARN, deleted: false });
  });

  it('refuses a provider this project did not create', async () => {
    const { aws, action } = setup([{ Key: 'team', Value: 'platform' }]);
    const { ctx } = actionContext(input);
    await expect(action.handler(ctx)).rejects.toThrow(
      /Refusing to delete OIDC provider .*no cross-account-alb:managed-by tag/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('lists the provider in a dry-run without deleting it', async () => {
    const { aws, action } = setup(MANAGED);
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs()).toEqual({
      oidcProviderArn: ARN,
      deleted: false,
      wouldDelete: [`OIDC provider ${ARN}`],
      dryRun: true,
    });
  });

  it('lists nothing in a dry-run when the provider is gone', async () => {
    const { action } = setup(undefined);
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(outputs().wouldDelete).toEqual([]);
  });

  it('keeps a provider a role still trusts, naming the role; a dry-run says it is decided then', async () => {
    const { aws, action } = setup(MANAGED, [
      trusting('shop-prod-222222222222-external-dns', ARN),
    ]);
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    const kept = `Keeping OIDC provider ${ARN}: still trusted by arn:aws:iam::${NETWORK}:role/shop-prod-222222222222-external-dns. Delete those roles first (external-dns's: template 4 with the account of its zone).`;
    expect(outputs()).toEqual({
      oidcProviderArn: ARN,
      deleted: false,
      kept,
    });
    const dry = actionContext(input, { isDryRun: true });
    await action.handler(dry.ctx);
    expect(dry.outputs().wouldDelete).toEqual([
      `OIDC provider ${ARN} if no role trusts it by then (${kept})`,
    ]);
  });

  it('refuses an issuer that is not an EKS issuer', async () => {
    const { aws, action } = setup(MANAGED);
    const { ctx } = actionContext({
      ...input,
      oidcIssuerUrl: 'https://example.com',
    });
    await expect(action.handler(ctx)).rejects.toThrow(/oidcIssuerUrl/);
    expect(aws.commands()).toEqual([]);
  });
});
