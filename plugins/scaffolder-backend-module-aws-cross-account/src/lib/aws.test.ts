import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ConfigReader } from '@backstage/config';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import {
  createAwsClientFactory,
  iamActionName,
  partitionOf,
  subnetArn,
  USER_AGENT,
} from './aws';

const config = new ConfigReader({
  aws: {
    accounts: [
      { accountId: '111111111111', roleName: 'backstage-alb-network' },
    ],
    accountDefaults: { roleName: 'backstage-default' },
  },
});

describe('createAwsClientFactory', () => {
  it('builds clients for the account and region with adaptive retries and the project user agent', async () => {
    const credentialsManager: AwsCredentialsManager = {
      getCredentialProvider: jest.fn(async () => ({
        sdkCredentialProvider: async () => ({
          accessKeyId: 'a',
          secretAccessKey: 'b',
        }),
      })),
    };
    const factory = createAwsClientFactory({ config, credentialsManager });
    const ec2 = await factory.ec2({
      accountId: '111111111111',
      region: 'eu-west-1',
    });
    expect(credentialsManager.getCredentialProvider).toHaveBeenCalledWith({
      accountId: '111111111111',
    });
    expect(await ec2.config.region()).toBe('eu-west-1');
    expect(ec2.config.retryMode).toBe('adaptive');
    expect(await ec2.config.maxAttempts()).toBe(8);
    expect(ec2.config.customUserAgent).toEqual([[USER_AGENT]]);
  });

  it('names the role of each account from aws.accounts, else aws.accountDefaults', () => {
    const factory = createAwsClientFactory({ config });
    expect(factory.roleNameFor('111111111111')).toBe('backstage-alb-network');
    expect(factory.roleNameFor('999999999999')).toBe('backstage-default');
  });

  it('says how to configure an account it has no credentials for', async () => {
    const factory = createAwsClientFactory({
      config,
      credentialsManager: {
        getCredentialProvider: async () => {
          throw new Error(
            'There is no AWS integration that matches 333333333333.',
          );
        },
      },
    });
    await expect(
      factory.iam({ accountId: '333333333333', region: 'us-east-1' }),
    ).rejects.toThrow(
      /no AWS credentials for account 333333333333: add it to aws.accounts/,
    );
  });

  it('reports every command as an IAM action through onCommand', async () => {
    const events: unknown[] = [];
    const factory = createAwsClientFactory({
      config,
      credentialsManager: {
        getCredentialProvider: async () => ({
          sdkCredentialProvider: async () => ({
            accessKeyId: 'a',
            secretAccessKey: 'b',
          }),
        }),
      },
      onCommand: e => events.push(e),
    });
    const ec2 = await factory.ec2({
      accountId: '111111111111',
      region: 'us-east-1',
    });
    // Stop before the request leaves the process: nothing here may touch the network.
    ec2.middlewareStack.add(
      () => async () => {
        throw new Error('stopped');
      },
      { step: 'build', name: 'stop' },
    );
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toThrow(
      'stopped',
    );
    expect(events).toEqual([
      {
        accountId: '111111111111',
        region: 'us-east-1',
        action: 'ec2:DescribeVpcs',
      },
    ]);
  });
});

describe('ARN helpers', () => {
  it('derives the partition from the region', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(subnetArn('cn-north-1', '111111111111', 'subnet-1')).toBe(
      'arn:aws-cn:ec2:cn-north-1:111111111111:subnet/subnet-1',
    );
    expect(iamActionName('RAMClient', 'GetResourceSharesCommand')).toBe(
      'ram:GetResourceShares',
    );
  });
});
