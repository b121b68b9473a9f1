import { createHash } from 'node:crypto';
import { AuditorService } from '@backstage/backend-plugin-api';
import { JsonObject, JsonValue } from '@backstage/types';
import {
  ActionContext,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { InputError } from '@backstage/errors';
import {
  AwsClientConstructor,
  AwsClientFactory,
  AwsSdkClient,
  AwsTarget,
} from '@cross-account-alb/plugin-aws-cross-account-node';
import { AwsCallScope, mapAwsError } from './errors';

/**
 * What every action factory of the module returns. Declared rather than inferred from the zod
 * schemas: the scaffolder checks input against the schemas at run time, and an inferred type
 * would list the schemas' fields in whatever order the type checker met them, which made the
 * API report differ between checkouts.
 */
export type AwsTemplateAction = TemplateAction<any, any, 'v2'>;

/** What every action factory receives. */
export interface AwsActionOptions {
  /** Builds clients acting as an account; see `createAwsClientFactory`. */
  clients: AwsClientFactory;
  /** Audit trail of mutations; the module passes `coreServices.auditor`. */
  auditor?: AuditorService;
}

export type ScopeBase = Omit<AwsCallScope, 'action'>;

export function networkScope(
  options: AwsActionOptions,
  accountId: string,
): ScopeBase {
  return {
    accountId,
    accountKind: 'network',
    roleName: options.clients.roleNameFor(accountId),
  };
}

export function workloadScope(
  options: AwsActionOptions,
  accountId: string,
): ScopeBase {
  return {
    accountId,
    accountKind: 'workload',
    roleName: options.clients.roleNameFor(accountId),
  };
}

/** The account holding a hosted zone, where Backstage writes DNS records. */
export function dnsScope(
  options: AwsActionOptions,
  accountId: string,
): ScopeBase {
  return {
    accountId,
    accountKind: 'dns',
    roleName: options.clients.roleNameFor(accountId),
  };
}

/**
 * A client acting as the account of the input field `field`. The factory fails only when
 * Backstage has no credentials for the account (it is not in aws.accounts): the input's
 * account is then one this Backstage cannot act in, so the error names the field, in a
 * dry-run as in a run.
 */
export async function accountClient<C extends AwsSdkClient>(
  options: AwsActionOptions,
  Client: AwsClientConstructor<C>,
  target: AwsTarget,
  field: string,
): Promise<C> {
  try {
    return await options.clients.client(Client, target);
  } catch (error) {
    throw new InputError(`${field}: ${(error as Error).message}`, error);
  }
}

/** Runs one AWS call, mapping its error to one that says what to fix. */
export async function call<T>(
  scope: ScopeBase,
  action: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapAwsError(error, { ...scope, action });
  }
}

/** The context of any of the module's actions. */
export type AnyContext = ActionContext<JsonObject, any>;

/**
 * What the helpers of one action run share: the task's context, the action's options and
 * the scope (account and role) its calls are made in.
 */
export interface ActionRun {
  ctx: AnyContext;
  options: AwsActionOptions;
  scope: ScopeBase;
}

/**
 * A mutation: checkpointed under `key` (a resumed task gets the stored result back and does
 * not call AWS again), audited with the account, resource and initiator, errors mapped.
 */
export async function mutate<T extends JsonValue>(
  ctx: AnyContext,
  options: AwsActionOptions,
  step: {
    key: string;
    scope: ScopeBase;
    /** IAM action, e.g. `ec2:CreateSecurityGroup`. */
    action: string;
    /** The resource's ARN, or how to get it from the result once created. */
    resourceArn: string | ((result: T) => string);
  },
  fn: () => Promise<T>,
): Promise<T> {
  return ctx.checkpoint<T>({
    key: step.key,
    fn: async () => {
      const initiator = ctx.user?.ref ?? 'unknown';
      const meta: JsonObject = {
        action: step.action,
        accountId: step.scope.accountId,
        accountKind: step.scope.accountKind,
        initiator,
        taskId: ctx.task?.id ?? null,
        // Which template and step asked for it, for the audit trail of granted mutations.
        templateRef: ctx.templateInfo?.entityRef ?? null,
        stepId: ctx.step?.id ?? null,
        ...(typeof step.resourceArn === 'string'
          ? { resourceArn: step.resourceArn }
          : {}),
      };
      const event = await options.auditor?.createEvent({
        eventId: 'aws-cross-account-mutation',
        severityLevel: step.action.startsWith('iam:') ? 'high' : 'medium',
        meta,
      });
      try {
        const result = await call(step.scope, step.action, fn);
        const resourceArn =
          typeof step.resourceArn === 'string'
            ? step.resourceArn
            : step.resourceArn(result);
        await event?.success({ meta: { resourceArn } });
        ctx.logger.info(
          `${step.action} done in ${step.scope.accountKind} account ${step.scope.accountId}: ${resourceArn}`,
        );
        return result;
      } catch (error) {
        await event?.fail({ error: error as Error });
        throw error;
      }
    },
  });
}

/** Waits `ms`: the default of the actions that wait for AWS to settle (tests pass their own). */
export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** A short stable digest for checkpoint keys and idempotency tokens. */
export function digest(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value))
    .digest('hex')
    .slice(0, 16);
}
