/*
 * The production backend as a platform team deploys it (packages/backend/Dockerfile): the
 * bundle `backstage-cli package build` makes (dist/bundle.tar.gz: the built backend, the
 * built workspace plugins and the built app), unpacked into a folder of its own and started
 * with `node packages/backend --config app-config.yaml --config app-config.production.yaml`
 * under NODE_ENV=production, its settings from the environment variables that
 * app-config.production.yaml names.
 *
 * Two differences from the image, both said here: third-party packages come from this
 * repository's install (same yarn.lock; the folder's node_modules links to them) instead of
 * `yarn workspaces focus --production`, and a third config file adds what a test needs and
 * production leaves to the platform team: a free port, a database prefix and Redis namespace
 * of this run's own, the test's catalog file, and the guest sign-in (the backend's only
 * provider, refused outside development unless allowed).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SANDBOX_BASE_CREDENTIALS,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_NETWORK_ROLE_NAME,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SANDBOX_WORKLOAD_ROLE_NAME,
} from 'sandbox';
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
const BUNDLE = path.join(REPO_ROOT, 'packages/backend/dist/bundle.tar.gz');
const REDIS =
  process.env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING ??
  'redis://127.0.0.1:6379';

export interface BuiltBackendOptions {
  port: number;
  awsEndpoint: string;
  /** Entities (templates, clusters, groups) for the catalog's one file location. */
  entities: object[];
  /** The guest's identity: the user and the ownership references its token carries. */
  guest: { userEntityRef: string; ownershipEntityRefs: string[] };
}

export interface BuiltBackend {
  baseUrl: string;
  /** The unpacked bundle: paths under it must not reach a user either. */
  dir: string;
  /** Everything the process wrote (its JSON log lines). */
  output: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The signed-in guest's Backstage token. */
  userToken(): Promise<string>;
  /** A request as the signed-in guest; the raw status and body text. */
  request(
    method: string,
    urlPath: string,
    body?: string | object,
  ): Promise<{ status: number; text: string }>;
  /** Drops this run's databases and removes the unpacked bundle. */
  cleanUp(): Promise<void>;
}

/** Links every installed package except the workspace's own, which come from the bundle. */
function linkNodeModules(dir: string) {
  const installed = path.join(REPO_ROOT, 'node_modules');
  const target = path.join(dir, 'node_modules');
  fs.mkdirSync(target);
  const isWorkspaceLink = (p: string) => {
    if (!fs.lstatSync(p).isSymbolicLink()) return false;
    const real = fs.realpathSync(p);
    return ['packages', 'plugins'].some(d =>
      real.startsWith(path.join(REPO_ROOT, d) + path.sep),
    );
  };
  for (const name of fs.readdirSync(installed)) {
    if (name === '.bin' || name.startsWith('.')) continue;
    const source = path.join(installed, name);
    if (name.startsWith('@')) {
      const scoped = fs.readdirSync(source);
      if (scoped.every(s => !isWorkspaceLink(path.join(source, s)))) {
        fs.symlinkSync(source, path.join(target, name));
        continue;
      }
      fs.mkdirSync(path.join(target, name));
      for (const s of scoped) {
        if (!isWorkspaceLink(path.join(source, s))) {
          fs.symlinkSync(path.join(source, s), path.join(target, name, s));
        }
      }
    } else if (!isWorkspaceLink(source)) {
      fs.symlinkSync(source, path.join(target, name));
    }
  }
  // The bundle's packages, by their names.
  for (const group of ['packages', 'plugins']) {
    const groupDir = path.join(dir, group);
    if (!fs.existsSync(groupDir)) continue;
    for (const entry of fs.readdirSync(groupDir)) {
      const manifest = path.join(groupDir, entry, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      const link = path.join(target, name);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(groupDir, entry), link);
    }
  }
}

