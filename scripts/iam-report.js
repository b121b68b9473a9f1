// Merges the IAM gateway's decisions (test-results/iam/*.jsonl, one file per process) into
// test-results/iam-report.md: every distinct (principal, action, resource type) with its
// decision, and a summary line. Exits non-zero when a call was denied outside the tests that
// expect denials (those are listed by file name in EXPECTED_DENIALS).
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
const out = process.argv[3];
const EXPECTED_DENIALS = new Set([
  // Refusals are what these check.
  'packages/sandbox/src/iam/iamGateway.test.ts',
  'plugins/scaffolder-backend-module-aws-cross-account/src/policies/policies.iam.test.ts',
  'plugins/aws-alb-backend/src/moto.test.ts',
  // Records the signals route's answer to a denied CloudWatch read (the frontend's fixture).
  'plugins/aws-alb-backend/src/signals.fixtures.moto.test.ts',
  // The health policy's certificate statement is needed: ACM refuses without it.
  'plugins/aws-alb-backend/src/certificates.moto.test.ts',
  // external-dns's role refuses another service account, and its loop fails without each
  // statement of its policy.
  'plugins/scaffolder-backend-module-aws-cross-account/src/externalDnsRole.integration.test.ts',
  // Asserts that Backstage's role cannot create a subnet.
  'packages/sandbox/src/sandbox.test.ts',
  // STS refuses a web identity while the OIDC provider is missing (IAM propagation).
  'packages/sandbox/src/standins/iamPropagation.sandbox.test.ts',
]);
const rows = new Map();
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  for (const line of fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line);
    const key = [d.principal, d.action, d.resourceType, d.decision].join(' ');
    const row = rows.get(key) ?? { ...d, sources: new Set() };
    row.sources.add(d.source);
    rows.set(key, row);
  }
}
const all = [...rows.values()].sort((a, b) =>
  `${a.principal} ${a.action}`.localeCompare(`${b.principal} ${b.action}`),
);
const denied = all.filter(r => /Denied/.test(r.decision));
const unexpected = denied.filter(r =>
  [...r.sources].some(s => !EXPECTED_DENIALS.has(s)),
);
const principals = new Set(all.map(r => r.principal));
const summary = `IAM gateway: ${
  all.length
} distinct (principal, action, resource type, decision) over ${
  principals.size
} principals; ${all.filter(r => r.decision === 'Allowed').length} allowed, ${
  all.filter(r => r.decision === 'Admin').length
} admin (seeding and fixtures), ${denied.length} denied (${
  unexpected.length
} outside the tests that expect denials)`;
const table = [
  '| principal | action | resource type | decision | tests |',
  '| --- | --- | --- | --- | --- |',
  ...all.map(
    r =>
      `| ${r.principal} | ${r.action} | ${r.resourceType} | ${r.decision}${
        r.reason ? ` (${r.reason.replace(/\|/g, '/')})` : ''
      } | ${[...r.sources].join(', ')} |`,
  ),
];
fs.writeFileSync(
  out,
  `# Sandbox IAM decisions\n\n${summary}\n\n${table.join('\n')}\n`,
);
console.log(summary);
for (const r of unexpected) {
  console.log(
    `  denied: ${r.principal} ${r.action} ${r.resourceType} in ${[
      ...r.sources,
    ].join(', ')}: ${r.reason}`,
  );
}
// The golden path, the teardown, the pickers and the health reads must make no call IAM
// refuses: a denial outside the tests that expect one fails the run.
process.exit(unexpected.length ? 1 : 0);
