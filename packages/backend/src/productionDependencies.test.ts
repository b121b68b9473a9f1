import fs from 'node:fs';
import path from 'node:path';

/**
 * The packages a production install of this backend brings: its `dependencies`, then theirs,
 * resolved from each package's own folder as Node would (devDependencies never count).
 */
function productionClosure(root: string): Map<string, string> {
  const seen = new Map<string, string>();
  const queue: string[] = [root];
  while (queue.length) {
    const dir = queue.shift()!;
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, 'package.json'), 'utf8'),
    );
    const names = Object.keys({
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
    });
    for (const name of names) {
      let resolved: string;
      try {
        resolved = path.dirname(
          require.resolve(`${name}/package.json`, { paths: [dir] }),
        );
      } catch {
        // An optional dependency for another platform, or one without an exported
        // package.json: look for its folder the way Node's resolution walks up.
        const found = findPackageDir(name, dir);
        if (!found) continue;
        resolved = found;
      }
      const real = fs.realpathSync(resolved);
      if (!seen.has(real)) {
        seen.set(real, name);
        queue.push(real);
      }
    }
  }
  return seen;
}

function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

describe('the production backend', () => {
  // Test files run from source, so the package is the folder above src/.
  // eslint-disable-next-line no-restricted-syntax
  const backendDir = path.resolve(__dirname, '..');
  const closure = new Set(productionClosure(backendDir).values());

  it('brings neither the sandbox nor a browser driver into a production install', () => {
    expect(closure.size).toBeGreaterThan(100);
    // What it must bring: the project's plugins.
    expect(closure).toContain(
      '@cross-account-alb/plugin-scaffolder-backend-module-aws-cross-account',
    );
    expect(closure).toContain('@cross-account-alb/plugin-aws-alb-backend');
    for (const banned of [
      'sandbox',
      'sandbox-backend',
      'playwright-core',
      '@cloud-copilot/iam-simulate',
    ]) {
      expect([banned, closure.has(banned)]).toEqual([banned, false]);
    }
  });

  it('imports nothing of the sandbox', () => {
    const sources = fs
      .readdirSync(path.join(backendDir, 'src'))
      .filter(f => f.endsWith('.ts'))
      .map(f => fs.readFileSync(path.join(backendDir, 'src', f), 'utf8'));
    for (const source of sources) {
      expect(source).not.toMatch(/from ['"]sandbox|import\(['"]sandbox/);
    }
  });
});
