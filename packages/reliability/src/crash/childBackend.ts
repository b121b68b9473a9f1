/*
 * The real backend (packages/backend/src/index.ts) as a child process, as
 * `backstage-cli package start` runs it, with the repository's app-config.yaml layered under
 * a test config: PostgreSQL with a database prefix of its own, scaffolder task recovery, a
 * file location for the test templates, and the SDK pointed at the sandbox.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { SANDBOX_REGION } from 'sandbox';
import { stringify } from 'yaml';

export const REPO_ROOT = path.resolve(
  path.dirname(require.resolve('sandbox/package.json')),
  '../..',
);
const BACKEND_DIR = path.join(REPO_ROOT, 'packages/backend');
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

export interface ChildBackendOptions {
  port: number;
  /** Unique per run: every plugin database is `<prefix><pluginId>`. */
  databasePrefix: string;
  awsEndpoint: string;
  /** Template entities the catalog reads from a file location. */
  templates: object[];
  /** Other entities (Components) for the same file location. */
  entities?: object[];
  /** Everything the process writes, for the secrets check. */
  output: string[];
  /**
   * Where the config and catalog files go; replicas of one backend share it, so their
   * catalogs read the same location. A new temporary folder when absent.
   */
  workDir?: string;
  /** Deep-merged over the test config (e.g. a Redis cache for replicas). */
  config?: Record<string, unknown>;
}

export interface ChildBackend {
  baseUrl: string;
  /** Starts a process (again) and resolves when it is ready. */
  start(): Promise<void>;
  kill(): void;
  stop(): Promise<void>;
  /** The guest user's token (signing keys live in the database: they survive restarts). */
  userToken(): Promise<string>;
  api(method: string, urlPath: string, body?: unknown): Promise<any>;
  dropDatabases(): Promise<void>;
  restarts: number;
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      prev &&
      value &&
      typeof prev === 'object' &&
      typeof value === 'object' &&
      !Array.isArray(prev) &&
      !Array.isArray(value)
        ? deepMerge(
            prev as Record<string, unknown>,
            value as Record<string, unknown>,
          )
        : value;
  }
  return out;
}

export function createChildBackend(options: ChildBackendOptions): ChildBackend {
  const dir =
    options.workDir ??
    fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-backend-'));
  fs.mkdirSync(dir, { recursive: true });
  const templatesFile = path.join(dir, 'templates.yaml');
  fs.writeFileSync(
    templatesFile,
    [...options.templates, ...(options.entities ?? [])]
      .map(t => stringify(t))
      .join('---\n'),
  );
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const configFile = path.join(dir, `app-config.${options.port}.yaml`);
  fs.writeFileSync(
    configFile,
    stringify(
      deepMerge(
        {
          backend: {
            baseUrl,
            listen: { port: options.port, host: '127.0.0.1' },
            database: {
              client: 'pg',
              connection: PG,
              prefix: options.databasePrefix,
            },
          },
          scaffolder: {
            taskRecovery: {
              enabled: true,
              workspaceProvider: 'database',
              staleTimeout: { seconds: 5 },
            },
          },
          catalog: {
            locations: [
              {
                type: 'file',
                target: templatesFile,
                rules: [{ allow: ['Template', 'Component'] }],
              },
            ],
          },
        },
        options.config ?? {},
      ),
    ),
  );

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let token: string | undefined;

  const backend: ChildBackend = {
    baseUrl,
    restarts: -1,
    async start() {
      backend.restarts++;
      child = spawn(
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
          cwd: BACKEND_DIR,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            NODE_ENV: 'development',
            ESBK_TSCONFIG_PATH: path.join(REPO_ROOT, 'tsconfig.json'),
            AWS_ENDPOINT_URL: options.awsEndpoint,
            AWS_REGION: SANDBOX_REGION,
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_PROFILE: '',
          },
        },
      );
      const proc = child;
      exited = new Promise(resolve => proc.once('exit', () => resolve()));
      proc.stdout!.on('data', (c: Buffer) => options.output.push(c.toString()));
      proc.stderr!.on('data', (c: Buffer) => options.output.push(c.toString()));
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) {
          throw new Error(
            `The backend exited with ${proc.exitCode}: ${options.output
              .join('')
              .slice(-3000)}`,
          );
        }
        try {
          const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise(r => setTimeout(r, 250));
      }
      throw new Error('The backend did not become ready within 120 s');
    },
    kill() {
      child?.kill('SIGKILL');
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
    async userToken() {
      if (!token) {
        const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
          method: 'POST',
        });
        token = (await res.json()).backstageIdentity.token;
      }
      return token!;
    },
    async api(method, urlPath, body) {
      const res = await fetch(`${baseUrl}${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${await backend.userToken()}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) {
        throw new Error(`${method} ${urlPath}: HTTP ${res.status} ${text}`);
      }
      return text ? JSON.parse(text) : undefined;
    },
    async dropDatabases() {
      const knex = knexFactory({
        client: 'pg',
        connection: { ...PG, database: 'postgres' },
      });
      try {
        const { rows } = await knex.raw(
          'SELECT datname FROM pg_database WHERE starts_with(datname, ?)',
          [options.databasePrefix],
        );
        for (const { datname } of rows as Array<{ datname: string }>) {
          await knex.raw(`DROP DATABASE "${datname}" WITH (FORCE)`);
        }
      } finally {
        await knex.destroy();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return backend;
}
