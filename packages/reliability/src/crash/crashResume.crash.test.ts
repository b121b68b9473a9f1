/*
 * Crash and resume on PostgreSQL: the real backend as a child process, scaffolder task
 * recovery on, AWS through the fault proxy in front of moto. The backend is killed with
 * SIGKILL right after each mutating AWS call has taken effect in AWS and before its answer
 * reaches the backend (the worst moment: nothing checkpointed yet), once per mutating call
 * of each account, and restarted; every task must complete and leave exactly one of each
 * resource. Slow (a restart per mutating call), so not in `yarn test`: run `yarn test:crash`.
 */
import { JsonObject } from '@backstage/types';
import { freePort } from 'sandbox';
import {
  FlakySandbox,
  NETWORK,
  READ_ONLY_ACTION,
  createSandboxCluster,
  oneOfEach,
  resourceCounts,
  startFlakySandbox,
} from '../__testUtils__/sandbox';
import { ProxiedCall } from 'sandbox';
import { ChildBackend, createChildBackend } from './childBackend';
import { CONTROLLER, ONBOARDING, recipeValues } from './recipeTemplates';

jest.setTimeout(900_000);

const CLUSTER = 'crash';

/** Progress on stderr as it happens (jest holds console output until the end). */
function progress(message: string) {
  if (process.env.RELIABILITY_VERBOSE) {
    process.stderr.write(`[crash] ${new Date().toISOString()} ${message}\n`);
  }
}

let sandbox: FlakySandbox;
let backend: ChildBackend;
const output: string[] = [];
/** Which account an assumed-role access key acts in, from STS's answers. */
const killedAt: string[] = [];
let killing = false;
/** Only while a task runs: the test's own seeding and eksctl's part are not the backend's. */
let armed = false;

/** Credentials STS issued so far, read from its answers at the proxy. */
function issuedCredentials() {
  return sandbox.proxy.calls
    .filter(c => c.action === 'AssumeRole' && c.responseBody)
    .map(c => ({
      accessKeyId: /<AccessKeyId>([^<]+)</.exec(c.responseBody!)?.[1] ?? '',
      secretAccessKey:
        /<SecretAccessKey>([^<]+)</.exec(c.responseBody!)?.[1] ?? '',
      sessionToken: /<SessionToken>([^<]+)</.exec(c.responseBody!)?.[1] ?? '',
      accountId:
        /<Arn>arn:aws:sts::(\d{12}):assumed-role/.exec(c.responseBody!)?.[1] ??
        '',
    }));
}

function accountOf(call: ProxiedCall): string {
  return (
    issuedCredentials().find(c => c.accessKeyId === call.accessKeyId)
      ?.accountId ?? 'base'
  );
}

function onAnswer(call: ProxiedCall) {
  const key = `${call.service}:${call.action}`;
  if (!armed || killing) return;
  if (READ_ONLY_ACTION.test(key) || call.service === 'sts') return;
  const point = `${accountOf(call)} ${key}`;
  if (killedAt.includes(point)) return;
  // The mutation has happened in AWS; the backend has not heard of it yet.
  killedAt.push(point);
  progress(`SIGKILL right after ${point}`);
  killing = true;
  backend?.kill();
}

async function waitForTemplate(name: string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      await backend.api(
        'GET',
        `/api/catalog/entities/by-name/template/default/${name}`,
      );
      return;
    } catch {
      await new Promise(r => setTimeout(r, 500));
    }
  }
  throw new Error(`Template ${name} never reached the catalog`);
}

