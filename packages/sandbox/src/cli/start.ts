/*
 * The sandbox portal: starts a sandbox AWS (moto_server), seeds Account-A's network, then runs
 * the Backstage backend and frontend against it. Ctrl-C stops all of it.
 * Run through scripts/start.sh, which provides Node 22 and the dependencies.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startMoto, MOTO_INSTALL_HINT } from '../moto';
import { useSandboxEndpoint } from '../accounts';
import {
  SANDBOX_DNS_ZONE_NAME,
  seedSandboxCertificate,
  seedSandboxDnsZone,
  seedSandboxNetwork,
} from '../seed';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import yaml from 'yaml';
import {
  SANDBOX_WORKLOAD_ROLE_NAME,
  sandboxAdminCredentials,
} from '../accounts';
import { seedSandboxAlb, seedSandboxHostRecords } from '../standins/seeding';
import {
  EKS_VIEW_POLICY_ARN,
  sandboxKubernetesClusterEntity,
} from '../standins/kubeApiServer';
import { sandboxPublishAlbMetrics } from '../standins/albMetrics';
import {
  readTargetGroupFailures,
  recordTargetGroupFailure,
} from '../standins/albFailures';

/** The host name of demo-2048 (examples/entities.yaml links to it). */
const DEMO_HOST = `2048.${SANDBOX_DNS_ZONE_NAME}`;

// Set by scripts/env.sh, which every entry point sources.
const repoRoot = process.env.REPO_ROOT ?? process.cwd();
const stateDir = path.join(repoRoot, '.sandbox');

async function waitFor(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return true;
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  return false;
}

/** Signs in as the guest user, as the browser does, and counts the catalog's entities. */
async function countEntitiesAsGuest(): Promise<number> {
  const session = await fetch(
    'http://localhost:7007/api/auth/guest/refresh?env=development',
    {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    },
  ).then(r => r.json());
  const token = session?.backstageIdentity?.token;
  const entities = await fetch('http://localhost:7007/api/catalog/entities', {
    headers: { Authorization: `Bearer ${token}` },
  }).then(r => r.json());
  return Array.isArray(entities) ? entities.length : Number.NaN;
}

