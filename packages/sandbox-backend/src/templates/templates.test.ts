import {
  componentEntityV1alpha1Validator,
  Entity,
  FieldFormatEntityPolicy,
  resourceEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import Ajv from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { Namespace, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { ServiceAccount } from 'kubernetes-models/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SandboxNetwork,
  parseEksctlClusterConfig,
  seedSandboxDnsZone,
  seedSandboxWebAcl,
} from 'sandbox';
import {
  REPO_ROOT,
  startTemplateBackend,
  startTemplateSandbox,
} from './__testUtils__/harness';

jest.setTimeout(180_000);

const eksctlSchema = JSON.parse(
  fs.readFileSync(
    // eksctl v0.230.0's ClusterConfig schema (eksctl.io/v1alpha5), kept with the test.
    path.join(__dirname, '__fixtures__', 'eksctl-schema-v1alpha5.json'),
    'utf8',
  ),
);
const ajv = new Ajv({ strict: false, allErrors: true });
const validateClusterConfig = ajv.compile(eksctlSchema);

const K8S_MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

/** Parses a multi-document manifest and validates each object against its Kubernetes schema. */
function parseKubernetes(text: string) {
  const docs = yaml.parseAllDocuments(text);
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map(doc => {
    const object = doc.toJS();
    const Model = K8S_MODELS[`${object.apiVersion}/${object.kind}`];
    expect(Model).toBeDefined();
    new Model(object).validate();
    return object;
  });
}

/** Validates an entity as the catalog would: field formats, then its kind's schema. */
async function validateEntity(data: unknown): Promise<boolean> {
  const entity = await new FieldFormatEntityPolicy().enforce(data as Entity);
  const validator =
    entity?.kind === 'Resource'
      ? resourceEntityV1alpha1Validator
      : componentEntityV1alpha1Validator;
  return validator.check(entity as Entity);
}

describe('software templates (dry-run through the scaffolder API)', () => {
  let sandbox: Awaited<ReturnType<typeof startTemplateSandbox>>;
  let network: SandboxNetwork;
  let backend: Awaited<ReturnType<typeof startTemplateBackend>>;
  const clusterName = 'shop-prod';

  beforeAll(async () => {
    sandbox = await startTemplateSandbox(clusterName);
    ({ network, backend } = sandbox);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('cluster onboarding writes a valid eksctl ClusterConfig keyed by Account-B AZ names', async () => {
    const result = await backend.dryRun('cluster-onboarding', {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnets.map(s => s.subnetId),
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      sharePublicSubnets: false,
      clusterName,
      description: 'Shop production cluster',
      kubernetesVersion: '1.33',
      instanceType: 'm6i.large',
      desiredSize: 2,
      minSize: 2,
      maxSize: 4,
      owner: 'group:default/guests',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=shop-prod-cluster',
    });
    expect(result.status).toBe(200);

    const config = yaml.parse(result.files['cluster/eksctl-cluster.yaml']);
    expect(validateClusterConfig(config)).toBe(true);
    expect(validateClusterConfig.errors ?? []).toEqual([]);
    expect(config.metadata).toMatchObject({
      name: clusterName,
      region: SANDBOX_REGION,
    });
    expect(config.vpc.id).toBe(network.vpcId);
    const privateSubnets = config.vpc.subnets.private as Record<
      string,
      { id: string }
    >;
    expect(
      Object.values(privateSubnets)
        .map(s => s.id)
        .sort(),
    ).toEqual(network.privateSubnets.map(s => s.subnetId).sort());
    expect(config.managedNodeGroups[0]).toMatchObject({
      instanceType: 'm6i.large',
      desiredCapacity: 2,
      minSize: 2,
      maxSize: 4,
      privateNetworking: true,
    });

    const entity = yaml.parse(result.files['catalog-info.yaml']) as Entity;
    expect(await validateEntity(entity)).toBe(true);
    expect(entity.metadata.annotations).toMatchObject({
      'cross-account-alb.io/network-account-id': SANDBOX_NETWORK_ACCOUNT_ID,
      'cross-account-alb.io/workload-account-id': SANDBOX_WORKLOAD_ACCOUNT_ID,
      'cross-account-alb.io/vpc-id': network.vpcId,
    });
    expect(result.files['RUNBOOK.md']).toContain(
      'eksctl create cluster -f cluster/eksctl-cluster.yaml',
    );
  });

  it('cluster onboarding, when asked, lets the Kubernetes plugin read the cluster and says how to register it', async () => {
    const values = {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnets.map(s => s.subnetId),
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      clusterName,
      kubernetesVersion: '1.33',
      instanceType: 'm6i.large',
      desiredSize: 2,
      minSize: 2,
      maxSize: 4,
      owner: 'group:default/guests',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=shop-prod-cluster',
    };
    const asked = await backend.dryRun('cluster-onboarding', {
      ...values,
      kubernetesPlugin: true,
      backstageRoleName: 'backstage-alb-workload',
    });
    expect(asked.status).toBe(200);
    const configText = asked.files['cluster/eksctl-cluster.yaml'];
    const config = yaml.parse(configText);
    expect(validateClusterConfig(config)).toBe(true);
    expect(config.accessConfig.accessEntries).toEqual([
      {
        principalARN: `arn:aws:iam::${SANDBOX_WORKLOAD_ACCOUNT_ID}:role/backstage-alb-workload`,
        accessPolicies: [
          {
            policyARN:
              'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
            accessScope: { type: 'cluster' },
          },
        ],
      },
    ]);
    // The eksctl stand-in reads the access entry the way eksctl applies it.
    expect(parseEksctlClusterConfig(configText).accessEntries).toEqual([
      {
        principalArn: `arn:aws:iam::${SANDBOX_WORKLOAD_ACCOUNT_ID}:role/backstage-alb-workload`,
        policyArns: [
          'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy',
        ],
      },
    ]);
    const runbook = asked.files['RUNBOOK.md'];
    expect(runbook).toContain('Register the cluster with Backstage');
    const registration = yaml.parse(/```yaml\n([\s\S]*?)```/.exec(runbook)![1]);
    expect(registration).toMatchObject({
      kind: 'Resource',
      metadata: {
        name: `${clusterName}-kubernetes`,
        annotations: {
          'kubernetes.io/auth-provider': 'aws',
          'kubernetes.io/aws-account-id': SANDBOX_WORKLOAD_ACCOUNT_ID,
          'kubernetes.io/x-k8s-aws-id': clusterName,
        },
      },
      spec: { type: 'kubernetes-cluster' },
    });

    const notAsked = await backend.dryRun('cluster-onboarding', values);
    expect(notAsked.status).toBe(200);
    expect(
      yaml.parse(notAsked.files['cluster/eksctl-cluster.yaml']).accessConfig,
    ).toBeUndefined();
    expect(notAsked.files['RUNBOOK.md']).not.toContain('kubernetes-cluster');
  });

  it('controller set-up writes the service account, Helm values and helm commands', async () => {
    const result = await backend.dryRun('load-balancer-controller', {
      cluster: `resource:default/${clusterName}`,
      namespace: 'kube-system',
      serviceAccountName: 'aws-load-balancer-controller',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=shop-prod-lbc',
    });
    expect(result.status).toBe(200);
    const [serviceAccount] = parseKubernetes(
      result.files['kubernetes/service-account.yaml'],
    );
    expect(serviceAccount.metadata).toMatchObject({
      name: 'aws-load-balancer-controller',
      namespace: 'kube-system',
    });
    expect(
      serviceAccount.metadata.annotations['eks.amazonaws.com/role-arn'],
    ).toMatch(new RegExp(`^arn:aws:iam::${SANDBOX_NETWORK_ACCOUNT_ID}:role/`));
    const values = yaml.parse(result.files['helm/values.yaml']);
    expect(values).toEqual({
      clusterName,
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      serviceAccount: { create: false, name: 'aws-load-balancer-controller' },
    });
    expect(result.files['RUNBOOK.md']).toContain(
      'helm upgrade --install aws-load-balancer-controller eks/aws-load-balancer-controller',
    );
    // The chart is pinned to the controller whose IAM policy was attached (chart 3.5.0 runs
    // controller v3.5.0), not whatever the chart repository holds on the day.
    expect(result.files['RUNBOOK.md']).toContain('  --version 3.5.0 \\\n');
    expect(result.files['RUNBOOK.md']).toContain('(controller v3.5.0)');
    expect(
      await validateEntity(yaml.parse(result.files['catalog-info.yaml'])),
    ).toBe(true);
  });

  it('controller set-up with a hosted zone also writes external-dns, with its role in the zone account', async () => {
    const zone = await seedSandboxDnsZone();
    const input = {
      cluster: `resource:default/${clusterName}`,
      namespace: 'kube-system',
      serviceAccountName: 'aws-load-balancer-controller',
      dnsAccountId: SANDBOX_DNS_ACCOUNT_ID,
      hostedZoneId: zone.hostedZoneId,
      hostedZoneName: zone.zoneName,
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=shop-prod-lbc',
    };
    const result = await backend.dryRun('load-balancer-controller', input);
    expect(result.status).toBe(200);
    const objects = parseKubernetes(
      result.files['external-dns/external-dns.yaml'],
    );
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/external-dns',
      'ServiceAccount/external-dns',
      'ClusterRole/external-dns',
      'ClusterRoleBinding/external-dns-viewer',
      'Deployment/external-dns',
    ]);
    expect(objects[1].metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
      `arn:aws:iam::${SANDBOX_DNS_ACCOUNT_ID}:role/cross-account-alb/${clusterName}-${SANDBOX_WORKLOAD_ACCOUNT_ID}-external-dns`,
    );
    const container = objects[4].spec.template.spec.containers[0];
    expect(container.image).toBe(
      'registry.k8s.io/external-dns/external-dns:v0.19.0',
    );
    expect(container.args).toEqual([
      '--source=ingress',
      '--provider=aws',
      '--registry=txt',
      `--txt-owner-id=${clusterName}.${SANDBOX_REGION}.${SANDBOX_WORKLOAD_ACCOUNT_ID}`,
      `--domain-filter=${zone.zoneName}`,
      `--zone-id-filter=${zone.hostedZoneId}`,
      '--aws-zone-type=public',
      '--policy=sync',
    ]);
    expect(result.files['RUNBOOK.md']).toContain(
      'kubectl apply -f external-dns/external-dns.yaml',
    );
    expect(result.files['RUNBOOK.md']).toContain(
      `aws iam delete-role --role-name ${clusterName}-${SANDBOX_WORKLOAD_ACCOUNT_ID}-external-dns`,
    );
    expect(result.log.join('\n')).toContain(
      `would ensure OIDC provider arn:aws:iam::${SANDBOX_DNS_ACCOUNT_ID}:oidc-provider/`,
    );

    // Without a zone: no external-dns, no step in the zone's account.
    const { dnsAccountId, hostedZoneId, hostedZoneName, ...plain } = input;
    const without = await backend.dryRun('load-balancer-controller', plain);
    expect(without.status).toBe(200);
    expect(
      Object.keys(without.files).filter(f => f.startsWith('external-dns')),
    ).toEqual([]);
    expect(without.files['RUNBOOK.md']).not.toContain('external-dns');
    // A zone ID without its account and name is refused by the form.
    const partial = await backend.dryRun('load-balancer-controller', {
      ...plain,
      hostedZoneId,
    });
    expect(partial.status).toBe(400);
  });

  it('application exposure writes valid manifests, an annotated Ingress and catalog-info', async () => {
    const result = await backend.dryRun('alb-application', {
      name: 'game-2048',
      description: '2048',
      cluster: `resource:default/${clusterName}`,
      owner: 'group:default/guests',
      namespace: 'game-2048',
      image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
      containerPort: 80,
      replicas: 3,
      scheme: 'internet-facing',
      healthCheckPath: '/',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=game-2048',
    });
    expect(result.status).toBe(200);
    const objects = parseKubernetes(result.files['kubernetes/app.yaml']);
    expect(objects.map(o => o.kind)).toEqual([
      'Namespace',
      'Deployment',
      'Service',
      'Ingress',
    ]);
    const ingress = objects[3];
    expect(ingress.spec.ingressClassName).toBe('alb');
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/subnets': network.publicSubnets
        .map(s => s.subnetId)
        .join(','),
      'alb.ingress.kubernetes.io/healthcheck-path': '/',
    });
    expect(
      ingress.metadata.annotations['alb.ingress.kubernetes.io/security-groups'],
    ).toMatch(/^sg-[0-9a-f]+$/);
    const entity = yaml.parse(result.files['catalog-info.yaml']) as Entity;
    expect(await validateEntity(entity)).toBe(true);
    expect(entity.metadata.annotations).toEqual({
      'aws.amazon.com/elbv2-load-balancer-tags': `elbv2.k8s.aws/cluster=${clusterName},ingress.k8s.aws/stack=game-2048/game-2048`,
      'aws.amazon.com/account-id': SANDBOX_NETWORK_ACCOUNT_ID,
      'aws.amazon.com/region': SANDBOX_REGION,
      // The Kubernetes plugin finds the objects labelled with it.
      'backstage.io/kubernetes-id': 'game-2048',
    });
    for (const o of objects.slice(1)) {
      expect(o.metadata.labels['backstage.io/kubernetes-id']).toBe('game-2048');
    }
    expect(
      objects[1].spec.template.metadata.labels['backstage.io/kubernetes-id'],
    ).toBe('game-2048');
  });
  it('application exposure with a host name asks for the certificate and writes an HTTPS Ingress', async () => {
    const input = {
      name: 'shop',
      cluster: `resource:default/${clusterName}`,
      owner: 'group:default/guests',
      namespace: 'shop',
      image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
      containerPort: 80,
      replicas: 2,
      scheme: 'internet-facing',
      healthCheckPath: '/',
      hostName: 'shop.example.test',
      dnsAccountId: '555555555555',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      hostedZoneName: 'example.test',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=shop',
    };
    const result = await backend.dryRun('alb-application', input);
    expect(result.status).toBe(200);
    const ingress = parseKubernetes(result.files['kubernetes/app.yaml'])[3];
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/listen-ports':
        '[{"HTTP": 80}, {"HTTPS": 443}]',
      // The dry-run's placeholder for the certificate the run would ensure.
      'alb.ingress.kubernetes.io/certificate-arn': `arn:aws:acm:${SANDBOX_REGION}:${SANDBOX_NETWORK_ACCOUNT_ID}:certificate/00000000-0000-0000-0000-000000000000`,
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/ssl-policy':
        'ELBSecurityPolicy-TLS13-1-2-2021-06',
    });
    expect(ingress.spec.rules[0].host).toBe('shop.example.test');
    // The catalog entity links the application's HTTPS URL.
    const component = yaml.parse(result.files['catalog-info.yaml']);
    expect(component.metadata.links).toEqual([
      {
        url: 'https://shop.example.test',
        title: 'shop.example.test',
        icon: 'web',
      },
    ]);
    expect(await validateEntity(component)).toBe(true);
    // The dry-run shows the certificate step and the ALB group opened on 443 too.
    expect(result.log.join('\n')).toContain(
      'would ensure an ACM certificate for shop.example.test',
    );
    expect(result.log.join('\n')).toContain('open on 80, 443');

    // Without a host name: plain HTTP, no host rule, no certificate step.
    const { hostName, dnsAccountId, hostedZoneId, hostedZoneName, ...plain } =
      input;
    const http = await backend.dryRun('alb-application', plain);
    expect(http.status).toBe(200);
    const plainIngress = parseKubernetes(http.files['kubernetes/app.yaml'])[3];
    expect(
      Object.keys(plainIngress.metadata.annotations).filter(k =>
        /listen-ports|certificate-arn|ssl-/.test(k),
      ),
    ).toEqual([]);
    expect(plainIngress.spec.rules[0].host).toBeUndefined();
    expect(
      yaml.parse(http.files['catalog-info.yaml']).metadata.links,
    ).toBeUndefined();
    expect(http.log.join('\n')).not.toContain('ACM certificate');
    expect(http.log.join('\n')).toContain('open on 80 to');

    // A host name without its zone is refused by the form.
    const partial = await backend.dryRun('alb-application', {
      ...plain,
      hostName: 'shop.example.test',
    });
    expect(partial.status).toBe(400);
  });

  it('application exposure with a web ACL checks it and names it on the Ingress, exactly', async () => {
    const acl = await seedSandboxWebAcl();
    const input = {
      name: 'shop',
      cluster: `resource:default/${clusterName}`,
      owner: 'group:default/guests',
      namespace: 'shop',
      image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
      containerPort: 80,
      replicas: 2,
      scheme: 'internet-facing',
      healthCheckPath: '/',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=shop',
    };
    const withAcl = await backend.dryRun('alb-application', {
      ...input,
      wafAclArn: acl.arn,
    });
    expect(withAcl.status).toBe(200);
    const ingress = parseKubernetes(withAcl.files['kubernetes/app.yaml'])[3];
    expect(
      ingress.metadata.annotations['alb.ingress.kubernetes.io/wafv2-acl-arn'],
    ).toBe(acl.arn);
    // The dry-run read the web ACL in the network account, before the ALB security group.
    const log = withAcl.log.join('\n');
    expect(log).toContain(
      `Web ACL ${acl.name} (${acl.id}) exists in network account ${SANDBOX_NETWORK_ACCOUNT_ID}`,
    );
    expect(log.indexOf(`Web ACL ${acl.name}`)).toBeLessThan(
      log.indexOf('open on 80'),
    );
    expect(withAcl.files['RUNBOOK.md']).toContain('## AWS WAF web ACL');
    expect(withAcl.files['RUNBOOK.md']).toContain(
      'set the annotation to `none`',
    );

    // Without one: no annotation, no WAF step, no runbook section.
    const without = await backend.dryRun('alb-application', input);
    expect(without.status).toBe(200);
    expect(
      Object.keys(
        parseKubernetes(without.files['kubernetes/app.yaml'])[3].metadata
          .annotations,
      ).filter(k => k.includes('waf')),
    ).toEqual([]);
    expect(without.log.join('\n')).not.toContain('Web ACL');
    expect(without.files['RUNBOOK.md']).not.toContain('AWS WAF');

    // Hostile values never reach the manifest: the form's pattern refuses them.
    for (const hostile of [
      `${acl.arn}\nalb.ingress.kubernetes.io/scheme: internal`,
      `${acl.arn}"`,
      acl.arn.replace(':regional/', ':global/'),
      acl.arn.replace(acl.name, `${acl.name}\u0430`),
      '${{ secrets.GITHUB_TOKEN }}',
      acl.id,
    ]) {
      const refused = await backend.dryRun('alb-application', {
        ...input,
        wafAclArn: hostile,
      });
      expect({ hostile, status: refused.status }).toEqual({
        hostile,
        status: 400,
      });
    }

    // A well-formed ARN of another account passes the form; the step refuses it, naming
    // the field, before anything is written.
    const otherAccount = acl.arn.replace(
      `:${SANDBOX_NETWORK_ACCOUNT_ID}:`,
      `:${SANDBOX_WORKLOAD_ACCOUNT_ID}:`,
    );
    const wrong = await backend.dryRun('alb-application', {
      ...input,
      wafAclArn: otherAccount,
    });
    expect(JSON.stringify(wrong.body)).toContain(
      `wafAclArn: expected a web ACL of network account ${SANDBOX_NETWORK_ACCOUNT_ID}`,
    );
    expect(wrong.files['kubernetes/app.yaml']).toBeUndefined();
  });
});

describe('software templates (as files)', () => {
  const names = fs
    .readdirSync(path.join(REPO_ROOT, 'templates'), { withFileTypes: true })
    .filter(e => e.isDirectory())
    .map(e => e.name);

  it.each(names)(
    '%s leaves recovery to scaffolder.taskRecovery (no startOver)',
    name => {
      const template = yaml.parse(
        fs.readFileSync(
          path.join(REPO_ROOT, 'templates', name, 'template.yaml'),
          'utf8',
        ),
      );
      // Measured: with EXPERIMENTAL_strategy startOver, the scaffolder (4.3) keeps reading the
      // events of every finished task once a second until the backend restarts (6 tasks, 6
      // loops); without it they stop at completion. Resuming works either way.
      expect(template.spec.EXPERIMENTAL_recovery).toBeUndefined();
    },
  );
});
