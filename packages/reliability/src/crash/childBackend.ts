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
import { SANDBOX_REGION } from 'sandbox';
import { stringify } from 'yaml';

import {
  dropDatabases,
  guestToken,
  PG,
  REPO_ROOT,
  stopProcess,
  waitUntilReady,
} from '../backendProcess';

export { REPO_ROOT };
const BACKEND_DIR = path.join(REPO_ROOT, 'packages/backend');

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
      await waitUntilReady(proc, baseUrl, options.output, 'The backend');
    },
    kill() {
      child?.kill('SIGKILL');
    },
    async stop() {
      await stopProcess(child, exited);
    },
    async userToken() {
      token ??= await guestToken(baseUrl);
      return token;
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
      await dropDatabases(options.databasePrefix);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return backend;
}
