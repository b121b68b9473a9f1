/*
 * The fleet case, through the templates as real scaffolder tasks on the real catalog and
 * scaffolder, the project's actions, the sandbox's stand-ins and the health backend, against
 * a sandbox AWS with one network account and two workload accounts:
 *
 * - clusters fleet-a and fleet-b in workload account 222222222222, fleet-c in 333333333333;
 *   a second fleet-a (other workload account) is refused at template 1 naming the first;
 * - on fleet-a, cart and shop share Ingress group storefront (one ALB), blog has its own;
 *   docs runs on fleet-b and wiki on fleet-c; each component's tab shows its own slice;
 * - fleet-a's teardown stops, changing nothing, while its ALBs exist, naming them and the
 *   commands that remove them; a grouped application's teardown keeps what the group still
 *   shares; once the Ingresses are gone everything of fleet-a goes, and fleet-b and fleet-c
 *   keep their subnets, controller roles and healthy applications.
 *
 * The resource counts before and after are printed (console.log) for the record.
 */
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import awsActionsModule from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import awsAlbBackend from '@cross-account-alb/plugin-aws-alb-backend';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  MotoServer,
  recipeInventory,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_SECOND_WORKLOAD_ACCOUNT_ID as WORKLOAD_2,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD_1,
  sandboxAdminCredentials,
  sandboxAwsConfig,
  SandboxNetwork,
  sandboxDeleteIngress,
  sandboxPublishAlbMetrics,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import sandboxFeatures from 'sandbox/backend';
import {
  applicationValues,
  controllerValues,
  onboardingValues,
  portalCatalogConfig,
  portalClient,
} from './__testUtils__/portal';

jest.setTimeout(900_000);

const auth = () => mockCredentials.user.header();

const CLUSTERS = [
  { name: 'fleet-a', workloadAccountId: WORKLOAD_1 },
  { name: 'fleet-b', workloadAccountId: WORKLOAD_1 },
  { name: 'fleet-c', workloadAccountId: WORKLOAD_2 },
];
const APPS = [
  { name: 'cart', cluster: 'fleet-a', groupName: 'storefront' },
  { name: 'shop', cluster: 'fleet-a', groupName: 'storefront' },
  { name: 'blog', cluster: 'fleet-a' },
  { name: 'docs', cluster: 'fleet-b' },
  { name: 'wiki', cluster: 'fleet-c' },
];

