import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  BACKSTAGE_NETWORK_ACCOUNT_POLICY,
  BACKSTAGE_WORKLOAD_ACCOUNT_POLICY,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY,
  LOAD_BALANCER_CONTROLLER_VERSION,
} from '.';
import { policyActions } from './policyActions';

/** Which account each action file calls AWS in. */
const ACTION_FILES: Record<string, 'network' | 'workload'> = {
  'describeSharedNetwork.ts': 'network',
  'shareSubnets.ts': 'network',
  'ensureOidcProvider.ts': 'network',
  'ensureLoadBalancerControllerRole.ts': 'network',
  'ensureAlbSecurityGroup.ts': 'network',
  'resolveSharedSubnets.ts': 'workload',
  'describeCluster.ts': 'workload',
  'allowAlbToNodes.ts': 'workload',
  'revokeAlbToNodes.ts': 'workload',
  'deleteAlbSecurityGroup.ts': 'network',
  'deleteLoadBalancerControllerRole.ts': 'network',
  'deleteOidcProvider.ts': 'network',
  'deleteSubnetShare.ts': 'network',
};

/** The IAM actions a file names in call(...) and mutate(...) steps. */
function actionsNamedIn(file: string): string[] {
  const source = fs.readFileSync(
    path.join(__dirname, '..', 'actions', file),
    'utf8',
  );
  return [...source.matchAll(/'((?:ec2|ram|iam|eks):[A-Za-z]+)'/g)].map(
    m => m[1],
  );
}

describe('shipped policies', () => {
  it('pins the official Load Balancer Controller policy v3.5.0 (docs/install/iam_policy.json)', () => {
    expect(LOAD_BALANCER_CONTROLLER_VERSION).toBe('v3.5.0');
    const digest = createHash('sha256')
      .update(JSON.stringify(LOAD_BALANCER_CONTROLLER_IAM_POLICY))
      .digest('hex');
    // sha256 of the reference document (compact JSON), as published for v3.5.0.
    expect(digest).toBe(
      'a4163aa4d4f27878f93ad71ea9d29b80067781e143c05ddc948e70da74f01ed4',
    );
    expect((LOAD_BALANCER_CONTROLLER_IAM_POLICY as any).Statement).toHaveLength(
      16,
    );
  });

  it.each(Object.entries(ACTION_FILES))(
    'the %s account policy covers every AWS call of %s',
    (file, account) => {
      const allowed = policyActions(
        account === 'network'
          ? BACKSTAGE_NETWORK_ACCOUNT_POLICY
          : BACKSTAGE_WORKLOAD_ACCOUNT_POLICY,
      );
      const named = actionsNamedIn(file);
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter(a => !allowed.has(a))).toEqual([]);
    },
  );

  it('grants nothing beyond what the actions call, plus tagging on create', () => {
    const used = (account: 'network' | 'workload') =>
      new Set(
        Object.entries(ACTION_FILES)
          .filter(([, a]) => a === account)
          .flatMap(([file]) => actionsNamedIn(file)),
      );
    const tagging = new Set([
      'ec2:CreateTags',
      'ram:TagResource',
      'iam:TagOpenIDConnectProvider',
      'iam:TagRole',
    ]);
    for (const [policy, account] of [
      [BACKSTAGE_NETWORK_ACCOUNT_POLICY, 'network'],
      [BACKSTAGE_WORKLOAD_ACCOUNT_POLICY, 'workload'],
    ] as const) {
      const extra = [...policyActions(policy)].filter(
        a => !used(account).has(a) && !tagging.has(a),
      );
      expect(extra).toEqual([]);
    }
  });

  it('uses no wildcard actions', () => {
    for (const policy of [
      BACKSTAGE_NETWORK_ACCOUNT_POLICY,
      BACKSTAGE_WORKLOAD_ACCOUNT_POLICY,
    ]) {
      expect([...policyActions(policy)].filter(a => a.includes('*'))).toEqual(
        [],
      );
    }
  });
});
