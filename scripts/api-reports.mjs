// Writes (or with --ci, checks) the API report of every publishable package: report.api.md,
// plus report-<entry>.api.md for extra entry points such as ./alpha. The reports are made by
// Backstage's own tool, `backstage-repo-tools api-reports` (API Extractor underneath).
//
//   node scripts/api-reports.mjs        regenerate the reports after an API change
//   node scripts/api-reports.mjs --ci   fail if a report differs from the code, or is missing
//
// API Extractor reads the type declarations in dist-types/, so a full type check runs first
// (see below why not the incremental one): a report is never checked against declarations
// older than the code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, workspacePackages } from './publishable-packages.mjs';

// Messages left out of the reports, as the Backstage repository does for its own:
// ae-undocumented (TSDoc completeness is not what the reports are for) and
// ae-wrong-input-file-type (raised because workspace dependencies resolve to their .ts
// sources; its text holds an absolute path, which would differ in every checkout).
const OMITTED_MESSAGES = ['ae-undocumented', 'ae-wrong-input-file-type'];

// Packages whose first reports carry warnings (exports without a release tag, types used by
// the API but not exported). The warnings are written into their reports, so they are seen
// and any change to them fails the check; take a package off this list once its report has
// none. Any other package, a new one included, may not have warnings at all.
const PACKAGES_WITH_KNOWN_WARNINGS = [
  'plugins/aws-alb',
  'plugins/aws-alb-backend',
  'plugins/aws-alb-common',
  'plugins/scaffolder-backend-module-aws-cross-account',
  'plugins/scaffolder-frontend-module-aws-cross-account',
];

/** Runs a binary of the repository; true when it exits 0. */
function run(bin, args) {
  const result = spawnSync(
    path.join(repoRoot, 'node_modules', '.bin', bin),
    args,
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
  if (result.error) throw result.error;
  return result.status === 0;
}

const { publishable } = await workspacePackages();
if (publishable.length === 0) {
  // With no paths the tool would take every package in the repository.
  console.error('No publishable package found.');
  process.exit(1);
}

// A full type check, not the incremental one: an incremental build re-emits only the files it
// rechecks, and the members of an inferred union type (the extension `group` of the aws-alb
// alpha report) are then listed in another order than a fresh clone's build lists them.
if (!run('tsc', ['--incremental', 'false'])) process.exit(1);

// One run per package, in a fixed order. In a single run the tool processes the packages in
// whatever order its parallel reads finish, and since API Extractor's type checker is shared
// between them, that order can change how the members of inferred types are listed.
const failed = publishable.filter(
  pkg =>
    !run('backstage-repo-tools', [
      'api-reports',
      '--omit-messages',
      OMITTED_MESSAGES.join(','),
      '--allow-warnings',
      PACKAGES_WITH_KNOWN_WARNINGS.join(','),
      ...process.argv.slice(2),
      pkg.relativeDir,
    ]),
);
if (failed.length > 0) {
  console.error(
    `\nAPI report failed for: ${failed
      .map(pkg => pkg.relativeDir)
      .join(', ')}` +
      '\nIf the API change is intended, run `yarn build:api-reports` and commit the reports.',
  );
  process.exit(1);
}
