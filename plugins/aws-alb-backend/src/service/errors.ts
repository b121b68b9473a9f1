import {
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  awsErrorMessage,
  awsErrorName,
  classifyAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { LimiterSaturatedError } from './TokenBucketLimiter';

/**
 * 503 for AWS throttling (or the portal's own limiter) when nothing is cached. The router
 * turns `retryAfterSeconds` into a `Retry-After` header. Keeps the name
 * `ServiceUnavailableError`, so Backstage's error handler answers 503.
 */
export class AwsThrottledError extends ServiceUnavailableError {
  readonly retryAfterSeconds: number;
  /** True when the portal's own budget refused the read (not AWS throttling). */
  readonly ownBudget: boolean;
  constructor(
    message: string,
    retryAfterSeconds: number,
    cause?: unknown,
    ownBudget = false,
  ) {
    super(message, cause);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
    this.ownBudget = ownBudget;
  }
}

/** An AWS call failed; carries the IAM action so the message can name it. */
export class AwsCallError extends Error {
  constructor(readonly action: string, readonly cause: unknown) {
    super(`${action} failed: ${String(cause)}`);
    this.name = 'AwsCallError';
  }
}

/** Runs one AWS call, labelling any failure with its IAM action. */
export async function awsCall<T>(
  action: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof AwsCallError ? e : new AwsCallError(action, e);
  }
}

/** What the service knows about the account when translating an error. */
export interface AwsErrorContext {
  accountId: string;
  region: string;
  /** The role assumed in the account, or undefined when the base credentials are used. */
  roleArn?: string;
}

/**
 * Turns an AWS SDK failure into a Backstage error whose message says what to fix: the
 * account, the role, the missing permission.
 */
export function toBackstageError(e: unknown, ctx: AwsErrorContext): Error {
  const action = e instanceof AwsCallError ? e.action : 'unknown';
  const cause = e instanceof AwsCallError ? e.cause : e;
  const name = awsErrorName(cause);
  const message = awsErrorMessage(cause);
  const kind = classifyAwsError(cause);
  const who = ctx.roleArn
    ? `role ${ctx.roleArn}`
    : "the backend's base AWS credentials";

  if (cause instanceof LimiterSaturatedError) {
    return new AwsThrottledError(
      `${cause.message}; nothing cached for this load balancer yet, retry shortly`,
      cause.retryAfterMs / 1000,
      undefined,
      true,
    );
  }
  if (kind === 'throttled') {
    return new AwsThrottledError(
      `AWS throttled ${action} in account ${ctx.accountId} (${ctx.region}); the Describe budget is shared with the AWS Load Balancer Controller. Nothing is cached for this load balancer yet, retry shortly`,
      5,
    );
  }
  // AWS's own failures (5xx after the SDK's retries, dropped connections) are transient:
  // answer like throttling, never with the raw AWS error (which carries request metadata).
  if (kind === 'transient') {
    return new AwsThrottledError(
      `AWS failed to answer ${action} in account ${ctx.accountId} (${
        ctx.region
      }) after retries (${
        name || 'network error'
      }). Nothing is cached for this load balancer yet, retry shortly`,
      5,
    );
  }
  // Failing to assume the role surfaces from the credential provider, inside whichever call
  // needed credentials first.
  if (kind === 'assume-role-denied') {
    return new NotAllowedError(
      `The backend could not assume ${who} in account ${ctx.accountId}: allow sts:AssumeRole for the backend's identity in the role's trust policy (${message})`,
    );
  }
  if (kind === 'access-denied') {
    return new NotAllowedError(
      `AWS denied ${action} to ${who} in account ${ctx.accountId} (${ctx.region}): add ${action} to that role's policy (${message})`,
    );
  }
  if (
    name === 'LoadBalancerNotFoundException' ||
    name === 'LoadBalancerNotFound'
  ) {
    return new NotFoundError(
      `No load balancer with that ARN exists in account ${ctx.accountId} (${ctx.region}); it may have been deleted: check the aws.amazon.com/elbv2-load-balancer-arn annotation (${message})`,
    );
  }
  const err = new Error(
    `AWS ${action} failed in account ${ctx.accountId} (${
      ctx.region
    }) for ${who}: ${name ? `${name}: ` : ''}${message}`,
  );
  err.name = 'AwsError';
  return err;
}
