/*
 * The permission backend refuses a user's own token for resource permissions without a
 * resourceRef: it wants plugin-to-plugin requests made on the user's behalf, whose
 * credentials name the calling plugin as `actor`, as a real backend's tokens do. The test
 * backend's mock tokens for such requests lose the actor; this httpAuth gives it back for the
 * permission plugin only, so the real permission backend and policy decide in the tests.
 */
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';

const SERVICE_TOKEN_PREFIX = 'mock-service-token:';

export const permissionHttpAuthFactory = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    if (plugin.getId() !== 'permission') return inner;
    return {
      issueUserCookie: inner.issueUserCookie.bind(inner),
      async credentials(req: any, options?: any) {
        const header: string = req.headers?.authorization ?? '';
        const token = header.replace(/^Bearer /, '');
        if (token.startsWith(SERVICE_TOKEN_PREFIX)) {
          const { obo, target } = JSON.parse(
            token.slice(SERVICE_TOKEN_PREFIX.length),
          );
          if (obo && target === 'permission') {
            if (options?.allow && !options.allow.includes('user')) {
              throw new NotAllowedError('user credentials are not allowed');
            }
            return mockCredentials.user(obo, {
              actor: { subject: 'plugin-on-behalf-of-user' },
            });
          }
        }
        return inner.credentials(req, options);
      },
    } as typeof inner;
  },
});
