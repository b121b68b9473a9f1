// Checks, without a remote or a base branch, that the release state of every publishable
// package is written down: each one is either named by a pending changeset (.changeset/*.md)
// or has been versioned by `changeset version`, which leaves a "## <version>" entry for its
// current version in its CHANGELOG.md. A new package without either fails, and so does a
// changeset that changesets itself would refuse (unknown package, private package mixed in).
//
// What it cannot see offline is whether code changed since the last release without a
// changeset; `yarn changeset status` answers that against the base branch, in review.
import { assembleReleasePlan } from '@changesets/assemble-release-plan';
import { readConfig } from '@changesets/config';
import { readPreState } from '@changesets/pre';
import { readChangesets } from '@changesets/read';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, workspacePackages } from './publishable-packages.mjs';

/** True when the package's CHANGELOG.md has an entry for its current version. */
function hasChangelogEntry(pkg) {
  const changelog = path.join(pkg.dir, 'CHANGELOG.md');
  if (!fs.existsSync(changelog)) return false;
  const heading = `## ${pkg.version}`;
  return fs
    .readFileSync(changelog, 'utf8')
    .split('\n')
    .some(line => line.trim() === heading);
}

const { packages, publishable } = await workspacePackages();
// The same steps as `changeset status`, minus its comparison with the base branch: the
// config and the changesets are validated by changesets' own code.
const { config, warnings, errors } = await readConfig(repoRoot, packages);
for (const warning of warnings)
  console.warn(`.changeset/config.json: ${warning}`);
if (errors) {
  for (const error of errors) console.error(`.changeset/config.json: ${error}`);
  process.exit(1);
}
const changesets = await readChangesets(repoRoot);
const preState = await readPreState(repoRoot);
let plan;
try {
  plan = assembleReleasePlan(changesets, packages, config, preState);
} catch (error) {
  // e.g. a changeset for a package that is not in the workspace
  console.error(`.changeset: ${error.message}`);
  process.exit(1);
}

const pending = new Map(
  plan.releases
    // Named by a changeset: a bump only because a dependency is bumped says nothing about
    // the package itself, and would be a first release with no description.
    .filter(release => release.type !== 'none' && release.changesets.length > 0)
    .map(release => [release.name, release]),
);
const missing = [];
for (const pkg of publishable) {
  const release = pending.get(pkg.name);
  if (release) {
    console.log(
      `${pkg.relativeDir}: ${release.type} to ${
        release.newVersion
      } (${release.changesets.map(id => `.changeset/${id}.md`).join(', ')})`,
    );
  } else if (hasChangelogEntry(pkg)) {
    console.log(`${pkg.relativeDir}: ${pkg.version}, in its CHANGELOG.md`);
  } else {
    missing.push(pkg);
  }
}

if (missing.length > 0) {
  console.error(
    `\nNo changeset and no CHANGELOG.md entry for the current version of: ${missing
      .map(pkg => `${pkg.name} ${pkg.version} (${pkg.relativeDir})`)
      .join(', ')}` +
      '\nDescribe the package in a changeset: `yarn changeset`, then commit the file it writes.',
  );
  process.exit(1);
}
