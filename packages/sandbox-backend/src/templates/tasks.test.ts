/*
 * End to end: the three templates run as real scaffolder tasks (POST /v2/tasks) on a backend
 * with the real catalog, this project's AWS actions and the sandbox publisher and stand-ins,
 * against the sandbox AWS. Ends with the ALB in Account-A carrying the controller's tags and
 * the application in the catalog; a second run of every template creates nothing new.
 */
import {
  ACMClient,
  DescribeCertificateCommand,
  ListCertificatesCommand,
} from '@aws-sdk/client-acm';
import {
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import {
  GetWebACLForResourceCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
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
  sandboxDeleteIngress,
  sandboxExternalDnsSync,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAwsConfig,
  sandboxAdminCredentials,
  SandboxNetwork,
  SANDBOX_DNS_ACCOUNT_ID,
  seedSandboxDnsZone,
  seedSandboxNetwork,
  seedSandboxWebAcl,
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

jest.setTimeout(300_000);

const CLUSTER = 'shop-e2e';
const auth = () => mockCredentials.user.header();

describe('templates as real tasks in the sandbox', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let server: any;
  let publishDir: string;
  let waitForEntity: ReturnType<typeof portalClient>['waitForEntity'];
  let runTask: ReturnType<typeof portalClient>['runTask'];

  async function clients(accountId: string) {
    const { sdkCredentialProvider: credentials } =
      await sandboxAdminCredentials(accountId);
    const opts = { region: SANDBOX_REGION, credentials };
    return {
      elb: new ElasticLoadBalancingV2Client(opts),
      acm: new ACMClient(opts),
      route53: new Route53Client(opts),
    };
  }

  /** Counts of everything the golden path creates, per account. */
  async function inventory() {
    const found = await recipeInventory(network, CLUSTER);
    return {
      shares: found.shares.length,
      oidcProviders: found.oidcProviders.length,
      controllerRoles: found.roles.length,
      networkSecurityGroups: found.securityGroups.length,
      loadBalancers: found.loadBalancers.length,
      nodeSgIngressRules: found.nodeSecurityGroup?.ingress.length,
    };
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
        awsAlbBackend,
        sandboxFeatures,
        mockServices.rootConfig.factory({
          data: {
            aws: sandboxAwsConfig(),
            sandbox: { enabled: true, publishDirectory: publishDir },
            // The load balancer tab's routes read AWS on each view (no background sweep).
            awsAlb: { sweep: { enabled: false } },
            catalog: portalCatalogConfig([
              'cluster-onboarding',
              'load-balancer-controller',
              'alb-application',
              'teardown',
            ]),
          },
        }),
      ],
    }));
    ({ waitForEntity, runTask } = portalClient(server, auth));
    await waitForEntity('template:default/eks-cross-account-alb-application');
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
    fs.rmSync(publishDir, { recursive: true, force: true });
  });

  const onboarding = () =>
    onboardingValues(network, {
      clusterName: CLUSTER,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
    });
  const controller = controllerValues(CLUSTER);
  const application = applicationValues({
    name: 'game-2048',
    clusterName: CLUSTER,
    replicas: 3,
  });

  it('refuses contradicting node-group sizes at the first step, before any change', async () => {
    const failure = await runTask('eks-cross-account-cluster-onboarding', {
      ...onboarding(),
      desiredSize: 5,
      minSize: 2,
      maxSize: 4,
    }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(failure).toContain(
      'eks-cross-account-cluster-onboarding ended failed',
    );
    expect(failure).toContain(
      'desiredSize: 5 is above maxSize 4 (eksctl: "cannot use --nodes-max=4 and --nodes=5 at the same time"). Set desiredSize between minSize and maxSize, or raise maxSize',
    );
    // Nothing was shared, published or registered.
    expect(await inventory()).toMatchObject({ shares: 0 });
    const cluster = await request(server)
      .get(`/api/catalog/entities/by-name/resource/default/${CLUSTER}`)
      .set('Authorization', auth());
    expect(cluster.status).toBe(404);
  });

  it('runs the golden path, then again without creating anything new', async () => {
    await runTask('eks-cross-account-cluster-onboarding', onboarding());
    await waitForEntity(`resource:default/${CLUSTER}`);
    await runTask('eks-cross-account-load-balancer-controller', controller);
    await runTask('eks-cross-account-alb-application', application);

    // The ALB the (stand-in) controller created from the generated Ingress, in Account-A.
    const a = await clients(SANDBOX_NETWORK_ACCOUNT_ID);
    const { LoadBalancers = [] } = await a.elb.send(
      new DescribeLoadBalancersCommand({}),
    );
    const tags = await a.elb.send(
      new DescribeTagsCommand({
        ResourceArns: LoadBalancers.map(lb => lb.LoadBalancerArn!),
      }),
    );
    const tagged = tags.TagDescriptions?.find(d =>
      d.Tags?.some(
        t =>
          t.Key === 'ingress.k8s.aws/stack' &&
          t.Value === 'game-2048/game-2048',
      ),
    );
    expect(tagged?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'elbv2.k8s.aws/cluster', Value: CLUSTER },
        { Key: 'ingress.k8s.aws/resource', Value: 'LoadBalancer' },
      ]),
    );
    expect(tagged!.ResourceArn).toContain(
      `:${SANDBOX_NETWORK_ACCOUNT_ID}:loadbalancer/app/`,
    );

    const app = await waitForEntity('component:default/game-2048');
    expect(
      app.metadata.annotations['aws.amazon.com/elbv2-load-balancer-tags'],
    ).toBe(
      `elbv2.k8s.aws/cluster=${CLUSTER},ingress.k8s.aws/stack=game-2048/game-2048`,
    );

    const first = await inventory();
    expect(first).toEqual({
      shares: 1,
      oidcProviders: 1,
      controllerRoles: 1,
      // the application's ALB group (the VPC's default group is not counted)
      networkSecurityGroups: 1,
      loadBalancers: 1,
      nodeSgIngressRules: expect.any(Number),
    });

    await runTask('eks-cross-account-cluster-onboarding', onboarding());
    await runTask('eks-cross-account-load-balancer-controller', controller);
    await runTask('eks-cross-account-alb-application', application);
    expect(await inventory()).toEqual(first);
  });

  it('refuses at template 1, before anything changes, a cluster name the network account already has', async () => {
    // Runs after the golden path: shop-e2e is registered for the sandbox's workload account.
    const before = await inventory();
    const sharesBefore = (await recipeInventory(network, CLUSTER)).shares;
    const attempt = runTask('eks-cross-account-cluster-onboarding', {
      ...onboarding(),
      workloadAccountId: '333333333333',
    });
    await expect(attempt).rejects.toThrow(
      `Cluster name ${CLUSTER} is already used in network account ${SANDBOX_NETWORK_ACCOUNT_ID} by resource:default/${CLUSTER} (workload account ${SANDBOX_WORKLOAD_ACCOUNT_ID}, ${SANDBOX_REGION}).`,
    );
    // The first step refused: no share for the other account, nothing else changed.
    await expect(attempt).rejects.not.toThrow(/Share the subnets/);
    expect(await inventory()).toEqual(before);
    expect((await recipeInventory(network, CLUSTER)).shares).toEqual(
      sharesBefore,
    );
  });
  it('gives an application with a host name an issued certificate, its record in the DNS account, an HTTPS listener and the name as an alias of its ALB; a re-run changes nothing, and the teardown leaves the zone as it was', async () => {
    // Runs after the golden path: the cluster and its controller exist. Template 2 again,
    // now with the zone: external-dns's role in the DNS account, and external-dns applied.
    const zone = await seedSandboxDnsZone();
    const withDns = {
      ...controller,
      dnsAccountId: SANDBOX_DNS_ACCOUNT_ID,
      hostedZoneId: zone.hostedZoneId,
      hostedZoneName: zone.zoneName,
    };
    const dns = await clients(SANDBOX_DNS_ACCOUNT_ID);
    const records = async () =>
      (
        await dns.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zone.hostedZoneId,
          }),
        )
      ).ResourceRecordSets ?? [];
    const before = await records();
    await runTask('eks-cross-account-load-balancer-controller', withDns);
    // Template 2 itself writes no record: external-dns has no Ingress with a host yet.
    expect(await records()).toEqual(before);
    const shop = {
      ...application,
      name: 'shop',
      namespace: 'shop',
      hostName: 'shop.example.test',
      dnsAccountId: SANDBOX_DNS_ACCOUNT_ID,
      hostedZoneId: zone.hostedZoneId,
      hostedZoneName: zone.zoneName,
    };
    await runTask('eks-cross-account-alb-application', shop);

    const a = await clients(SANDBOX_NETWORK_ACCOUNT_ID);
    const { CertificateSummaryList = [] } = await a.acm.send(
      new ListCertificatesCommand({}),
    );
    const mine = CertificateSummaryList.filter(
      c => c.DomainName === 'shop.example.test',
    );
    expect(mine).toHaveLength(1);
    const { Certificate } = await a.acm.send(
      new DescribeCertificateCommand({
        CertificateArn: mine[0].CertificateArn,
      }),
    );
    expect(Certificate?.Status).toBe('ISSUED');
    const record = Certificate!.DomainValidationOptions![0].ResourceRecord!;

    // The ALB the stand-in controller made from the generated Ingress.
    const { LoadBalancers = [] } = await a.elb.send(
      new DescribeLoadBalancersCommand({}),
    );
    const { TagDescriptions = [] } = await a.elb.send(
      new DescribeTagsCommand({
        ResourceArns: LoadBalancers.map(lb => lb.LoadBalancerArn!),
      }),
    );
    const alb = TagDescriptions.find(d =>
      d.Tags?.some(
        t => t.Key === 'ingress.k8s.aws/stack' && t.Value === 'shop/shop',
      ),
    )!.ResourceArn!;
    const albDnsName = LoadBalancers.find(lb => lb.LoadBalancerArn === alb)!
      .DNSName!;

    // In the DNS account's zone: the validation record Backstage wrote, and what external-dns
    // wrote as its own role: the name as alias A and AAAA of the ALB (the ELB's canonical
    // zone of us-east-1, as external-dns's aws.go has it), and its TXT ownership records
    // naming this cluster and the Ingress.
    const owner = `"heritage=external-dns,external-dns/owner=${CLUSTER}.${SANDBOX_REGION}.${SANDBOX_WORKLOAD_ACCOUNT_ID},external-dns/resource=ingress/shop/shop"`;
    // objectContaining: moto lists alias records with TTL 0, where Route 53 lists none.
    const alias = (type: string) =>
      expect.objectContaining({
        Name: 'shop.example.test.',
        Type: type,
        AliasTarget: {
          HostedZoneId: 'Z35SXDOTRQ7X7K',
          DNSName: expect.stringMatching(
            new RegExp(
              `^${albDnsName.toLowerCase().replace(/\./g, '\\.')}\\.?$`,
            ),
          ),
          EvaluateTargetHealth: true,
        },
      });
    const txt = (name: string) => ({
      Name: name,
      Type: 'TXT',
      TTL: 300,
      ResourceRecords: [{ Value: owner }],
    });
    const after = await records();
    const expected = [
      ...before,
      {
        Name: record.Name,
        Type: 'CNAME',
        TTL: 300,
        ResourceRecords: [{ Value: record.Value }],
      },
      alias('A'),
      alias('AAAA'),
      txt('cname-shop.example.test.'),
      txt('aaaa-shop.example.test.'),
    ];
    // Exactly these, in whatever order the zone lists them.
    expect(after).toHaveLength(expected.length);
    expect(after).toEqual(expect.arrayContaining(expected));
    const listeners = async () =>
      (
        (
          await a.elb.send(
            new DescribeListenersCommand({ LoadBalancerArn: alb }),
          )
        ).Listeners ?? []
      )
        .sort((x, y) => x.Port! - y.Port!)
        .map(l => ({
          arn: l.ListenerArn,
          port: l.Port,
          protocol: l.Protocol,
          certificates: (l.Certificates ?? []).map(c => c.CertificateArn),
          action: l.DefaultActions?.[0]?.Type,
          redirect: l.DefaultActions?.[0]?.RedirectConfig,
        }));
    const first = await listeners();
    expect(first).toEqual([
      expect.objectContaining({
        port: 80,
        protocol: 'HTTP',
        action: 'redirect',
        redirect: expect.objectContaining({
          Protocol: 'HTTPS',
          Port: '443',
          StatusCode: 'HTTP_301',
        }),
      }),
      expect.objectContaining({
        port: 443,
        protocol: 'HTTPS',
        certificates: [mine[0].CertificateArn],
      }),
    ]);

    // What the application's load balancer tab shows (the health backend's routes for the
    // component template 3 registered): the HTTPS listener with the certificate, the HTTP one
    // redirecting, and the certificate's domain, status and expiry, with nothing to warn of.
    await waitForEntity('component:default/shop');
    const tab = (route: string) =>
      request(server)
        .get(`/api/aws-alb/v1/entity/default/component/shop/${route}`)
        .set('Authorization', auth());
    const shown = await tab('load-balancers');
    expect(shown.status).toBe(200);
    expect(shown.body.loadBalancers).toHaveLength(1);
    expect(
      shown.body.loadBalancers[0].listeners
        .map((l: any) => ({
          port: l.port,
          protocol: l.protocol,
          certificateArns: l.certificateArns ?? [],
          action: l.defaultActions[0].type,
          redirect: l.defaultActions[0].redirect,
        }))
        .sort((x: any, y: any) => x.port - y.port),
    ).toEqual([
      {
        port: 80,
        protocol: 'HTTP',
        certificateArns: [],
        action: 'redirect',
        redirect: expect.objectContaining({
          protocol: 'HTTPS',
          port: '443',
          statusCode: 'HTTP_301',
        }),
      },
      {
        port: 443,
        protocol: 'HTTPS',
        certificateArns: [mine[0].CertificateArn],
        action: 'fixed-response',
        redirect: undefined,
      },
    ]);
    const certificates = await tab('certificates');
    expect(certificates.status).toBe(200);
    expect(certificates.body.certificates).toEqual([
      expect.objectContaining({
        arn: mine[0].CertificateArn,
        domainName: 'shop.example.test',
        status: 'ISSUED',
        notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        listenerArns: [first[1].arn],
        inUseBy: [alb],
        warnings: [],
      }),
    ]);

    // Again: the same certificate, record and listeners.
    const counts = await inventory();
    await runTask('eks-cross-account-load-balancer-controller', withDns);
    await runTask('eks-cross-account-alb-application', shop);
    expect(await inventory()).toEqual(counts);
    expect(
      (
        await a.acm.send(new ListCertificatesCommand({}))
      ).CertificateSummaryList!.filter(
        c => c.DomainName === 'shop.example.test',
      ),
    ).toHaveLength(1);
    expect(await records()).toEqual(after);
    expect(await listeners()).toEqual(first);

    // Teardown. kubectl delete of the application: the controller removes the ALB, and
    // external-dns's next loop deletes the records it owns (--policy=sync).
    const cluster = {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName: CLUSTER,
    };
    await sandboxDeleteIngress({
      ...cluster,
      manifest: fs.readFileSync(
        path.join(publishDir, 'shop', 'kubernetes', 'app.yaml'),
        'utf8',
      ),
    });
    const loop = await sandboxExternalDnsSync(cluster);
    expect(loop.changes.map(c => `${c.action} ${c.name} ${c.type}`)).toEqual([
      'DELETE shop.example.test A',
      'DELETE cname-shop.example.test TXT',
      'DELETE shop.example.test AAAA',
      'DELETE aaaa-shop.example.test TXT',
    ]);
    // Template 4 with the host name: the certificate and its validation record go.
    await runTask('eks-cross-account-alb-teardown', {
      cluster: `resource:default/${CLUSTER}`,
      clusterStillExists: true,
      name: 'shop',
      namespace: 'shop',
      containerPort: 80,
      removeClusterSetUp: false,
      deletePolicy: false,
      hostName: shop.hostName,
      dnsAccountId: shop.dnsAccountId,
      hostedZoneId: shop.hostedZoneId,
      hostedZoneName: shop.hostedZoneName,
    });
    // The zone is as it was before the application.
    expect(await records()).toEqual(before);
    expect(
      (
        await a.acm.send(new ListCertificatesCommand({}))
      ).CertificateSummaryList!.filter(
        c => c.DomainName === 'shop.example.test',
      ),
    ).toEqual([]);
  });

  it('associates the web ACL an application names with its ALB, a re-run changes nothing, and refuses one of another account before any change', async () => {
    // Runs after the golden path: the cluster and its controller exist.
    const acl = await seedSandboxWebAcl('guarded-acl');
    const guarded = {
      ...applicationValues({ name: 'guarded', clusterName: CLUSTER }),
      wafAclArn: acl.arn,
    };
    await runTask('eks-cross-account-alb-application', guarded);
    const manifest = fs.readFileSync(
      path.join(publishDir, 'guarded', 'kubernetes', 'app.yaml'),
      'utf8',
    );
    expect(manifest).toContain(
      `alb.ingress.kubernetes.io/wafv2-acl-arn: "${acl.arn}"`,
    );
    const { sdkCredentialProvider: credentials } =
      await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID);
    const waf = new WAFV2Client({ region: SANDBOX_REGION, credentials });
    const a = await clients(SANDBOX_NETWORK_ACCOUNT_ID);
    const guardedAlb = async () => {
      const { LoadBalancers = [] } = await a.elb.send(
        new DescribeLoadBalancersCommand({}),
      );
      const { TagDescriptions = [] } = await a.elb.send(
        new DescribeTagsCommand({
          ResourceArns: LoadBalancers.map(lb => lb.LoadBalancerArn!),
        }),
      );
      return TagDescriptions.find(d =>
        d.Tags?.some(
          t =>
            t.Key === 'ingress.k8s.aws/stack' && t.Value === 'guarded/guarded',
        ),
      )!.ResourceArn!;
    };
    const lb = await guardedAlb();
    const webAclOf = async (ResourceArn: string) =>
      (await waf.send(new GetWebACLForResourceCommand({ ResourceArn }))).WebACL
        ?.ARN;
    expect(await webAclOf(lb)).toBe(acl.arn);

    await runTask('eks-cross-account-alb-application', guarded);
    expect(await guardedAlb()).toBe(lb);
    expect(await webAclOf(lb)).toBe(acl.arn);

    // A web ACL of the workload account: the check step refuses it, naming the field, before
    // the ALB security group or anything else is made.
    const before = await inventory();
    const foreign = await seedSandboxWebAcl(
      'foreign-acl',
      SANDBOX_WORKLOAD_ACCOUNT_ID,
    );
    await expect(
      runTask('eks-cross-account-alb-application', {
        ...applicationValues({ name: 'foreign', clusterName: CLUSTER }),
        wafAclArn: foreign.arn,
      }),
    ).rejects.toThrow(
      `wafAclArn: expected a web ACL of network account ${SANDBOX_NETWORK_ACCOUNT_ID}, the ALB's account: this one is in account ${SANDBOX_WORKLOAD_ACCOUNT_ID}`,
    );
    expect(await inventory()).toEqual(before);

    // kubectl delete of the application: the controller removes the ALB, and its association.
    await sandboxDeleteIngress({
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName: CLUSTER,
      manifest,
    });
    await expect(webAclOf(lb)).rejects.toThrow();
  });

  it("tears the whole cluster set-up down: every application, then the controller's role, external-dns's role and their OIDC providers, and the zone holds only its own records", async () => {
    // Runs last: the golden path's game-2048 still has its ALB; guarded's ALB is gone (the
    // test above deleted its Ingress) but its security group and node rule are still there.
    const cluster = {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName: CLUSTER,
    };
    await sandboxDeleteIngress({
      ...cluster,
      manifest: fs.readFileSync(
        path.join(publishDir, 'game-2048', 'kubernetes', 'app.yaml'),
        'utf8',
      ),
    });
    const teardown = {
      cluster: `resource:default/${CLUSTER}`,
      clusterStillExists: true,
      containerPort: 80,
      removeClusterSetUp: false,
      deletePolicy: false,
    };
    for (const name of ['game-2048', 'guarded']) {
      await runTask('eks-cross-account-alb-teardown', {
        ...teardown,
        name,
        namespace: name,
      });
    }
    await runTask('eks-cross-account-alb-teardown', {
      ...teardown,
      namespace: 'default',
      removeClusterSetUp: true,
      deletePolicy: true,
      externalDnsAccountId: SANDBOX_DNS_ACCOUNT_ID,
    });

    // The network account: nothing of the cluster's is left.
    const left = await recipeInventory(network, CLUSTER);
    expect({
      shares: left.shares,
      oidcProviders: left.oidcProviders,
      roles: left.roles,
      policies: left.policies,
      securityGroups: left.securityGroups,
      loadBalancers: left.loadBalancers,
    }).toEqual({
      shares: [],
      oidcProviders: [],
      roles: [],
      policies: [],
      securityGroups: [],
      loadBalancers: [],
    });
    // The DNS account: external-dns's role and the cluster's provider are gone too.
    const dnsIam = new IAMClient({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(SANDBOX_DNS_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
    expect(
      ((await dnsIam.send(new ListRolesCommand({}))).Roles ?? []).map(
        r => r.RoleName,
      ),
    ).not.toContain(`${CLUSTER}-${SANDBOX_WORKLOAD_ACCOUNT_ID}-external-dns`);
    expect(
      (await dnsIam.send(new ListOpenIDConnectProvidersCommand({})))
        .OpenIDConnectProviderList ?? [],
    ).toEqual([]);
    // The zone holds only what it had before any application: its NS and SOA records.
    const zone = await seedSandboxDnsZone();
    const dns = await clients(SANDBOX_DNS_ACCOUNT_ID);
    const { ResourceRecordSets = [] } = await dns.route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zone.hostedZoneId }),
    );
    expect(ResourceRecordSets.map(r => r.Type).sort()).toEqual(['NS', 'SOA']);
  });
});
