import {
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  UpdateResourceShareCommand,
} from '@aws-sdk/client-ram';
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
import { createShareSubnetsAction } from './shareSubnets';

const SUBNETS = ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'];
const ARNS = SUBNETS.map(s => `arn:aws:ec2:us-east-1:${NETWORK}:subnet/${s}`);
const SHARE_ARN = `arn:aws:ram:us-east-1:${NETWORK}:resource-share/abc`;
const NAME = `cross-account-alb-subnets-${WORKLOAD}`;
const MANAGED = [{ key: 'cross-account-alb:managed-by', value: 'backstage' }];
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  subnetIds: SUBNETS,
  principals: [WORKLOAD],
};

const assoc = (
  entity: string,
  type: string,
  status = 'ASSOCIATED',
  statusMessage?: string,
) => ({
  resourceShareArn: SHARE_ARN,
  associatedEntity: entity,
  associationType: type,
  status,
  statusMessage,
});

function setup(
  opts: { existing?: object; principals?: object[]; resources?: object[] } = {},
) {
  const aws = mockAws();
  const audit = mockAuditor();
  const sleep = jest.fn(async () => {});
  aws.mocks.ram.on(GetResourceSharesCommand).resolves({
    resourceShares: opts.existing
      ? [
          {
            resourceShareArn: SHARE_ARN,
            name: NAME,
            allowExternalPrincipals: false,
            tags: MANAGED,
            ...opts.existing,
          },
        ]
      : [],
  });
  aws.mocks.ram
    .on(GetResourceShareAssociationsCommand, { associationType: 'PRINCIPAL' })
    .resolves({
      resourceShareAssociations: (opts.principals ?? [
        assoc(WORKLOAD, 'PRINCIPAL'),
      ]) as any,
    });
  aws.mocks.ram
    .on(GetResourceShareAssociationsCommand, { associationType: 'RESOURCE' })
    .resolves({
      resourceShareAssociations: (opts.resources ??
        ARNS.map(a => assoc(a, 'RESOURCE'))) as any,
    });
  aws.mocks.ram
    .on(CreateResourceShareCommand)
    .resolves({ resourceShare: { resourceShareArn: SHARE_ARN } });
  aws.mocks.ram.on(AssociateResourceShareCommand).resolves({});
  aws.mocks.ram.on(UpdateResourceShareCommand).resolves({});
  const action = createShareSubnetsAction({
    clients: aws.clients,
    auditor: audit.auditor,
    sleep,
  });
  return { aws, audit, sleep, action };
}

