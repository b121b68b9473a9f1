import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import { sandboxSignInModule } from './sandboxSignIn';

const user = (name: string, group: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: { memberOf: [group] },
  relations: [{ type: 'memberOf', targetRef: `group:default/${group}` }],
});

/** Who the sign-in says the user is (the token's ownership is read back the same way). */
const identity = (res: { body: any }) => res.body.backstageIdentity.identity;

describe('the sandbox guest sign-in', () => {
  let server: any;

  beforeAll(async () => {
    ({ server } = await startTestBackend({
      features: [
        authPlugin,
        sandboxSignInModule,
        catalogServiceMock.factory({
          entities: [
            user('platform-engineer', 'platform-team'),
            user('app-developer', 'app-team'),
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            backend: { baseUrl: 'http://localhost:7007' },
            sandbox: { enabled: true },
            auth: { session: { secret: 'test' }, providers: { guest: {} } },
          },
        }),
      ],
    }));
  });

  const signIn = (cookie?: string) => {
    const req = request(server)
      .get('/api/auth/guest/refresh')
      .set('X-Requested-With', 'XMLHttpRequest');
    return cookie ? req.set('Cookie', cookie) : req;
  };

  it('signs in as the platform engineer by default', async () => {
    const res = await signIn();
    expect(res.status).toBe(200);
    expect(identity(res)).toMatchObject({
      userEntityRef: 'user:default/platform-engineer',
      ownershipEntityRefs: expect.arrayContaining([
        'group:default/platform-team',
      ]),
    });
  });

  it('signs in as the application developer once picked', async () => {
    const picked = await request(server).get(
      '/api/auth/sandbox/sign-in-as/app-developer',
    );
    expect(picked.status).toBe(302);
    expect(picked.headers.location).toBe('http://localhost:3000');
    const cookie = String(picked.headers['set-cookie']).split(';')[0];
    expect(cookie).toBe('sandbox-identity=app-developer');

    const res = await signIn(cookie);
    expect(res.status).toBe(200);
    const who = identity(res);
    expect(who.userEntityRef).toBe('user:default/app-developer');
    expect(who.ownershipEntityRefs).toContain('group:default/app-team');
    expect(who.ownershipEntityRefs).not.toContain(
      'group:default/platform-team',
    );
  });

  it('refuses an identity the sandbox does not have, naming it', async () => {
    const res = await request(server).get('/api/auth/sandbox/sign-in-as/root');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'identity: "root" is not a sandbox identity; use one of platform-engineer, app-developer',
    );
  });
});
