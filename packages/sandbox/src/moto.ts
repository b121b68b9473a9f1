import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  SANDBOX_DNS_ACCOUNT_ID,
  SANDBOX_DNS_ROLE_NAME,
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_NETWORK_ROLE_NAME,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_IDS,
  SANDBOX_WORKLOAD_ROLE_NAME,
} from './accounts';
import { IamGateway, startIamGateway } from './iam/iamGateway';
import {
  SandboxPrincipalsOptions,
  ensureSandboxPrincipals,
} from './iam/sandboxPrincipals';

/** A running moto_server on a loopback port. */
export interface MotoServer {
  /**
   * e.g. `http://127.0.0.1:45123`; give it to the SDK as `AWS_ENDPOINT_URL`. With IAM
   * enforcement (the default) this is the IAM gateway in front of moto.
   */
  endpoint: string;
  /** moto's own endpoint, behind the gateway: only for the gateway and moto's /moto-api. */
  motoEndpoint: string;
  /** moto's port. */
  port: number;
  /** The IAM gateway, unless enforcement was switched off. */
  iam?: IamGateway;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * The moto the sandbox runs on, pinned with its server extras (sandbox_moto.py patches moto
 * internals written against that version). scripts/moto-env.sh installs it into
 * .tools/moto-venv when the machine's python3 has another version or none.
 */
export const SANDBOX_MOTO_REQUIREMENTS = resolvePackagePath(
  'sandbox',
  'moto',
  'requirements.txt',
);

/** The project's virtual environment for moto (git-ignored), made by scripts/moto-env.sh. */
export const SANDBOX_MOTO_VENV = resolvePackagePath(
  'sandbox',
  '..',
  '..',
  '.tools',
  'moto-venv',
);

/** The moto version pinned in SANDBOX_MOTO_REQUIREMENTS. */
export function pinnedMotoVersion(): string {
  const text = fs.readFileSync(SANDBOX_MOTO_REQUIREMENTS, 'utf8');
  const match = /^moto\[server\]==([0-9A-Za-z.]+)\s*$/m.exec(text);
  if (!match) {
    throw new Error(
      `${SANDBOX_MOTO_REQUIREMENTS} has no line moto[server]==<version>`,
    );
  }
  return match[1];
}

export const MOTO_INSTALL_HINT =
  'moto_server was not found: the sandbox AWS needs moto with its server extras, at the ' +
  'version pinned in packages/sandbox/moto/requirements.txt, under python3, the project ' +
  'venv .tools/moto-venv or the Python in MOTO_PYTHON. Run `bash scripts/moto-env.sh` (what ' +
  './scripts/start.sh and ./scripts/test.sh run first): it builds .tools/moto-venv with pip. ' +
  'Or install it for python3 yourself (pip install "moto[server]" at that version: ' +
  '`python3 -m pip install -r packages/sandbox/moto/requirements.txt`).';

/**
 * The sandbox's launcher: moto's server plus the patches that make a RAM-shared VPC and EKS
 * behave like AWS (see moto/sandbox_moto.py), resolved from the package root.
 */
export const SANDBOX_MOTO_LAUNCHER = resolvePackagePath(
  'sandbox',
  'moto',
  'sandbox_moto.py',
);

/**
 * Finds a moto_server executable: MOTO_SERVER_BIN, else the project venv's, else the one on
 * PATH; or explains how to install it. startMoto does not run it (it runs the patched launcher
 * through findMotoPython's Python); kept for callers that want plain moto.
 */
export function findMotoServer(): string {
  const venvServer = path.join(SANDBOX_MOTO_VENV, 'bin', 'moto_server');
  const command =
    process.env.MOTO_SERVER_BIN ??
    (fs.existsSync(venvServer) ? venvServer : 'moto_server');
  const probe = spawnSync(command, ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(MOTO_INSTALL_HINT);
  }
  return command;
}

/** The moto version whose server a Python can import, or undefined. */
function motoVersionOf(python: string): string | undefined {
  const probe = spawnSync(
    python,
    ['-c', 'import moto, moto.server; print(moto.__version__)'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  if (probe.error || probe.status !== 0) return undefined;
  return probe.stdout.trim();
}

let resolvedPython: { key: string; python: string } | undefined;

/**
 * Finds the Python to run moto's server with: MOTO_PYTHON when set (scripts/env.sh sets it to
 * what scripts/moto-env.sh chose; the launcher itself refuses another moto version), else the
 * project venv .tools/moto-venv, else python3 on PATH, each only when its moto is the pinned
 * version. Throws MOTO_INSTALL_HINT (with what was found) when there is none.
 */
export function findMotoPython(): string {
  const key = process.env.MOTO_PYTHON ?? '';
  if (resolvedPython?.key === key) return resolvedPython.python;
  let python: string | undefined;
  let found: string;
  if (process.env.MOTO_PYTHON) {
    python = process.env.MOTO_PYTHON;
    const version = motoVersionOf(python);
    found = `MOTO_PYTHON=${python} has ${
      version ? `moto ${version}` : 'no moto'
    }`;
    if (!version) python = undefined;
  } else {
    const pin = pinnedMotoVersion();
    const candidates = [
      path.join(SANDBOX_MOTO_VENV, 'bin', 'python'),
      'python3',
    ];
    const seen: string[] = [];
    for (const candidate of candidates) {
      if (candidate !== 'python3' && !fs.existsSync(candidate)) continue;
      const version = motoVersionOf(candidate);
      if (version === pin) {
        python = candidate;
        break;
      }
      seen.push(`${candidate} has ${version ? `moto ${version}` : 'no moto'}`);
    }
    found = `${seen.join(', ')}; moto ${pin} is needed`;
  }
  if (!python) throw new Error(`${MOTO_INSTALL_HINT} (${found})`);
  resolvedPython = { key, python };
  return python;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails if something already listens on the port (it would answer the readiness probe). */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `Cannot start moto_server: port ${port} is already in use`
            : `Cannot start moto_server on port ${port}: ${e.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

async function waitUntilReady(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  stderrTail: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `moto_server exited early with code ${child.exitCode}: ${stderrTail()}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (e) {
      lastError = e;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(
    `moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${String(
      lastError,
    )}`,
  );
}

/**
 * Whether the sandbox authorizes calls as IAM would: on unless SANDBOX_IAM=off, which CI
 * refuses (the tests must run against an AWS as strict as the real one).
 */
export function iamEnforcementEnabled(): boolean {
  if (process.env.SANDBOX_IAM !== 'off') return true;
  if (process.env.CI) {
    throw new Error(
      'SANDBOX_IAM=off is for debugging on a workstation; CI runs with IAM enforcement on.',
    );
  }
  return false;
}

export interface StartMotoOptions {
  port?: number;
  timeoutMs?: number;
  /**
   * IAM enforcement (default on, see iamEnforcementEnabled). The principals are created in
   * these accounts (default: the two sandbox accounts).
   */
  iam?: false | Partial<Omit<SandboxPrincipalsOptions, 'endpoint' | 'region'>>;
}

/**
 * Starts the sandbox AWS: moto (plus the shared-VPC/EKS patches of moto/sandbox_moto.py) on a
 * free loopback port (or the given one), the IAM gateway in front of it unless enforcement is
 * off, and the sandbox principals; resolves once it answers. moto's output goes to the
 * parent's stderr only when MOTO_VERBOSE is set, so test logs stay readable.
 */
export async function startMoto(
  options: StartMotoOptions = {},
): Promise<MotoServer> {
  const moto = await startPlainMoto(options);
  const enforced = options.iam !== false && iamEnforcementEnabled();
  const gateway = enforced
    ? await startIamGateway({ target: moto.endpoint })
    : undefined;
  const stop = async () => {
    await gateway?.stop();
    await moto.stop();
  };
  try {
    // The same principals with or without enforcement: the accounts look the same.
    await ensureSandboxPrincipals({
      endpoint: gateway?.endpoint ?? moto.endpoint,
      region: SANDBOX_REGION,
      networkAccountIds: [SANDBOX_NETWORK_ACCOUNT_ID],
      workloadAccountIds: SANDBOX_WORKLOAD_ACCOUNT_IDS,
      networkRoleName: SANDBOX_NETWORK_ROLE_NAME,
      workloadRoleName: SANDBOX_WORKLOAD_ROLE_NAME,
      dnsAccountIds: [SANDBOX_DNS_ACCOUNT_ID],
      dnsRoleName: SANDBOX_DNS_ROLE_NAME,
      ...(options.iam || {}),
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint: gateway?.endpoint ?? moto.endpoint,
    motoEndpoint: moto.endpoint,
    port: moto.port,
    ...(gateway ? { iam: gateway } : {}),
    stop,
  };
}

async function startPlainMoto(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<{ endpoint: string; port: number; stop(): Promise<void> }> {
  const python = findMotoPython();
  const port = options.port ?? (await freePort());
  if (options.port !== undefined) await assertPortFree(port);
  const child = spawn(
    python,
    [SANDBOX_MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
    },
  );
  // Always drained (the server logs every request there), kept short for error messages.
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (process.env.MOTO_VERBOSE) process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilReady(
      endpoint,
      child,
      options.timeoutMs ?? 30_000,
      () => tail,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, port, stop };
}