describe('aws:ram:share-subnets', () => {
  it('creates a tagged share without external principals and waits until ASSOCIATED', async () => {
    const { aws, audit, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(
      aws.mocks.ram.commandCalls(CreateResourceShareCommand)[0].args[0].input,
    ).toEqual({
      name: NAME,
      resourceArns: ARNS,
      principals: [WORKLOAD],
      allowExternalPrincipals: false,
      tags: MANAGED,
      clientToken: expect.any(String),
    });
    expect(outputs()).toEqual({
      resourceShareArn: SHARE_ARN,
      shareName: NAME,
      subnetArns: ARNS,
      principals: [WORKLOAD],
    });
    expect(audit.createEvent).toHaveBeenCalledWith({
      eventId: 'aws-cross-account-mutation',
      severityLevel: 'medium',
      meta: expect.objectContaining({
        action: 'ram:CreateResourceShare',
        accountId: NETWORK,
        initiator: 'user:default/alice',
      }),
    });
    expect(audit.success).toHaveBeenCalledWith({
      meta: { resourceArn: SHARE_ARN },
    });
  });

  it('makes no mutating call when the share already holds everything', async () => {
    const { aws, action } = setup({ existing: {} });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual([]);
  });

  it('adds only the missing subnet to an existing share (client mock: moto lacks AssociateResourceShare)', async () => {
    const { aws, action } = setup({
      existing: {},
      resources: [assoc(ARNS[0], 'RESOURCE')],
    });
    aws.mocks.ram
      .on(GetResourceShareAssociationsCommand, { associationType: 'RESOURCE' })
      .resolvesOnce({
        resourceShareAssociations: [assoc(ARNS[0], 'RESOURCE')] as any,
      })
      .resolves({
        resourceShareAssociations: ARNS.map(a => assoc(a, 'RESOURCE')) as any,
      });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual(['AssociateResourceShareCommand']);
    expect(
      aws.mocks.ram.commandCalls(AssociateResourceShareCommand)[0].args[0]
        .input,
    ).toEqual({
      resourceShareArn: SHARE_ARN,
      resourceArns: [ARNS[1]],
      clientToken: expect.any(String),
    });
  });

  it('repairs a share that drifted to allow external principals', async () => {
    const { aws, action } = setup({
      existing: { allowExternalPrincipals: true },
    });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual(['UpdateResourceShareCommand']);
    expect(
      aws.mocks.ram.commandCalls(UpdateResourceShareCommand)[0].args[0].input,
    ).toEqual({
      resourceShareArn: SHARE_ARN,
      name: NAME,
      allowExternalPrincipals: false,
    });
  });

  it('waits with bounded exponential backoff while associations settle', async () => {
    const { aws, sleep, action } = setup();
    aws.mocks.ram
      .on(GetResourceShareAssociationsCommand, { associationType: 'PRINCIPAL' })
      .resolvesOnce({
        resourceShareAssociations: [
          assoc(WORKLOAD, 'PRINCIPAL', 'ASSOCIATING'),
        ] as any,
      })
      .resolvesOnce({
        resourceShareAssociations: [
          assoc(WORKLOAD, 'PRINCIPAL', 'ASSOCIATING'),
        ] as any,
      })
      .resolves({
        resourceShareAssociations: [assoc(WORKLOAD, 'PRINCIPAL')] as any,
      });
    await action.handler(actionContext(input).ctx);
    expect(sleep.mock.calls).toEqual([[1000], [2000]]);
  });

  it('explains the Organization rule when an association FAILED', async () => {
    const { action } = setup({
      principals: [
        assoc(
          WORKLOAD,
          'PRINCIPAL',
          'FAILED',
          'The account is not in your organization',
        ),
      ],
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /RAM could not associate 222222222222 \(The account is not in your organization\).*same AWS Organization/,
    );
  });

  it('gives up after the timeout, naming what is pending', async () => {
    const { action } = setup({
      principals: [assoc(WORKLOAD, 'PRINCIPAL', 'ASSOCIATING')],
    });
    await expect(
      action.handler(actionContext({ ...input, waitTimeoutSeconds: 0 }).ctx),
    ).rejects.toThrow(/Timed out .* still pending: 222222222222/);
  });

  it('never adopts a share of the same name that it did not create', async () => {
    const { aws, action } = setup({
      existing: { tags: [{ key: 'team', value: 'x' }] },
    });
    await action.handler(actionContext(input).ctx);
    expect(aws.mutations()).toEqual(['CreateResourceShareCommand']);
    expect(
      aws.mocks.ram.commandCalls(GetResourceSharesCommand)[0].args[0].input
        .tagFilters,
    ).toEqual([
      { tagKey: 'cross-account-alb:managed-by', tagValues: ['backstage'] },
    ]);
  });

  it('maps a RAM refusal to the Organization explanation and audits the failure', async () => {
    const { aws, audit, action } = setup();
    aws.mocks.ram
      .on(CreateResourceShareCommand)
      .rejects(awsError('OperationNotPermittedException', 'not enabled'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /RAM refused ram:CreateResourceShare in network account 111111111111 .*enable-sharing-with-aws-organization/,
    );
    expect(audit.fail).toHaveBeenCalled();
  });

  it('dry-run makes no AWS call', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual([]);
    expect(outputs()).toMatchObject({
      shareName: NAME,
      subnetArns: ARNS,
      dryRun: true,
    });
  });

  it('rejects bad input before any AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(actionContext({ ...input, principals: [NETWORK] }).ctx),
    ).rejects.toThrow(
      /principals: expected principals other than networkAccountId/,
    );
    await expect(
      action.handler(
        actionContext({ ...input, principals: ['arn:aws:iam::1:root'] }).ctx,
      ),
    ).rejects.toThrow(
      /principals.0: expected a 12-digit AWS account ID, an Organization ARN or an OU ARN/,
    );
    expect(aws.commands()).toEqual([]);
  });

  it('does not create the share again when resumed after the create checkpoint', async () => {
    const { aws, action } = setup();
    const store = checkpointStore();
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    expect(aws.mutations()).toEqual(['CreateResourceShareCommand']);
    aws.mocks.ram.resetHistory();
    // RAM lists new shares with a delay: only the checkpoint knows the share exists.
    await action.handler(
      actionContext(input, { checkpoint: store.checkpoint }).ctx,
    );
    expect(aws.mutations()).toEqual([]);
    expect(store.state[`ram.${NETWORK}.${REGION}.${NAME}.create`]).toBe(
      SHARE_ARN,
    );
  });
});