describe('the recipe for a fleet: three clusters, two workload accounts, an Ingress group', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let server: any;
  let publishDir: string;
  let waitForEntity: ReturnType<typeof portalClient>['waitForEntity'];
  let runTask: ReturnType<typeof portalClient>['runTask'];

  async function admin<T>(
    Client: new (config: any) => T,
    accountId: string,
  ): Promise<T> {
    const { sdkCredentialProvider: credentials } =
      await sandboxAdminCredentials(accountId);
    return new Client({ region: REGION, credentials });
  }

  const health = (name: string) =>
    request(server)
      .get(`/api/aws-alb/v1/entity/default/component/${name}/load-balancers`)
      .set('Authorization', auth());

  /** What exists, per kind, in the network account and per cluster. */
  async function counts(): Promise<Record<string, any>> {
    const perCluster: Record<string, object> = {};
    let first: Awaited<ReturnType<typeof recipeInventory>> | undefined;
    for (const c of CLUSTERS) {
      const found = await recipeInventory(
        { ...network, workloadAccountId: c.workloadAccountId },
        c.name,
      );
      first ??= found;
      perCluster[c.name] = {
        controllerRole: found.roles.filter(r => r.startsWith(`${c.name}-`))
          .length,
        albSecurityGroups: found.securityGroups.filter(g =>
          g.groupName.startsWith(`${c.name}-`),
        ).length,
        // Rules whose source is another security group than the node group itself.
        nodeRulesFromAlbGroups: (found.nodeSecurityGroup?.ingress ?? []).filter(
          rule =>
            rule.includes('/sg-') &&
            !rule.endsWith(`/${found.nodeSecurityGroup!.groupId}`),
        ).length,
      };
    }
    const elbv2 = await admin(ElasticLoadBalancingV2Client, NETWORK);
    const { TargetGroups = [] } = await elbv2.send(
      new DescribeTargetGroupsCommand({}),
    );
    return {
      network: {
        shares: first!.shares.length,
        oidcProviders: first!.oidcProviders.length,
        controllerRoles: first!.roles.length,
        controllerPolicies: first!.policies.length,
        albSecurityGroups: first!.securityGroups.length,
        loadBalancers: first!.loadBalancers.length,
        targetGroups: TargetGroups.length,
      },
      ...perCluster,
    };
  }

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    publishDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-fleet-'));
    ({ server } = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        awsActionsModule,
        awsAlbBackend,
        sandboxFeatures,
        mockServices.rootConfig.factory({
          data: {
            aws: sandboxAwsConfig(),
            sandbox: { enabled: true, publishDirectory: publishDir },
            // Every read goes to AWS (the test looks right after each change), within a
            // budget that five entities read in a row fit in.
            awsAlb: {
              // Each view reads AWS (no background sweep serving the last answer).
              sweep: { enabled: false },
              cache: { ttlSeconds: 0.001 },
              rateLimit: { callsPerSecond: 50, burst: 50 },
            },
            catalog: portalCatalogConfig(),
          },
        }),
      ],
    }));
    ({ waitForEntity, runTask } = portalClient(server, auth));
    await waitForEntity('template:default/eks-cross-account-alb-teardown');
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
    fs.rmSync(publishDir, { recursive: true, force: true });
  });

  const onboarding = (c: (typeof CLUSTERS)[number]) =>
    onboardingValues(network, {
      clusterName: c.name,
      workloadAccountId: c.workloadAccountId,
    });
  const application = (app: (typeof APPS)[number]) =>
    applicationValues({
      name: app.name,
      clusterName: app.cluster,
      groupName: app.groupName,
    });
  const teardown = (values: Record<string, unknown>) =>
    runTask('eks-cross-account-alb-teardown', {
      clusterStillExists: true,
      namespace: values.name ?? 'default',
      containerPort: 80,
      removeClusterSetUp: false,
      deletePolicy: false,
      ...values,
    });
  /** kubectl delete -f of the application's manifest, as published. */
  const kubectlDelete = (app: (typeof APPS)[number]) => {
    const cluster = CLUSTERS.find(c => c.name === app.cluster)!;
    return sandboxDeleteIngress({
      manifest: fs.readFileSync(
        path.join(publishDir, app.name, 'kubernetes', 'app.yaml'),
        'utf8',
      ),
      networkAccountId: NETWORK,
      workloadAccountId: cluster.workloadAccountId,
      region: REGION,
      clusterName: cluster.name,
    });
  };

  it('sets up three clusters in two workload accounts and refuses a cluster name the network account has', async () => {
    for (const c of CLUSTERS) {
      await runTask('eks-cross-account-cluster-onboarding', onboarding(c));
      await waitForEntity(`resource:default/${c.name}`);
      await runTask(
        'eks-cross-account-load-balancer-controller',
        controllerValues(c.name),
      );
    }
    const before = await counts();
    await expect(
      runTask('eks-cross-account-cluster-onboarding', {
        ...onboarding({ name: 'fleet-a', workloadAccountId: WORKLOAD_2 }),
      }),
    ).rejects.toThrow(
      `Cluster name fleet-a is already used in network account ${NETWORK} by resource:default/fleet-a (workload account ${WORKLOAD_1}, ${REGION}).`,
    );
    expect(await counts()).toEqual(before);
    expect(before).toMatchObject({
      network: { shares: 3, oidcProviders: 3, controllerRoles: 3 },
    });
  });

  it('puts two applications in one Ingress group on one ALB and shows each its own slice', async () => {
    for (const app of APPS) {
      await runTask('eks-cross-account-alb-application', application(app));
      await waitForEntity(`component:default/${app.name}`);
    }
    const answers: Record<string, any> = {};
    for (const app of APPS) {
      const answer = await health(app.name);
      expect({ app: app.name, status: answer.status }).toEqual({
        app: app.name,
        status: 200,
      });
      answers[app.name] = answer.body;
      expect(answers[app.name].loadBalancers).toHaveLength(1);
    }
    const lb = (name: string) => answers[name].loadBalancers[0];
    // One ALB for the group, its own for every other application.
    expect(lb('cart').arn).toBe(lb('shop').arn);
    expect(new Set(APPS.map(app => lb(app.name).arn)).size).toBe(4);
    // Each member sees its own target group only, and the other member named.
    expect(lb('cart').targetGroups).toHaveLength(1);
    expect(lb('shop').targetGroups).toHaveLength(1);
    expect(lb('cart').targetGroups[0].arn).not.toBe(
      lb('shop').targetGroups[0].arn,
    );
    expect(lb('cart').targetGroups[0].controllerResource).toBe(
      'cart/cart-cart:80',
    );
    expect(lb('cart').ingressGroup).toEqual({
      ingress: 'cart/cart',
      otherIngresses: ['shop/shop'],
    });
    expect(lb('shop').ingressGroup).toEqual({
      ingress: 'shop/shop',
      otherIngresses: ['cart/cart'],
    });
    expect(lb('blog').ingressGroup).toBeUndefined();
    for (const app of APPS) {
      const targets = lb(app.name).targetGroups.flatMap(
        (tg: any) => tg.targets,
      );
      expect(targets).toHaveLength(2);
    }
    // Listener rules, read when asked: cart's own rule and the shared default (404).
    const rules = await request(server)
      .get('/api/aws-alb/v1/entity/default/component/cart/listener-rules')
      .set('Authorization', auth());
    expect(rules.status).toBe(200);
    expect(rules.body.listeners).toHaveLength(1);
    expect(rules.body.listeners[0]).toMatchObject({
      loadBalancerArn: lb('cart').arn,
      port: 80,
      otherIngressRules: 1,
    });
    expect(
      rules.body.listeners[0].rules.map((r: any) => [
        r.priority,
        r.conditions,
        r.actions,
      ]),
    ).toEqual([
      [
        '1',
        [{ field: 'path-pattern', values: ['/*'] }],
        [
          {
            type: 'forward',
            targetGroupArns: [lb('cart').targetGroups[0].arn],
          },
        ],
      ],
      [
        'default',
        [],
        [
          {
            type: 'fixed-response',
            fixedResponse: { statusCode: '404', contentType: 'text/plain' },
          },
        ],
      ],
    ]);

    // Golden signals from CloudWatch, per Ingress of the group: shop's target group fails.
    await sandboxPublishAlbMetrics({
      networkAccountId: NETWORK,
      region: REGION,
      loadBalancerArn: lb('cart').arn,
      minutes: 60,
      failingTargetGroupArns: [lb('shop').targetGroups[0].arn],
    });
    const signals = async (name: string, range = '1h') =>
      request(server)
        .get(
          `/api/aws-alb/v1/entity/default/component/${name}/signals?range=${range}`,
        )
        .set('Authorization', auth());
    const cartSignals = await signals('cart');
    expect(cartSignals.status).toBe(200);
    expect(cartSignals.body).toMatchObject({ range: '1h', periodSeconds: 60 });
    expect(cartSignals.body.loadBalancers[0].status).toBe('ok');
    expect(
      cartSignals.body.loadBalancers[0].targetGroups.map((tg: any) => tg.arn),
    ).toEqual([lb('cart').targetGroups[0].arn]);
    const shopSignals = await signals('shop');
    expect(shopSignals.body.loadBalancers[0].status).toBe('degraded');
    expect((await signals('blog')).body.loadBalancers[0].status).toBe(
      'no-traffic',
    );
    const badRange = await signals('cart', '2h');
    expect(badRange.status).toBe(400);
    expect(badRange.body.error.message).toBe(
      'range must be one of 1h, 3h, 24h, 7d, got "2h"',
    );

    // The group has one ALB security group, which both Ingresses name.
    const group = (await counts())['fleet-a'] as any;
    expect(group.albSecurityGroups).toBe(2); // storefront's and blog's
    expect(lb('cart').securityGroups).toEqual(lb('shop').securityGroups);
  });

  it("stops the first cluster's teardown while its ALBs exist, then removes only what is its own", async () => {
    const before = await counts();
    // eslint-disable-next-line no-console
    console.log(
      `fleet: before the teardown of fleet-a ${JSON.stringify(before)}`,
    );
    const apps = APPS.filter(a => a.cluster === 'fleet-a');

    // The cluster's teardown, with both ALBs still there: nothing changes.
    const refused = await teardown({
      cluster: 'resource:default/fleet-a',
      removeClusterSetUp: true,
    }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(refused).toContain(
      'Nothing was changed: 2 load balancers of cluster fleet-a still exist',
    );
    expect(refused).toContain(
      'of Ingress storefront: delete every Ingress of group storefront',
    );
    expect(refused).toContain(
      'of Ingress blog/blog: kubectl delete ingress blog -n blog',
    );
    expect(await counts()).toEqual(before);

    // A grouped application's teardown before its Ingress is deleted: refused too.
    await expect(
      teardown({
        cluster: 'resource:default/fleet-a',
        name: 'cart',
        groupName: 'storefront',
      }),
    ).rejects.toThrow(
      /Ingress cart\/cart is still in Ingress group storefront of cluster fleet-a.*kubectl delete ingress cart -n cart/s,
    );
    expect(await counts()).toEqual(before);

    // cart leaves the group: its teardown keeps what shop still uses.
    await kubectlDelete(apps[0]);
    const cartLog = await teardown({
      cluster: 'resource:default/fleet-a',
      name: 'cart',
      groupName: 'storefront',
    });
    expect(cartLog).toContain(
      "Ingress cart/cart has left Ingress group storefront; the group's load balancer stays for shop/shop",
    );
    const shop = (await health('shop')).body.loadBalancers[0];
    expect(shop.ingressGroup).toEqual({
      ingress: 'shop/shop',
      otherIngresses: [],
    });
    expect(shop.targetGroups[0].targets).toHaveLength(2);
    expect((await counts())['fleet-a']).toEqual(before['fleet-a']);

    // The rest of fleet-a's Ingresses go, then their teardowns and the cluster's.
    await kubectlDelete(apps[1]);
    await kubectlDelete(apps[2]);
    await teardown({
      cluster: 'resource:default/fleet-a',
      name: 'shop',
      groupName: 'storefront',
    });
    await teardown({ cluster: 'resource:default/fleet-a', name: 'blog' });

    const fleetB = { role: `fleet-b-${WORKLOAD_1}-aws-lbc` };
    const iam = await admin(IAMClient, NETWORK);
    const roleBefore = (
      await iam.send(new GetRoleCommand({ RoleName: fleetB.role }))
    ).Role;
    await teardown({
      cluster: 'resource:default/fleet-a',
      removeClusterSetUp: true,
    });

    const after = await counts();
    // eslint-disable-next-line no-console
    console.log(
      `fleet: after the teardown of fleet-a ${JSON.stringify(after)}`,
    );
    expect(after).toEqual({
      network: {
        ...before.network,
        shares: before.network.shares - 1,
        oidcProviders: before.network.oidcProviders - 1,
        controllerRoles: before.network.controllerRoles - 1,
        albSecurityGroups: before.network.albSecurityGroups - 2,
        loadBalancers: before.network.loadBalancers - 2,
        targetGroups: before.network.targetGroups - 3,
      },
      'fleet-a': {
        controllerRole: 0,
        albSecurityGroups: 0,
        nodeRulesFromAlbGroups: 0,
      },
      'fleet-b': before['fleet-b'],
      'fleet-c': before['fleet-c'],
    });

    // fleet-b (same workload account) still sees the shared subnets, keeps its role as it
    // was, and its application is healthy; so is fleet-c's, in the other account.
    const ec2 = await admin(EC2Client, WORKLOAD_1);
    const { Subnets = [] } = await ec2.send(
      new DescribeSubnetsCommand({
        SubnetIds: network.privateSubnets.map(s => s.subnetId),
      }),
    );
    expect(Subnets).toHaveLength(network.privateSubnets.length);
    const roleAfter = (
      await iam.send(new GetRoleCommand({ RoleName: fleetB.role }))
    ).Role;
    expect(roleAfter?.RoleId).toBe(roleBefore?.RoleId);
    expect(roleAfter?.AssumeRolePolicyDocument).toBe(
      roleBefore?.AssumeRolePolicyDocument,
    );
    for (const name of ['docs', 'wiki']) {
      const answer = await health(name);
      expect(answer.status).toBe(200);
      expect(answer.body.loadBalancers[0].targetGroups[0].targets).toHaveLength(
        2,
      );
    }
  });
});
