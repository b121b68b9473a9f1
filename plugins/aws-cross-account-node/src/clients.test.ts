import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { ConfigReader } from '@backstage/config';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import http from 'node:http';
import { AddressInfo } from 'node:net';
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

  describe('against a local endpoint', () => {
    let server: http.Server;
    let previousEndpoint: string | undefined;
    const userAgents: string[] = [];

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        userAgents.push(String(req.headers['user-agent']));
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(
            '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><vpcSet/></DescribeVpcsResponse>',
          );
        });
      });
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      previousEndpoint = process.env.AWS_ENDPOINT_URL;
      process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${
        (server.address() as AddressInfo).port
      }`;
    });
    afterAll(async () => {
      if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = previousEndpoint;
      await new Promise(r => server.close(r));
    });

    it('tells the listener every command, and AWS the user agent', async () => {
      const events: unknown[] = [];
      const clients = createAwsClientFactory({
        credentialsManager: fakeManager().manager,
        onCommand: e => events.push(e),
      });
      const ec2 = await clients.client(EC2Client, A);
      await ec2.send(new DescribeVpcsCommand({}));
      expect(events).toEqual([{ ...A, action: 'ec2:DescribeVpcs' }]);
      expect(userAgents.at(-1)).toContain(USER_AGENT);
    });
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
