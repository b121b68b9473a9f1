import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { decideFault, FaultProxy, startFaultProxy } from './faultProxy';
import { MotoServer, startMoto } from './moto';

jest.setTimeout(60_000);

let moto: MotoServer;
let proxy: FaultProxy;

const common = () => ({
  region: 'us-east-1',
  endpoint: proxy.endpoint,
  // The proxy, not IAM, is under test here: calls are made as the accounts' administrator.
  credentials: { accessKeyId: 'sandbox-admin', secretAccessKey: 'x' },
  maxAttempts: 1,
});

/** One read-only call per service and protocol the project uses. */
const probes = {
  'ec2:DescribeVpcs': () =>
    new EC2Client(common()).send(new DescribeVpcsCommand({})),
  'iam:ListRoles': () => new IAMClient(common()).send(new ListRolesCommand({})),
  'sts:GetCallerIdentity': () =>
    new STSClient(common()).send(new GetCallerIdentityCommand({})),
  'elasticloadbalancing:DescribeLoadBalancers': () =>
    new ElasticLoadBalancingV2Client(common()).send(
      new DescribeLoadBalancersCommand({}),
    ),
  'ram:GetResourceShares': () =>
    new RAMClient(common()).send(
      new GetResourceSharesCommand({ resourceOwner: 'SELF' }),
    ),
  'eks:DescribeCluster': () =>
    new EKSClient(common()).send(
      new DescribeClusterCommand({ name: 'no-such-cluster' }),
    ),
} as const;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ target: moto.endpoint });
});
afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});
beforeEach(() => {
  proxy.setRules([]);
  proxy.resetCounts();
});

describe('startFaultProxy', () => {
  it('names the API action of every protocol the SDK clients speak', async () => {
    for (const probe of Object.values(probes)) {
      await probe().catch(() => undefined);
    }
    expect(proxy.counts()).toEqual(
      Object.fromEntries(Object.keys(probes).map(k => [k, 1])),
    );
    expect(proxy.calls.every(c => c.forwarded && !c.fault)).toBe(true);
  });

  it.each([
    ['ec2:DescribeVpcs', 'RequestLimitExceeded', 503],
    ['iam:ListRoles', 'Throttling', 400],
    ['sts:GetCallerIdentity', 'Throttling', 400],
    ['elasticloadbalancing:DescribeLoadBalancers', 'Throttling', 400],
    ['ram:GetResourceShares', 'ThrottlingException', 429],
    ['eks:DescribeCluster', 'ThrottlingException', 429],
  ] as const)(
    'throttles %s in its wire format (%s, HTTP %d)',
    async (action, name, status) => {
      proxy.setRules([{ match: action, throttle: 1 }]);
      const error = await probes[action]().then(
        () => undefined,
        (e: any) => e,
      );
      expect(error).toBeDefined();
      expect(error.name).toBe(name);
      expect(error.$metadata.httpStatusCode).toBe(status);
      expect(proxy.faults().total.throttle).toBe(1);
      expect(proxy.calls.at(-1)?.forwarded).toBe(false);
    },
  );

  it.each(Object.keys(probes) as Array<keyof typeof probes>)(
    'answers HTTP 500 to %s in its wire format',
    async action => {
      proxy.setRules([{ match: action, serverError: 1 }]);
      const error = await probes[action]().then(
        () => undefined,
        (e: any) => e,
      );
      expect(error.$metadata.httpStatusCode).toBe(500);
      expect(error.name).toMatch(/^Internal(Error|Failure)$/);
      expect(error.$fault).toBe('server');
    },
  );

  it('resets the connection', async () => {
    proxy.setRules([{ match: 'ec2:*', reset: 1 }]);
    const error = await probes['ec2:DescribeVpcs']().then(
      () => undefined,
      (e: any) => e,
    );
    expect(String(error?.code ?? error?.message)).toMatch(
      /ECONNRESET|socket hang up/,
    );
    expect(proxy.faults().byAction).toEqual({
      'ec2:DescribeVpcs': { reset: 1 },
    });
  });

  it('delays calls by a fixed time', async () => {
    proxy.setRules([{ match: 'DescribeVpcs', delayMs: 300 }]);
    const started = Date.now();
    await probes['ec2:DescribeVpcs']();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(proxy.faults().total.delay).toBe(1);
  });

  it('leaves calls that no rule matches alone; the first matching rule wins', async () => {
    proxy.setRules([
      { match: /^iam:/, throttle: 0 },
      { match: '*', throttle: 1 },
    ]);
    await probes['iam:ListRoles']();
    await expect(probes['ec2:DescribeVpcs']()).rejects.toThrow();
    expect(proxy.faults().byAction).toEqual({
      'ec2:DescribeVpcs': { throttle: 1 },
    });
  });

  it('lets the SDK retry through a flaky service, and counts every attempt', async () => {
    // A proxy of its own, so the per-action sequence (and the faults) start from the seed.
    const flaky = await startFaultProxy({
      target: moto.endpoint,
      seed: 'retry',
      rules: [{ match: '*', throttle: 0.3, serverError: 0.1 }],
    });
    try {
      const ec2 = new EC2Client({
        ...common(),
        endpoint: flaky.endpoint,
        maxAttempts: 10,
      });
      for (let i = 0; i < 6; i++) await ec2.send(new DescribeVpcsCommand({}));
      const { throttle, serverError } = flaky.faults().total;
      expect(throttle + serverError).toBeGreaterThan(0);
      expect(flaky.counts()['ec2:DescribeVpcs']).toBe(
        6 + throttle + serverError,
      );
    } finally {
      await flaky.stop();
    }
  });

  it("in the 'after' phase lets the call take effect, then loses the answer", async () => {
    proxy.setRules([
      { match: 'ec2:CreateSecurityGroup', serverError: 1, phase: 'after' },
    ]);
    const ec2 = new EC2Client(common());
    const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({}));
    await expect(
      ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: 'lost-answer',
          Description: 'created, answer lost',
          VpcId: Vpcs[0].VpcId,
        }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-name', Values: ['lost-answer'] }],
      }),
    );
    expect(groups.SecurityGroups).toHaveLength(1);
  });

  it('injects at most maxPerAction faults per action from a rule', async () => {
    proxy.setRules([{ match: '*', throttle: 1, maxPerAction: 1 }]);
    await expect(probes['iam:ListRoles']()).rejects.toThrow();
    await probes['iam:ListRoles']();
    await expect(probes['ec2:DescribeVpcs']()).rejects.toThrow();
    await probes['ec2:DescribeVpcs']();
    expect(proxy.faults().byAction).toEqual({
      'iam:ListRoles': { throttle: 1 },
      'ec2:DescribeVpcs': { throttle: 1 },
    });
  });

  it('keeps the answers of the calls it is told to record, and reports each answer from moto', async () => {
    const answered: string[] = [];
    const recording = await startFaultProxy({
      target: moto.endpoint,
      recordResponses: /^sts:/,
      onUpstreamResponse: call =>
        answered.push(`${call.service}:${call.action}`),
    });
    try {
      const sts = new STSClient({ ...common(), endpoint: recording.endpoint });
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      await new EC2Client({ ...common(), endpoint: recording.endpoint }).send(
        new DescribeVpcsCommand({}),
      );
      const [stsCall, ec2Call] = recording.calls;
      expect(answered).toEqual(['sts:GetCallerIdentity', 'ec2:DescribeVpcs']);
      expect(stsCall.responseBody).toContain(`<Account>${identity.Account}`);
      expect(ec2Call.responseBody).toBeUndefined();
    } finally {
      await recording.stop();
    }
  });
});

