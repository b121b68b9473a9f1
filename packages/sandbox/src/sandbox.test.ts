import {
  EC2Client,
  CreateSubnetCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ConfigReader } from '@backstage/config';
import { DefaultAwsCredentialsManager } from '@backstage/integration-aws-node';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { MotoServer, startMoto } from './moto';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  useSandboxEndpoint,
} from './accounts';
import { sandboxEc2, seedSandboxNetwork } from './seed';

jest.setTimeout(60_000);

// The credentials come from the portal's own app-config.yaml, so this proves the
// configuration the sandbox portal runs with, not a copy of it.
const appConfig = yaml.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../app-config.yaml'), 'utf8'),
);

describe('sandbox AWS', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  async function clientsFor(accountId: string) {
    const manager = DefaultAwsCredentialsManager.fromConfig(
      new ConfigReader({ aws: appConfig.aws }),
    );
    const { sdkCredentialProvider } = await manager.getCredentialProvider({
      accountId,
    });
    return {
      ec2: new EC2Client({
        region: SANDBOX_REGION,
        credentials: sdkCredentialProvider,
      }),
      sts: new STSClient({
        region: SANDBOX_REGION,
        credentials: sdkCredentialProvider,
      }),
    };
  }

  it('acts as two accounts through the configured role assumption', async () => {
    const a = await clientsFor(SANDBOX_NETWORK_ACCOUNT_ID);
    const b = await clientsFor(SANDBOX_WORKLOAD_ACCOUNT_ID);

    const idA = await a.sts.send(new GetCallerIdentityCommand({}));
    const idB = await b.sts.send(new GetCallerIdentityCommand({}));
    expect(idA.Account).toBe(SANDBOX_NETWORK_ACCOUNT_ID);
    expect(idA.Arn).toContain(':assumed-role/backstage-alb-network/');
    expect(idB.Account).toBe(SANDBOX_WORKLOAD_ACCOUNT_ID);
    expect(idB.Account).not.toBe(idA.Account);

    const { vpcId } = await seedSandboxNetwork();
    // Backstage's role carries the shipped policy, which creates no subnet: IAM refuses it.
    await expect(
      a.ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.99.0/24' }),
      ),
    ).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    const admin = await sandboxEc2(SANDBOX_NETWORK_ACCOUNT_ID);
    const created = await admin.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.99.0/24' }),
    );
    expect(created.Subnet?.OwnerId).toBe(SANDBOX_NETWORK_ACCOUNT_ID);

    // Account-B does not own the VPC: it is not in B's own list.
    const vpcsOfB = await (
      await sandboxEc2(SANDBOX_WORKLOAD_ACCOUNT_ID)
    ).send(new DescribeVpcsCommand({}));
    expect(vpcsOfB.Vpcs?.map(v => v.VpcId)).not.toContain(vpcId);
  });

  it('seeds the recipe network idempotently', async () => {
    const first = await seedSandboxNetwork();
    const second = await seedSandboxNetwork();
    expect(second).toEqual(first);
    expect(first.networkAccountId).toBe(SANDBOX_NETWORK_ACCOUNT_ID);
    expect(first.publicSubnets).toHaveLength(2);
    expect(first.privateSubnets).toHaveLength(2);
    for (const group of [first.publicSubnets, first.privateSubnets]) {
      expect(new Set(group.map(s => s.availabilityZoneId)).size).toBe(2);
    }

    const { ec2 } = await clientsFor(SANDBOX_NETWORK_ACCOUNT_ID);
    const { Subnets = [] } = await ec2.send(
      new DescribeSubnetsCommand({
        SubnetIds: [...first.publicSubnets, ...first.privateSubnets].map(
          s => s.subnetId,
        ),
      }),
    );
    expect(Subnets.every(s => s.VpcId === first.vpcId)).toBe(true);
    expect(Subnets.every(s => s.OwnerId === SANDBOX_NETWORK_ACCOUNT_ID)).toBe(
      true,
    );
  });
});
