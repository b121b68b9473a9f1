/*
 * Secrets and trust: no assumed-role credential appears in what a full sandbox run logs or
 * outputs; the controller role admits exactly one service account of one cluster; the health
 * endpoint refuses entities of accounts it is not configured for.
 */
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockCredentials } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { decodePolicyDocument } from '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account';
import request from 'supertest';
import { WebIdentity, webIdentityTrustDecision } from 'sandbox';
import {
  healthPath,
  startHealthBackend,
  taggedAlbEntity,
} from './__testUtils__/health';
import {
  FLAKY_AWS,
  FlakySandbox,
  NETWORK,
  REGION,
  RecipeRun,
  WORKLOAD,
  capturingLogger,
  client,
  createSandboxCluster,
  recipeActions,
  runAction,
  runRecipe,
  startFlakySandbox,
} from './__testUtils__/sandbox';

jest.setTimeout(180_000);

const CLUSTER = 'secrets';

function describeLogArgument(a: unknown): string {
  if (a instanceof Error) return `${a.message} ${a.stack}`;
  return typeof a === 'string' ? a : JSON.stringify(a);
}
let sandbox: FlakySandbox;

beforeAll(async () => {
  sandbox = await startFlakySandbox('secrets');
});
afterAll(() => sandbox?.stop());

describe('secrets', () => {
  it('no access key ID, secret key or session token appears in the logs, task log, audit events, outputs or errors of a full run', async () => {
    const lines: string[] = [];
    const logger = capturingLogger(lines);
    const consoleSpies = (
      ['log', 'info', 'warn', 'error', 'debug'] as const
    ).map(level =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(
          `console.${level} ${args.map(a => describeLogArgument(a)).join(' ')}`,
        );
      }),
    );
    const { byId, auditEvents } = recipeActions();
    let run: RecipeRun;
    const errors: string[] = [];
    try {
      // Some faults, so retries and their errors are part of what is logged.
      sandbox.proxy.setRules(FLAKY_AWS);
      run = await runRecipe(byId, sandbox.network, CLUSTER, {
        logger,
        createCluster: async () => {
          sandbox.proxy.setRules([]);
          await createSandboxCluster(sandbox.network, CLUSTER);
          sandbox.proxy.setRules(FLAKY_AWS);
        },
      });
      sandbox.proxy.setRules([]);
      // Failures too: their messages reach the task log and the user.
      for (const [id, input] of [
        [
          'aws:ec2:allow-alb-to-nodes',
          {
            workloadAccountId: WORKLOAD,
            networkAccountId: NETWORK,
            region: REGION,
            nodeSecurityGroupId: 'sg-0123456789abcdef0',
            albSecurityGroupId: 'sg-0123456789abcdef0',
            fromPort: 80,
          },
        ],
        [
          'aws:eks:describe-cluster',
          {
            workloadAccountId: WORKLOAD,
            region: REGION,
            clusterName: 'missing',
          },
        ],
      ] as const) {
        await runAction(byId, id, input, { logger }).catch((e: Error) =>
          errors.push(`${e.name} ${e.message} ${e.stack} ${JSON.stringify(e)}`),
        );
      }
    } finally {
      sandbox.proxy.setRules([]);
      consoleSpies.forEach(s => s.mockRestore());
    }
    expect(errors).toHaveLength(2);

    // Every credential STS issued during the run, read from its answers at the proxy.
    const issued = sandbox.proxy.calls
      .filter(c => c.action === 'AssumeRole' && c.responseBody)
      .map(c => ({
        accessKeyId: /<AccessKeyId>([^<]+)</.exec(c.responseBody!)?.[1],
        secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(c.responseBody!)?.[1],
        sessionToken: /<SessionToken>([^<]+)</.exec(c.responseBody!)?.[1],
      }));
    expect(issued.length).toBeGreaterThanOrEqual(2);
    const secrets = issued.flatMap(i => [
      i.accessKeyId!,
      i.secretAccessKey!,
      i.sessionToken!,
    ]);
    expect(secrets.every(v => typeof v === 'string' && v.length >= 16)).toBe(
      true,
    );
    // The actions signed every call with one of them (or the base keys, for STS itself).
    const issuedKeys = new Set(issued.map(i => i.accessKeyId));
    const signers = new Set(
      sandbox.proxy.calls
        .filter(c => c.service !== 'sts')
        .map(c => c.accessKeyId),
    );
    expect([...signers].filter(k => !issuedKeys.has(k))).toEqual([]);
    const haystack = [
      ...lines,
      ...auditEvents.map(e => JSON.stringify(e)),
      JSON.stringify(run!.outputs),
      ...errors,
    ].join('\n');
    expect(lines.length).toBeGreaterThan(10);
    // eslint-disable-next-line no-console
    console.log(
      `secrets: searched ${haystack.length} characters (${lines.length} log lines, ${auditEvents.length} audit records) for ${secrets.length} credential values (${issued.length} AssumeRole answers)`,
    );
    for (const secret of secrets) {
      // Whole values and any 16-character piece of them.
      const pieces = [secret];
      for (let i = 0; i + 16 <= secret.length; i += 8)
        pieces.push(secret.slice(i, i + 16));
      for (const piece of pieces) {
        expect(haystack.includes(piece)).toBe(false);
      }
    }
  });
});

