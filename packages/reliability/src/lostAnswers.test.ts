/*
 * Lost answers: a mutating call takes effect in AWS but its answer never reaches the portal
 * (an HTTP 500 or a reset on the way back), so the SDK retries a create that already
 * happened and AWS answers that it exists. The actions then read what exists and carry on
 * (ownership checks included), so the first run completes, and no resource exists twice.
 * The loop allows further runs only so that a regression is reported with every failure.
 */
import {
  FlakySandbox,
  createSandboxCluster,
  recipeActions,
  oneOfEach,
  resourceCounts,
  runRecipe,
  startFlakySandbox,
} from './__testUtils__/sandbox';
import { FaultKind, FaultRule } from 'sandbox';

jest.setTimeout(180_000);

const CLUSTER = 'lost';
const MUTATING =
  /^(ec2|iam|ram):(Create|Authorize|Associate|Attach|Tag|Update|Put)/;

/** The first answer of every mutating action is lost, after the call took effect. */
function lostAnswers(kind: FaultKind): FaultRule[] {
  return [
    { match: 'sts:*' },
    { match: MUTATING, [kind]: 1, maxPerAction: 1, phase: 'after' },
  ];
}

describe.each<FaultKind>(['serverError', 'reset'])(
  'with the first answer of every mutating call lost (%s)',
  kind => {
    let sandbox: FlakySandbox;
    beforeAll(async () => {
      sandbox = await startFlakySandbox(`lost-${kind}`);
    });
    afterAll(() => sandbox?.stop());

    it('the task completes on its first run, with exactly one of each resource', async () => {
      const { proxy, network } = sandbox;
      const rules = lostAnswers(kind);
      const cluster = { created: false };
      const failures: string[] = [];
      let outputs: Record<string, Record<string, any>> | undefined;
      // The rules (and their one-fault budget) stay across runs, as AWS would not fail twice.
      proxy.setRules(rules);
      for (let run = 1; run <= 6 && !outputs; run++) {
        try {
          ({ outputs } = await runRecipe(
            recipeActions().byId,
            network,
            CLUSTER,
            {
              createCluster: async () => {
                if (cluster.created) return;
                // eksctl's part is outside the portal: no faults there.
                proxy.setRules([]);
                await createSandboxCluster(network, CLUSTER);
                cluster.created = true;
                proxy.setRules(rules);
              },
            },
          ));
        } catch (e) {
          failures.push(`run ${run}: ${(e as Error).message.slice(0, 160)}`);
        }
      }
      const lost = Object.keys(proxy.faults().byAction).sort();
      proxy.setRules([]);
      // eslint-disable-next-line no-console
      console.log(
        `lost answers (${kind}) of ${lost.join(', ')}: ${
          failures.length
        } failed run(s) before completing\n${failures.join('\n')}`,
      );
      expect(outputs).toBeDefined();
      expect(failures).toEqual([]);
      expect(lost).toEqual(
        expect.arrayContaining([
          // Answered, on the SDK's retry with the same clientToken, with the share it made.
          'ram:CreateResourceShare',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:CreateSecurityGroup',
          'iam:CreateOpenIDConnectProvider',
          'iam:CreatePolicy',
          'iam:CreateRole',
        ]),
      );
      const albGroupId =
        outputs!['aws:ec2:ensure-alb-security-group'].securityGroupId;
      expect(await resourceCounts(network, CLUSTER)).toEqual(
        oneOfEach(albGroupId),
      );
    });
  },
);
