import Ajv from 'ajv';
import yaml from 'yaml';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SandboxNetwork,
} from 'sandbox';
import {
  TemplateName,
  loadTemplate,
  GUESTS_GROUP,
  clusterEntity,
  startTemplateBackend,
  startTemplateSandbox,
} from './__testUtils__/harness';

jest.setTimeout(600_000);

/** Values a user could type, or paste, into any text field. */
const HOSTILE: Record<string, string> = {
  newline: 'a\nb',
  keyInjection: 'x\nkind: Secret',
  colonSpace: 'a: b',
  comment: 'a # b',
  doubleQuote: 'a"b',
  singleQuote: "a'b",
  templateExpression: '${{ secrets.token }}',
  nunjucks: '{{ 7*7 }}{% raw %}',
  documentSeparator: 'a\n---\nkind: Secret',
  unicodeLookalike: 'ѕhop-prod', // Cyrillic s
  fullwidthDigits: '１１１１１１１１１１１１',
  shell: 'a; rm -rf / $(id) `id`',
  overLong: 'a'.repeat(5000),
  empty: '',
};

const CLUSTER = 'shop-prod';

interface Outcome {
  template: TemplateName;
  field: string;
  kind: string;
  result: 'rejected' | 'rendered';
}

/** Every string parameter of a template, with the JSON schema that governs it. */
function stringFields(template: any) {
  const fields: { name: string; schema: any; page: any }[] = [];
  for (const page of template.spec.parameters) {
    for (const [name, schema] of Object.entries<any>(page.properties ?? {})) {
      if (schema.type === 'string') fields.push({ name, schema, page });
    }
    // The sandbox's publish choice asks for repoUrl under `then` (GitHub only).
    for (const [name, schema] of Object.entries<any>(
      page.then?.properties ?? {},
    )) {
      if (schema.type === 'string')
        fields.push({ name, schema, page: page.then });
    }
  }
  return fields;
}

