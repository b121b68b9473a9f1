import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { actionContext } from '../__testUtils__/testing';
import {
  createReadClusterContractAction,
  readClusterContract,
} from './readClusterContract';

function clusterEntity(
  annotations: Record<string, string> = {},
  overrides: Partial<Entity> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: 'shop-prod',
      namespace: 'default',
      annotations: {
        'cross-account-alb.io/network-account-id': '111111111111',
        'cross-account-alb.io/workload-account-id': '222222222222',
        'cross-account-alb.io/eks-cluster-name': 'shop-prod',
        'cross-account-alb.io/vpc-id': 'vpc-0123456789abcdef0',
        'cross-account-alb.io/alb-subnet-ids':
          'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2',
        'cross-account-alb.io/node-subnet-ids':
          'subnet-0bbbbbbbbbbbbbbb1,subnet-0bbbbbbbbbbbbbbb2',
        'cross-account-alb.io/resource-share-arn':
          'arn:aws:ram:us-east-1:111111111111:resource-share/3f1c2a4e-8b7d-4c2e-9a1f-0123456789ab',
        'aws.amazon.com/region': 'us-east-1',
        ...annotations,
      },
    },
    spec: { type: 'eks-cluster', owner: 'group:default/platform' },
    ...overrides,
  };
}

async function run(entities: Entity[], input: JsonObject) {
  const action = createReadClusterContractAction({
    catalog: catalogServiceMock({ entities }),
  });
  const { ctx, outputs } = actionContext(input);
  await action.handler(ctx);
  return outputs();
}

describe('aws:catalog:read-cluster', () => {
  it('outputs the typed contract and the names the builders make', async () => {
    const out = await run([clusterEntity()], {
      entityRef: 'resource:default/shop-prod',
      applicationName: 'game-2048',
      applicationNamespace: 'game-2048',
    });
    expect(out).toEqual({
      entityRef: 'resource:default/shop-prod',
      entityName: 'shop-prod',
      owner: 'group:default/platform',
      networkAccountId: '111111111111',
      workloadAccountId: '222222222222',
      region: 'us-east-1',
      clusterName: 'shop-prod',
      vpcId: 'vpc-0123456789abcdef0',
      albSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      albSubnetIdsCsv: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2',
      nodeSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
      resourceShareArn:
        'arn:aws:ram:us-east-1:111111111111:resource-share/3f1c2a4e-8b7d-4c2e-9a1f-0123456789ab',
      controllerRoleName: 'shop-prod-222222222222-aws-lbc',
      albSecurityGroupName: 'shop-prod-game-2048-game-2048-alb',
    });
  });

  it("names the Ingress group's ALB security group when the application joins a group", async () => {
    const out = await run([clusterEntity()], {
      entityRef: 'resource:default/shop-prod',
      applicationName: 'cart',
      applicationNamespace: 'cart',
      ingressGroup: 'storefront',
    });
    expect(out.albSecurityGroupName).toBe('shop-prod-group.storefront-alb');
    await expect(
      run([clusterEntity()], {
        entityRef: 'resource:default/shop-prod',
        ingressGroup: 'Store Front',
      }),
    ).rejects.toThrow(/ingressGroup: an Ingress group name/);
  });

  it('accepts a short reference, as the entity picker may give', async () => {
    const out = await run([clusterEntity()], { entityRef: 'shop-prod' });
    expect(out.entityRef).toBe('resource:default/shop-prod');
    expect(out.albSecurityGroupName).toBeUndefined();
  });

  it('refuses a subnet annotation smuggling YAML into the Ingress, naming the annotation', async () => {
    const hostile = clusterEntity({
      'cross-account-alb.io/alb-subnet-ids':
        'subnet-0aaaaaaaaaaaaaaa1 \n---\nkind: ClusterRoleBinding',
    });
    await expect(
      run([hostile], { entityRef: 'resource:default/shop-prod' }),
    ).rejects.toThrow(
      /resource:default\/shop-prod .*annotation cross-account-alb\.io\/alb-subnet-ids: expected a subnet ID .*got "subnet-0aaaaaaaaaaaaaaa1 \\n---\\nkind: ClusterRoleBinding".*Fix its catalog-info\.yaml/,
    );
  });

  it('names every bad or missing annotation at once', () => {
    const entity = clusterEntity({
      'aws.amazon.com/region': 'us-east-1; rm -rf',
      'cross-account-alb.io/workload-account-id': '22222222222',
    });
    delete entity.metadata.annotations!['cross-account-alb.io/vpc-id'];
    let message = '';
    try {
      readClusterContract(entity);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      'annotation aws.amazon.com/region: expected an AWS region',
    );
    expect(message).toContain('annotation cross-account-alb.io/vpc-id:');
    expect(message).toContain('(missing)');
    expect(message).toContain(
      'annotation cross-account-alb.io/workload-account-id: expected a 12-digit AWS account ID (got "22222222222")',
    );
  });

  it('refuses a cluster whose two accounts are one', () => {
    expect(() =>
      readClusterContract(
        clusterEntity({
          'cross-account-alb.io/workload-account-id': '111111111111',
        }),
      ),
    ).toThrow(
      'annotation cross-account-alb.io/workload-account-id: expected an account different from cross-account-alb.io/network-account-id',
    );
  });

  it('refuses an entity that is not a cluster Resource', async () => {
    const component = clusterEntity(
      {},
      { kind: 'Component', spec: { type: 'service' } },
    );
    await expect(
      run([component], { entityRef: 'component:default/shop-prod' }),
    ).rejects.toThrow(
      'component:default/shop-prod is a Component of type service, not a Resource of spec.type eks-cluster',
    );
  });

  it('says when the entity is not in the catalog', async () => {
    await expect(
      run([], { entityRef: 'resource:default/nope' }),
    ).rejects.toThrow(
      'The cluster entity resource:default/nope is not in the catalog',
    );
  });

  it('refuses a malformed reference before reading the catalog', async () => {
    await expect(run([], { entityRef: 'resource:default/' })).rejects.toThrow(
      /entityRef: expected an entity reference/,
    );
  });
});
