/**
 * The sandbox portal's guest sign-in with two identities:
 * `backend.add(import('sandbox/sign-in'))` in place of the production guest provider.
 * Sandbox only.
 *
 * @packageDocumentation
 */
export {
  sandboxSignInModule as default,
  SANDBOX_IDENTITIES,
  SANDBOX_IDENTITY_COOKIE,
  SANDBOX_SIGN_IN_AS_PATH,
} from './auth/sandboxSignIn';
