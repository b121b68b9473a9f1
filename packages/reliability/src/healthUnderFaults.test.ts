/*
 * The health endpoint while AWS is flaky or down: it answers fresh data, stale data marked
 * `stale: true`, or a 503 with Retry-After; never a raw AWS error, never an unhandled rejection.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createControllerAlb,
  healthPath,
  startHealthBackend,
  taggedAlbEntity,
} from './__testUtils__/health';
import {
  FLAKY_AWS,
  FlakySandbox,
  startFlakySandbox,
} from './__testUtils__/sandbox';

jest.setTimeout(120_000);

const asUser = mockCredentials.user.header('user:default/alice');
let sandbox: FlakySandbox;
let backend: Awaited<ReturnType<typeof startHealthBackend>>;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

const entities = [
  taggedAlbEntity('game', 'health', 'game/ingress'),
  taggedAlbEntity('shop', 'health', 'shop/ingress'),
  taggedAlbEntity('never-read', 'health', 'never/ingress'),
];

/** What a viewer may get. Anything else fails the test with the offending answer. */
function classify(res: request.Response): 'fresh' | 'stale' | 'retry-later' {
  // What the viewer reads: the data, or the error's name and message.
  const shown = JSON.stringify(
    res.status === 200
      ? res.body
      : [res.body.error?.name, res.body.error?.message],
  );
  expect(shown).not.toMatch(
    /<ErrorResponse|<Response>|<Errors>|fault-proxy-|\$metadata/,
  );
  if (res.status === 200) {
    expect(typeof res.body.stale).toBe('boolean');
    expect(res.body.loadBalancers.length).toBeGreaterThan(0);
    if (res.body.stale) {
      expect(typeof res.body.staleReason).toBe('string');
      return 'stale';
    }
    return 'fresh';
  }
  expect({ status: res.status, body: res.body }).toMatchObject({
    status: 503,
    body: { error: { name: 'ServiceUnavailableError' } },
  });
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  return 'retry-later';
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  sandbox = await startFlakySandbox('health');
  await createControllerAlb(sandbox.network, {
    name: 'k8s-game-ingress-0a1b2c',
    cluster: 'health',
    stack: 'game/ingress',
  });
  await createControllerAlb(sandbox.network, {
    name: 'k8s-shop-ingress-3d4e5f',
    cluster: 'health',
    stack: 'shop/ingress',
  });
  backend = await startHealthBackend(entities, {
    // Every view reads AWS again, so each one meets the faults.
    cache: { ttlSeconds: 0.001, staleTtlSeconds: 600 },
    rateLimit: { callsPerSecond: 100, burst: 100 },
    // The single-read path under faults: with the sweep, views of an entity with an answer
    // are served from the cache and never meet AWS.
    sweep: { enabled: false },
  });
});
afterAll(async () => {
  await backend?.stop();
  await sandbox?.stop();
  process.off('unhandledRejection', onUnhandled);
});
afterEach(() => sandbox.proxy.setRules([]));

describe('the health endpoint against a flaky AWS', () => {
  it('answers fresh, stale or 503 with Retry-After under 20% throttling and 5% HTTP 500s', async () => {
    const { proxy } = sandbox;
    // One good read each, so there is something to fall back on.
    for (const name of ['game', 'shop']) {
      const res = await request(backend.server)
        .get(healthPath(name))
        .set('Authorization', asUser);
      expect(classify(res)).toBe('fresh');
    }
    proxy.resetCounts();
    proxy.setRules(FLAKY_AWS);
    const outcomes: Record<string, number> = {};
    const server = backend.server;
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        ['game', 'shop', 'game'].map(name =>
          request(server).get(healthPath(name)).set('Authorization', asUser),
        ),
      );
      for (const res of answers) {
        const outcome = classify(res);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      await new Promise(r => setTimeout(r, 20));
    }
    const { total } = proxy.faults();
    // eslint-disable-next-line no-console
    console.log(
      `health under faults: ${JSON.stringify(
        outcomes,
      )}, faults ${JSON.stringify(total)}, calls ${JSON.stringify(
        proxy.counts(),
      )}`,
    );
    expect(total.throttle + total.serverError).toBeGreaterThan(0);
    expect(outcomes.fresh).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  });

  it('serves the last good answer marked stale while AWS throttles every call', async () => {
    sandbox.proxy.setRules([{ match: '*', throttle: 1 }]);
    const res = await request(backend.server)
      .get(healthPath('game'))
      .set('Authorization', asUser);
    expect(classify(res)).toBe('stale');
    expect(res.body.staleReason).toMatch(/throttled/i);
    expect(unhandled).toEqual([]);
  });

  it('serves the last good answer marked stale while AWS answers HTTP 500 or resets', async () => {
    for (const rule of [
      { match: '*', serverError: 1 },
      { match: '*', reset: 1 },
    ]) {
      sandbox.proxy.setRules([rule]);
      const res = await request(backend.server)
        .get(healthPath('shop'))
        .set('Authorization', asUser);
      expect(classify(res)).toBe('stale');
    }
    expect(unhandled).toEqual([]);
  });

  it('answers 503 with Retry-After when AWS throttles and nothing is cached', async () => {
    sandbox.proxy.setRules([{ match: '*', throttle: 1 }]);
    const res = await request(backend.server)
      .get(healthPath('never-read'))
      .set('Authorization', asUser);
    expect(classify(res)).toBe('retry-later');
    expect(res.body.error.message).toContain('111111111111');
    expect(unhandled).toEqual([]);
  });
});
