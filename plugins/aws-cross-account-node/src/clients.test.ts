import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { ConfigReader } from '@backstage/config';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import {
  createAwsClientFactory,
  iamActionName,
  readAccountRoleNames,
  USER_AGENT,
} from './clients';

const A = { accountId: '111111111111', region: 'us-east-1' };
const B = { accountId: '222222222222', region: 'us-east-1' };

function fakeManager(failFirst = false) {
  let lookups = 0;
  const assumeRole = jest.fn(async () => ({
    accessKeyId: 'AKIAEXAMPLE',
    secretAccessKey: 'secret',
    expiration: new Date(Date.now() + 3600_000),
  }));
  const manager: AwsCredentialsManager = {
    async getCredentialProvider() {
      lookups++;
      if (failFirst && lookups === 1) throw new Error('STS unavailable');
      return { sdkCredentialProvider: assumeRole };
    },
  };
  return { manager, assumeRole, lookups: () => lookups };
}

describe('createAwsClientFactory', () => {
  it('looks each account up once, however many clients the plugins build', async () => {
    const fake = fakeManager();
    const clients = createAwsClientFactory({
      credentialsManager: fake.manager,
    });
    await Promise.all([
      clients.client(EC2Client, A),
      clients.client(IAMClient, A),
      clients.client(EC2Client, A),
    ]);
    await clients.client(EC2Client, B);
    await clients.client(IAMClient, B);
    expect(fake.lookups()).toBe(2);
  });

  it('shares one assumed-role session between the clients of an account', async () => {
    const fake = fakeManager();
    const clients = createAwsClientFactory({
      credentialsManager: fake.manager,
    });
    const elbv2 = await clients.client(ElasticLoadBalancingV2Client, A);
    const ec2 = await clients.client(EC2Client, { ...A, region: 'eu-west-1' });
    await elbv2.config.credentials();
    await ec2.config.credentials();
    expect(fake.assumeRole).toHaveBeenCalledTimes(1);
  });

  it('does not remember a failed lookup', async () => {
    const fake = fakeManager(true);
    const clients = createAwsClientFactory({
      credentialsManager: fake.manager,
    });
    await expect(clients.client(EC2Client, A)).rejects.toThrow(/aws\.accounts/);
    await expect(clients.client(EC2Client, A)).resolves.toBeDefined();
    expect(fake.lookups()).toBe(2);
  });

  it('sets the user agent, adaptive retries and the attempts of every client', async () => {
    const clients = createAwsClientFactory({
      credentialsManager: fakeManager().manager,
    });
    const ec2 = await clients.client(EC2Client, A);
    const elbv2 = await clients.client(ElasticLoadBalancingV2Client, A, {
      maxAttempts: 3,
    });
    for (const client of [ec2, elbv2]) {
      expect(client.config.customUserAgent).toEqual([[USER_AGENT]]);
      expect(await client.config.retryStrategy()).toMatchObject({
        mode: 'adaptive',
      });
    }
    expect(await ec2.config.maxAttempts()).toBe(8);
    expect(await elbv2.config.maxAttempts()).toBe(3);
  });

  it('tells the listener the IAM action of every command sent', async () => {
    const events: unknown[] = [];
    const clients = createAwsClientFactory({
      credentialsManager: fakeManager().manager,
      onCommand: e => events.push(e),
    });
    const ec2 = await clients.client(EC2Client, A);
    // Answers before signing and sending, so no request leaves the process.
    ec2.middlewareStack.add(
      () => async () => ({ response: {}, output: { $metadata: {} } }),
      { step: 'build' },
    );
    await ec2.send(new DescribeVpcsCommand({}));
    expect(events).toEqual([{ ...A, action: 'ec2:DescribeVpcs' }]);
  });
});

describe('iamActionName', () => {
  it('names the IAM action of an SDK command', () => {
    expect(iamActionName('EC2Client', 'CreateSecurityGroupCommand')).toBe(
      'ec2:CreateSecurityGroup',
    );
    expect(
      iamActionName(
        'ElasticLoadBalancingV2Client',
        'DescribeTargetHealthCommand',
      ),
    ).toBe('elasticloadbalancing:DescribeTargetHealth');
    expect(iamActionName('ACMClient', 'ListCertificatesCommand')).toBe(
      'acm:ListCertificates',
    );
  });
});

describe('readAccountRoleNames', () => {
  it('takes the role of each account, else the default role', () => {
    const roleNameFor = readAccountRoleNames(
      new ConfigReader({
        aws: {
          accountDefaults: { roleName: 'fallback' },
          accounts: [{ accountId: A.accountId, roleName: 'network' }],
        },
      }),
    );
    expect(roleNameFor(A.accountId)).toBe('network');
    expect(roleNameFor(B.accountId)).toBe('fallback');
    expect(readAccountRoleNames(undefined)(A.accountId)).toBeUndefined();
  });
});
