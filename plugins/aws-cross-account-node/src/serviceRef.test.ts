import { IAMClient } from '@aws-sdk/client-iam';
import {
  mockServices,
  ServiceFactoryTester,
} from '@backstage/backend-test-utils';
import { awsClientFactoryServiceRef } from './serviceRef';

describe('awsClientFactoryServiceRef', () => {
  it('builds one factory per backend from aws.accounts', async () => {
    const tester = ServiceFactoryTester.from(
      mockServices.rootConfig.factory({
        data: {
          aws: {
            accounts: [
              {
                accountId: '111111111111',
                roleName: 'backstage-alb-network',
                accessKeyId: 'AKIAEXAMPLE',
                secretAccessKey: 'secret',
              },
            ],
          },
        },
      }),
    );
    const clients = await tester.getService(awsClientFactoryServiceRef);
    expect(await tester.getService(awsClientFactoryServiceRef)).toBe(clients);
    expect(clients.roleNameFor('111111111111')).toBe('backstage-alb-network');
    await expect(
      clients.client(IAMClient, {
        accountId: '111111111111',
        region: 'us-east-1',
      }),
    ).resolves.toBeInstanceOf(IAMClient);
  });
});
