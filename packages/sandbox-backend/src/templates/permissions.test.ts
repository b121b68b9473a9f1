/*
 * Who may do what, through the real backend: the permission backend with the shipped policy
 * module (platform groups from config), the real catalog, the scaffolder with this project's
 * actions and the sandbox publisher and stand-ins, against the sandbox AWS. Templates run as
 * real tasks (POST /v2/tasks) as three users: a platform engineer, an application developer
 * whose group owns the cluster, and a developer of another group. AWS calls are counted at
 * the sandbox's IAM gateway. The same backend serves the network pickers and the load
 * balancer health (HTTP route and actions registry action), which follow the catalog.
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import awsAlbPlugin from '@cross-account-alb/plugin-aws-alb-backend';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import permissionPlugin from '@backstage/plugin-permission-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import awsActionsModule from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import policyModule from '@cross-account-alb/plugin-permission-backend-module-aws-cross-account';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  MotoServer,
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAwsConfig,
  SandboxNetwork,
  seedSandboxDnsZone,
  seedSandboxNetwork,
  seedSandboxWebAcl,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import sandboxFeatures from 'sandbox/backend';
import { permissionHttpAuthFactory } from './__testUtils__/permissionAuth';
import {
  applicationValues,
  controllerValues,
  onboardingValues,
  portalCatalogConfig,
} from './__testUtils__/portal';

jest.setTimeout(300_000);

const CLUSTER = 'shop-perm';
const PLATFORM = 'user:default/platform-engineer';
const DEVELOPER = 'user:default/app-developer';
const OTHER = 'user:default/other-developer';
/** What the catalog's org data would give each user (memberOf), as the user info service. */
const GROUPS: Record<string, string[]> = {
  [PLATFORM]: ['group:default/platform-team'],
  [DEVELOPER]: ['group:default/app-team'],
  [OTHER]: ['group:default/other-team'],
};

const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const userEntityRef = credentials.principal.userEntityRef as string;
      return {
        userEntityRef,
        ownershipEntityRefs: [userEntityRef, ...(GROUPS[userEntityRef] ?? [])],
      };
    },
  }),
});

const actionsRegistry = actionsRegistryServiceMock();

/** Every auditor event of the backend, with its outcome, as an audit log would record it. */
interface AuditRecord {
  plugin: string;
  eventId: string;
  meta: Record<string, any>;
  outcome?: 'success' | 'fail';
  error?: string;
}
const audit: AuditRecord[] = [];
const auditor = createServiceFactory({
  service: coreServices.auditor,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => ({
    async createEvent(options: any) {
      const record: AuditRecord = {
        plugin: plugin.getId(),
        eventId: options.eventId,
        meta: { ...options.meta },
      };
      audit.push(record);
      return {
        async success(o?: any) {
          Object.assign(record, {
            outcome: 'success',
            meta: { ...record.meta, ...o?.meta },
          });
        },
        async fail(o: any) {
          Object.assign(record, {
            outcome: 'fail',
            error: String(o?.error?.message ?? o?.error),
            meta: { ...record.meta, ...o?.meta },
          });
        },
      };
    },
  }),
});

