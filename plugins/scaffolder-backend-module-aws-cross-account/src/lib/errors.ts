import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';

/** Which account a call was made in, and as whom, so an error can say what to fix. */
export interface AwsCallScope {
  accountId: string;
  /** `network` (Account-A) or `workload` (Account-B). */
  accountKind: 'network' | 'workload';
  /** The role Backstage assumed there, from `aws.accounts`; undefined when unknown. */
  roleName?: string;
  /** The IAM action of the failed call, e.g. `ec2:CreateSecurityGroup`. */
  action: string;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthFailure',
  'NotAuthorized',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
]);
const RAM_ORGANIZATION = new Set([
  'OperationNotPermittedException',
  'InvalidStateTransitionException',
]);

function errorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.name ?? e?.Code ?? e?.code ?? 'Error';
}

function errorMessage(error: unknown): string {
  const e = error as { message?: string };
  return typeof e?.message === 'string' ? e.message : String(error);
}

function accountLabel(scope: Pick<AwsCallScope, 'accountId' | 'accountKind'>) {
  return scope.accountKind === 'network'
    ? `network account ${scope.accountId} (Account-A)`
    : `workload account ${scope.accountId} (Account-B)`;
}

function roleLabel(scope: AwsCallScope, message: string): string {
  const fromMessage = /assumed-role\/([^/\s]+)\//.exec(message)?.[1];
  const role = scope.roleName ?? fromMessage;
  return role ? `role ${role}` : 'the role configured for it in aws.accounts';
}

/** Explains why RAM refuses to share with a principal, and what to do about it. */
export const RAM_ORGANIZATION_HINT =
  'Subnets can only be shared with accounts of the same AWS Organization, and sharing with ' +
  'the Organization must be enabled once from its management account ' +
  '(aws ram enable-sharing-with-aws-organization). Check that the workload account is a ' +
  'member of the same Organization as the network account.';

/**
 * Turns an AWS SDK error into one that says what to fix: the account, the role Backstage
 * assumed and the missing action for access errors, the Organization rule for RAM refusals.
 * The original error stays available as `cause`; credentials never appear in SDK messages.
 */
export function mapAwsError(error: unknown, scope: AwsCallScope): Error {
  const name = errorName(error);
  const message = errorMessage(error);
  const where = accountLabel(scope);

  if (message.includes('sts:AssumeRole')) {
    return new NotAllowedError(
      `Backstage could not assume ${roleLabel(scope, message)} in ${where}: ` +
        `the role's trust policy must allow the Backstage backend's own identity to call ` +
        `sts:AssumeRole. AWS said: ${message}`,
      error,
    );
  }
  if (ACCESS_DENIED.has(name)) {
    return new NotAllowedError(
      `${roleLabel(scope, message)} in ${where} is not allowed to call ${
        scope.action
      }. ` +
        `Add ${scope.action} to the policy of that role (the module ships least-privilege ` +
        `documents in src/policies/). AWS said: ${message}`,
      error,
    );
  }
  if (scope.action.startsWith('ram:') && RAM_ORGANIZATION.has(name)) {
    return new NotAllowedError(
      `RAM refused ${scope.action} in ${where}. ${RAM_ORGANIZATION_HINT} AWS said: ${message}`,
      error,
    );
  }
  if (THROTTLED.has(name)) {
    return new Error(
      `${scope.action} in ${where} is still throttled after adaptive retries; the API budget ` +
        `is shared with other callers in the account (including the Load Balancer ` +
        `Controller). Re-run the task later. AWS said: ${message}`,
      { cause: error },
    );
  }
  if (
    name === 'NoSuchEntity' ||
    name === 'NoSuchEntityException' ||
    name === 'ResourceNotFoundException' ||
    name.endsWith('.NotFound') ||
    name === 'UnknownResourceException'
  ) {
    return new NotFoundError(
      `${scope.action} in ${where}: a resource it needs does not exist. AWS said: ${message}`,
      error,
    );
  }
  if (
    name === 'EntityAlreadyExists' ||
    name === 'EntityAlreadyExistsException'
  ) {
    return new ConflictError(
      `${scope.action} in ${where}: the resource already exists. AWS said: ${message}`,
      error,
    );
  }
  if (
    name === 'InvalidParameterValue' ||
    name === 'InvalidParameterException' ||
    name === 'MalformedPolicyDocument' ||
    name === 'MalformedPolicyDocumentException' ||
    name === 'ValidationError' ||
    name === 'InvalidInput'
  ) {
    return new InputError(
      `${scope.action} in ${where} rejected a parameter. AWS said: ${message}`,
      error,
    );
  }
  return new Error(`${scope.action} failed in ${where}: ${name}: ${message}`, {
    cause: error,
  });
}

/** The SDK error's name, for branches that treat a specific failure as a normal outcome. */
export function awsErrorName(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  return errorName(cause ?? error);
}

const ALREADY_EXISTS = new Set([
  'EntityAlreadyExists',
  'EntityAlreadyExistsException',
  'InvalidGroup.Duplicate',
]);

/**
 * Whether AWS refused a create because the resource exists. That happens when the answer of
 * this very create was lost after it took effect (a 500 or a reset on the way back) and the
 * SDK retried it, or when another run made it between our look-up and our create. Either
 * way the action reads the resource and carries on as a re-run would, ownership checks
 * included, instead of failing the task.
 */
export function isAlreadyExists(error: unknown): boolean {
  return ALREADY_EXISTS.has(awsErrorName(error));
}
