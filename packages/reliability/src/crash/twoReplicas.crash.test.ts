/*
 * Two replicas, one database: the real backend twice as child processes on the same
 * PostgreSQL databases and the same Redis cache, as a platform team runs the portal behind a
 * load balancer. Each replica reaches the sandbox AWS through a fault proxy of its own, so
 * every AWS call is known to come from one replica or the other.
 *
 * - Health: views of one entity through both replicas at once make the AWS calls of one view.
 * - Tasks: a task created through one replica, which runs it, completes after that replica is
 *   killed (SIGKILL) right after its first mutating AWS call: the other replica's task
 *   recovery finds the task's heartbeat stale, claims it and finishes it, and the share, the
 *   OIDC provider, the role and the security groups exist once. Both directions: the
 *   onboarding task is created through A and A is killed, then the controller task through B
 *   and B is killed.
 *
 * Slow (backend start-ups and the recovery interval), so in `yarn test:crash` with the crash
 * suite, which scripts/test.sh runs.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaultProxy, ProxiedCall, freePort, startFaultProxy } from 'sandbox';
import { taggedAlbEntity, createControllerAlb } from '../__testUtils__/health';
import {
  FlakySandbox,
  READ_ONLY_ACTION,
  createSandboxCluster,
  oneOfEach,
  resourceCounts,
  startFlakySandbox,
} from '../__testUtils__/sandbox';
import { ChildBackend, createChildBackend } from './childBackend';
import { CONTROLLER, ONBOARDING, recipeValues } from './recipeTemplates';

jest.setTimeout(900_000);

const CLUSTER = 'replicas';
const ENTITY = 'game-replicas';
const REDIS =
  process.env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING ??
  'redis://127.0.0.1:6379';

type Name = 'A' | 'B';

function progress(message: string) {
  if (process.env.RELIABILITY_VERBOSE) {
    process.stderr.write(`[replicas] ${new Date().toISOString()} ${message}\n`);
  }
}

let sandbox: FlakySandbox;
const proxies = {} as Record<Name, FaultProxy>;
const replicas = {} as Record<Name, ChildBackend>;
const output: string[] = [];
let workDir: string;

/** The replica to kill right after its next mutating AWS call, if any. */
let armed: Name | undefined;
const killedAt: string[] = [];

const isMutation = (call: ProxiedCall) =>
  call.service !== 'sts' &&
  !READ_ONLY_ACTION.test(`${call.service}:${call.action}`);

