/*
 * Errors for people, not stacks (issue 17): the production backend, built and started as the
 * image starts it (NODE_ENV=production, app-config.yaml + app-config.production.yaml), with
 * the shipped templates and policy, against the sandbox AWS. Failing template steps (a
 * refusal by the permission policy, a cluster entity our action refuses, an AWS error) and
 * failing API calls (unknown entity, refused picker, a repository URL the form schema
 * refuses, a body that is not JSON) answer with messages that say what is wrong and carry no
 * stack trace and no server path, in the task events and in the error bodies. The stacks
 * stay in the server's own log, for its operators.
 *
 * Needs packages/backend/dist/bundle.tar.gz (`yarn workspace backend build`); scripts/test.sh
 * builds it, then runs this with `yarn workspace reliability test:production`.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  MotoServer,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SandboxNetwork,
  freePort,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import { parse } from 'yaml';
import { BuiltBackend, REPO_ROOT, createBuiltBackend } from './builtBackend';

jest.setTimeout(600_000);

const DEVELOPER = 'user:default/app-developer';
const TEAM = 'group:default/app-team';

function template(dir: string) {
  const file = path.join(REPO_ROOT, 'templates', dir, 'template.yaml');
  // The steps that fail here come before the skeleton is read.
  return parse(fs.readFileSync(file, 'utf8'));
}

function cluster(
  name: string,
  network: SandboxNetwork,
  annotations: Record<string, string> = {},
) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'cross-account-alb.io/network-account-id': SANDBOX_NETWORK_ACCOUNT_ID,
        'cross-account-alb.io/workload-account-id': SANDBOX_WORKLOAD_ACCOUNT_ID,
        'cross-account-alb.io/eks-cluster-name': name,
        'cross-account-alb.io/vpc-id': network.vpcId,
        'cross-account-alb.io/alb-subnet-ids': network.publicSubnets
          .map(s => s.subnetId)
          .join(','),
        'cross-account-alb.io/node-subnet-ids': network.privateSubnets
          .map(s => s.subnetId)
          .join(','),
        'aws.amazon.com/region': SANDBOX_REGION,
        ...annotations,
      },
    },
    spec: { type: 'eks-cluster', owner: TEAM },
  };
}

describe('the production backend answers people, not stacks', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let backend: BuiltBackend;
  /** What must not reach a user: a stack frame, or a path of this machine. */
  let leaks: RegExp[];

  const expectNoLeak = (what: string, text: string) => {
    for (const leak of leaks) {
      if (leak.test(text)) {
        throw new Error(`${what} matches ${leak}:\n${text}`);
      }
    }
  };

  async function api(method: string, urlPath: string, body?: string | object) {
    return backend.request(method, urlPath, body);
  }

  async function eventually<T>(what: string, probe: () => Promise<T | false>) {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== false) return value;
      await new Promise(r => setTimeout(r, 500));
    }
    throw new Error(`${what} did not happen within 120 s`);
  }

  /** Runs a task to its end; the task, its events as served, and the failed step's log. */
  async function failingTask(
    templateName: string,
    values: Record<string, unknown>,
  ) {
    const created = await api('POST', '/api/scaffolder/v2/tasks', {
      templateRef: `template:default/${templateName}`,
      values,
    });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.text);
    const task = await eventually(`task ${id} finishing`, async () => {
      const t = JSON.parse(
        (await api('GET', `/api/scaffolder/v2/tasks/${id}`)).text,
      );
      return ['completed', 'failed', 'cancelled'].includes(t.status)
        ? t
        : false;
    });
    const events = await api('GET', `/api/scaffolder/v2/tasks/${id}/events`);
    expect(events.status).toBe(200);
    const parsed: Array<{ type: string; body: any }> = JSON.parse(events.text);
    const failed = parsed
      .filter(e => e.body?.status === 'failed')
      .map(e => String(e.body.message));
    const completion = parsed.find(e => e.type === 'completion');
    return { id, task, text: events.text, failed, completion };
  }

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    backend = createBuiltBackend({
      port: await freePort(),
      awsEndpoint: moto.endpoint,
      // An application developer: not in the platform group app-config.production.yaml
      // names, owner (through app-team) of the two clusters below.
      guest: {
        userEntityRef: DEVELOPER,
        ownershipEntityRefs: [DEVELOPER, TEAM],
      },
      entities: [
        template('cluster-onboarding'),
        template('alb-application'),
        // Registered by someone, with a region that is not one.
        cluster('broken-cluster', network, {
          'aws.amazon.com/region': 'us-east-1; echo',
        }),
        // Well formed, but there is no such EKS cluster in the workload account.
        cluster('missing-cluster', network),
      ],
    });
    leaks = [
      /\n\s+at /,
      /node_modules/,
      new RegExp(REPO_ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      new RegExp(backend.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      /\.cjs\.js/,
    ];
    await backend.start();
    for (const name of [
      'template/default/eks-cross-account-cluster-onboarding',
      'template/default/eks-cross-account-alb-application',
      'resource/default/broken-cluster',
      'resource/default/missing-cluster',
    ]) {
      await eventually(`${name} in the catalog`, async () =>
        (await api('GET', `/api/catalog/entities/by-name/${name}`)).status ===
        200
          ? true
          : false,
      );
    }
  });

  afterAll(async () => {
    await backend?.stop();
    await backend?.cleanUp();
    restore?.();
    await moto?.stop();
  });

  const application = (clusterName: string) => ({
    name: 'game-2048',
    cluster: `resource:default/${clusterName}`,
    owner: TEAM,
    namespace: 'game-2048',
    image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
    containerPort: 80,
    replicas: 2,
    scheme: 'internet-facing',
    healthCheckPath: '/',
    repoUrl: 'github.com?owner=acme&repo=game-2048',
  });

  it('a step the policy refuses: the refusal, no stack', async () => {
    const run = await failingTask('eks-cross-account-cluster-onboarding', {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnets.map(s => s.subnetId),
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      clusterName: 'shop-prod',
      kubernetesVersion: '1.33',
      instanceType: 'm6i.large',
      desiredSize: 2,
      minSize: 2,
      maxSize: 4,
      owner: TEAM,
      repoUrl: 'github.com?owner=acme&repo=shop-prod-cluster',
    });
    expect(run.task.status).toBe('failed');
    expect(run.failed).toEqual([
      'NotAllowedError: Unauthorized action: aws:catalog:check-cluster-name. The action is not allowed.',
    ]);
    expect(run.completion?.body.error).toEqual({
      name: 'NotAllowedError',
      message:
        'Unauthorized action: aws:catalog:check-cluster-name. The action is not allowed.',
    });
    expectNoLeak('the refused task events', run.text);
  });

  it('a cluster entity our action refuses: which annotation and what to fix, no stack', async () => {
    const run = await failingTask(
      'eks-cross-account-alb-application',
      application('broken-cluster'),
    );
    expect(run.task.status).toBe('failed');
    expect(run.failed).toHaveLength(1);
    expect(run.failed[0]).toMatch(
      /^InputError: The cluster entity resource:default\/broken-cluster is not one this project can use: annotation aws\.amazon\.com\/region: .*\(got "us-east-1; echo"\)\. Fix its catalog-info\.yaml/,
    );
    expectNoLeak('the task events of a refused cluster entity', run.text);
  });

  it('an AWS error in a step: the message, no stack', async () => {
    const run = await failingTask(
      'eks-cross-account-alb-application',
      application('missing-cluster'),
    );
    expect(run.task.status).toBe('failed');
    expect(run.failed).toHaveLength(1);
    expect(run.failed[0]).toMatch(
      /^NotFoundError: EKS cluster missing-cluster does not exist in workload account 222222222222 \(us-east-1\)\. Create it first/,
    );
    expectNoLeak('the task events of an AWS error', run.text);
  });

  it('keeps the stacks in the server log, for its operators', () => {
    // The scaffolder's auditor event for each failed task logs the error with its stack.
    const log = backend.output.join('');
    expect(log).toMatch(/NotAllowedError: Unauthorized action[^"]*\\n\s+at /);
  });

  it('error bodies of failing API calls: what is wrong, no stack', async () => {
    const calls: Array<{
      what: string;
      status: number;
      message: RegExp;
      answer: { status: number; text: string };
    }> = [
      {
        what: 'the health of an unknown entity',
        status: 404,
        message: /^Entity component:default\/nope was not found in the catalog/,
        answer: await api(
          'GET',
          '/api/aws-alb/v1/entity/default/component/nope/load-balancers',
        ),
      },
      {
        what: 'a network picker for a user without the right',
        status: 403,
        message: /You may not list the network account/,
        answer: await api(
          'POST',
          '/api/scaffolder/v2/autocomplete/aws-cross-account/vpcs',
          {
            token: await backend.userToken(),
            context: {
              networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
              region: SANDBOX_REGION,
            },
          },
        ),
      },
      {
        what: 'a body that is not JSON',
        status: 400,
        message: /JSON/,
        answer: await api(
          'POST',
          '/api/scaffolder/v2/tasks',
          '{"templateRef":',
        ),
      },
    ];
    for (const call of calls) {
      expect({ what: call.what, status: call.answer.status }).toEqual({
        what: call.what,
        status: call.status,
      });
      const body = JSON.parse(call.answer.text);
      expect(body.error.message).toMatch(call.message);
      // Backstage's error handler adds the stack only under NODE_ENV=development.
      expect(body.error.stack).toBeUndefined();
      expectNoLeak(call.what, call.answer.text);
    }
  });

  it('a repository URL the template refuses names the field', async () => {
    const answer = await api('POST', '/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/eks-cross-account-alb-application',
      values: {
        ...application('missing-cluster'),
        repoUrl: 'https://github.com/acme/game-2048',
      },
    });
    expect(answer.status).toBe(400);
    const { errors } = JSON.parse(answer.text);
    expect(errors.map((e: any) => `${e.property} ${e.message}`)).toEqual([
      expect.stringMatching(/^instance\.repoUrl does not match pattern/),
    ]);
    expectNoLeak('a refused repository URL', answer.text);
  });
});
