import fs from 'node:fs';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import eksctlPolicy from './policies/eksctl-minimum-iam-policies.json';
import { MOTO_DEFAULT_ACCOUNT_ID } from './iamGateway';
import { adminClientOptions } from './admin';
import {
  isAlreadyExists,
  isNotFound,
} from '@cross-account-alb/plugin-aws-cross-account-node';

/**
 * The policies the project ships, read from the plugins' source (the sandbox is a private
 * workspace of this repository and the plugins depend on it, not the reverse).
 */
const REPO_ROOT = path.resolve(
  resolvePackagePath('sandbox', 'package.json'),
  '..',
  '..',
  '..',
);
export const SHIPPED_POLICY_FILES = {
  network:
    'plugins/scaffolder-backend-module-aws-cross-account/src/policies/backstage-network-account-policy.json',
  workload:
    'plugins/scaffolder-backend-module-aws-cross-account/src/policies/backstage-workload-account-policy.json',
  dns: 'plugins/scaffolder-backend-module-aws-cross-account/src/policies/backstage-dns-account-policy.json',
  health:
    'plugins/aws-alb-backend/src/policies/backstage-alb-health-policy.json',
  // The official controller policy (v3.5.0, unchanged).
  loadBalancerController:
    'plugins/scaffolder-backend-module-aws-cross-account/src/policies/aws-load-balancer-controller-iam-policy-v3.5.0.json',
} as const;

export type ShippedPolicy = keyof typeof SHIPPED_POLICY_FILES;

/** A policy document the project ships, as its file holds it. */
export function shippedPolicy(key: ShippedPolicy): any {
  return JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, SHIPPED_POLICY_FILES[key]), 'utf8'),
  );
}

/** The role Backstage assumes in a sandbox account and the inline policies it carries. */
export interface SandboxRoleSpec {
  accountId: string;
  roleName: string;
  /** Policy name to document; the shipped files by default. */
  policies: Record<string, object>;
}

/** The stand-in for eksctl assumes this role in each workload account. */
export const SANDBOX_EKSCTL_ROLE_NAME = 'sandbox-eksctl';

export interface SandboxPrincipalsOptions {
  /** The gateway's endpoint (or moto's, without enforcement). */
  endpoint: string;
  region: string;
  networkAccountIds: string[];
  workloadAccountIds: string[];
  networkRoleName: string;
  workloadRoleName: string;
  /** DNS accounts (the hosted zones): Backstage's role there carries the DNS policy. */
  dnsAccountIds?: string[];
  /** The role Backstage assumes in each DNS account; needed with dnsAccountIds. */
  dnsRoleName?: string;
  /** Replaces a role's policies (tests that take a statement out). */
  policyOverrides?: Partial<Record<ShippedPolicy, object>>;
}

async function ensureRole(
  iam: IAMClient,
  roleName: string,
  trust: object,
  policies: Record<string, object>,
) {
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        Description: 'Sandbox principal (packages/sandbox/src/iam)',
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    );
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: roleName,
        PolicyDocument: JSON.stringify(trust),
      }),
    );
  }
  for (const [name, document] of Object.entries(policies)) {
    // IAM refuses a policy without statements: an empty one means the role goes without it.
    if (!(document as { Statement?: unknown[] }).Statement?.length) {
      await iam
        .send(
          new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
        )
        .catch(e => {
          if (!isNotFound(e)) throw e;
        });
      continue;
    }
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: name,
        PolicyDocument: JSON.stringify(document),
      }),
    );
  }
}

async function ensureUser(
  iam: IAMClient,
  userName: string,
  policies: Record<string, object>,
) {
  try {
    await iam.send(new CreateUserCommand({ UserName: userName }));
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  for (const [name, document] of Object.entries(policies)) {
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: name,
        PolicyDocument: JSON.stringify(document),
      }),
    );
  }
}

const trustAccount = (accountId: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

const allowAssume = (roleArns: string[]) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns },
  ],
});

/**
 * Creates, as each account's administrator, the principals the sandbox's callers sign as:
 * Backstage's role in each network and workload account carrying exactly the policies the
 * project ships (the network role: the scaffolder module's network-account policy and the
 * health backend's read policy, the same role in app-config.yaml), its role in each DNS account
 * (the module's DNS-account policy: certificate validation records), the eksctl operator's role
 * (eksctl's documented minimum IAM policies), and the two identities they start from in the
 * portal's own account. Idempotent: a second call rewrites the policies.
 */
export async function ensureSandboxPrincipals(
  options: SandboxPrincipalsOptions,
): Promise<void> {
  const { endpoint, region } = options;
  const policy = (key: ShippedPolicy) =>
    options.policyOverrides?.[key] ?? shippedPolicy(key);
  const iamIn = async (accountId: string) =>
    new IAMClient(await adminClientOptions(endpoint, region, accountId));

  const home = await iamIn(MOTO_DEFAULT_ACCOUNT_ID);
  await ensureUser(home, 'backstage-portal', {
    'assume-backstage-roles': allowAssume([
      `arn:aws:iam::*:role/${options.networkRoleName}`,
      `arn:aws:iam::*:role/${options.workloadRoleName}`,
      ...(options.dnsRoleName
        ? [`arn:aws:iam::*:role/${options.dnsRoleName}`]
        : []),
    ]),
  });
  await ensureUser(home, 'sandbox-operator', {
    'assume-eksctl-role': allowAssume([
      `arn:aws:iam::*:role/${SANDBOX_EKSCTL_ROLE_NAME}`,
    ]),
  });
  const trust = trustAccount(MOTO_DEFAULT_ACCOUNT_ID);
  for (const accountId of options.networkAccountIds) {
    await ensureRole(await iamIn(accountId), options.networkRoleName, trust, {
      'backstage-network-account-policy': policy('network'),
      'backstage-alb-health-policy': policy('health'),
    });
  }
  for (const accountId of options.workloadAccountIds) {
    const iam = await iamIn(accountId);
    await ensureRole(iam, options.workloadRoleName, trust, {
      'backstage-workload-account-policy': policy('workload'),
    });
    await ensureRole(iam, SANDBOX_EKSCTL_ROLE_NAME, trust, {
      'eksctl-minimum-iam-policies': eksctlPolicy,
    });
  }
  for (const accountId of options.dnsAccountIds ?? []) {
    if (!options.dnsRoleName) {
      throw new Error(
        'ensureSandboxPrincipals: dnsAccountIds needs dnsRoleName',
      );
    }
    await ensureRole(await iamIn(accountId), options.dnsRoleName, trust, {
      'backstage-dns-account-policy': policy('dns'),
    });
  }
}
