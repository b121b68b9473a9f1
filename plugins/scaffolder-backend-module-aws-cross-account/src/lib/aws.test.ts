import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import { createAwsClientFactory } from './aws';

describe('createAwsClientFactory', () => {
  function fakeManager(failFirst = false) {
    let calls = 0;
    const manager: AwsCredentialsManager = {
      async getCredentialProvider() {
        calls++;
        if (failFirst && calls === 1) throw new Error('STS unavailable');
        return {
          sdkCredentialProvider: async () => ({
            accessKeyId: 'AKIAEXAMPLE',
            secretAccessKey: 'secret',
          }),
        };
      },
    };
    return { manager, calls: () => calls };
  }

  it('assumes each account role once, however many clients the actions build', async () => {
    const fake = fakeManager();
    const clients = createAwsClientFactory({
      credentialsManager: fake.manager,
    });
    const a = { accountId: '111111111111', region: 'us-east-1' };
    const b = { accountId: '222222222222', region: 'us-east-1' };
    await Promise.all([
      clients.ec2(a),
      clients.iam(a),
      clients.ram(a),
      clients.ec2(a),
    ]);
    await clients.eks(b);
    await clients.ec2(b);
    expect(fake.calls()).toBe(2);
  });

  it('does not remember a failed lookup', async () => {
    const fake = fakeManager(true);
    const clients = createAwsClientFactory({
      credentialsManager: fake.manager,
    });
    const a = { accountId: '111111111111', region: 'us-east-1' };
    await expect(clients.ec2(a)).rejects.toThrow(/aws\.accounts/);
    await expect(clients.ec2(a)).resolves.toBeDefined();
    expect(fake.calls()).toBe(2);
  });
});
