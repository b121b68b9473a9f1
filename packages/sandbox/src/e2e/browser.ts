/*
 * Browser test of the sandbox portal, run by scripts/browser-test.sh (part of the README's
 * test command). Starts the portal exactly as scripts/start.sh does (sandbox AWS, seeded
 * demo ALB, backend, frontend), drives Debian's Chromium through playwright-core, and saves
 * screenshots under test-results/screenshots (git-ignored).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';

const repoRoot = process.env.REPO_ROOT ?? process.cwd();
const shotsDir = path.join(repoRoot, 'test-results', 'screenshots');
const APP = 'http://localhost:3000';
const BACKEND = 'http://localhost:7007';

interface Check {
  name: string;
  run(page: Page): Promise<void>;
}

function startPortal(): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn('bash', [path.join(repoRoot, 'scripts', 'start.sh')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, BROWSER: 'none' },
  });
  const logFile = fs.createWriteStream(
    path.join(repoRoot, 'test-results', 'portal.log'),
  );
  child.stdout!.pipe(logFile);
  child.stderr!.pipe(logFile);
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error('The portal did not become ready within 15 minutes')),
      15 * 60_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('[sandbox] Ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', code => {
      clearTimeout(timer);
      reject(
        new Error(
          `The portal exited early (code ${code}); see test-results/portal.log`,
        ),
      );
    });
  });
  return { child, ready };
}

async function stopPortal(child: ChildProcess) {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise(r => child.once('exit', r));
  process.kill(-child.pid, 'SIGINT');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 20_000);
  await exited;
  clearTimeout(timer);
}

async function shot(page: Page, name: string) {
  await page.screenshot({
    path: path.join(shotsDir, `${name}.png`),
    fullPage: true,
  });
}

async function signInAsGuest(page: Page) {
  await page.goto(APP);
  const enter = page.getByRole('button', { name: 'Enter' });
  await enter.waitFor({ timeout: 120_000 });
  await enter.click();
  await enter.waitFor({ state: 'detached', timeout: 60_000 });
}

const checks: Check[] = [
  {
    name: 'the catalog lists the example entities',
    async run(page) {
      await page.goto(`${APP}/`);
      await page
        .getByRole('link', { name: 'demo-2048' })
        .first()
        .waitFor({ timeout: 60_000 });
      await shot(page, '01-catalog');
    },
  },
  {
    name: 'the load balancer tab shows the ALB, its DNS name, targets and healthy count',
    async run(page) {
      await page.goto(`${APP}/catalog/default/component/demo-2048/aws-alb`);
      const dns = page.getByText(/\.elb\.amazonaws\.com/).first();
      await dns.waitFor({ timeout: 60_000 });
      const dnsName = (await dns.textContent())?.trim() ?? '';
      const expected = JSON.parse(
        fs.readFileSync(path.join(repoRoot, '.sandbox', 'state.json'), 'utf8'),
      ).demoAlb?.dnsName;
      if (expected && !dnsName.includes(expected)) {
        throw new Error(`DNS name shown is "${dnsName}", expected ${expected}`);
      }
      // One row per registered target (the demo Deployment has 3 replicas), all healthy.
      const rows = page
        .locator('table tbody tr')
        .filter({ hasText: /10\.20\.1[01]\./ });
      await rows.first().waitFor();
      const count = await rows.count();
      if (count !== 3) throw new Error(`expected 3 target rows, saw ${count}`);
      const healthy =
        (await page.getByTestId('alb-healthy-count').first().textContent()) ??
        '';
      if (!/^\s*3\s*\/\s*3\s*$/.test(healthy)) {
        throw new Error(`healthy count shows "${healthy}", expected 3 / 3`);
      }
      await page.getByText('All healthy').first().waitFor();
      await shot(page, '02-alb-tab-healthy');
    },
  },
  {
    name: 'the target table names the pod and node behind each target and links to the Kubernetes tab',
    async run(page) {
      await page.goto(`${APP}/catalog/default/component/demo-2048/aws-alb`);
      // The Kubernetes plugin's pods of demo-2048, matched to the targets by pod IP.
      const pods = page.getByRole('link', {
        name: /^game-2048\/service-2048-[a-z0-9]{10}-[a-z0-9]{5}$/,
      });
      await pods.first().waitFor({ timeout: 90_000 });
      const count = await pods.count();
      if (count !== 3) throw new Error(`expected 3 pod links, saw ${count}`);
      await page
        .getByText(/^ip-10-20-1[01]-5\.ec2\.internal$/)
        .first()
        .waitFor();
      await shot(page, '02b-alb-tab-targets-to-pods');
      await pods.first().click();
      await page.waitForURL(
        /\/catalog\/default\/component\/demo-2048\/kubernetes/,
      );
      await page.getByText('sandbox-demo').first().waitFor({ timeout: 60_000 });
      await shot(page, '02c-kubernetes-tab');
    },
  },
  {
    name: 'an entity whose ALB does not exist yet explains what to check',
    async run(page) {
      await page.goto(`${APP}/catalog/default/component/demo-pending/aws-alb`);
      await page
        .getByText(/not (been )?created (it )?yet/i)
        .first()
        .waitFor({ timeout: 60_000 });
      await shot(page, '03-alb-tab-not-created');
    },
  },
  {
    name: 'each template form renders',
    async run(page) {
      for (const name of [
        'eks-cross-account-cluster-onboarding',
        'eks-cross-account-load-balancer-controller',
        'eks-cross-account-alb-application',
        'eks-cross-account-alb-teardown',
      ]) {
        await page.goto(`${APP}/create/templates/default/${name}`);
        await page
          .getByRole('button', { name: /next|review/i })
          .first()
          .waitFor({ timeout: 60_000 });
        await shot(page, `04-template-${name}`);
      }
    },
  },
  {
    name: 'template 1 lists the network account VPCs and subnets to pick from',
    async run(page) {
      const { network } = JSON.parse(
        fs.readFileSync(path.join(repoRoot, '.sandbox', 'state.json'), 'utf8'),
      );
      await page.goto(
        `${APP}/create/templates/default/eks-cross-account-cluster-onboarding`,
      );
      // Step 1 keeps its defaults (the sandbox accounts and us-east-1).
      await page
        .getByRole('button', { name: /next/i })
        .first()
        .click({ timeout: 60_000 });
      await page
        .getByText(/VPCs? in 111111111111 \(us-east-1\)/)
        .waitFor({ timeout: 60_000 });
      await page.getByLabel(/VPC ID/).click();
      await page
        .getByRole('option', { name: new RegExp(network.vpcId) })
        .click();
      await page
        .getByText(`2 public subnets in ${network.vpcId}.`)
        .waitFor({ timeout: 60_000 });
      await page
        .getByText(`2 private subnets in ${network.vpcId}.`)
        .waitFor({ timeout: 60_000 });
      for (const [label, subnets] of [
        [/Public subnets/, network.publicSubnets],
        [/Private subnets/, network.privateSubnets],
      ] as const) {
        for (const subnet of subnets as Array<{ subnetId: string }>) {
          await page.getByLabel(label).click();
          await page
            .getByRole('option', { name: new RegExp(subnet.subnetId) })
            .click();
        }
      }
      // Each choice shows with its AZ name and ID, so two AZs are easy to check.
      for (const subnet of [
        ...network.publicSubnets,
        ...network.privateSubnets,
      ]) {
        await page
          .getByText(
            `${subnet.subnetId} · ${subnet.availabilityZone} (${subnet.availabilityZoneId}) · ${subnet.cidr}`,
            { exact: false },
          )
          .first()
          .waitFor();
      }
      await shot(page, '05-template-onboarding-network-pickers');
      // The form accepts the picks: the next step opens.
      await page.getByRole('button', { name: /next/i }).first().click();
      await page.getByLabel(/Cluster name/).waitFor({ timeout: 30_000 });
    },
  },
  {
    name: "template 3 lists the DNS account's hosted zones, and the picked zone fills in its name",
    async run(page) {
      const { dns } = JSON.parse(
        fs.readFileSync(path.join(repoRoot, '.sandbox', 'state.json'), 'utf8'),
      );
      // The first page's entity pickers prefilled through the form's query, as a link into
      // the template can; the other pages keep their defaults.
      const formData = encodeURIComponent(
        JSON.stringify({
          cluster: 'resource:default/sandbox-demo',
          owner: 'group:default/guests',
        }),
      );
      await page.goto(
        `${APP}/create/templates/default/eks-cross-account-alb-application?formData=${formData}`,
      );
      for (const next of ['Workload', 'Load balancer', 'HTTPS and DNS name']) {
        await page
          .getByRole('button', { name: /^next/i })
          .first()
          .click({ timeout: 60_000 });
        await page
          .getByText(new RegExp(`^${next}`))
          .first()
          .waitFor({ timeout: 30_000 });
      }
      await page
        .getByText('Choose the account of the hosted zone first.')
        .waitFor({ timeout: 30_000 });
      await page.getByLabel(/^Host name/).fill(`shop.${dns.zoneName}`);
      await page.getByLabel(/^Account of the hosted zone/).fill(dns.accountId);
      await page
        .getByText(`1 public hosted zone in ${dns.accountId}.`)
        .waitFor({ timeout: 60_000 });
      await page.getByLabel(/^Hosted zone ID/).click();
      const option = page.getByRole('option', {
        name: `${dns.zoneName} · ${dns.hostedZoneId} · `,
        exact: false,
      });
      await option.waitFor({ timeout: 30_000 });
      await option.click();
      // The companion field took the picked zone's name from the same list, read-only.
      const name = page.getByLabel(/^Hosted zone name/);
      await page
        .getByText(`The name of hosted zone ${dns.hostedZoneId}.`)
        .waitFor({ timeout: 30_000 });
      const value = await name.inputValue();
      if (value !== dns.zoneName) {
        throw new Error(
          `hostedZoneName shows "${value}", expected ${dns.zoneName}`,
        );
      }
      if (!(await name.evaluate(e => (e as HTMLInputElement).readOnly))) {
        throw new Error('hostedZoneName is editable after a zone was picked');
      }
      const picked = await page.getByLabel(/^Hosted zone ID/).inputValue();
      if (!picked.includes(dns.hostedZoneId)) {
        throw new Error(`the zone picker shows "${picked}"`);
      }
      await shot(page, '10-template-application-zone-picker');
      // The form accepts the page: the repository page opens.
      await page.getByRole('button', { name: /^next/i }).first().click();
      await page
        .getByText(/^Repository/)
        .first()
        .waitFor({ timeout: 30_000 });
    },
  },
  {
    name: "the HTTPS demo's tab shows the 443 listener with its issued certificate and the 80 redirect",
    async run(page) {
      const { demoAlb } = JSON.parse(
        fs.readFileSync(path.join(repoRoot, '.sandbox', 'state.json'), 'utf8'),
      );
      // The entity links to its HTTPS name.
      await page.goto(`${APP}/catalog/default/component/demo-2048`);
      await page
        .locator(`a[href="https://${demoAlb.hostName}"]`)
        .first()
        .waitFor({ timeout: 60_000 });
      await page.goto(`${APP}/catalog/default/component/demo-2048/aws-alb`);
      const listeners = page.locator('table').filter({
        has: page.getByRole('columnheader', { name: 'Certificate' }),
      });
      await listeners.first().waitFor({ timeout: 60_000 });
      const https = listeners
        .locator('tbody tr')
        .filter({ has: page.getByRole('cell', { name: '443', exact: true }) });
      await https
        .getByText(
          new RegExp(
            `^${demoAlb.hostName.replace(
              /\./g,
              '\\.',
            )} · ISSUED · valid until \\d{4}-\\d{2}-\\d{2}$`,
          ),
        )
        .waitFor({ timeout: 60_000 });
      const httpsRow = (await https.innerText()).replace(/\s+/g, ' ');
      if (!/\bHTTPS\b/.test(httpsRow)) {
        throw new Error(`the 443 listener row reads "${httpsRow}"`);
      }
      const http = listeners
        .locator('tbody tr')
        .filter({ has: page.getByRole('cell', { name: '80', exact: true }) });
      const httpRow = (await http.innerText()).replace(/\s+/g, ' ');
      if (!/\bHTTP\b.*Redirect to HTTPS:443 \(301\)/.test(httpRow)) {
        throw new Error(`the 80 listener row reads "${httpRow}"`);
      }
      await shot(page, '11-alb-tab-https-listener-certificate');
    },
  },
  {
    name: 'a component of an Ingress group sees its slice of the shared ALB, and its rules',
    async run(page) {
      await page.goto(`${APP}/catalog/default/component/demo-cart/aws-alb`);
      await page
        .getByText(
          /Ingress cart\/cart shares the load balancer with shop\/shop/,
        )
        .first()
        .waitFor({ timeout: 60_000 });
      // Only cart's target group: its two targets, none of shop's.
      const healthy =
        (await page.getByTestId('alb-healthy-count').first().textContent()) ??
        '';
      if (!/^\s*2\s*\/\s*2\s*$/.test(healthy)) {
        throw new Error(`healthy count shows "${healthy}", expected 2 / 2`);
      }
      await page.getByRole('button', { name: 'Show listener rules' }).click();
      await page
        .getByText("1 rule of the group's other Ingresses not shown")
        .waitFor({ timeout: 30_000 });
      await page.getByText('path /*').first().waitFor();
      await shot(page, '07-alb-tab-ingress-group');
    },
  },
  {
    name: 'the golden signals chart a failing target group in red, in light and dark themes',
    async run(page) {
      for (const theme of ['light', 'dark']) {
        await page.evaluate(
          t => window.localStorage.setItem('theme', t),
          theme,
        );
        try {
          await page.goto(`${APP}/catalog/default/component/demo-shop/aws-alb`);
          const card = page.getByTestId('alb-signal-hosts').first();
          await card.waitFor({ timeout: 60_000 });
          // shop's target group has been failing for half an hour: degraded, its 3 hosts
          // unhealthy, the line drawn in the theme's error colour.
          await page
            .getByText(/5xx rate \d+\.\d% is at or above 5%|Unhealthy hosts in/)
            .first()
            .waitFor({ timeout: 30_000 });
          await card.getByText(/k8s-shop-shop-[0-9a-f]+: 2/).waitFor();
          const stroke = await card
            .locator('path.recharts-line-curve')
            .first()
            .getAttribute('stroke');
          const rgb = await page.evaluate(color => {
            const el = document.createElement('div');
            el.style.color = color ?? '';
            document.body.appendChild(el);
            const value = getComputedStyle(el).color;
            el.remove();
            return (value.match(/\d+/g) ?? []).map(Number);
          }, stroke);
          if (!(rgb[0] > 150 && rgb[1] < 120 && rgb[2] < 120)) {
            throw new Error(
              `the failing target group's line is ${stroke} (${rgb.join(
                ',',
              )}), not red, in the ${theme} theme`,
            );
          }
          // Every range reads.
          await page.getByRole('button', { name: '24h' }).click();
          await page
            .getByTestId('alb-signal-requests')
            .first()
            .locator('path.recharts-line-curve')
            .first()
            .waitFor({ timeout: 30_000 });
          await page.getByRole('button', { name: '1h' }).click();
          await page
            .getByTestId('alb-signal-requests')
            .first()
            .locator('path.recharts-line-curve')
            .first()
            .waitFor({ timeout: 30_000 });
          await shot(page, `08-alb-signals-${theme}`);
        } finally {
          await page.evaluate(() => window.localStorage.removeItem('theme'));
        }
      }
    },
  },
  {
    name: 'the load balancer tab reads in the dark theme',
    async run(page) {
      // The theme the user picks in Settings, as the app stores it.
      await page.evaluate(() => window.localStorage.setItem('theme', 'dark'));
      try {
        await page.goto(`${APP}/catalog/default/component/demo-2048/aws-alb`);
        await page
          .getByText('All healthy')
          .first()
          .waitFor({ timeout: 60_000 });
        // The page background is dark and the summary's text light on it.
        const luminance = await page.evaluate(() => {
          const rgb = (css: string) =>
            (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
          const lum = ([r, g, b]: number[]) =>
            (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
          const content = document.querySelector('main') ?? document.body;
          const text = document.querySelector(
            '[data-testid="alb-healthy-count"]',
          );
          return {
            background: lum(rgb(getComputedStyle(content).backgroundColor)),
            text: text ? lum(rgb(getComputedStyle(text).color)) : -1,
          };
        });
        if (!(luminance.background < 0.3 && luminance.text > 0.5)) {
          throw new Error(
            `dark theme not applied to the tab: background luminance ${luminance.background}, healthy count text ${luminance.text}`,
          );
        }
        await shot(page, '06-alb-tab-dark');
      } finally {
        await page.evaluate(() => window.localStorage.removeItem('theme'));
      }
    },
  },
  {
    name: 'the application developer sees the templates and gets a clear refusal for template 1',
    async run(page) {
      const { network } = JSON.parse(
        fs.readFileSync(path.join(repoRoot, '.sandbox', 'state.json'), 'utf8'),
      );
      // The sandbox's identity picker: the guest sign-in is the application developer now.
      await page.goto(`${BACKEND}/api/auth/sandbox/sign-in-as/app-developer`);
      try {
        await page.goto(`${APP}/settings`);
        await page
          .getByText('Application Developer')
          .first()
          .waitFor({ timeout: 60_000 });

        // Every template is listed, as for anyone.
        await page.goto(`${APP}/create`);
        for (const title of [
          /1\. EKS cluster on a shared VPC/,
          /2\. AWS Load Balancer Controller/,
          /4\. Tear down/,
        ]) {
          await page.getByText(title).first().waitFor({ timeout: 60_000 });
        }
        await shot(page, '07-app-developer-templates');

        // Template 1's network pickers answer 403, and say why.
        await page.goto(
          `${APP}/create/templates/default/eks-cross-account-cluster-onboarding`,
        );
        await page
          .getByRole('button', { name: /next/i })
          .first()
          .click({ timeout: 60_000 });
        await page
          .getByText(
            /Could not list the VPCs \(You may not list the network account/,
          )
          .first()
          .waitFor({ timeout: 60_000 });
        await shot(page, '08-app-developer-pickers-refused');

        // Running it anyway: refused at its first step, before any AWS call.
        const taskId = await page.evaluate(
          async ({ backend, values }) => {
            const session = await fetch(
              `${backend}/api/auth/guest/refresh?env=development`,
              {
                credentials: 'include',
                headers: { 'X-Requested-With': 'XMLHttpRequest' },
              },
            ).then(r => r.json());
            const res = await fetch(`${backend}/api/scaffolder/v2/tasks`, {
              method: 'POST',
              headers: {
                'Content-Type': 'application/json',
                Authorization: `Bearer ${session.backstageIdentity.token}`,
              },
              body: JSON.stringify({
                templateRef:
                  'template:default/eks-cross-account-cluster-onboarding',
                values,
              }),
            });
            const body = await res.json();
            if (!body.id) throw new Error(JSON.stringify(body));
            return body.id as string;
          },
          {
            backend: BACKEND,
            values: {
              networkAccountId: '111111111111',
              workloadAccountId: '222222222222',
              region: 'us-east-1',
              vpcId: network.vpcId,
              publicSubnetIds: network.publicSubnets.map(
                (s: { subnetId: string }) => s.subnetId,
              ),
              privateSubnetIds: network.privateSubnets.map(
                (s: { subnetId: string }) => s.subnetId,
              ),
              sharePublicSubnets: false,
              clusterName: 'dev-attempt',
              kubernetesVersion: '1.33',
              instanceType: 'm6i.large',
              desiredSize: 2,
              minSize: 2,
              maxSize: 4,
              owner: 'group:default/app-team',
              publishTo: 'sandbox',
            },
          },
        );
        await page.goto(`${APP}/create/tasks/${taskId}`);
        await page
          .getByText(/Unauthorized action: aws:catalog:check-cluster-name/)
          .first()
          .waitFor({ timeout: 60_000 });
        // The step's log line says the refusal, with no stack frame or server path.
        await page
          .getByText(
            'NotAllowedError: Unauthorized action: aws:catalog:check-cluster-name. The action is not allowed.',
          )
          .first()
          .waitFor({ timeout: 60_000 });
        const shown = await page.locator('body').innerText();
        if (/node_modules|\.cjs\.js|^\s*at /m.test(shown)) {
          throw new Error(`The task page shows a stack trace:\n${shown}`);
        }
        await shot(page, '09-app-developer-onboarding-refused');
      } finally {
        await page.goto(
          `${BACKEND}/api/auth/sandbox/sign-in-as/platform-engineer`,
        );
      }
    },
  },
];

async function main() {
  fs.mkdirSync(shotsDir, { recursive: true });
  const { child, ready } = startPortal();
  let browser: Browser | undefined;
  let passed = 0;
  let failed = 0;
  try {
    await ready;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({
      viewport: { width: 1440, height: 1000 },
    });
    await signInAsGuest(page);
    for (const check of checks) {
      try {
        await check.run(page);
        passed++;
        console.log(`  ✓ ${check.name}`);
      } catch (e) {
        failed++;
        console.log(`  ✕ ${check.name}\n    ${(e as Error).message}`);
        await shot(page, `failed-${passed + failed}`).catch(() => undefined);
      }
    }
  } catch (e) {
    failed++;
    console.log(`  ✕ portal start-up: ${(e as Error).message}`);
  } finally {
    await browser?.close();
    await stopPortal(child);
  }
  console.log(`\nbrowser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
