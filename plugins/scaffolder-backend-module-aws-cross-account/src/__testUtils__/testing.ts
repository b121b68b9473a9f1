/* Test helpers shared by the action tests; not exported from the package. */
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { RAMClient } from '@aws-sdk/client-ram';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AuditorService } from '@backstage/backend-plugin-api';
import { createAwsCrossAccountActions } from '../actions/createAwsCrossAccountActions';
import { createEnsureCertificateAction } from '../actions/ensureCertificate';
import {
  createShareSubnetsAction,
  ShareSubnetsActionOptions,
} from '../actions/shareSubnets';
import { JsonObject, JsonValue } from '@backstage/types';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AwsClientConstructor,
  AwsClientFactory,
  AwsSdkClient,
  AwsTarget,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const NETWORK = '111111111111';
export const WORKLOAD = '222222222222';
export const DNS = '555555555555';
export const REGION = 'us-east-1';
export const ISSUER =
  'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';

/** SDK clients mocked with aws-sdk-client-mock behind a factory that records its targets. */
export function mockAws() {
  const ec2 = new EC2Client({ region: REGION });
  const ram = new RAMClient({ region: REGION });
  const iam = new IAMClient({ region: REGION });
  const eks = new EKSClient({ region: REGION });
  const tagging = new ResourceGroupsTaggingAPIClient({ region: REGION });
  const organizations = new OrganizationsClient({ region: REGION });
  const acm = new ACMClient({ region: REGION });
  const route53 = new Route53Client({ region: REGION });
  const wafv2 = new WAFV2Client({ region: REGION });
  const targets: Array<AwsTarget & { service: string }> = [];
  const byClass = new Map<unknown, { service: string; client: unknown }>([
    [EC2Client, { service: 'ec2', client: ec2 }],
    [RAMClient, { service: 'ram', client: ram }],
    [IAMClient, { service: 'iam', client: iam }],
    [EKSClient, { service: 'eks', client: eks }],
    [ResourceGroupsTaggingAPIClient, { service: 'tag', client: tagging }],
    [OrganizationsClient, { service: 'organizations', client: organizations }],
    [ACMClient, { service: 'acm', client: acm }],
    [Route53Client, { service: 'route53', client: route53 }],
    [WAFV2Client, { service: 'wafv2', client: wafv2 }],
  ]);
  const clients: AwsClientFactory = {
    client: async <C extends AwsSdkClient>(
      Client: AwsClientConstructor<C>,
      t: AwsTarget,
    ) => {
      const mocked = byClass.get(Client);
      if (!mocked) throw new Error(`mockAws has no ${Client.name}`);
      targets.push({ ...t, service: mocked.service });
      return mocked.client as C;
    },
    roleNameFor: accountId =>
      ({
        [NETWORK]: 'backstage-alb-network',
        [WORKLOAD]: 'backstage-alb-workload',
        [DNS]: 'backstage-alb-dns',
      }[accountId]),
  };
  const mocks = {
    ec2: mockClient(ec2),
    ram: mockClient(ram),
    iam: mockClient(iam),
    eks: mockClient(eks),
    tagging: mockClient(tagging),
    organizations: mockClient(organizations),
    acm: mockClient(acm),
    route53: mockClient(route53),
    wafv2: mockClient(wafv2),
  };
  /** Names of the commands sent, e.g. `CreateSecurityGroupCommand`. */
  const commands = () =>
    Object.values(mocks).flatMap(m =>
      m.calls().map(c => (c.args[0] as object).constructor.name),
    );
  const mutations = () =>
    commands().filter(n => !/^(Describe|Get|List)/.test(n));
  return { clients, mocks, targets, commands, mutations };
}

/** An AWS SDK-like error. */
export function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function mockAuditor() {
  const success = jest.fn(async () => {});
  const fail = jest.fn(async () => {});
  const createEvent = jest.fn(async () => ({ success, fail }));
  return {
    auditor: { createEvent } as unknown as AuditorService,
    createEvent,
    success,
    fail,
  };
}

/** A checkpoint store shared between runs, as the task engine keeps it for a resumed task. */
export function checkpointStore(initial: Record<string, JsonValue> = {}) {
  const state: Record<string, JsonValue> = { ...initial };
  const keys: string[] = [];
  return {
    state,
    keys,
    async checkpoint<T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }): Promise<T> {
      keys.push(opts.key);
      if (opts.key in state) return state[opts.key] as T;
      const value = await opts.fn();
      state[opts.key] = (value ?? null) as JsonValue;
      return value;
    },
  };
}

export function actionContext(
  input: JsonObject,
  overrides: Partial<ReturnType<typeof createMockActionContext>> = {},
) {
  // createMockActionContext keeps only some options (not isDryRun nor checkpoint).
  const ctx = {
    ...createMockActionContext({ input, user: { ref: 'user:default/alice' } }),
    ...overrides,
    // Typed loosely: tests also feed inputs the schema must refuse.
  } as ActionContext<any, any>;
  const outputs = () =>
    Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    ) as Record<string, any>;
  return { ctx, outputs };
}

/**
 * The module's actions, with share-subnets and ensure-certificate built with their own knobs
 * (by default short waits: the sandbox associates at once, and ACM issues as soon as the
 * validation record is in the zone).
 */
export function actionsWithShareKnobs(
  options: ShareSubnetsActionOptions,
): ReturnType<typeof createAwsCrossAccountActions> {
  const share = createShareSubnetsAction({
    backoff: { initialDelayMs: 10, maxDelayMs: 50 },
    ...options,
  });
  const certificate = createEnsureCertificateAction({
    pollIntervalMs: 100,
    ...options,
  });
  return createAwsCrossAccountActions(options).map(a => {
    if (a.id === share.id) return share;
    return a.id === certificate.id ? certificate : a;
  });
}
