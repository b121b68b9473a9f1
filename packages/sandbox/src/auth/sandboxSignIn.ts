import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';
import { Request } from 'express';
import Router from 'express-promise-router';
import { sandboxEnabled } from '../module';

/**
 * The sandbox's sign-in identities (examples/org.yaml): a platform engineer, who may run
 * every template, and an application developer, who runs the application template for the
 * clusters app-team owns. The ownership refs are used when the catalog has no such user.
 */
export const SANDBOX_IDENTITIES = {
  'platform-engineer': ['group:default/platform-team'],
  'app-developer': ['group:default/app-team'],
} as const;
export type SandboxIdentity = keyof typeof SANDBOX_IDENTITIES;
export const DEFAULT_SANDBOX_IDENTITY: SandboxIdentity = 'platform-engineer';

/** The cookie the identity picker sets and the guest sign-in reads. */
export const SANDBOX_IDENTITY_COOKIE = 'sandbox-identity';
/** Under the auth plugin: `GET /api/auth/sandbox/sign-in-as/<identity>`. */
export const SANDBOX_SIGN_IN_AS_PATH = '/sandbox/sign-in-as';

const isIdentity = (name: unknown): name is SandboxIdentity =>
  typeof name === 'string' &&
  Object.prototype.hasOwnProperty.call(SANDBOX_IDENTITIES, name);

function identityOf(req: Request): SandboxIdentity {
  const cookies = String(req.headers.cookie ?? '')
    .split(';')
    .map(c => c.trim().split('='));
  const value = cookies.find(([k]) => k === SANDBOX_IDENTITY_COOKIE)?.[1];
  return isIdentity(value) ? value : DEFAULT_SANDBOX_IDENTITY;
}

const sandboxGuestAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async (result: { identity: SandboxIdentity }) => ({
    profile: { displayName: result.identity },
  }),
  initialize: () => undefined,
  async authenticate({ req }) {
    return { result: { identity: identityOf(req) } };
  },
});

/**
 * The sandbox portal's guest sign-in, in place of the production backend's guest provider:
 * the same "Enter" button, signing in as the identity last picked at
 * `/api/auth/sandbox/sign-in-as/<platform-engineer|app-developer>` (a cookie; the platform
 * engineer by default). Sandbox only: never add it to a production backend.
 */
export const sandboxSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'sandbox-guest-provider',
  register({ registerInit }) {
    registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
      },
      async init({ providers, config, httpRouter }) {
        if (!sandboxEnabled(config)) return;
        providers.registerProvider({
          providerId: 'guest',
          factory: createProxyAuthProviderFactory({
            authenticator: sandboxGuestAuthenticator,
            async signInResolver({ result }, ctx) {
              const userEntityRef = `user:default/${result.identity}`;
              try {
                return await ctx.signInWithCatalogUser({
                  entityRef: userEntityRef,
                });
              } catch {
                return ctx.issueToken({
                  claims: {
                    sub: userEntityRef,
                    ent: [
                      userEntityRef,
                      ...SANDBOX_IDENTITIES[result.identity],
                    ],
                  },
                });
              }
            },
          }),
        });

        const appUrl = config.getString('app.baseUrl');
        const router = Router();
        router.get(`${SANDBOX_SIGN_IN_AS_PATH}/:identity`, (req, res) => {
          const { identity } = req.params;
          if (!isIdentity(identity)) {
            res.status(400).json({
              error: {
                name: 'InputError',
                message: `identity: "${identity}" is not a sandbox identity; use one of ${Object.keys(
                  SANDBOX_IDENTITIES,
                ).join(', ')}`,
              },
            });
            return;
          }
          res.cookie(SANDBOX_IDENTITY_COOKIE, identity, {
            httpOnly: true,
            sameSite: 'lax',
            path: '/',
          });
          res.redirect(appUrl);
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({
          path: SANDBOX_SIGN_IN_AS_PATH,
          allow: 'unauthenticated',
        });
      },
    });
  },
});