describe('response rewriting', () => {
  it("replaces moto's answer with the rewriter's", async () => {
    proxy.setResponseRewriter((call, body) =>
      call.action === 'GetResourceShares'
        ? JSON.stringify({
            ...JSON.parse(body),
            resourceShares: [{ name: 'staged', status: 'FAILED' }],
          })
        : undefined,
    );
    try {
      const shares = await probes['ram:GetResourceShares']();
      expect(shares.resourceShares).toEqual([
        { name: 'staged', status: 'FAILED' },
      ]);
      // Other calls pass through untouched.
      await probes['ec2:DescribeVpcs']();
    } finally {
      proxy.setResponseRewriter(undefined);
    }
    expect((await probes['ram:GetResourceShares']()).resourceShares).toEqual(
      [],
    );
  });
});

describe('decideFault', () => {
  const rule = { match: '*', throttle: 0.2, serverError: 0.05, reset: 0.01 };

  it('is deterministic for a seed, per action and ordinal', () => {
    const run = (seed: string) =>
      Array.from(
        { length: 200 },
        (_, n) => decideFault(rule, seed, 'ec2:DescribeVpcs', n).fault,
      );
    expect(run('a')).toEqual(run('a'));
    expect(run('a')).not.toEqual(run('b'));
  });

  it('injects at the set rates', () => {
    const tally: Record<string, number> = {};
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const { fault = 'none' } = decideFault(rule, 'rates', 'iam:GetRole', i);
      tally[fault] = (tally[fault] ?? 0) + 1;
    }
    expect(tally.throttle / n).toBeCloseTo(0.2, 1);
    expect(tally.serverError / n).toBeCloseTo(0.05, 1);
    expect(tally.reset / n).toBeGreaterThan(0.005);
    expect(tally.reset / n).toBeLessThan(0.015);
  });
});
