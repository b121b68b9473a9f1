import type { Entity } from '@backstage/catalog-model';
import type { JsonObject } from '@backstage/types';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import yaml from 'yaml';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { actionContext, mockAws } from '../__testUtils__/testing';
import { createCheckClusterNameAction } from './checkClusterName';
import { examples } from './checkClusterName.examples';

function cluster(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'cross-account-alb.io/network-account-id': '111111111111',
        'cross-account-alb.io/workload-account-id': '222222222222',
        'cross-account-alb.io/eks-cluster-name': 'shop-prod',
        'aws.amazon.com/region': 'us-east-1',
        ...annotations,
      },
    },
    spec: { type: 'eks-cluster', owner: 'group:default/platform' },
  };
}

const input = {
  networkAccountId: '111111111111',
  workloadAccountId: '333333333333',
  region: 'us-east-1',
  clusterName: 'shop-prod',
};

async function run(entities: Entity[], values: JsonObject = input) {
  const catalog = catalogServiceMock({ entities });
  const getEntities = jest.spyOn(catalog, 'getEntities');
  const action = createCheckClusterNameAction({ catalog });
  const { ctx, outputs } = actionContext(values);
  await action.handler(ctx);
  return { outputs: outputs(), getEntities };
}

describe('aws:catalog:check-cluster-name in the network account', () => {
  it('refuses a new name that load balancers of the network account already carry', async () => {
    const aws = mockAws();
    const lb =
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/k8s-shop-web-0123456789/50dc6c495c0c9188';
    aws.mocks.tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ ResourceARN: lb }],
    });
    const action = createCheckClusterNameAction({
      catalog: catalogServiceMock({ entities: [] }),
      aws: { clients: aws.clients },
    });
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      `Cluster name shop-prod is already used in network account 111111111111 (us-east-1): 1 load balancer or target group is tagged elbv2.k8s.aws/cluster=shop-prod there (${lb}), made by a Load Balancer Controller of a cluster that no cluster Resource you can see in the catalog accounts for.`,
    );
    expect(
      aws.mocks.tagging.commandCalls(GetResourcesCommand)[0].args[0].input
        .TagFilters,
    ).toEqual([{ Key: 'elbv2.k8s.aws/cluster', Values: ['shop-prod'] }]);
  });

  it('passes a new name nothing in the network account carries, and a re-run without asking AWS', async () => {
    const aws = mockAws();
    aws.mocks.tagging
      .on(GetResourcesCommand)
      .resolves({ ResourceTagMappingList: [] });
    const fresh = createCheckClusterNameAction({
      catalog: catalogServiceMock({ entities: [] }),
      aws: { clients: aws.clients },
    });
    await fresh.handler(actionContext(input).ctx);
    const rerun = createCheckClusterNameAction({
      catalog: catalogServiceMock({
        entities: [
          cluster('shop-prod', {
            'cross-account-alb.io/workload-account-id': '333333333333',
          }),
        ],
      }),
      aws: { clients: aws.clients },
    });
    await rerun.handler(actionContext(input).ctx);
    expect(aws.mocks.tagging.commandCalls(GetResourcesCommand)).toHaveLength(1);
  });
});

describe('aws:catalog:check-cluster-name', () => {
  it('refuses a name a cluster of another workload account uses in the network account, naming it', async () => {
    await expect(run([cluster('shop-prod')])).rejects.toThrow(
      'Cluster name shop-prod is already used in network account 111111111111 by resource:default/shop-prod (workload account 222222222222, us-east-1). The Load Balancer Controller tags what it creates in the network account with the cluster name alone (elbv2.k8s.aws/cluster=shop-prod), so two clusters of one name would mix their load balancers there: pick another cluster name.',
    );
  });

  it('refuses the same name and workload account in another region', async () => {
    await expect(
      run([cluster('shop-prod')], {
        ...input,
        workloadAccountId: '222222222222',
        region: 'eu-west-1',
      }),
    ).rejects.toThrow(
      /already used in network account 111111111111 by resource:default\/shop-prod \(workload account 222222222222, us-east-1\)/,
    );
  });

  it('passes a re-run for the same cluster and names its entity', async () => {
    const { outputs } = await run([cluster('shop-prod')], {
      ...input,
      workloadAccountId: '222222222222',
    });
    expect(outputs).toEqual({
      existingEntityRef: 'resource:default/shop-prod',
    });
  });

  it('passes a name used only in another network account, or by another cluster name', async () => {
    const { outputs, getEntities } = await run([
      cluster('shop-prod', {
        'cross-account-alb.io/network-account-id': '444444444444',
      }),
      cluster('shop-dev', {
        'cross-account-alb.io/eks-cluster-name': 'shop-dev',
      }),
    ]);
    expect(outputs).toEqual({});
    // Asked with the initiator's credentials, filtered on the two annotations.
    expect(getEntities).toHaveBeenCalledWith(
      {
        filter: {
          kind: 'Resource',
          'spec.type': 'eks-cluster',
          'metadata.annotations.cross-account-alb.io/eks-cluster-name':
            'shop-prod',
          'metadata.annotations.cross-account-alb.io/network-account-id':
            '111111111111',
        },
      },
      { credentials: expect.anything() },
    );
  });

  it('checks its input like the form', async () => {
    await expect(
      run([], { ...input, workloadAccountId: '111111111111' }),
    ).rejects.toThrow(/must differ/);
  });

  it('runs its example', async () => {
    const step = yaml.parse(examples[0].example).steps[0];
    expect(step.action).toBe('aws:catalog:check-cluster-name');
    await expect(run([], step.input)).resolves.toBeDefined();
  });
});
