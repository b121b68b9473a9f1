import {
  DeleteResourceShareCommand,
  GetResourceSharesCommand,
} from '@aws-sdk/client-ram';
import {
  actionContext,
  checkpointStore,
  mockAuditor,
  mockAws,
  NETWORK,
  REGION,
} from '../__testUtils__/testing';
import { createDeleteSubnetShareAction } from './deleteSubnetShare';

const ARN = `arn:aws:ram:${REGION}:${NETWORK}:resource-share/0a1b2c3d-0000-4000-8000-000000000001`;
const NAME = 'cross-account-alb-subnets-222222222222';
const MANAGED = [{ key: 'cross-account-alb:managed-by', value: 'backstage' }];
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  resourceShareArn: ARN,
};

function setup(shares: object[], managedOnly?: object[]) {
  const aws = mockAws();
  const audit = mockAuditor();
  aws.mocks.ram.on(GetResourceSharesCommand).callsFake(request => ({
    resourceShares: request.tagFilters ? managedOnly ?? [] : shares,
  }));
  aws.mocks.ram.on(DeleteResourceShareCommand).resolves({ returnValue: true });
  const action = createDeleteSubnetShareAction({
    clients: aws.clients,
    auditor: audit.auditor,
  });
  return { aws, audit, action };
}

const share = (extra: object = {}) => ({
  resourceShareArn: ARN,
  name: NAME,
  status: 'ACTIVE',
  tags: MANAGED,
  ...extra,
});

describe('aws:ram:delete-subnet-share', () => {
  it('deletes the managed share by ARN', async () => {
    const { aws, audit, action } = setup([share()]);
    const store = checkpointStore();
    const { ctx, outputs } = actionContext(input, {
      checkpoint: store.checkpoint,
    });
    await action.handler(ctx);
    expect(
      aws.mocks.ram.commandCalls(GetResourceSharesCommand)[0].args[0].input,
    ).toEqual({ resourceOwner: 'SELF', resourceShareArns: [ARN] });
    expect(
      aws.mocks.ram.commandCalls(DeleteResourceShareCommand)[0].args[0].input,
    ).toEqual({ resourceShareArn: ARN, clientToken: expect.any(String) });
    expect(store.keys).toEqual([`ram.${ARN}.delete`]);
    expect(audit.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        meta: expect.objectContaining({
          action: 'ram:DeleteResourceShare',
          resourceArn: ARN,
        }),
      }),
    );
    expect(outputs()).toEqual({ resourceShareArns: [ARN], deleted: true });
  });

  it('deletes the managed share by name and leaves a foreign one of the same name', async () => {
    const foreignArn = ARN.replace(/1$/, '2');
    const { aws, action } = setup([
      share(),
      share({ resourceShareArn: foreignArn, tags: [] }),
    ]);
    const { ctx, outputs } = actionContext({
      networkAccountId: NETWORK,
      region: REGION,
      shareName: NAME,
    });
    await action.handler(ctx);
    expect(
      aws.mocks.ram
        .commandCalls(DeleteResourceShareCommand)
        .map(c => c.args[0].input.resourceShareArn),
    ).toEqual([ARN]);
    expect(outputs().resourceShareArns).toEqual([ARN]);
  });

  it('succeeds when the share is missing or already deleted', async () => {
    for (const shares of [[], [share({ status: 'DELETED' })]]) {
      const { aws, action } = setup(shares);
      const { ctx, outputs } = actionContext(input);
      await action.handler(ctx);
      expect(aws.mutations()).toEqual([]);
      expect(outputs()).toEqual({ resourceShareArns: [], deleted: false });
    }
  });

  it('refuses a share this project did not create', async () => {
    const { aws, action } = setup([share({ tags: [] })]);
    const { ctx } = actionContext(input);
    await expect(action.handler(ctx)).rejects.toThrow(
      /Refusing to delete resource share .*no cross-account-alb:managed-by tag/,
    );
    expect(aws.mutations()).toEqual([]);
  });

  it('asks RAM to filter by the tag when the listing leaves tags out', async () => {
    const untagged = share({ tags: undefined });
    const refused = setup([untagged], []);
    await expect(
      refused.action.handler(actionContext(input).ctx),
    ).rejects.toThrow(/Refusing/);
    const allowed = setup([untagged], [untagged]);
    const { ctx, outputs } = actionContext(input);
    await allowed.action.handler(ctx);
    expect(outputs().deleted).toBe(true);
  });

  it('lists the share in a dry-run without deleting it', async () => {
    const { aws, action } = setup([share()]);
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.mutations()).toEqual([]);
    expect(outputs()).toEqual({
      resourceShareArns: [ARN],
      deleted: false,
      wouldDelete: [`resource share ${ARN}`],
      dryRun: true,
    });
  });

  it('wants exactly one of resourceShareArn and shareName, owned by the network account', async () => {
    const { aws, action } = setup([]);
    for (const bad of [
      { networkAccountId: NETWORK, region: REGION },
      { ...input, shareName: NAME },
      { ...input, networkAccountId: '333333333333' },
      { ...input, resourceShareArn: 'arn:aws:ram:x' },
    ]) {
      await expect(action.handler(actionContext(bad).ctx)).rejects.toThrow(
        /resourceShareArn: expected/,
      );
    }
    expect(aws.commands()).toEqual([]);
  });
});
