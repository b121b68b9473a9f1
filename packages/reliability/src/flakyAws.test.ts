/*
 * A flaky AWS: the whole recipe's actions, Account-A and Account-B in recipe order, through
 * the fault proxy with 20% throttling and 5% HTTP 500s on every API action (apart from STS's
 * credential exchange, see FLAKY_AWS).
 */
import {
  FLAKY_AWS,
  FlakySandbox,
  READ_ONLY_ACTION,
  createSandboxCluster,
  recipeActions,
  oneOfEach,
  resourceCounts,
  runRecipe,
  RecipeRun,
  startFlakySandbox,
} from './__testUtils__/sandbox';

jest.setTimeout(180_000);

const CLUSTER = 'flaky';
let sandbox: FlakySandbox;

beforeAll(async () => {
  sandbox = await startFlakySandbox('flaky-aws');
});
afterAll(() => sandbox?.stop());

/** Runs `fn` with the proxy healthy, then puts the faults back. */
async function withoutFaults<T>(fn: () => Promise<T>): Promise<T> {
  sandbox.proxy.setRules([]);
  try {
    return await fn();
  } finally {
    sandbox.proxy.setRules(FLAKY_AWS);
  }
}

describe('the recipe against a flaky AWS', () => {
  let first: RecipeRun;

  it('completes under 20% throttling and 5% HTTP 500s, leaving exactly one of each resource', async () => {
    const { proxy, network } = sandbox;
    proxy.resetCounts();
    proxy.setRules(FLAKY_AWS);
    first = await runRecipe(recipeActions().byId, network, CLUSTER, {
      createCluster: () =>
        withoutFaults(() => createSandboxCluster(network, CLUSTER)),
    });
    proxy.setRules([]);
    const { total, byAction } = proxy.faults();
    const calls = proxy.counts();
    // eslint-disable-next-line no-console
    console.log(
      `flaky recipe: ${Object.values(calls).reduce(
        (a, b) => a + b,
        0,
      )} calls, faults ${JSON.stringify(total)}\n${JSON.stringify(
        byAction,
        null,
        1,
      )}`,
    );
    expect(total.throttle).toBeGreaterThanOrEqual(5);
    expect(total.serverError).toBeGreaterThanOrEqual(1);
    // Mutating calls were among the faulted ones.
    expect(
      Object.keys(byAction).filter(
        a => !READ_ONLY_ACTION.test(a) && !a.startsWith('sts:'),
      ).length,
    ).toBeGreaterThan(0);

    const albGroupId =
      first.outputs['aws:ec2:ensure-alb-security-group'].securityGroupId;
    expect(await resourceCounts(network, CLUSTER)).toEqual(
      oneOfEach(albGroupId),
    );
  });

  it('a second run under the same faults makes no mutating call and changes nothing', async () => {
    const { proxy, network } = sandbox;
    const before = await resourceCounts(network, CLUSTER);
    const mark = proxy.calls.length;
    proxy.setRules(FLAKY_AWS);
    const second = await runRecipe(recipeActions().byId, network, CLUSTER);
    proxy.setRules([]);
    const mutating = proxy.calls
      .slice(mark)
      .map(c => `${c.service}:${c.action}`)
      .filter(a => !READ_ONLY_ACTION.test(a) && !a.startsWith('sts:'));
    expect(mutating).toEqual([]);
    expect(proxy.calls.slice(mark).filter(c => c.fault).length).toBeGreaterThan(
      0,
    );
    expect(await resourceCounts(network, CLUSTER)).toEqual(before);
    for (const [id, key] of [
      ['aws:ram:share-subnets', 'resourceShareArn'],
      ['aws:iam:ensure-load-balancer-controller-role', 'roleArn'],
      ['aws:ec2:ensure-alb-security-group', 'securityGroupId'],
    ]) {
      expect([id, second.outputs[id][key]]).toEqual([
        id,
        first.outputs[id][key],
      ]);
    }
  });
});