export function createBuiltBackend(options: BuiltBackendOptions): BuiltBackend {
  if (!fs.existsSync(BUNDLE)) {
    throw new Error(
      `${path.relative(
        REPO_ROOT,
        BUNDLE,
      )} is missing: build the production backend first (yarn workspace backend build; scripts/test.sh does it before this stage)`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'production-backend-'));
  const run = `prod_${process.pid}_${Date.now()}_`;
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let token: string | undefined;

  const prepare = () => {
    const tar = spawn('tar', ['xzf', BUNDLE, '-C', dir], { stdio: 'inherit' });
    return new Promise<void>((resolve, reject) =>
      tar.once('exit', code =>
        code === 0 ? resolve() : reject(new Error(`tar exited with ${code}`)),
      ),
    ).then(() => {
      linkNodeModules(dir);
      for (const file of ['app-config.yaml', 'app-config.production.yaml']) {
        fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
      }
      const catalogFile = path.join(dir, 'catalog.yaml');
      fs.writeFileSync(
        catalogFile,
        options.entities.map(e => stringify(e)).join('---\n'),
      );
      fs.writeFileSync(
        path.join(dir, 'app-config.test.yaml'),
        stringify({
          backend: {
            // A string, as app-config.production.yaml writes it (':7007').
            listen: `127.0.0.1:${options.port}`,
            database: { prefix: run },
            cache: {
              redis: { client: { namespace: `${run}${randomUUID()}` } },
            },
          },
          auth: {
            providers: {
              guest: {
                dangerouslyAllowOutsideDevelopment: true,
                ...options.guest,
              },
            },
          },
          catalog: {
            locations: [
              {
                type: 'file',
                target: catalogFile,
                rules: [
                  { allow: ['Template', 'Resource', 'Component', 'Group'] },
                ],
              },
            ],
          },
        }),
      );
    });
  };

  const backend: BuiltBackend = {
    baseUrl,
    dir,
    output,
    async start() {
      await prepare();
      child = spawn(
        process.execPath,
        [
          'packages/backend',
          '--config',
          'app-config.yaml',
          '--config',
          'app-config.production.yaml',
          '--config',
          'app-config.test.yaml',
        ],
        {
          cwd: dir,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            NODE_ENV: 'production',
            // What app-config.production.yaml reads from the environment.
            BACKSTAGE_BASE_URL: baseUrl,
            POSTGRES_HOST: PG.host,
            POSTGRES_PORT: String(PG.port),
            POSTGRES_USER: PG.user,
            POSTGRES_PASSWORD: '',
            REDIS_URL: REDIS,
            AWS_NETWORK_ACCOUNT_ID: SANDBOX_NETWORK_ACCOUNT_ID,
            AWS_NETWORK_ROLE_NAME: SANDBOX_NETWORK_ROLE_NAME,
            AWS_WORKLOAD_ACCOUNT_ID: SANDBOX_WORKLOAD_ACCOUNT_ID,
            AWS_WORKLOAD_ROLE_NAME: SANDBOX_WORKLOAD_ROLE_NAME,
            // The backend's own identity (the default credential chain) and the sandbox.
            AWS_ENDPOINT_URL: options.awsEndpoint,
            AWS_REGION: SANDBOX_REGION,
            ...SANDBOX_BASE_CREDENTIALS,
          },
        },
      );
      const proc = child;
      exited = new Promise(resolve => proc.once('exit', () => resolve()));
      proc.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
      proc.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
      await waitUntilReady(
        proc,
        baseUrl,
        output,
        'The production backend',
        () =>
          `: ${output
            .join('')
            .split('\n')
            .filter(line => /"level":"error"/.test(line))
            .join('\n')
            .slice(0, 6000)}`,
      );
    },
    async stop() {
      await stopProcess(child, exited);
    },
    async userToken() {
      token ??= await guestToken(baseUrl);
      return token;
    },
    async request(method, urlPath, body) {
      // A string is sent as it is (e.g. a body that is not JSON).
      const text =
        body === undefined || typeof body === 'string'
          ? body
          : JSON.stringify(body);
      const res = await fetch(`${baseUrl}${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${await backend.userToken()}`,
          ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: text,
      });
      return { status: res.status, text: await res.text() };
    },
    async cleanUp() {
      await dropDatabases(run);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return backend;
}
