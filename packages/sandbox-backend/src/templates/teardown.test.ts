import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateResourceShareCommand, RAMClient } from '@aws-sdk/client-ram';
import {
  MotoServer,
  nodeRulesFrom,
  recipeInventory,
  SANDBOX_DNS_ACCOUNT_ID as DNS,
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID as WORKLOAD,
  SandboxNetwork,
  sandboxAdminCredentials,
  seedSandboxNetwork,
  startMoto,
  useSandboxEndpoint,
} from 'sandbox';
import {
  clusterEntity,
  GUESTS_GROUP,
  startTemplateBackend,
} from './__testUtils__/harness';

jest.setTimeout(180_000);

/** The log lines of the dry-run, without the logger's colour and level prefix. */
const lines = (log: string[]) =>
  log.map(l =>
    // eslint-disable-next-line no-control-regex
    l.replace(/\u001b\[[0-9;]*m/g, '').replace(/^info: /, ''),
  );

const MANAGED = { Key: 'cross-account-alb:managed-by', Value: 'backstage' };

describe('teardown template (dry-run through the scaffolder API)', () => {
  let moto: MotoServer;
  let restore: () => void;
  let network: SandboxNetwork;
  let backend: Awaited<ReturnType<typeof startTemplateBackend>>;
  let albGroupId: string;
  let shareArn: string;
  let nodeGroupId: string;
  let oidcProviderArn: string;
  let dnsProviderArn: string;
  let ec2: EC2Client;
  let iam: IAMClient;
  const clusterName = 'shop-prod';

  beforeAll(async () => {
    moto = await startMoto();
    restore = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    const { sdkCredentialProvider: credentials } =
      await sandboxAdminCredentials(NETWORK);
    ec2 = new EC2Client({ region: REGION, credentials });
    iam = new IAMClient({ region: REGION, credentials });
    const ram = new RAMClient({ region: REGION, credentials });
    // What templates 1 to 3 left in the network account, tagged as this project tags it.
    albGroupId = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: `${clusterName}-game-2048-game-2048-alb`,
          Description: 'ALB',
          VpcId: network.vpcId,
          TagSpecifications: [
            { ResourceType: 'security-group', Tags: [MANAGED] },
          ],
        }),
      )
    ).GroupId!;
    await iam.send(
      new CreateRoleCommand({
        RoleName: `${clusterName}-${WORKLOAD}-aws-lbc`,
        Path: '/cross-account-alb/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [],
        }),
        Tags: [MANAGED],
      }),
    );
    shareArn = (
      await ram.send(
        new CreateResourceShareCommand({
          name: `cross-account-alb-subnets-${WORKLOAD}-${clusterName}`,
          // The subnets template 1 shared: the cluster below runs on them.
          resourceArns: network.privateSubnets.map(
            s => `arn:aws:ec2:${REGION}:${NETWORK}:subnet/${s.subnetId}`,
          ),
          principals: [WORKLOAD],
          // The cluster's own share, as template 1 makes it.
          tags: [
            { key: MANAGED.Key, value: MANAGED.Value },
            { key: 'cross-account-alb:cluster', value: clusterName },
          ],
        }),
      )
    ).resourceShare!.resourceShareArn!;
    // The cluster eksctl made in the workload account, the rule that lets the ALB reach its
    // nodes, and the OIDC provider for its issuer in the network account.
    const workload = await sandboxAdminCredentials(WORKLOAD);
    const eks = new EKSClient({
      region: REGION,
      credentials: workload.sdkCredentialProvider,
    });
    const made = await eks.send(
      new CreateClusterCommand({
        name: clusterName,
        roleArn: `arn:aws:iam::${WORKLOAD}:role/eks-cluster`,
        resourcesVpcConfig: {
          subnetIds: network.privateSubnets.map(s => s.subnetId),
        },
      }),
    );
    nodeGroupId = made.cluster!.resourcesVpcConfig!.clusterSecurityGroupId!;
    await new EC2Client({
      region: REGION,
      credentials: workload.sdkCredentialProvider,
    }).send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: nodeGroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            UserIdGroupPairs: [{ GroupId: albGroupId, UserId: NETWORK }],
          },
        ],
      }),
    );
    oidcProviderArn = (
      await iam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: made.cluster!.identity!.oidc!.issuer!,
          ClientIDList: ['sts.amazonaws.com'],
          Tags: [MANAGED],
        }),
      )
    ).OpenIDConnectProviderArn!;
    // external-dns's role and the cluster's OIDC provider in the DNS account, as template 2
    // made them for a hosted zone there.
    const dnsIam = new IAMClient({
      region: REGION,
      credentials: (await sandboxAdminCredentials(DNS)).sdkCredentialProvider,
    });
    dnsProviderArn = (
      await dnsIam.send(
        new CreateOpenIDConnectProviderCommand({
          Url: made.cluster!.identity!.oidc!.issuer!,
          ClientIDList: ['sts.amazonaws.com'],
          Tags: [MANAGED],
        }),
      )
    ).OpenIDConnectProviderArn!;
    await dnsIam.send(
      new CreateRoleCommand({
        RoleName: `${clusterName}-${WORKLOAD}-external-dns`,
        Path: '/cross-account-alb/',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: dnsProviderArn },
              Action: 'sts:AssumeRoleWithWebIdentity',
            },
          ],
        }),
        Tags: [
          MANAGED,
          { Key: 'cross-account-alb:cluster', Value: clusterName },
          { Key: 'cross-account-alb:workload-account', Value: WORKLOAD },
        ],
      }),
    );
    await dnsIam.send(
      new PutRolePolicyCommand({
        RoleName: `${clusterName}-${WORKLOAD}-external-dns`,
        PolicyName: 'external-dns-route53',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'route53:ListHostedZones',
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const cluster = clusterEntity({
      name: clusterName,
      networkAccountId: NETWORK,
      workloadAccountId: WORKLOAD,
      region: REGION,
      vpcId: network.vpcId,
      albSubnetIds: network.publicSubnets.map(s => s.subnetId),
      nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
    });
    cluster.metadata.annotations!['cross-account-alb.io/resource-share-arn'] =
      shareArn;
    backend = await startTemplateBackend({
      entities: [GUESTS_GROUP, cluster],
    });
  });

  afterAll(async () => {
    restore?.();
    await moto?.stop();
  });

  const values = {
    cluster: `resource:default/${clusterName}`,
    clusterStillExists: true,
    name: 'game-2048',
    namespace: 'game-2048',
    containerPort: 80,
    removeClusterSetUp: true,
    deletePolicy: true,
    externalDnsAccountId: DNS,
  };
  const externalDnsRoleArn = `arn:aws:iam::${DNS}:role/cross-account-alb/${clusterName}-${WORKLOAD}-external-dns`;

  it('lists what would be removed, in reverse recipe order, and removes nothing', async () => {
    const result = await backend.dryRun('teardown', values);
    expect(result.status).toBe(200);
    const log = lines(result.log).join('\n');
    const wouldDelete = lines(result.log).filter(l =>
      l.startsWith('Dry run: would'),
    );
    // The cluster's real node rule and OIDC provider too: describe-cluster reads the cluster
    // in a dry-run, so the steps after it check what really exists.
    expect(wouldDelete).toEqual([
      `Dry run: would remove security group rule tcp 80-80 from ${albGroupId} on ${nodeGroupId}`,
      `Dry run: would delete security group ${albGroupId} (${clusterName}-game-2048-game-2048-alb) in ${network.vpcId}`,
      `Dry run: would delete IAM role arn:aws:iam::${NETWORK}:role/cross-account-alb/${clusterName}-${WORKLOAD}-aws-lbc`,
      `Dry run: would delete inline policy external-dns-route53 of ${externalDnsRoleArn}, IAM role ${externalDnsRoleArn}, OIDC provider ${dnsProviderArn}`,
      `Dry run: would delete OIDC provider ${oidcProviderArn}`,
      `Dry run: would delete resource share ${shareArn}`,
    ]);
    expect(log).toContain(
      `Found security group ${albGroupId} (${clusterName}-game-2048-game-2048-alb)`,
    );
    // Nothing was removed.
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [albGroupId] }),
    );
    expect(groups.SecurityGroups).toHaveLength(1);
    const inventory = await recipeInventory(network, clusterName);
    expect(nodeRulesFrom(inventory, albGroupId)).toEqual([
      `tcp/80/${albGroupId}`,
    ]);
    expect(inventory.oidcProviders).toEqual([oidcProviderArn]);
    await expect(
      iam.send(
        new GetRoleCommand({ RoleName: `${clusterName}-${WORKLOAD}-aws-lbc` }),
      ),
    ).resolves.toBeDefined();
  });

  it('skips the cluster steps once the cluster is gone, and keeps the cluster set-up unless asked', async () => {
    const result = await backend.dryRun('teardown', {
      ...values,
      clusterStillExists: false,
      removeClusterSetUp: false,
    });
    expect(result.status).toBe(200);
    const log = lines(result.log).join('\n');
    expect(log).not.toContain('would describe EKS cluster');
    expect(log).not.toContain('tcp 80-80');
    expect(log).not.toContain('IAM role');
    expect(log).not.toContain('resource share');
    expect(
      lines(result.log).filter(l => l.startsWith('Dry run: would delete')),
    ).toEqual([
      `Dry run: would delete security group ${albGroupId} (${clusterName}-game-2048-game-2048-alb) in ${network.vpcId}`,
    ]);
  });

  it("removes external-dns's role of a cluster that is gone, and leaves the providers without an issuer", async () => {
    const result = await backend.dryRun('teardown', {
      ...values,
      clusterStillExists: false,
    });
    expect(result.status).toBe(200);
    expect(
      lines(result.log).filter(l => l.startsWith('Dry run: would delete')),
    ).toEqual([
      `Dry run: would delete security group ${albGroupId} (${clusterName}-game-2048-game-2048-alb) in ${network.vpcId}`,
      `Dry run: would delete IAM role arn:aws:iam::${NETWORK}:role/cross-account-alb/${clusterName}-${WORKLOAD}-aws-lbc`,
      `Dry run: would delete inline policy external-dns-route53 of ${externalDnsRoleArn}, IAM role ${externalDnsRoleArn}`,
      `Dry run: would delete resource share ${shareArn}`,
    ]);
  });

  it("stops at its first AWS step, naming the ALB and the command, while the application's ALB exists", async () => {
    const elbv2 = new ElasticLoadBalancingV2Client({
      region: REGION,
      credentials: (await sandboxAdminCredentials(NETWORK))
        .sdkCredentialProvider,
    });
    const arn = (
      await elbv2.send(
        new CreateLoadBalancerCommand({
          Name: 'k8s-game2048-game2048-0a1b2c3d4e',
          Subnets: network.publicSubnets.map(s => s.subnetId),
          SecurityGroups: [albGroupId],
          Tags: [
            { Key: 'elbv2.k8s.aws/cluster', Value: clusterName },
            { Key: 'ingress.k8s.aws/stack', Value: 'game-2048/game-2048' },
          ],
        }),
      )
    ).LoadBalancers![0].LoadBalancerArn!;
    try {
      for (const removeClusterSetUp of [false, true]) {
        const result = await backend.dryRun('teardown', {
          ...values,
          removeClusterSetUp,
        });
        // A ConflictError: the state of AWS, not the input, stops it.
        expect(result.status).toBe(409);
        expect(result.body.error.message).toContain(
          `Nothing was changed: 1 load balancer of cluster ${clusterName} still exists in network account ${NETWORK}`,
        );
        expect(result.body.error.message).toContain(
          `k8s-game2048-game2048-0a1b2c3d4e (${arn}) of Ingress game-2048/game-2048: kubectl delete ingress game-2048 -n game-2048`,
        );
      }
      // Another application's teardown is not held up by this ALB.
      const other = await backend.dryRun('teardown', {
        ...values,
        name: 'other-app',
        removeClusterSetUp: false,
      });
      expect(other.status).toBe(200);
    } finally {
      await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    }
    expect((await backend.dryRun('teardown', values)).status).toBe(200);
  });

  it('refuses, in the form schema, an issuer that is not an EKS issuer', async () => {
    const result = await backend.dryRun('teardown', {
      ...values,
      clusterStillExists: false,
      oidcIssuerUrl: 'https://example.com/\nx: y',
    });
    expect(result.status).toBe(400);
  });
});