/** Runs a task to its end, restarting the backend whenever it was killed. */
async function runTask(name: string, values: JsonObject) {
  await waitForTemplate(name);
  progress(`template ${name} is in the catalog`);
  armed = true;
  const { id } = await backend.api('POST', '/api/scaffolder/v2/tasks', {
    templateRef: `template:default/${name}`,
    values,
  });
  const deadline = Date.now() + 600_000;
  let lastStatus = '';
  while (Date.now() < deadline) {
    if (killing) {
      await backend.stop();
      killing = false;
      await backend.start();
      progress(`restarted (${backend.restarts})`);
      continue;
    }
    let task: any;
    try {
      task = await backend.api('GET', `/api/scaffolder/v2/tasks/${id}`);
    } catch (e) {
      if (killing) continue;
      throw e;
    }
    if (task.status !== lastStatus) progress(`${name} ${id}: ${task.status}`);
    lastStatus = task.status;
    if (task.status === 'completed' || task.status === 'failed') {
      armed = false;
      const events = await backend.api(
        'GET',
        `/api/scaffolder/v2/tasks/${id}/events`,
      );
      return { task, events: events as Array<{ type: string; body: any }> };
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`Task ${id} of ${name} did not finish`);
}

beforeAll(async () => {
  sandbox = await startFlakySandbox('crash', { onUpstreamResponse: onAnswer });
  progress('sandbox ready');
  const port = await freePort();
  backend = createChildBackend({
    port,
    databasePrefix: `reliability_${process.pid}_${Date.now()}_`,
    awsEndpoint: sandbox.proxy.endpoint,
    templates: [ONBOARDING, CONTROLLER],
    output,
  });
  progress(`starting the backend on port ${port}`);
  await backend.start();
  progress('backend ready');
});

afterAll(async () => {
  await backend?.stop();
  await backend?.dropDatabases();
  await sandbox?.stop();
});

it('completes every task after a SIGKILL right after each mutating AWS call, with exactly one of each resource', async () => {
  const { proxy, network } = sandbox;
  const values = recipeValues(network, CLUSTER);
  const mark = proxy.calls.length;
  const onboarding = await runTask('reliability-onboarding', values);
  expect(onboarding.task.status).toBe('completed');
  // eksctl's part, outside the portal.
  armed = false;
  await createSandboxCluster(network, CLUSTER);
  const controller = await runTask('reliability-controller', values);
  const failure = controller.events
    .filter(e => e.type === 'log' && /error|fail/i.test(e.body?.message ?? ''))
    .map(e => e.body.message);
  expect({ status: controller.task.status, failure }).toEqual({
    status: 'completed',
    failure: [],
  });

  const mutations = proxy.calls
    .slice(mark)
    .map(c => `${accountOf(c)} ${c.service}:${c.action}`)
    .filter(k => !READ_ONLY_ACTION.test(k) && !k.includes(' sts:'));
  const times = (k: string) => mutations.filter(m => m === k).length;
  // eslint-disable-next-line no-console
  console.log(
    `crash/resume: ${
      backend.restarts
    } restart(s), killed right after ${killedAt.join(
      ', ',
    )}\nmutating calls: ${JSON.stringify(
      Object.fromEntries(mutations.map(m => [m, times(m)])),
    )}`,
  );
  expect(backend.restarts).toBeGreaterThanOrEqual(6);
  // Each create reached AWS once: a resumed step found what the killed one had made.
  for (const create of [
    'ram:CreateResourceShare',
    'iam:CreateOpenIDConnectProvider',
    'iam:CreatePolicy',
    'iam:CreateRole',
    'ec2:CreateSecurityGroup',
  ]) {
    expect([create, times(`${NETWORK} ${create}`)]).toEqual([create, 1]);
  }
  const counts = await resourceCounts(network, CLUSTER);
  expect(counts).toEqual(oneOfEach());

  // No credential STS issued appears in the backend's output or the tasks' logs.
  const haystack = [
    ...output,
    JSON.stringify(onboarding.events),
    JSON.stringify(controller.events),
  ].join('\n');
  const secrets = issuedCredentials().flatMap(c => [
    c.accessKeyId,
    c.secretAccessKey,
    c.sessionToken,
  ]);
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(haystack.includes(secret)).toBe(false);
  }
});