describe('trust of the controller role', () => {
  let trust: any;
  let roleArn: string;
  let issuer: string;
  let providerArn: string;
  const RIGHT_SUBJECT =
    'system:serviceaccount:kube-system:aws-load-balancer-controller';

  beforeAll(async () => {
    // The run of the secrets test created the role; read back what IAM holds.
    const { byId } = recipeActions();
    const out = await runRecipe(byId, sandbox.network, CLUSTER);
    issuer = out.outputs['aws:eks:describe-cluster'].oidcIssuerUrl;
    providerArn = out.outputs['aws:iam:ensure-oidc-provider'].oidcProviderArn;
    const iam = await client(IAMClient, NETWORK);
    const role = await iam.send(
      new GetRoleCommand({
        RoleName:
          out.outputs['aws:iam:ensure-load-balancer-controller-role'].roleName,
      }),
    );
    trust = decodePolicyDocument(role.Role!.AssumeRolePolicyDocument!);
    roleArn = role.Role!.Arn!;
  });

  const token = (patch: Partial<WebIdentity> = {}): WebIdentity => ({
    providerArn,
    issuer,
    subject: RIGHT_SUBJECT,
    audience: 'sts.amazonaws.com',
    ...patch,
  });

  // Evaluated by @cloud-copilot/iam-simulate, as the sandbox's STS does.
  const decide = (policy: any, t: WebIdentity) =>
    webIdentityTrustDecision(policy, roleArn, t);

  it("admits the controller's service account of the cluster", async () => {
    expect(providerArn).toBe(
      `arn:aws:iam::${NETWORK}:oidc-provider/${issuer.replace('https://', '')}`,
    );
    expect(await decide(trust, token())).toBe('Allowed');
  });

  const otherIssuer = `https://oidc.eks.${REGION}.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210`;
  it.each([
    [
      'another namespace',
      { subject: 'system:serviceaccount:default:aws-load-balancer-controller' },
    ],
    [
      'another service account',
      { subject: 'system:serviceaccount:kube-system:default' },
    ],
    ['a look-alike service account', { subject: `${RIGHT_SUBJECT}-x` }],
    ['a user, not a service account', { subject: 'kubernetes-admin' }],
    ['another audience', { audience: 'https://kubernetes.default.svc' }],
    [
      'another cluster (issuer and provider)',
      {
        issuer: otherIssuer,
        providerArn: `arn:aws:iam::${NETWORK}:oidc-provider/${otherIssuer.replace(
          'https://',
          '',
        )}`,
      },
    ],
    [
      "the right issuer through another account's provider",
      { providerArn: 'PROVIDER_IN_WORKLOAD' },
    ],
  ] as Array<[string, Partial<WebIdentity>]>)(
    'refuses a token for %s',
    async (_, patch) => {
      const p = { ...patch };
      if (p.providerArn === 'PROVIDER_IN_WORKLOAD') {
        p.providerArn = providerArn.replace(`::${NETWORK}:`, `::${WORKLOAD}:`);
      }
      expect(await decide(trust, token(p))).toBe('ImplicitlyDenied');
    },
  );

  it('the evaluator is not trivially strict: a wildcard policy would admit the other namespace', async () => {
    const host = issuer.replace('https://', '');
    const loose = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringLike: {
              [`${host}:sub`]:
                'system:serviceaccount:*:aws-load-balancer-controller',
            },
          },
        },
      ],
    };
    expect(
      await decide(
        loose,
        token({
          subject: 'system:serviceaccount:default:aws-load-balancer-controller',
        }),
      ),
    ).toBe('Allowed');
  });
});

describe('health endpoint account allow-list', () => {
  const elsewhere = taggedAlbEntity(
    'elsewhere',
    'demo',
    'demo/ingress',
    '444444444444',
  );

  it.each<[JsonObject, string]>([
    [{}, 'aws.accounts'],
    [{ allowedAccountIds: [NETWORK] }, 'awsAlb.allowedAccountIds'],
  ])(
    'answers 403 naming the config key (%j) for an entity of an unconfigured account, without calling AWS',
    async (awsAlb, key) => {
      const backend = await startHealthBackend([elsewhere], awsAlb);
      try {
        const mark = sandbox.proxy.calls.length;
        const res = await request(backend.server)
          .get(healthPath('elsewhere'))
          .set(
            'Authorization',
            mockCredentials.user.header('user:default/alice'),
          );
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
        expect(res.body.error.message).toContain('444444444444');
        expect(res.body.error.message).toContain(key);
        expect(sandbox.proxy.calls.length).toBe(mark);
      } finally {
        await backend.stop();
      }
    },
  );
});