describe('hostile input to the templates', () => {
  let sandbox: Awaited<ReturnType<typeof startTemplateSandbox>>;
  let network: SandboxNetwork;
  let backend: Awaited<ReturnType<typeof startTemplateBackend>>;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    sandbox = await startTemplateSandbox(CLUSTER);
    ({ network, backend } = sandbox);
  });

  afterAll(async () => {
    await sandbox?.stop();
    const rejected = outcomes.filter(o => o.result === 'rejected').length;
    // eslint-disable-next-line no-console
    console.log(
      `hostile template input: ${
        outcomes.length
      } cases, ${rejected} rejected by the form schema, ${
        outcomes.length - rejected
      } rendered and parsed back exactly`,
    );
  });

  const validValues: Record<TemplateName, () => Record<string, unknown>> = {
    'cluster-onboarding': () => ({
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnets.map(s => s.subnetId),
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      clusterName: CLUSTER,
      description: 'ok',
      kubernetesVersion: '1.33',
      instanceType: 'm6i.large',
      desiredSize: 2,
      minSize: 2,
      maxSize: 4,
      owner: 'group:default/guests',
      system: 'system:default/shop',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=c',
    }),
    'load-balancer-controller': () => ({
      cluster: `resource:default/${CLUSTER}`,
      namespace: 'kube-system',
      serviceAccountName: 'aws-load-balancer-controller',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=c',
    }),
    'alb-application': () => ({
      name: 'game-2048',
      description: 'ok',
      cluster: `resource:default/${CLUSTER}`,
      owner: 'group:default/guests',
      system: 'system:default/shop',
      namespace: 'game-2048',
      image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
      containerPort: 80,
      replicas: 2,
      scheme: 'internet-facing',
      healthCheckPath: '/',
      groupName: 'shop',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=c',
    }),
    teardown: () => ({
      cluster: `resource:default/${CLUSTER}`,
      clusterStillExists: false,
      oidcIssuerUrl: `https://oidc.eks.${SANDBOX_REGION}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`,
      name: 'game-2048',
      namespace: 'game-2048',
      containerPort: 80,
      removeClusterSetUp: false,
      deletePolicy: false,
    }),
  };

  /** Where a rendered value must come back exactly, by field. */
  const readBack: Record<string, (files: Record<string, string>) => unknown[]> =
    {
      // An empty description is left out of the entity (the catalog refuses an empty one).
      description: files => [
        yaml.parse(files['catalog-info.yaml']).metadata.description ?? '',
      ],
    };

  describe('values read from the catalog are checked like form values', () => {
    // Anyone may register a Resource of type eks-cluster; its annotations reach the Ingress,
    // the controller's role and AWS calls. aws:catalog:read-cluster refuses them first.
    const hostile = (name: string, annotations: Record<string, string>) => {
      const entity = clusterEntity({
        name,
        networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
        workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        region: SANDBOX_REGION,
        vpcId: network.vpcId,
        albSubnetIds: network.publicSubnets.map(s => s.subnetId),
        nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
      });
      Object.assign(entity.metadata.annotations!, annotations);
      return entity;
    };

    it.each([
      [
        'alb-application',
        'cross-account-alb.io/alb-subnet-ids',
        'subnet-0123456789abcdef0 \n---\nkind: Secret',
      ],
      ['load-balancer-controller', 'aws.amazon.com/region', 'us-east-1\n#'],
      ['teardown', 'cross-account-alb.io/vpc-id', 'vpc-1 ; echo'],
    ] as const)(
      '%s stops at the cluster step when %s holds %j',
      async (name, annotation, value) => {
        const catalog = await startTemplateBackend({
          entities: [
            GUESTS_GROUP,
            hostile('hostile-cluster', { [annotation]: value }),
          ],
        });
        const result = await catalog.dryRun(name, {
          ...validValues[name](),
          cluster: 'resource:default/hostile-cluster',
        });
        // The dry-run answers 400 with the action's message, as a real task fails its first step.
        expect(result.status).toBe(400);
        const message = String(result.body.error?.message);
        expect(message).toContain(
          `The cluster entity resource:default/hostile-cluster is not one this project can use: annotation ${annotation}:`,
        );
        expect(message).toContain(JSON.stringify(value));
        expect(message).toContain('Fix its catalog-info.yaml');
        // Nothing was rendered: the step that reads the cluster comes first.
        expect(Object.keys(result.files)).toEqual([]);
      },
    );
  });

  const ajv = new Ajv({ strict: false, allErrors: true });

  describe.each([
    'cluster-onboarding',
    'load-balancer-controller',
    'alb-application',
    'teardown',
  ] as const)('%s', name => {
    const { template } = loadTemplate(name);
    const cases = stringFields(template).flatMap(field =>
      Object.entries(HOSTILE).map(([kind, value]) => ({ field, kind, value })),
    );

    it.each(cases.map(c => [c.field.name, c.kind, c]))(
      '%s ← %s is refused by the form or rendered exactly',
      async (_f, _k, { field, kind, value }) => {
        const schema = {
          type: 'object',
          properties: { [field.name]: field.schema },
        };
        const validate = ajv.compile(schema);
        const accepted = validate({ [field.name]: value });
        // When refused, the error names the field: the form shows it there and the
        // scaffolder refuses the task.
        expect(
          accepted || validate.errors?.[0]?.instancePath === `/${field.name}`,
        ).toBe(true);
        if (!accepted) {
          outcomes.push({
            template: name,
            field: field.name,
            kind,
            result: 'rejected',
          });
          return;
        }
        // Accepted: the dry-run must render it as data, never as YAML structure.
        const result = await backend.dryRun(name, {
          ...validValues[name](),
          [field.name]: value,
        });
        expect(result.status).toBe(200);
        for (const [file, text] of Object.entries(result.files)) {
          if (!/\.ya?ml$/.test(file)) continue;
          const docs = yaml.parseAllDocuments(text);
          expect(docs.every(d => d.errors.length === 0)).toBe(true);
          const expectedDocs = file === 'kubernetes/app.yaml' ? 4 : 1;
          expect(docs).toHaveLength(expectedDocs);
          for (const doc of docs) {
            expect(doc.toJS().kind).not.toBe('Secret');
          }
        }
        const back = readBack[field.name];
        expect(back).toBeDefined();
        for (const rendered of back(result.files)) expect(rendered).toBe(value);
        outcomes.push({
          template: name,
          field: field.name,
          kind,
          result: 'rendered',
        });
      },
    );
  });
});
