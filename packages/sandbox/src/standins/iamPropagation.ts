/*
 * IAM is eventually consistent: a role (or OIDC provider) created a moment ago can still be
 * unknown to STS or to the service handed its ARN. AWS's answer is to retry; these are the
 * errors seen in that window, and a bounded retry for the few places where this project's
 * own steps use a role right after creating it:
 *
 * - the controller stand-in assumes (AssumeRoleWithWebIdentity) the role template 2 or the
 *   seeding has just created, with the OIDC provider made in the same run;
 * - the eksctl stand-in creates the cluster and the node group with the service and node
 *   roles it has just created.
 *
 * Nothing else retries on these errors: Backstage's own roles exist before any task, and a
 * refusal that outlives the window is a real refusal, rethrown unchanged.
 */

/** Waits between attempts: at most about 15 s in all, IAM's usual propagation time. */
export const IAM_PROPAGATION_DELAYS_MS: readonly number[] = [
  1000, 2000, 4000, 8000,
];

function errorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return String(e?.name ?? e?.Code ?? e?.code ?? '');
}

/**
 * Whether an error is one IAM propagation causes when a fresh role or provider is used:
 * STS `AccessDenied` on AssumeRole / AssumeRoleWithWebIdentity, STS `InvalidIdentityToken`
 * "No OpenIDConnect provider found" (the sandbox's STS answers it as `AccessDenied`), and a service's `InvalidParameterException` /
 * `InvalidParameterValue` saying the role cannot be assumed or does not exist (EKS:
 * "Role with arn: … could not be assumed because it does not exist or the trusted entity is
 * not correct").
 */
export function isIamPropagationError(error: unknown): boolean {
  const name = errorName(error);
  const message = String((error as Error)?.message ?? '');
  if (
    name === 'AccessDenied' ||
    name === 'AccessDeniedException' ||
    name === 'InvalidIdentityToken'
  ) {
    return /sts:AssumeRole(WithWebIdentity)?\b|No OpenIDConnect provider found/i.test(
      message,
    );
  }
  if (
    name === 'InvalidParameterException' ||
    name === 'InvalidParameterValue'
  ) {
    return (
      /role|instance ?profile/i.test(message) &&
      /(cannot|could not) be assumed|does not exist|trusted entity|invalid iam/i.test(
        message,
      )
    );
  }
  return false;
}

export interface IamPropagationRetryOptions {
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  /** Told each retry, e.g. to log it. */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/**
 * Runs `fn`, and again after each delay while it fails with an IAM propagation error
 * (see {@link isIamPropagationError}); any other error, or the last one, is rethrown as is.
 */
export async function retryWhileIamPropagates<T>(
  fn: () => Promise<T>,
  options: IamPropagationRetryOptions = {},
): Promise<T> {
  const delays = options.delaysMs ?? IAM_PROPAGATION_DELAYS_MS;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= delays.length || !isIamPropagationError(error)) {
        throw error;
      }
      options.onRetry?.(attempt + 1, delays[attempt], error);
      await sleep(delays[attempt]);
    }
  }
}
