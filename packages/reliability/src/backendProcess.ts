/*
 * What the suites that run the backend as a process of its own share (crash/childBackend.ts:
 * from source, as `backstage-cli package start` runs it; production/builtBackend.ts: the
 * built bundle under NODE_ENV=production): waiting for readiness, stopping, the guest's token
 * and the run's PostgreSQL databases.
 */
import { ChildProcess } from 'node:child_process';
import path from 'node:path';
import knexFactory from 'knex';

export const REPO_ROOT = path.resolve(
  path.dirname(require.resolve('sandbox/package.json')),
  '../..',
);

/** The machine's PostgreSQL (trust auth), where each run has databases of its own prefix. */
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

/**
 * Waits (at most 120 s) until the backend at `baseUrl` answers its readiness check. Fails at
 * once when the process exits, with the end of its output; on timeout with `whyNotReady`.
 */
export async function waitUntilReady(
  proc: ChildProcess,
  baseUrl: string,
  output: string[],
  label: string,
  whyNotReady: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(
        `${label} exited with ${proc.exitCode}: ${output
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
  throw new Error(`${label} was not ready within 120 s${whyNotReady()}`);
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
export async function stopProcess(
  child: ChildProcess | undefined,
  exited: Promise<void>,
): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await exited;
}

/** The Backstage token of a guest signing in to the backend at `baseUrl`. */
export async function guestToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  if (!res.ok) {
    throw new Error(
      `Guest sign-in answered ${res.status}: ${await res.text()}`,
    );
  }
  return (await res.json()).backstageIdentity.token as string;
}

/** Drops every database whose name starts with `prefix` (the run's own). */
export async function dropDatabases(prefix: string): Promise<void> {
  const knex = knexFactory({
    client: 'pg',
    connection: { ...PG, database: 'postgres' },
  });
  try {
    const { rows } = await knex.raw(
      'SELECT datname FROM pg_database WHERE starts_with(datname, ?)',
      [prefix],
    );
    for (const { datname } of rows as Array<{ datname: string }>) {
      await knex.raw(`DROP DATABASE "${datname}" WITH (FORCE)`);
    }
  } finally {
    await knex.destroy();
  }
}
