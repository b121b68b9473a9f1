// The packages this repository publishes: every workspace package that is not private.
// Today these are the plugins under plugins/; a new one is covered as soon as it is added.
// The API report and changeset checks (scripts/api-reports.mjs, scripts/changeset-check.mjs)
// both take their list from here, and it is the same rule changesets applies when releasing
// (.changeset/config.json leaves private packages alone).
import { getPackages } from '@manypkg/get-packages';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
);

/** All workspace packages (for changesets' own functions) and the publishable ones. */
export async function workspacePackages() {
  const packages = await getPackages(repoRoot);
  const publishable = packages.packages
    .filter(pkg => !pkg.packageJson.private)
    .map(pkg => ({
      name: pkg.packageJson.name,
      version: pkg.packageJson.version,
      dir: pkg.dir,
      relativeDir: path.relative(repoRoot, pkg.dir),
    }))
    .sort((a, b) => a.relativeDir.localeCompare(b.relativeDir));
  return { packages, publishable };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { publishable } = await workspacePackages();
  for (const pkg of publishable) console.log(pkg.relativeDir);
}
