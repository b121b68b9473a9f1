import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  BACKSTAGE_DNS_ACCOUNT_POLICY,
  BACKSTAGE_NETWORK_ACCOUNT_POLICY,
  BACKSTAGE_WORKLOAD_ACCOUNT_POLICY,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY,
  LOAD_BALANCER_CONTROLLER_VERSION,
} from '.';
import { policyActions } from './policyActions';

type Account = 'network' | 'workload' | 'dns';

/**
 * Which account each file that calls AWS (relative to src/) calls it in; for a file that
 * calls several, which account each service prefix is called in.
 */
const ACTION_FILES: Record<string, Account | 'both' | Record<string, Account>> =
  {
    'actions/describeSharedNetwork.ts': 'network',
    'actions/shareSubnets.ts': 'network',
    'actions/ensureOidcProvider.ts': 'network',
    // The OIDC provider and the role of external-dns, in the zone's (DNS) account.
    'actions/ensureExternalDnsRole.ts': 'dns',
    'actions/deleteExternalDnsRole.ts': 'dns',
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
    // ACM in the network account, Route 53 in the zone's (DNS) account.
    // With the cluster named, external-dns's role there is read too (iam, DNS account).
    'actions/ensureCertificate.ts': {
      acm: 'network',
      route53: 'dns',
      iam: 'dns',
    },
    'actions/deleteCertificate.ts': { acm: 'network', route53: 'dns' },
    // The web ACL an Ingress names, read in the network account (the ALB's).
    'actions/checkWebAcl.ts': 'network',
    // The template forms' VPC and subnet lists, read with the network role.
    'autocomplete/networkAutocomplete.ts': 'network',
    // The forms' hosted-zone list, read with the DNS role.
    'autocomplete/hostedZoneAutocomplete.ts': 'dns',
    // The Organization check of describe-shared-network, made as each account.
    'lib/organization.ts': 'both',
  };

const SRC = path.join(__dirname, '..');

/**
 * The IAM actions a file names in call(...) and mutate(...) steps, and those of the shared
 * look-ups it imports from lib/ (lookups.ts, roleLookups.ts, controllerResources.ts, oidcProvider.ts,
 * zones.ts, irsaRole.ts).
 */
function actionsNamedIn(file: string): string[] {
  const source = fs.readFileSync(path.join(SRC, file), 'utf8');
  const named = [
    ...source.matchAll(
      /'((?:ec2|ram|iam|eks|tag|organizations|acm|route53|wafv2):[A-Za-z]+)'/g,
    ),
  ].map(m => m[1]);
  // The shared look-ups a file imports make calls on its behalf.
  const lookups = [
    ...source.matchAll(
      /from '\.\.\/lib\/(lookups|roleLookups|controllerResources|oidcProvider|zones|irsaRole)'/g,
    ),
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

  /** The actions of a file called in an account. */
  const namedFor = (file: string, account: Account): string[] => {
    const where = ACTION_FILES[file];
    const named = actionsNamedIn(file);
    if (typeof where === 'string') {
      return where === account || (where === 'both' && account !== 'dns')
        ? named
        : [];
    }
    return named.filter(a => where[a.split(':')[0]] === account);
  };
  const POLICIES: Array<[object, Account]> = [
    [BACKSTAGE_NETWORK_ACCOUNT_POLICY, 'network'],
    [BACKSTAGE_WORKLOAD_ACCOUNT_POLICY, 'workload'],
    [BACKSTAGE_DNS_ACCOUNT_POLICY, 'dns'],
  ];

  it.each(Object.keys(ACTION_FILES))(
    '%s: the policy of each account it calls covers every AWS call it makes there',
    file => {
      expect(actionsNamedIn(file).length).toBeGreaterThan(0);
      for (const [policy, account] of POLICIES) {
        const allowed = policyActions(policy);
        expect({
          account,
          missing: namedFor(file, account).filter(a => !allowed.has(a)),
        }).toEqual({ account, missing: [] });
      }
    },
  );

  it('grants nothing beyond what the actions call, plus tagging on create', () => {
    const used = (account: Account) =>
      new Set(Object.keys(ACTION_FILES).flatMap(f => namedFor(f, account)));
    const tagging = new Set([
      'ec2:CreateTags',
      'ram:TagResource',
      'iam:TagOpenIDConnectProvider',
      'iam:TagRole',
      'acm:AddTagsToCertificate',
    ]);
    for (const [policy, account] of POLICIES) {
      const extra = [...policyActions(policy)].filter(
        a => !used(account).has(a) && !tagging.has(a),
      );
      expect({ account, extra }).toEqual({ account, extra: [] });
    }
  });

  it('uses no wildcard actions', () => {
    for (const [policy] of POLICIES) {
      expect([...policyActions(policy)].filter(a => a.includes('*'))).toEqual(
        [],
      );
    }
  });
});
