/*
 * Targets to pods, through Backstage's real Kubernetes backend plugin in the sandbox portal's
 * own backend (packages/sandbox-backend/src/index.ts, run as a child process the way
 * `backstage-cli package start` runs it: the plugin's fetcher loads @kubernetes/client-node,
 * an ES module, with a dynamic import that jest's module system cannot run). A sandbox
 * cluster's API server stand-in (the sandbox backend plugin `sandbox-kubernetes`) is in the
 * catalog as a `kubernetes-cluster` Resource with the annotations the plugin's catalog
 * cluster locator reads, and the plugin authenticates to it with its `aws` strategy: an EKS
 * token presigned by Backstage's role in the workload account, which the stand-in checks with
 * the sandbox's STS through the IAM gateway, then authorizes by the cluster's access entries.
 * The pods it answers must be the load balancer's targets, IP for IP.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import type { Entity } from '@backstage/catalog-model';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SANDBOX_WORKLOAD_ROLE_NAME,
  sandboxAdminCredentials,
  sandboxKubernetesApiServerUrl,
  seedSandboxAlb,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';

const REPO_ROOT = path.resolve(__dirname, '../../..');

jest.setTimeout(300_000);

const CLUSTER = 'pods-demo';
const VIEW_POLICY =
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A `kubernetes-cluster` Resource as the catalog cluster locator reads it. */
function kubernetesCluster(options: {
  name: string;
  apiServer: string;
  ca: string;
  accountId: string;
}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: options.name,
      namespace: 'default',
      annotations: {
        'kubernetes.io/api-server': options.apiServer,
        'kubernetes.io/api-server-certificate-authority': options.ca,
        'kubernetes.io/auth-provider': 'aws',
        // The role Backstage assumes in that account (aws.accounts) signs the EKS token.
        'kubernetes.io/aws-account-id': options.accountId,
        'kubernetes.io/x-k8s-aws-id': CLUSTER,
        // EKS has no metrics-server until one is installed.
        'kubernetes.io/skip-metrics-lookup': 'true',
      },
    },
    spec: { type: 'kubernetes-cluster', owner: 'group:default/guests' },
  };
}

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'pods-app',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'pods-app' },
  },
  spec: { type: 'service', owner: 'group:default/guests', lifecycle: 'x' },
};

