/*
 * A RAM association that ends in FAILED (the workload account is outside the Organization,
 * or org sharing is off): the share step fails and says why and what to do; once the cause
 * is fixed, the next run completes with the same single share. moto never fails an
 * association, so the proxy stages the FAILED state in RAM's answers.
 */
import {
  FlakySandbox,
  NETWORK,
  REGION,
  WORKLOAD,
  recipeActions,
  resourceCounts,
  runAction,
  startFlakySandbox,
} from './__testUtils__/sandbox';

jest.setTimeout(120_000);

const NOT_IN_ORG = `The account ${WORKLOAD} is not a member of the organization`;

let sandbox: FlakySandbox;
beforeAll(async () => {
  sandbox = await startFlakySandbox('ram-failed');
});
afterAll(() => sandbox?.stop());

it('fails the share with the explanation, and the next run completes once the cause is fixed', async () => {
  const { proxy, network } = sandbox;
  const input = {
    networkAccountId: NETWORK,
    region: REGION,
    subnetIds: network.privateSubnets.map(s => s.subnetId),
    principals: [WORKLOAD],
    waitTimeoutSeconds: 30,
  };
  proxy.setResponseRewriter((call, body) => {
    if (call.action !== 'GetResourceShareAssociations') return undefined;
    const answer = JSON.parse(body);
    for (const a of answer.resourceShareAssociations ?? []) {
      if (a.associatedEntity === WORKLOAD) {
        a.status = 'FAILED';
        a.statusMessage = NOT_IN_ORG;
      }
    }
    return JSON.stringify(answer);
  });
  let failure: Error | undefined;
  try {
    await runAction(recipeActions().byId, 'aws:ram:share-subnets', input);
  } catch (e) {
    failure = e as Error;
  } finally {
    proxy.setResponseRewriter(undefined);
  }
  expect(failure?.message).toContain(`${WORKLOAD} (${NOT_IN_ORG})`);
  expect(failure?.message).toContain(
    'aws ram enable-sharing-with-aws-organization',
  );
  expect(failure?.message).toContain('same Organization');

  // The cause is fixed (the account joined the Organization): run the task again.
  const out = await runAction(
    recipeActions().byId,
    'aws:ram:share-subnets',
    input,
  );
  expect(out.principals).toEqual([WORKLOAD]);
  expect((await resourceCounts(network, 'none')).shares).toBe(1);
  // And Account-B now sees the subnets.
  const resolved = await runAction(
    recipeActions().byId,
    'aws:ec2:resolve-shared-subnets',
    {
      workloadAccountId: WORKLOAD,
      networkAccountId: NETWORK,
      region: REGION,
      subnetIds: input.subnetIds,
    },
  );
  expect(resolved.vpcId).toBe(network.vpcId);
});
