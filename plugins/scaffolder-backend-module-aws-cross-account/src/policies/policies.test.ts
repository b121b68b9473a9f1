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

/** Which account each file that calls AWS (relative to src/) calls it in. */
const ACTION_FILES: Record<string, 'network' | 'workload' | 'both'> = {
  'actions/describeSharedNetwork.ts': 'network',
  'actions/shareSubnets.ts': 'network',
  'actions/ensureOidcProvider.ts': 'network',
  'actions/ensureLoadBalancerControllerRole.ts': 'network',
  'actions/ensureAlbSecurityGroup.ts': 'network',
  'actions/resolveSharedSubnets.ts': 'workload',
  'actions/describeCluster.ts': 'workload',
  'actions/allowAlbToNodes.ts': 'workload',
  'actions/revokeAlbToNodes.ts': 'workload',
  'actions/deleteAlbSecurityGroup.ts': 'network',
  'actions/deleteLoadBalancerControllerRole.ts': 'network',
  'actions/deleteOidcProvider.ts': 'network',
  'actions/deleteSubnetShare.ts': 'network',
  'actions/checkNoLoadBalancers.ts': 'network',
  // The template forms' VPC and subnet lists, read with the network role.
  'autocomplete/networkAutocomplete.ts': 'network',
  // The Organization check of describe-shared-network, made as each account.
  'lib/organization.ts': 'both',
};

const SRC = path.join(__dirname, '..');

/**
 * The IAM actions a file names in call(...) and mutate(...) steps, and those of the shared
 * look-ups it imports from lib/ (lookups.ts, roleLookups.ts).
 */
function actionsNamedIn(file: string): string[] {
  const source = fs.readFileSync(path.join(SRC, file), 'utf8');
  const named = [
    ...source.matchAll(/'((?:ec2|ram|iam|eks|tag|organizations):[A-Za-z]+)'/g),
  ].map(m => m[1]);
  // The shared look-ups a file imports make calls on its behalf.
  const lookups = [
    ...source.matchAll(/from '\.\.\/lib\/(lookups|roleLookups)'/g),
  ].flatMap(m => actionsNamedIn(`lib/${m[1]}.ts`));
  return [...named, ...lookups];
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
    '%s: the %s account policy covers every AWS call it makes',
    (file, account) => {
      const named = actionsNamedIn(file);
      expect(named.length).toBeGreaterThan(0);
      for (const policy of [
        ...(account !== 'workload' ? [BACKSTAGE_NETWORK_ACCOUNT_POLICY] : []),
        ...(account !== 'network' ? [BACKSTAGE_WORKLOAD_ACCOUNT_POLICY] : []),
      ]) {
        const allowed = policyActions(policy);
        expect(named.filter(a => !allowed.has(a))).toEqual([]);
      }
    },
  );

  it('grants nothing beyond what the actions call, plus tagging on create', () => {
    const used = (account: 'network' | 'workload') =>
      new Set(
        Object.entries(ACTION_FILES)
          .filter(([, a]) => a === account || a === 'both')
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
