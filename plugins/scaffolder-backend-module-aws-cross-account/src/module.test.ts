import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderAutocompleteExtensionPoint } from '@backstage/plugin-scaffolder-node/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { scaffolderModuleAwsCrossAccount } from './module';

describe('scaffolderModuleAwsCrossAccount', () => {
  it('registers every action and the network autocomplete provider on the scaffolder', async () => {
    const addActions = jest.fn();
    const addAutocompleteProvider = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [scaffolderActionsExtensionPoint, { addActions }],
        [scaffolderAutocompleteExtensionPoint, { addAutocompleteProvider }],
      ],
      features: [
        scaffolderModuleAwsCrossAccount,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: {
            aws: {
              accounts: [
                {
                  accountId: '111111111111',
                  roleName: 'backstage-alb-network',
                },
                {
                  accountId: '222222222222',
                  roleName: 'backstage-alb-workload',
                },
              ],
            },
          },
        }),
      ],
    });
    const ids = addActions.mock.calls.flat().map((a: { id: string }) => a.id);
    expect(ids).toEqual([
      'aws:catalog:read-cluster',
      'aws:catalog:check-cluster-name',
      'aws:ec2:describe-shared-network',
      'aws:ram:share-subnets',
      'aws:ec2:resolve-shared-subnets',
      'aws:eks:describe-cluster',
      'aws:iam:ensure-oidc-provider',
      'aws:iam:ensure-load-balancer-controller-role',
      'aws:iam:ensure-external-dns-role',
      'aws:ec2:ensure-alb-security-group',
      'aws:ec2:allow-alb-to-nodes',
      'aws:acm:ensure-certificate',
      'aws:wafv2:check-web-acl',
      'aws:elbv2:check-no-load-balancers',
      'aws:acm:delete-certificate',
      'aws:ec2:revoke-alb-to-nodes',
      'aws:ec2:delete-alb-security-group',
      'aws:iam:delete-load-balancer-controller-role',
      'aws:iam:delete-external-dns-role',
      'aws:iam:delete-oidc-provider',
      'aws:ram:delete-subnet-share',
    ]);
    expect(addAutocompleteProvider).toHaveBeenCalledWith({
      id: 'aws-cross-account',
      handler: expect.any(Function),
    });
    for (const action of addActions.mock.calls.flat()) {
      expect(action.supportsDryRun).toBe(true);
      expect(action.schema.input).toBeDefined();
      expect(action.schema.output).toBeDefined();
    }
  });

  it('leaves the autocomplete provider out when configured so', async () => {
    const addAutocompleteProvider = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [scaffolderActionsExtensionPoint, { addActions: jest.fn() }],
        [scaffolderAutocompleteExtensionPoint, { addAutocompleteProvider }],
      ],
      features: [
        scaffolderModuleAwsCrossAccount,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: {
            scaffolder: {
              awsCrossAccount: { autocomplete: { enabled: false } },
            },
          },
        }),
      ],
    });
    expect(addAutocompleteProvider).not.toHaveBeenCalled();
  });
});
