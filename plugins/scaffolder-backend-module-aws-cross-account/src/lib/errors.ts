import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  awsErrorMessage,
  awsErrorName,
  classifyAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/** Which account a call was made in, and as whom, so an error can say what to fix. */
export interface AwsCallScope {
  accountId: string;
  /** `network` (Account-A), `workload` (Account-B) or `dns` (the hosted zone's account). */
  accountKind: 'network' | 'workload' | 'dns';
  /** The role Backstage assumed there, from `aws.accounts`; undefined when unknown. */
  roleName?: string;
  /** The IAM action of the failed call, e.g. `ec2:CreateSecurityGroup`. */
  action: string;
}

const RAM_ORGANIZATION = new Set([
  'OperationNotPermittedException',
  'InvalidStateTransitionException',
]);

function accountLabel(scope: Pick<AwsCallScope, 'accountId' | 'accountKind'>) {
  if (scope.accountKind === 'dns') return `DNS account ${scope.accountId}`;
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
  const name = awsErrorName(error) || 'Error';
  const message = awsErrorMessage(error);
  const where = accountLabel(scope);
  const kind = classifyAwsError(error);

  if (kind === 'assume-role-denied') {
    return new NotAllowedError(
      `Backstage could not assume ${roleLabel(scope, message)} in ${where}: ` +
        `the role's trust policy must allow the Backstage backend's own identity to call ` +
        `sts:AssumeRole. AWS said: ${message}`,
      error,
    );
  }
  if (kind === 'access-denied') {
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
  switch (kind) {
    case 'throttled':
      return new Error(
        `${scope.action} in ${where} is still throttled after adaptive retries; the API budget ` +
          `is shared with other callers in the account (including the Load Balancer ` +
          `Controller). Re-run the task later. AWS said: ${message}`,
        { cause: error },
      );
    case 'not-found':
      return new NotFoundError(
        `${scope.action} in ${where}: a resource it needs does not exist. AWS said: ${message}`,
        error,
      );
    case 'already-exists':
      return new ConflictError(
        `${scope.action} in ${where}: the resource already exists. AWS said: ${message}`,
        error,
      );
    case 'invalid-parameter':
      return new InputError(
        `${scope.action} in ${where} rejected a parameter. AWS said: ${message}`,
        error,
      );
    default:
      return new Error(
        `${scope.action} failed in ${where}: ${name}: ${message}`,
        { cause: error },
      );
  }
}