describe('permissions: who may run which template', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let server: any;
  let publishDir: string;

  /** AWS calls the backend made (the gateway's decisions, not the test's admin calls). */
  const backendCalls = () =>
    (moto.iam?.decisions ?? []).filter(d => d.decision !== 'Admin');

  async function runTask(
    user: string,
    templateName: string,
    values: Record<string, unknown>,
  ) {
    const before = backendCalls().length;
    const created = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', mockCredentials.user.header(user))
      .send({ templateRef: `template:default/${templateName}`, values });
    expect(created.status).toBe(201);
    for (let i = 0; i < 600; i++) {
      const task = await request(server)
        .get(`/api/scaffolder/v2/tasks/${created.body.id}`)
        .set('Authorization', mockCredentials.user.header(user));
      if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${created.body.id}/events`)
          .set('Authorization', mockCredentials.user.header(user));
        const log = (events.body as any[])
          .map(e => e.body?.message)
          .filter(Boolean)
          .join('\n');
        const steps = (events.body as any[])
          .filter(e => e.body?.stepId && e.body?.status)
          .map(e => `${e.body.stepId}:${e.body.status}`);
        return {
          status: task.body.status as string,
          log,
          steps,
          awsCalls: backendCalls()
            .slice(before)
            .map(d => d.action),
        };
      }
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`${templateName} did not finish`);
  }

  async function waitForEntity(ref: string) {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    let last: any;
    for (let i = 0; i < 120; i++) {
      last = await request(server)
        .get(`/api/catalog/entities/by-name/${kind}/${namespace}/${name}`)
        .set('Authorization', mockCredentials.user.header(PLATFORM));
      if (last.status === 200) return last.body;
      await new Promise(r => setTimeout(r, 500));
    }
    throw new Error(
      `${ref} never appeared in the catalog: ${last.status} ${JSON.stringify(
        last.body,
      )}`,
    );
  }

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    publishDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-repos-'));
    ({ server } = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        awsActionsModule,
        sandboxFeatures,
        permissionPlugin,
        policyModule,
        awsAlbPlugin,
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistry,
        }),
        userInfo,
        auditor,
        permissionHttpAuthFactory,
        mockServices.rootConfig.factory({
          data: {
            aws: sandboxAwsConfig(),
            sandbox: { enabled: true, publishDirectory: publishDir },
            // Each view reads AWS: a never-read entity answers at once, not "queued" while
            // the background sweep spends the budget.
            awsAlb: { sweep: { enabled: false } },
            permission: {
              enabled: true,
              awsCrossAccount: {
                platformGroups: ['group:default/platform-team'],
                openActions: [
                  'fetch:template',
                  'catalog:register',
                  'sandbox:publish:local-git',
                  'sandbox:lbc:reconcile-ingress',
                  'sandbox:external-dns:sync',
                ],
                // Components (the applications) are read by their owners only.
                ownerOnlyReads: [{ kind: 'Component' }],
              },
            },
            catalog: portalCatalogConfig(),
          },
        }),
      ],
    }));
    await waitForEntity('template:default/eks-cross-account-alb-teardown');
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
    fs.rmSync(publishDir, { recursive: true, force: true });
  });

  // The application team owns the cluster's entity; the platform team creates it.
  const onboarding = () =>
    onboardingValues(network, {
      clusterName: CLUSTER,
      owner: 'group:default/app-team',
    });
  const controller = controllerValues(CLUSTER);
  const application = (name: string, owner: string) =>
    applicationValues({ name, clusterName: CLUSTER, owner });
  const teardown = (name: string) => ({
    cluster: `resource:default/${CLUSTER}`,
    clusterStillExists: true,
    name,
    namespace: name,
    containerPort: 80,
    removeClusterSetUp: false,
    deletePolicy: false,
  });

  it('refuses the application developer the onboarding template before any AWS call', async () => {
    const run = await runTask(
      DEVELOPER,
      'eks-cross-account-cluster-onboarding',
      onboarding(),
    );
    expect(run.status).toBe('failed');
    expect(run.log).toContain(
      'Unauthorized action: aws:catalog:check-cluster-name. The action is not allowed.',
    );
    // Said as the refusal it is: no stack trace, no server path (the scaffolder's step
    // failure log, patched in .yarn/patches).
    expect(run.log).toContain(
      'NotAllowedError: Unauthorized action: aws:catalog:check-cluster-name. The action is not allowed.',
    );
    expect(run.log).not.toMatch(/\n\s+at |node_modules/);
    // The first step was refused: no step ran, so AWS saw nothing.
    expect(run.steps).toContain('name:failed');
    expect(run.steps).not.toContain('name:completed');
    expect(run.awsCalls).toEqual([]);
    // The refusal is an auditor event naming the user, the template, the accounts asked
    // for and the refused step's action.
    expect(
      audit.filter(
        e =>
          e.plugin === 'scaffolder' &&
          e.eventId === 'task' &&
          e.meta.actionType === 'execution' &&
          e.meta.createdBy === DEVELOPER,
      ),
    ).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        error:
          'Unauthorized action: aws:catalog:check-cluster-name. The action is not allowed.',
        meta: expect.objectContaining({
          templateRef: 'template:default/eks-cross-account-cluster-onboarding',
          taskParameters: expect.objectContaining({
            networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
            workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
          }),
        }),
      }),
    ]);
    const cluster = await request(server)
      .get(`/api/catalog/entities/by-name/resource/default/${CLUSTER}`)
      .set('Authorization', mockCredentials.user.header(PLATFORM));
    expect(cluster.status).toBe(404);
  });

  it('lets the platform engineer run onboarding and the controller, not the developer', async () => {
    const onboarded = await runTask(
      PLATFORM,
      'eks-cross-account-cluster-onboarding',
      onboarding(),
    );
    expect(onboarded).toMatchObject({ status: 'completed' });
    await waitForEntity(`resource:default/${CLUSTER}`);

    // The developer's group owns the cluster, but the controller template creates IAM in
    // the network account. Its first step reads the cluster saying what for
    // (purpose: load-balancer-controller), which the policy grants cluster owners only for
    // an application: refused there, before any AWS call.
    const refused = await runTask(
      DEVELOPER,
      'eks-cross-account-load-balancer-controller',
      controller,
    );
    expect(refused.status).toBe('failed');
    expect(refused.log).toContain(
      'Unauthorized action: aws:catalog:read-cluster. The action is not allowed.',
    );
    expect(refused.steps).toContain('cluster:failed');
    expect(refused.steps).not.toContain('eks:processing');
    expect(refused.awsCalls).toEqual([]);

    expect(
      await runTask(
        PLATFORM,
        'eks-cross-account-load-balancer-controller',
        controller,
      ),
    ).toMatchObject({ status: 'completed' });
  });

  it('lets the developer run the application template for the cluster their group owns', async () => {
    const run = await runTask(
      DEVELOPER,
      'eks-cross-account-alb-application',
      application('game-2048', 'group:default/app-team'),
    );
    expect(run.log).not.toContain('Unauthorized');
    expect(run.status).toBe('completed');
    expect(run.awsCalls).toContain('ec2:AuthorizeSecurityGroupIngress');
    // Each granted mutation is an auditor event naming the user, template, step and account.
    expect(
      audit.filter(
        e =>
          e.eventId === 'aws-cross-account-mutation' &&
          e.meta.initiator === DEVELOPER,
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'success',
          meta: expect.objectContaining({
            action: 'ec2:AuthorizeSecurityGroupIngress',
            accountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
            templateRef: 'template:default/eks-cross-account-alb-application',
            stepId: 'nodesg',
          }),
        }),
        expect.objectContaining({
          outcome: 'success',
          meta: expect.objectContaining({
            action: 'ec2:CreateSecurityGroup',
            accountId: SANDBOX_NETWORK_ACCOUNT_ID,
            stepId: 'albsg',
          }),
        }),
      ]),
    );
    await waitForEntity('component:default/game-2048');
  });

  it('lets the developer give an application a host name in the zone the platform set up for the cluster, and a web ACL', async () => {
    // The platform engineer gives the cluster external-dns for the zone (template 2).
    const zone = await seedSandboxDnsZone();
    const dns = {
      dnsAccountId: SANDBOX_DNS_ACCOUNT_ID,
      hostedZoneId: zone.hostedZoneId,
      hostedZoneName: zone.zoneName,
    };
    expect(
      await runTask(PLATFORM, 'eks-cross-account-load-balancer-controller', {
        ...controller,
        ...dns,
      }),
    ).toMatchObject({ status: 'completed' });
    const run = await runTask(DEVELOPER, 'eks-cross-account-alb-application', {
      ...application('storefront', 'group:default/app-team'),
      hostName: `storefront.${zone.zoneName}`,
      ...dns,
      wafAclArn: (await seedSandboxWebAcl()).arn,
    });
    expect(run.log).not.toContain('Unauthorized');
    expect(run.status).toBe('completed');
    expect(run.steps).toEqual(
      expect.arrayContaining(['waf:completed', 'certificate:completed']),
    );
    expect(run.awsCalls).toEqual(
      expect.arrayContaining([
        'wafv2:GetWebACL',
        'acm:RequestCertificate',
        'route53:ChangeResourceRecordSets',
      ]),
    );
  });

  it("refuses another group's developer that cluster, before any AWS call", async () => {
    const run = await runTask(
      OTHER,
      'eks-cross-account-alb-application',
      application('intruder', 'group:default/other-team'),
    );
    expect(run.status).toBe('failed');
    expect(run.log).toContain(
      'Unauthorized action: aws:catalog:read-cluster. The action is not allowed.',
    );
    expect(run.awsCalls).toEqual([]);
  });

  it('lets the platform engineer run the application template and the teardown; not the developer', async () => {
    expect(
      await runTask(
        PLATFORM,
        'eks-cross-account-alb-application',
        application('platform-app', 'group:default/platform-team'),
      ),
    ).toMatchObject({ status: 'completed' });
    // The next test reads its health: the catalog must have processed it first.
    await waitForEntity('component:default/platform-app');

    // Even for the application their group owns: the teardown changes the network account.
    const refused = await runTask(
      DEVELOPER,
      'eks-cross-account-alb-teardown',
      teardown('game-2048'),
    );
    expect(refused.status).toBe('failed');
    // Refused at its first step, the cluster read for a teardown.
    expect(refused.log).toContain(
      'Unauthorized action: aws:catalog:read-cluster. The action is not allowed.',
    );
    expect(refused.steps).toContain('cluster:failed');
    expect(refused.awsCalls).toEqual([]);

    // An application whose Ingress (and so ALB) is gone: nothing holds the teardown up.
    const done = await runTask(
      PLATFORM,
      'eks-cross-account-alb-teardown',
      teardown('retired-app'),
    );
    expect(done.log).not.toContain('Unauthorized');
    expect(done.status).toBe('completed');
  });

  it('answers the health of an application only to those who may read it (404 otherwise)', async () => {
    const health = (name: string, user: string) =>
      request(server)
        .get(`/api/aws-alb/v1/entity/default/component/${name}/load-balancers`)
        .set('Authorization', mockCredentials.user.header(user));

    // The developer's own application: the ALB the stand-in controller made for it.
    const own = await health('game-2048', DEVELOPER);
    expect(own.status).toBe(200);
    expect(own.body.loadBalancers).toHaveLength(1);

    // The platform team's application is hidden from the developer: the same answer as an
    // entity that does not exist, and no AWS call.
    const before = backendCalls().length;
    const hidden = await health('platform-app', DEVELOPER);
    const unknown = await health('no-such-app', DEVELOPER);
    expect(hidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hidden.body.error.message).toBe(
      'Entity component:default/platform-app was not found in the catalog, or you are not allowed to see it',
    );
    expect(backendCalls().length).toBe(before);
    expect((await health('platform-app', PLATFORM)).status).toBe(200);

    // The actions registry's action reads with the caller's credentials too.
    const invoke = (name: string, user: string) =>
      actionsRegistry.invoke({
        id: 'test:get-entity-load-balancers',
        input: { entityRef: `component:default/${name}` },
        credentials: mockCredentials.user(user),
      });
    await expect(invoke('platform-app', DEVELOPER)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(invoke('game-2048', DEVELOPER)).resolves.toMatchObject({
      output: { entityRef: 'component:default/game-2048' },
    });
  });

  it('refuses a repository URL through the API naming the field, before a task exists', async () => {
    // The sandbox's publish choice: repoUrl is asked for when publishing to GitHub.
    const answer = await request(server)
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', mockCredentials.user.header(PLATFORM))
      .send({
        templateRef:
          'template:default/eks-cross-account-load-balancer-controller',
        values: {
          ...controller,
          publishTo: 'github',
          repoUrl: 'https://github.com/acme/shop-lb-controller',
        },
      });
    expect(answer.status).toBe(400);
    expect(
      answer.body.errors.map((e: any) => `${e.property} ${e.message}`),
    ).toEqual([
      expect.stringMatching(
        /^instance\.repoUrl does not match pattern "\^github/,
      ),
    ]);
    expect(JSON.stringify(answer.body)).not.toMatch(/\n\s+at |node_modules/);
  });

  it('answers the network pickers to the platform engineer only (403 otherwise)', async () => {
    const ask = (user: string) =>
      request(server)
        .post('/api/scaffolder/v2/autocomplete/aws-cross-account/vpcs')
        .set('Authorization', mockCredentials.user.header(user))
        .send({
          token: mockCredentials.user.token(user),
          context: {
            networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
            region: SANDBOX_REGION,
          },
        });
    const before = backendCalls().length;
    const refused = await ask(DEVELOPER);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(
      'You may not list the network account',
    );
    expect(backendCalls().length).toBe(before);

    const listed = await ask(PLATFORM);
    expect(listed.status).toBe(200);
    expect(listed.body.results.map((r: { id: string }) => r.id)).toContain(
      network.vpcId,
    );

    // A token that is not the user's own is refused before anything is read.
    const forged = await request(server)
      .post('/api/scaffolder/v2/autocomplete/aws-cross-account/vpcs')
      .set('Authorization', mockCredentials.user.header(PLATFORM))
      .send({ token: 'unused', context: {} });
    expect(forged.status).toBe(401);
  });

  it("answers the zone picker to the application teams too (their template's), under a permission of its own", async () => {
    const zone = await seedSandboxDnsZone();
    const ask = (user: string) =>
      request(server)
        .post('/api/scaffolder/v2/autocomplete/aws-cross-account/hosted-zones')
        .set('Authorization', mockCredentials.user.header(user))
        .send({
          token: mockCredentials.user.token(user),
          context: { dnsAccountId: SANDBOX_DNS_ACCOUNT_ID },
        });
    const before = backendCalls().length;
    for (const user of [DEVELOPER, PLATFORM]) {
      const listed = await ask(user);
      expect(listed.status).toBe(200);
      expect(listed.body.results.map((r: { id: string }) => r.id)).toContain(
        zone.hostedZoneId,
      );
    }
    // Read as Backstage's role in the DNS account, which its policy allows.
    expect(
      backendCalls()
        .slice(before)
        .filter(d => d.action === 'route53:ListHostedZones'),
    ).toEqual([
      expect.objectContaining({ decision: 'Allowed' }),
      expect.objectContaining({ decision: 'Allowed' }),
    ]);
    // The developer still may not list the network account's VPCs (the test above).
    const vpcs = await request(server)
      .post('/api/scaffolder/v2/autocomplete/aws-cross-account/vpcs')
      .set('Authorization', mockCredentials.user.header(DEVELOPER))
      .send({
        token: mockCredentials.user.token(DEVELOPER),
        context: {
          networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
          region: SANDBOX_REGION,
        },
      });
    expect(vpcs.status).toBe(403);
  });
});
