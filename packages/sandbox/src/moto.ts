import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A running moto_server on a loopback port. */
export interface MotoServer {
  /** e.g. `http://127.0.0.1:45123`; give it to the SDK as `AWS_ENDPOINT_URL`. */
  endpoint: string;
  port: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

export const MOTO_INSTALL_HINT =
  'moto_server was not found on PATH. The sandbox AWS needs it: pip install "moto[server]" ' +
  '(Python 3.9+), then check that `moto_server --help` works.';

/** Finds the moto_server executable, or explains how to install it. */
export function findMotoServer(): string {
  const command = process.env.MOTO_SERVER_BIN ?? 'moto_server';
  const probe = spawnSync(command, ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new Error(MOTO_INSTALL_HINT);
  }
  return command;
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

async function waitUntilReady(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited early with code ${child.exitCode}`);
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
 * Starts moto_server on a free loopback port (or the given one) and resolves once it answers.
 * Output goes to the parent's stderr only when MOTO_VERBOSE is set, so test logs stay readable.
 */
export async function startMoto(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<MotoServer> {
  const command = findMotoServer();
  const port = options.port ?? (await freePort());
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: [
      'ignore',
      'ignore',
      process.env.MOTO_VERBOSE ? 'inherit' : 'ignore',
    ],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
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
    await waitUntilReady(endpoint, child, options.timeoutMs ?? 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, port, stop };
}