async function main() {
  let moto;
  try {
    moto = await startMoto({
      port: process.env.SANDBOX_MOTO_PORT
        ? Number(process.env.SANDBOX_MOTO_PORT)
        : undefined,
    });
  } catch (e) {
    const message = (e as Error).message;
    console.error(
      message.startsWith(MOTO_INSTALL_HINT) ? `\n${message}\n` : message,
    );
    process.exit(1);
  }
  useSandboxEndpoint(moto.endpoint);
  // The controller stand-in keeps what was applied to each sandbox cluster there; the
  // seeding below and the portal's backend must use the same place.
  process.env.SANDBOX_STATE_DIR = stateDir;
  const network = await seedSandboxNetwork();
  const dns = await seedSandboxDnsZone();
  // The example component demo-2048 (examples/entities.yaml) shows this ALB: the one the
  // controller would create for the Ingress game-2048/ingress-2048 on cluster sandbox-demo.
  // eksctl's access entry for Backstage's role in the workload account: the Kubernetes plugin
  // reads the cluster as that role (AmazonEKSViewPolicy), through the cluster's API server
  // stand-in on the portal's backend.
  const accessEntries = [
    {
      principalArn: `arn:aws:iam::${network.workloadAccountId}:role/${SANDBOX_WORKLOAD_ROLE_NAME}`,
      policyArns: [EKS_VIEW_POLICY_ARN],
    },
  ];
  // demo-2048 is served over HTTPS at DEMO_HOST, as template 3 sets an application up with a
  // host name: an ACM certificate in the network account, issued once its validation record
  // is in the DNS account's zone; the Ingress annotations for HTTPS on 443 with it and HTTP on
  // 80 redirected (the controller stand-in builds the two listeners from them); external-dns's
  // alias records for the name in the zone.
  const demoCertificateArn = await seedSandboxCertificate(DEMO_HOST, dns);
  const demo = await seedSandboxAlb({
    clusterName: 'sandbox-demo',
    namespace: 'game-2048',
    ingressName: 'ingress-2048',
    serviceName: 'service-2048',
    replicas: 3,
    accessEntries,
    kubernetesId: 'demo-2048',
    host: DEMO_HOST,
    annotations: {
      'alb.ingress.kubernetes.io/listen-ports':
        '[{"HTTP": 80}, {"HTTPS": 443}]',
      'alb.ingress.kubernetes.io/certificate-arn': demoCertificateArn,
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      // What template 3 writes: the controller's recommended TLS 1.3 policy.
      'alb.ingress.kubernetes.io/ssl-policy':
        'ELBSecurityPolicy-TLS13-1-2-2021-06',
    },
  });
  // demo-cart and demo-shop share one ALB through Ingress group demo-store: each tab shows
  // its own target group and rules, and names the other.
  const store: Record<string, Awaited<ReturnType<typeof seedSandboxAlb>>> = {};
  for (const name of ['cart', 'shop']) {
    store[name] = await seedSandboxAlb({
      clusterName: 'sandbox-demo',
      namespace: name,
      ingressName: name,
      groupName: 'demo-store',
      serviceTags: { 'backstage.io/component': `demo-${name}` },
      replicas: 2,
      accessEntries,
      kubernetesId: `demo-${name}`,
    });
  }
  const demoRecords = await seedSandboxHostRecords({
    clusterName: 'sandbox-demo',
    workloadAccountId: network.workloadAccountId,
    region: network.region,
    zone: dns,
  });
  // The demo cluster registered with Backstage's Kubernetes plugin (a catalog location of
  // app-config.yaml): the demo components' Kubernetes tabs, and the pod behind each target.
  const { cluster } = await new EKSClient({
    region: network.region,
    credentials: (
      await sandboxAdminCredentials(network.workloadAccountId)
    ).sdkCredentialProvider,
  }).send(new DescribeClusterCommand({ name: 'sandbox-demo' }));
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    path.join(stateDir, 'kubernetes-clusters.yaml'),
    yaml.stringify(
      sandboxKubernetesClusterEntity({
        backendBaseUrl: 'http://localhost:7007',
        workloadAccountId: network.workloadAccountId,
        region: network.region,
        clusterName: 'sandbox-demo',
        certificateAuthorityData: cluster?.certificateAuthority?.data ?? '',
      }),
    ),
  );
  // CloudWatch metrics for the demo ALBs, as ELB publishes them: three hours of history, then
  // a minute at a time while the portal runs. shop's target group started failing half an
  // hour ago (unhealthy hosts, 5xx, slow), so its tab shows what trouble looks like. Any
  // target group made to fail or recover while the portal runs (the sandbox template "Make a
  // target group fail or recover") is read from the failures file each minute.
  const started = new Date();
  fs.rmSync(path.join(stateDir, 'alb-failures.json'), { force: true });
  for (const arn of store.shop.targetGroupArns) {
    recordTargetGroupFailure(
      arn,
      true,
      new Date(started.getTime() - 30 * 60_000),
    );
  }
  const metrics = (minutes: number, until: Date) =>
    Promise.all(
      [demo.loadBalancerArn, store.cart.loadBalancerArn].map(loadBalancerArn =>
        sandboxPublishAlbMetrics({
          networkAccountId: network.networkAccountId,
          region: network.region,
          loadBalancerArn,
          minutes,
          until,
          failurePeriods: readTargetGroupFailures(),
        }),
      ),
    );
  await metrics(180, started);
  let published = started;
  setInterval(() => {
    const now = new Date();
    const minutes = Math.floor((now.getTime() - published.getTime()) / 60_000);
    if (minutes < 1) return;
    published = new Date(published.getTime() + minutes * 60_000);
    metrics(minutes, published).catch(e =>
      console.error(`[sandbox] publishing ALB metrics failed: ${e}`),
    );
  }, 60_000).unref();
  const demoAlb = {
    arn: demo.loadBalancerArn,
    dnsName: demo.dnsName,
    stack: demo.stack,
    hostName: DEMO_HOST,
    certificateArn: demoCertificateArn,
  };
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    path.join(stateDir, 'state.json'),
    `${JSON.stringify(
      { endpoint: moto.endpoint, network, dns, demoAlb },
      null,
      2,
    )}\n`,
  );
  console.log(`[sandbox] AWS sandbox on ${moto.endpoint}`);
  console.log(
    `[sandbox] Account-A ${network.networkAccountId}: ${network.vpcId} ${network.vpcCidr}, ` +
      `public ${network.publicSubnets.map(s => s.subnetId).join(', ')}, ` +
      `private ${network.privateSubnets.map(s => s.subnetId).join(', ')}`,
  );
  console.log(`[sandbox] Account-B ${network.workloadAccountId}`);
  console.log(
    `[sandbox] DNS account ${dns.accountId}: public zone ${dns.zoneName} (${dns.hostedZoneId})`,
  );
  console.log(
    `[sandbox] demo ALB for component demo-2048: ${
      demoAlb.dnsName
    }, HTTPS at ${DEMO_HOST} (${demoCertificateArn}; records ${demoRecords
      .map(r => `${r.action} ${r.type} ${r.name}`)
      .join(', ')})`,
  );

  // The frontend and the sandbox portal's backend: the production backend's features plus the
  // sandbox modules (packages/sandbox-backend).
  const backstage = spawn(
    'yarn',
    [
      'backstage-cli',
      'repo',
      'start',
      'packages/app',
      'packages/sandbox-backend',
    ],
    {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, SANDBOX_STATE_DIR: stateDir },
      detached: true,
    },
  );

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[sandbox] stopping Backstage and the sandbox AWS');
    if (backstage.exitCode === null && backstage.pid) {
      try {
        process.kill(-backstage.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([
        new Promise(r => backstage.once('exit', r)),
        new Promise(r => setTimeout(r, 10_000)),
      ]);
      try {
        process.kill(-backstage.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await moto!.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  backstage.on('exit', code => void stop(code ?? 1));

  const backendUp = await waitFor(
    'http://localhost:7007/api/catalog/entities',
    600_000,
  );
  const frontendUp =
    backendUp && (await waitFor('http://localhost:3000', 600_000));
  if (frontendUp) {
    const entities = await countEntitiesAsGuest().catch(() => undefined);
    const count =
      entities === undefined ? '' : ` (${entities} catalog entities)`;
    console.log(
      `\n[sandbox] Ready${count}: open http://localhost:3000 and sign in as guest. ` +
        `Ctrl-C stops everything.\n` +
        `[sandbox] The guest is the platform engineer (runs every template). To be the ` +
        `application developer instead (the application template on app-team's clusters), ` +
        `open http://localhost:7007/api/auth/sandbox/sign-in-as/app-developer; back: ` +
        `.../sign-in-as/platform-engineer.\n`,
    );
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
