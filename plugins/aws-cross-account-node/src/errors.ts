/**
 * One vocabulary for AWS SDK errors, whatever the service and protocol: EC2 answers
 * `UnauthorizedOperation`, query services `AccessDenied`, JSON services
 * `AccessDeniedException`, and so on. Callers decide what to say; this says what happened.
 */

/**
 * Refusals of the caller's identity.
 *
 * @public
 */
export const ACCESS_DENIED_ERROR_NAMES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthFailure',
  'AuthorizationError',
  'NotAuthorized',
]);

/**
 * The API rate of the account is spent.
 *
 * @public
 */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/**
 * The resource named does not exist (besides EC2's `<Kind>.NotFound` codes).
 *
 * @public
 */
export const NOT_FOUND_ERROR_NAMES: ReadonlySet<string> = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'UnknownResourceException',
  'LoadBalancerNotFound',
  'LoadBalancerNotFoundException',
]);

/**
 * A create found the resource already there.
 *
 * @public
 */
export const ALREADY_EXISTS_ERROR_NAMES: ReadonlySet<string> = new Set([
  'EntityAlreadyExists',
  'EntityAlreadyExistsException',
  'InvalidGroup.Duplicate',
]);

/**
 * The request itself is wrong.
 *
 * @public
 */
export const INVALID_PARAMETER_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InvalidParameterValue',
  'InvalidParameterException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'ValidationError',
  'InvalidInput',
]);

const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'TimeoutError',
  'RequestTimeout',
]);

/**
 * What went wrong, in one word:
 * - `assume-role-denied`: the caller could not assume the account's role (trust policy);
 * - `access-denied`: the role lacks a permission;
 * - `throttled`: still throttled after the SDK's retries;
 * - `not-found`, `already-exists`, `invalid-parameter`: about the request;
 * - `transient`: AWS's own failure (5xx) or a dropped connection;
 * - `other`: anything else.
 *
 * @public
 */
export type AwsErrorKind =
  | 'assume-role-denied'
  | 'access-denied'
  | 'throttled'
  | 'not-found'
  | 'already-exists'
  | 'invalid-parameter'
  | 'transient'
  | 'other';

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * The error's name (`name`, else the wire `Code`/`code`); empty when it has none.
 *
 * @public
 */
export function awsErrorName(error: unknown): string {
  const e = error as SdkErrorShape | undefined;
  return e?.name ?? e?.Code ?? e?.code ?? '';
}

/** @public */
export function awsErrorMessage(error: unknown): string {
  const e = error as SdkErrorShape | undefined;
  return typeof e?.message === 'string' ? e.message : String(error);
}

/**
 * The SDK error behind one that wraps it as `cause`, or the error itself.
 *
 * @public
 */
export function sdkErrorOf(error: unknown): unknown {
  return (error as { cause?: unknown } | undefined)?.cause ?? error;
}

/** @public */
export function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED_ERROR_NAMES.has(awsErrorName(error));
}

/**
 * Failing to assume a role surfaces inside whichever call needed credentials first, as a
 * denial that names `sts:AssumeRole`, or as the credential provider's own error.
 *
 * @public
 */
export function isAssumeRoleDenied(error: unknown): boolean {
  const name = awsErrorName(error);
  const message = awsErrorMessage(error);
  const aboutAssumeRole =
    message.includes('sts:AssumeRole') || name === 'CredentialsProviderError';
  return (
    aboutAssumeRole &&
    (ACCESS_DENIED_ERROR_NAMES.has(name) ||
      /not authorized|denied/i.test(message))
  );
}

/** @public */
export function isThrottling(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return (
    THROTTLING_ERROR_NAMES.has(awsErrorName(error)) ||
    Boolean(e?.$retryable?.throttling)
  );
}

/** @public */
export function isNotFound(error: unknown): boolean {
  const name = awsErrorName(error);
  return NOT_FOUND_ERROR_NAMES.has(name) || name.endsWith('.NotFound');
}

/** @public */
export function isAlreadyExists(error: unknown): boolean {
  return ALREADY_EXISTS_ERROR_NAMES.has(awsErrorName(error));
}

/** @public */
export function isInvalidParameter(error: unknown): boolean {
  return INVALID_PARAMETER_ERROR_NAMES.has(awsErrorName(error));
}

/**
 * A server-side AWS fault or a network failure, as opposed to a problem with the request.
 *
 * @public
 */
export function isTransientAwsFailure(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.$fault === 'server' ||
    status >= 500 ||
    TRANSIENT_NETWORK_CODES.has(e.code ?? '') ||
    TRANSIENT_NETWORK_CODES.has(e.name ?? '')
  );
}

/**
 * Sorts an SDK error into an {@link AwsErrorKind}; the first that fits wins.
 *
 * @public
 */
export function classifyAwsError(error: unknown): AwsErrorKind {
  if (isAssumeRoleDenied(error)) return 'assume-role-denied';
  if (isAccessDenied(error)) return 'access-denied';
  if (isThrottling(error)) return 'throttled';
  if (isNotFound(error)) return 'not-found';
  if (isAlreadyExists(error)) return 'already-exists';
  if (isInvalidParameter(error)) return 'invalid-parameter';
  if (isTransientAwsFailure(error)) return 'transient';
  return 'other';
}

/**
 * Resolves to undefined when the call fails with one of the given error names (e.g.
 * `InvalidVpcID.NotFound` for a look-up where absence is a normal answer); any other
 * failure is thrown.
 *
 * @public
 */
export async function unlessAwsError<T>(
  names: readonly string[],
  promise: Promise<T>,
): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (names.includes(awsErrorName(error))) return undefined;
    throw error;
  }
}