describe('targets to pods through the Kubernetes plugin (sandbox portal backend)', () => {
  let stopMoto: () => Promise<void>;
  let restore: () => void;
  let child: ChildProcess | undefined;
  const output: string[] = [];
  let baseUrl: string;
  let apiServerPath: string;
  let token: string;
  let seeded: Awaited<ReturnType<typeof seedSandboxAlb>>;
  let targetIps: string[];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-k8s-'));
  const previousStateDir = process.env.SANDBOX_STATE_DIR;

  /** POST /api/kubernetes/services/:name as the signed-in guest, as the frontend asks. */
  const objectsByEntity = async (entity: Entity) => {
    const res = await fetch(
      `${baseUrl}/api/kubernetes/services/${entity.metadata.name}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ entity, auth: {} }),
      },
    );
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    const moto = await startMoto();
    stopMoto = () => moto.stop();
    restore = useSandboxEndpoint(moto.endpoint);
    // The stand-ins here and the backend's API servers read the same clusters' state.
    process.env.SANDBOX_STATE_DIR = workDir;
    seeded = await seedSandboxAlb({
      clusterName: CLUSTER,
      namespace: 'pods',
      ingressName: 'pods-app',
      serviceName: 'pods-app',
      replicas: 3,
      kubernetesId: 'pods-app',
      // eksctl's accessConfig: Backstage's workload role may read the cluster.
      accessEntries: [
        {
          principalArn: `arn:aws:iam::${SANDBOX_WORKLOAD_ACCOUNT_ID}:role/${SANDBOX_WORKLOAD_ROLE_NAME}`,
          policyArns: [VIEW_POLICY],
        },
      ],
    });
    const admin = async (accountId: string) =>
      (await sandboxAdminCredentials(accountId)).sdkCredentialProvider;
    const { TargetHealthDescriptions = [] } =
      await new ElasticLoadBalancingV2Client({
        region: SANDBOX_REGION,
        credentials: await admin(SANDBOX_NETWORK_ACCOUNT_ID),
      }).send(
        new DescribeTargetHealthCommand({
          TargetGroupArn: seeded.targetGroupArns[0],
        }),
      );
    targetIps = TargetHealthDescriptions.map(d => d.Target!.Id!).sort();
    const { cluster } = await new EKSClient({
      region: SANDBOX_REGION,
      credentials: await admin(SANDBOX_WORKLOAD_ACCOUNT_ID),
    }).send(new DescribeClusterCommand({ name: CLUSTER }));

    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
    const apiServer = sandboxKubernetesApiServerUrl(baseUrl, {
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      clusterName: CLUSTER,
    });
    apiServerPath = new URL(apiServer).pathname;
    const entitiesFile = path.join(workDir, 'entities.yaml');
    fs.writeFileSync(
      entitiesFile,
      [
        component,
        kubernetesCluster({
          name: CLUSTER,
          apiServer,
          ca: cluster?.certificateAuthority?.data ?? '',
          accountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
        }),
        // The same API server, reached as Backstage's network-account role, which has no
        // access entry on the cluster.
        kubernetesCluster({
          name: `${CLUSTER}-as-network-role`,
          apiServer,
          ca: cluster?.certificateAuthority?.data ?? '',
          accountId: SANDBOX_NETWORK_ACCOUNT_ID,
        }),
      ]
        .map(e => yaml.stringify(e))
        .join('---\n'),
    );
    const configFile = path.join(workDir, 'app-config.test.yaml');
    fs.writeFileSync(
      configFile,
      yaml.stringify({
        backend: {
          baseUrl,
          listen: { port },
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
        catalog: {
          locations: [
            {
              type: 'file',
              target: entitiesFile,
              rules: [{ allow: ['Component', 'Resource'] }],
            },
          ],
          processingInterval: { seconds: 1 },
        },
        kubernetes: {
          serviceLocatorMethod: { type: 'multiTenant' },
          clusterLocatorMethods: [
            // The sandbox's API servers are plain HTTP on loopback, which the locator
            // refuses unless allowed (as the sandbox's app-config.yaml does).
            { type: 'catalog', dangerouslyAllowClusterUrls: ['localhost'] },
          ],
        },
      }),
    );
    const proc = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        'src/index.ts',
        '--config',
        path.join(REPO_ROOT, 'app-config.yaml'),
        '--config',
        configFile,
      ],
      {
        cwd: path.join(REPO_ROOT, 'packages/sandbox-backend'),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'development',
          ESBK_TSCONFIG_PATH: path.join(REPO_ROOT, 'tsconfig.json'),
          SANDBOX_STATE_DIR: workDir,
        },
      },
    );
    child = proc;
    proc.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
    proc.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (proc.exitCode !== null) {
        throw new Error(
          `The backend exited with ${proc.exitCode}: ${output
            .join('')
            .slice(-3000)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error('The sandbox backend did not start within 180 s');
      }
      try {
        const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 500));
    }
    const session = await fetch(
      `${baseUrl}/api/auth/guest/refresh?env=development`,
      { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
    ).then(r => r.json());
    token = session.backstageIdentity.token;
    // The catalog reads the file location, then the cluster locator finds the clusters.
    for (let i = 0; i < 120; i++) {
      const res = await fetch(
        `${baseUrl}/api/catalog/entities/by-name/resource/default/${CLUSTER}-as-network-role`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      if (res.ok) break;
      await new Promise(r => setTimeout(r, 500));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise(r => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    restore?.();
    await stopMoto?.();
    if (previousStateDir === undefined) delete process.env.SANDBOX_STATE_DIR;
    else process.env.SANDBOX_STATE_DIR = previousStateDir;
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('lists the pods behind the targets, with the IPs the controller registered', async () => {
    expect(targetIps).toHaveLength(3);
    const res = await objectsByEntity(component);
    expect(res.body.error).toBeUndefined();
    expect(res.status).toBe(200);
    const ours = res.body.items.find((i: any) => i.cluster.name === CLUSTER);
    expect(ours.errors).toEqual([]);
    const byType = Object.fromEntries(
      ours.resources.map((r: any) => [r.type, r.resources]),
    );
    const pods = byType.pods;
    expect(pods.map((p: any) => p.status.podIP).sort()).toEqual(targetIps);
    expect(seeded.podIps.slice().sort()).toEqual(targetIps);
    for (const pod of pods) {
      expect(pod.metadata.namespace).toBe('pods');
      expect(pod.metadata.name).toMatch(/^pods-app-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(pod.metadata.labels['backstage.io/kubernetes-id']).toBe(
        'pods-app',
      );
      expect(pod.status.phase).toBe('Running');
      // On the node of its subnet: ip-<a-b-c-d>.ec2.internal, a /24's host .5.
      const subnet = pod.status.podIP.split('.').slice(0, 3).join('-');
      expect(pod.spec.nodeName).toBe(`ip-${subnet}-5.ec2.internal`);
    }
    expect(byType.deployments.map((d: any) => d.metadata.name)).toEqual([
      'pods-app',
    ]);
    expect(byType.deployments[0].status.readyReplicas).toBe(3);
    expect(byType.replicasets).toHaveLength(1);
    expect(byType.services.map((s: any) => s.metadata.name)).toEqual([
      'pods-app',
    ]);
    expect(byType.ingresses.map((s: any) => s.metadata.name)).toEqual([
      'pods-app',
    ]);
  });

  it('is refused as a role the cluster has no access entry for', async () => {
    const res = await objectsByEntity(component);
    const refused = res.body.items.find(
      (i: any) => i.cluster.name === `${CLUSTER}-as-network-role`,
    );
    expect(refused.resources).toEqual([]);
    expect(refused.errors.length).toBeGreaterThan(0);
    expect(
      refused.errors.every(
        (e: any) =>
          e.errorType === 'UNAUTHORIZED_ERROR' && e.statusCode === 401,
      ),
    ).toBe(true);
  });

  it('answers 401 to a request without an EKS token or with a forged one', async () => {
    const pods = `${baseUrl}${apiServerPath}/api/v1/pods`;
    const anonymous = await fetch(pods);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ kind: 'Status', code: 401 });
    const forged = await fetch(pods, {
      headers: {
        authorization: `Bearer k8s-aws-v1.${Buffer.from(
          'https://sts.attacker.invalid/?Action=GetCallerIdentity',
        ).toString('base64url')}`,
      },
    });
    expect(forged.status).toBe(401);
    expect((await forged.json()).message).toContain('is not an STS endpoint');
  });
});
