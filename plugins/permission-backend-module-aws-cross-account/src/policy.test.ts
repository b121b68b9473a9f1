import {
  kubernetesClustersReadPermission,
  kubernetesProxyPermission,
  kubernetesResourcesReadPermission,
} from '@backstage/plugin-kubernetes-common';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  actionExecutePermission,
  taskCreatePermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  awsHostedZonesReadPermission,
  awsNetworkReadPermission,
} from '@cross-account-alb/plugin-aws-alb-common';
import { readPolicyConfig } from './config';
import { AwsCrossAccountPolicy } from './policy';

const cluster = (name: string, owner: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'cross-account-alb.io/eks-cluster-name': name,
      'cross-account-alb.io/network-account-id': '111111111111',
      'cross-account-alb.io/workload-account-id': '222222222222',
      'cross-account-alb.io/vpc-id': 'vpc-0123456789abcdef0',
    },
  },
  spec: { type: 'eks-cluster', owner },
  relations: [{ type: 'ownedBy', targetRef: owner }],
});

function policy(settings: JsonObject) {
  return new AwsCrossAccountPolicy({
    config: readPolicyConfig(
      new ConfigReader({ permission: { awsCrossAccount: settings } }),
    ),
    catalog: catalogServiceMock({
      entities: [
        cluster('shop', 'group:default/app-team'),
        cluster('billing', 'group:default/other-team'),
      ],
    }),
    auth: mockServices.auth(),
  });
}

const user = (...groups: string[]) => ({
  identity: {
    type: 'user' as const,
    userEntityRef: 'user:default/someone',
    ownershipEntityRefs: groups,
  },
  info: {
    userEntityRef: 'user:default/someone',
    ownershipEntityRefs: ['user:default/someone', ...groups],
  },
  token: 'token',
  credentials: {} as any,
});

describe('readPolicyConfig', () => {
  it.each([
    [
      {},
      "Missing required config value at 'permission.awsCrossAccount.platformGroups'",
    ],
    [
      { platformGroups: [] },
      'permission.awsCrossAccount.platformGroups is empty: name at least one group',
    ],
    [
      { platformGroups: ['group:default/'] },
      'permission.awsCrossAccount.platformGroups[0]: "group:default/" is not an entity reference; write it as group:default/<name>',
    ],
    [
      { platformGroups: ['platform'], openActions: ['aws:ram:share-subnets'] },
      'permission.awsCrossAccount.openActions[0]: "aws:ram:share-subnets" acts in an AWS account',
    ],
  ])('refuses %j naming the key', (settings, message) => {
    expect(() => policy(settings as JsonObject)).toThrow(message);
  });

  it('is required as a whole', () => {
    expect(() => readPolicyConfig(new ConfigReader({}))).toThrow(
      'permission.awsCrossAccount.platformGroups is missing',
    );
  });

  it('reads short group names as groups of the default namespace', () => {
    expect(
      readPolicyConfig(
        new ConfigReader({
          permission: { awsCrossAccount: { platformGroups: ['platform'] } },
        }),
      ).platformGroups,
    ).toEqual(['group:default/platform']);
  });
});

describe('AwsCrossAccountPolicy', () => {
  const p = policy({ platformGroups: ['group:default/platform-team'] });

  it('allows the platform groups every action and the pickers', async () => {
    const platform = user('group:default/platform-team');
    for (const permission of [
      actionExecutePermission,
      awsNetworkReadPermission,
    ]) {
      expect(await p.handle({ permission }, platform)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('refuses others the network pickers, not the zone picker of their template', async () => {
    expect(
      await p.handle(
        { permission: awsNetworkReadPermission },
        user('group:default/app-team'),
      ),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(
      await p.handle(
        { permission: awsHostedZonesReadPermission },
        user('group:default/app-team'),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it("conditions others' actions on the clusters their group owns", async () => {
    const decision = await p.handle(
      { permission: actionExecutePermission },
      user('group:default/app-team'),
    );
    expect(decision.result).toBe(AuthorizeResult.CONDITIONAL);
    const text = JSON.stringify(decision);
    expect(text).toContain(
      '{"resourceType":"scaffolder-action","rule":"HAS_STRING_PROPERTY","params":{"key":"entityRef","value":"resource:default/shop"}}',
    );
    // The cluster read only for an application (or no purpose said): the controller and
    // teardown templates, which say theirs, are refused at that first step.
    expect(text).toContain(
      '{"anyOf":[{"not":{"resourceType":"scaffolder-action","rule":"HAS_STRING_PROPERTY","params":{"key":"purpose"}}},{"resourceType":"scaffolder-action","rule":"HAS_STRING_PROPERTY","params":{"key":"purpose","value":"application"}}]}',
    );
    // A host name's certificate: in the cluster's network account, the cluster named (the
    // action then checks that the cluster's external-dns serves the zone).
    expect(text).toContain(
      '{"allOf":[{"resourceType":"scaffolder-action","rule":"HAS_ACTION_ID","params":{"actionId":"aws:acm:ensure-certificate"}},{"resourceType":"scaffolder-action","rule":"HAS_STRING_PROPERTY","params":{"key":"networkAccountId","value":"111111111111"}},{"resourceType":"scaffolder-action","rule":"HAS_STRING_PROPERTY","params":{"key":"clusterName","value":"shop"}},{"resourceType":"scaffolder-action","rule":"HAS_STRING_PROPERTY","params":{"key":"workloadAccountId","value":"222222222222"}}]}',
    );
    expect(text).not.toContain('billing');
    expect(text).not.toContain('aws:ram:');
    expect(text).not.toContain('aws:iam:');
  });

  it("refuses others the Kubernetes plugin's proxy, leaving its reads open", async () => {
    for (const [claims, proxy] of [
      ['group:default/platform-team', AuthorizeResult.ALLOW],
      ['group:default/app-team', AuthorizeResult.DENY],
    ] as const) {
      expect(
        (
          await p.handle(
            { permission: kubernetesProxyPermission },
            user(claims),
          )
        ).result,
      ).toBe(proxy);
      for (const read of [
        kubernetesClustersReadPermission,
        kubernetesResourcesReadPermission,
      ]) {
        expect(
          (await p.handle({ permission: read }, user(claims))).result,
        ).toBe(AuthorizeResult.ALLOW);
      }
    }
  });

  it('leaves other permissions (task creation, reads) allowed', async () => {
    const someone = user('group:default/app-team');
    for (const permission of [
      taskCreatePermission,
      catalogEntityReadPermission,
    ]) {
      expect(await p.handle({ permission } as any, someone)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('restricts reads of ownerOnlyReads kinds to owners', async () => {
    const decision = await policy({
      platformGroups: ['group:default/platform-team'],
      ownerOnlyReads: [{ kind: 'Component' }],
    }).handle(
      { permission: catalogEntityReadPermission } as any,
      user('group:default/app-team'),
    );
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      conditions: {
        anyOf: [
          {
            not: {
              rule: 'IS_ENTITY_KIND',
              params: { kinds: ['Component'] },
            },
          },
          {
            rule: 'IS_ENTITY_OWNER',
            params: {
              claims: ['user:default/someone', 'group:default/app-team'],
            },
          },
        ],
      },
    });
  });
});