function onAnswer(name: Name) {
  return (call: ProxiedCall) => {
    if (armed !== name || !isMutation(call)) return;
    // The mutation has happened in AWS; the replica has not heard of it yet.
    armed = undefined;
    killedAt.push(`${name} after ${call.service}:${call.action}`);
    progress(`SIGKILL ${name} right after ${call.service}:${call.action}`);
    replicas[name].kill();
  };
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen in ${timeoutMs} ms: ${last ?? ''}`);
}

/** Creates a task through `via`, kills `via` after its first mutation, waits through `other`. */
async function runTaskAcrossAKill(
  templateName: string,
  via: Name,
  other: Name,
  values: Record<string, unknown>,
) {
  await eventually(`${templateName} in the catalog`, () =>
    replicas[via].api(
      'GET',
      `/api/catalog/entities/by-name/template/default/${templateName}`,
    ),
  );
  const marks = { A: proxies.A.calls.length, B: proxies.B.calls.length };
  armed = via;
  const { id } = await replicas[via].api('POST', '/api/scaffolder/v2/tasks', {
    templateRef: `template:default/${templateName}`,
    values,
  });
  progress(`${templateName} task ${id} created through ${via}`);
  const task = await eventually(
    `task ${id} finishing on ${other}`,
    async () => {
      const t = await replicas[other].api(
        'GET',
        `/api/scaffolder/v2/tasks/${id}`,
      );
      return t.status === 'completed' || t.status === 'failed' ? t : undefined;
    },
    300_000,
  );
  const events: Array<{ type: string; body: any }> = await replicas[other].api(
    'GET',
    `/api/scaffolder/v2/tasks/${id}/events`,
  );
  const mutations = (name: Name) =>
    proxies[name].calls
      .slice(marks[name])
      .filter(isMutation)
      .map(c => `${c.service}:${c.action}`);
  return { task, events, mutations: { A: mutations('A'), B: mutations('B') } };
}

beforeAll(async () => {
  sandbox = await startFlakySandbox('replicas', {
    onUpstreamResponse: onAnswer('A'),
  });
  proxies.A = sandbox.proxy;
  proxies.B = await startFaultProxy({
    target: sandbox.moto.endpoint,
    seed: 'replicas-b',
    recordResponses: /^sts:AssumeRole$/,
    onUpstreamResponse: onAnswer('B'),
  });
  // What the Load Balancer Controller would have made for the entity's Ingress.
  await createControllerAlb(sandbox.network, {
    name: 'k8s-game-replicas',
    cluster: 'demo',
    stack: 'game-2048/ingress-replicas',
  });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-replicas-'));
  const shared = {
    databasePrefix: `replicas_${process.pid}_${Date.now()}_`,
    templates: [ONBOARDING, CONTROLLER],
    entities: [taggedAlbEntity(ENTITY, 'demo', 'game-2048/ingress-replicas')],
    output,
    workDir,
    config: {
      // The views below check the read lease between replicas: each view reads AWS unless
      // the other replica's read answers it. The background sweep (on by default) would
      // answer from its own reads or queue the view; sweep.moto.test.ts covers the sweep over
      // two replicas.
      awsAlb: { sweep: { enabled: false } },
      backend: {
        cache: {
          store: 'redis',
          connection: REDIS,
          // This run's own keys: nothing cached by an earlier run answers for it.
          redis: { client: { namespace: `replicas-${randomUUID()}` } },
        },
      },
    },
  };
  for (const name of ['A', 'B'] as const) {
    replicas[name] = createChildBackend({
      ...shared,
      port: await freePort(),
      awsEndpoint: proxies[name].endpoint,
    });
    // One after the other, as a rolling deploy does: the first runs the migrations.
    await replicas[name].start();
    progress(`replica ${name} ready at ${replicas[name].baseUrl}`);
  }
});

afterAll(async () => {
  await replicas.A?.stop();
  await replicas.B?.stop();
  await replicas.A?.dropDatabases();
  await proxies.B?.stop();
  await sandbox?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

it('views through both replicas at the same moment make the AWS calls of one view', async () => {
  const healthPath = `/api/aws-alb/v1/entity/default/component/${ENTITY}/load-balancers`;
  for (const name of ['A', 'B'] as const) {
    await eventually(`${ENTITY} in the catalog of ${name}`, () =>
      replicas[name].api(
        'GET',
        `/api/catalog/entities/by-name/component/default/${ENTITY}`,
      ),
    );
  }
  const marks = { A: proxies.A.calls.length, B: proxies.B.calls.length };
  const views = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      replicas[i % 2 ? 'B' : 'A'].api('GET', healthPath),
    ),
  );
  // And again, one after the other, within the cache TTL.
  for (let i = 0; i < 10; i++) {
    views.push(await replicas[i % 2 ? 'B' : 'A'].api('GET', healthPath));
  }
  expect(views.every(v => v.loadBalancers.length === 1 && !v.stale)).toBe(true);
  expect(new Set(views.map(v => v.fetchedAt)).size).toBe(1);
  const reads = (name: Name) =>
    proxies[name].calls
      .slice(marks[name])
      .filter(c => c.service !== 'sts')
      .map(c => c.action);
  const all = [...reads('A'), ...reads('B')].sort();
  // eslint-disable-next-line no-console
  console.log(
    `two replicas, 30 views (20 at once, 10 in turn): AWS calls through A ${JSON.stringify(
      reads('A'),
    )}, through B ${JSON.stringify(reads('B'))}`,
  );
  // One ALB with one target group: the five calls of one cold view, made by one replica.
  expect(all).toEqual([
    'DescribeListeners',
    'DescribeLoadBalancers',
    'DescribeTargetGroups',
    'DescribeTargetHealth',
    'GetResources',
  ]);
  expect([reads('A').length, reads('B').length].sort()).toEqual([0, 5]);
});

it('a task completes when the replica it was created through is killed, in both directions', async () => {
  const { network } = sandbox;
  const values = recipeValues(network, CLUSTER);

  // Created through A, run by A (a replica claims what it dispatched), A dies mid-task.
  const onboarding = await runTaskAcrossAKill(
    'reliability-onboarding',
    'A',
    'B',
    values,
  );
  expect(killedAt).toEqual(['A after ram:CreateResourceShare']);
  expect(onboarding.task.status).toBe('completed');
  expect(onboarding.events.some(e => e.type === 'recovered')).toBe(true);
  // A made the share and died; B finished the task without making another one.
  expect(onboarding.mutations.A).toEqual(['ram:CreateResourceShare']);
  expect(onboarding.mutations.B).not.toContain('ram:CreateResourceShare');

  // A comes back (a restart, as after a rolling deploy); eksctl makes the cluster.
  await replicas.A.stop();
  await replicas.A.start();
  await createSandboxCluster(network, CLUSTER);

  // Created through B, run by B, B dies mid-task; A finishes it.
  const controller = await runTaskAcrossAKill(
    'reliability-controller',
    'B',
    'A',
    values,
  );
  expect(killedAt).toEqual([
    'A after ram:CreateResourceShare',
    'B after iam:CreateOpenIDConnectProvider',
  ]);
  const failure = controller.events
    .filter(e => e.type === 'log' && /error|fail/i.test(e.body?.message ?? ''))
    .map(e => e.body.message);
  expect({ status: controller.task.status, failure }).toEqual({
    status: 'completed',
    failure: [],
  });
  expect(controller.events.some(e => e.type === 'recovered')).toBe(true);
  expect(controller.mutations.B).toEqual(['iam:CreateOpenIDConnectProvider']);
  expect(controller.mutations.A).not.toContain(
    'iam:CreateOpenIDConnectProvider',
  );
  expect(controller.mutations.A).toEqual(
    expect.arrayContaining(['iam:CreatePolicy', 'iam:CreateRole']),
  );

  // eslint-disable-next-line no-console
  console.log(
    `two replicas: ${killedAt.join(
      '; ',
    )}\nonboarding mutations A ${JSON.stringify(
      onboarding.mutations.A,
    )} B ${JSON.stringify(
      onboarding.mutations.B,
    )}\ncontroller mutations B ${JSON.stringify(
      controller.mutations.B,
    )} A ${JSON.stringify(controller.mutations.A)}`,
  );

  expect(await resourceCounts(network, CLUSTER)).toEqual(oneOfEach());
});
