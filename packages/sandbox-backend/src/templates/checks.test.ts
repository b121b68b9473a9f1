/*
 * The checks AWS, RAM or eksctl would make late (or never), made first: each case runs a
 * template through the scaffolder's dry-run against the sandbox AWS (moto behind the IAM
 * gateway, Backstage's roles holding the shipped policies) and expects the first step that
 * can tell to fail, naming the form's field and what to fix, with nothing rendered. A dry-run
 * makes no mutation; the steps before the check are read-only in a real run too.
 */
import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteRouteCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateOrganizationCommand,
  DeleteOrganizationCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  SandboxNetwork,
  ensureSandboxOrganization,
  sandboxAdminCredentials,
  sandboxEc2,
  seedSandboxAlb,
} from 'sandbox';
import {
  DryRunResult,
  GUESTS_GROUP,
  clusterEntity,
  startTemplateBackend,
  startTemplateSandbox,
} from './__testUtils__/harness';

jest.setTimeout(300_000);

const CLUSTER = 'checks-prod';

describe('checks made before anything changes (dry-run in the sandbox)', () => {
  let sandbox: Awaited<ReturnType<typeof startTemplateSandbox>>;
  let network: SandboxNetwork;
  let ec2A: EC2Client;

  beforeAll(async () => {
    sandbox = await startTemplateSandbox(CLUSTER);
    network = sandbox.network;
    ec2A = await sandboxEc2(SANDBOX_NETWORK_ACCOUNT_ID);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const onboarding = (values: Record<string, unknown> = {}) =>
    sandbox.backend.dryRun('cluster-onboarding', {
      networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
      workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      region: SANDBOX_REGION,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnets.map(s => s.subnetId),
      privateSubnetIds: network.privateSubnets.map(s => s.subnetId),
      clusterName: CLUSTER,
      kubernetesVersion: '1.33',
      instanceType: 'm6i.large',
      desiredSize: 2,
      minSize: 2,
      maxSize: 4,
      owner: 'group:default/guests',
      publishTo: 'github',
      repoUrl: 'github.com?owner=acme&repo=checks-cluster',
      ...values,
    });

  /** The dry-run failed at a step, with the message, and wrote nothing. */
  function expectRefused(result: DryRunResult, ...parts: string[]) {
    expect(result.status).toBe(400);
    const message = String(result.body.error?.message);
    for (const part of parts) expect(message).toContain(part);
    expect(Object.keys(result.files)).toEqual([]);
    return message;
  }

  const organizations = async (accountId: string) =>
    new OrganizationsClient({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(accountId))
        .sdkCredentialProvider,
    });

  it('passes the golden values (the seeded network has NAT egress and one Organization)', async () => {
    const result = await onboarding();
    expect(result.status).toBe(200);
    expect(result.log.join('\n')).toMatch(
      /are both in Organization o-[a-z0-9]+\. RAM sharing with the Organization must also be enabled/,
    );
  });

  it('refuses two ALB subnets in one AZ, naming the field and the AZ', async () => {
    const [first] = network.publicSubnets;
    const { Subnet } = await ec2A.send(
      new CreateSubnetCommand({
        VpcId: network.vpcId,
        CidrBlock: '10.20.2.0/24',
        AvailabilityZone: first.availabilityZone,
      }),
    );
    const { RouteTables } = await ec2A.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [first.subnetId] }],
      }),
    );
    const { AssociationId } = await ec2A.send(
      new AssociateRouteTableCommand({
        RouteTableId: RouteTables![0].RouteTableId!,
        SubnetId: Subnet!.SubnetId!,
      }),
    );
    try {
      const result = await onboarding({
        publicSubnetIds: [
          ...network.publicSubnets.map(s => s.subnetId),
          Subnet!.SubnetId!,
        ],
      });
      expectRefused(
        result,
        `albSubnetIds: ${first.subnetId} and ${
          Subnet!.SubnetId
        } are all in availability zone ${first.availabilityZone} (${
          first.availabilityZoneId
        }); an ALB takes one subnet per AZ`,
      );
    } finally {
      await ec2A.send(new DisassociateRouteTableCommand({ AssociationId }));
      await ec2A.send(new DeleteSubnetCommand({ SubnetId: Subnet!.SubnetId! }));
    }
  });

  it('refuses a subnet chosen both for the load balancer and the nodes', async () => {
    const pub = network.publicSubnets[1].subnetId;
    const result = await onboarding({
      privateSubnetIds: [network.privateSubnets[0].subnetId, pub],
    });
    expectRefused(
      result,
      `nodeSubnetIds: ${pub} also in albSubnetIds`,
      'choose different subnets for the load balancer (public) and for the nodes (private)',
    );
  });

  it.each([
    [
      { desiredSize: 5, minSize: 2, maxSize: 4 },
      'desiredSize: 5 is above maxSize 4',
    ],
    [
      { desiredSize: 1, minSize: 2, maxSize: 4 },
      'desiredSize: 1 is below minSize 2',
    ],
    [
      { desiredSize: 3, minSize: 3, maxSize: 2 },
      'minSize: 3 is above maxSize 2',
    ],
  ])(
    'refuses node-group sizes %j at the first step, in eksctl words',
    async (sizes, message) => {
      const result = await onboarding(sizes);
      const text = expectRefused(
        result,
        'Invalid input to aws:ec2:describe-shared-network',
        message,
        'eksctl: "cannot use',
      );
      expect(text).toMatch(/Set (desiredSize|minSize)/);
    },
  );

  it('refuses private subnets without egress, naming them and what is missing', async () => {
    const [priv] = network.privateSubnets;
    const { RouteTables } = await ec2A.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [priv.subnetId] }],
      }),
    );
    const table = RouteTables![0];
    const nat = table.Routes!.find(r => r.NatGatewayId)!.NatGatewayId!;
    await ec2A.send(
      new DeleteRouteCommand({
        RouteTableId: table.RouteTableId!,
        DestinationCidrBlock: '0.0.0.0/0',
      }),
    );
    try {
      const result = await onboarding();
      expectRefused(
        result,
        `nodeSubnetIds: ${priv.subnetId} (route table ${table.RouteTableId})`,
        'have no egress for the nodes',
        'missing: ec2, ecr.api, ecr.dkr, sts, s3 gateway',
        'eksctl creates no NAT gateway in an existing VPC',
        `In network account ${SANDBOX_NETWORK_ACCOUNT_ID}, add a 0.0.0.0/0 route to a NAT gateway`,
      );
    } finally {
      await ec2A.send(
        new CreateRouteCommand({
          RouteTableId: table.RouteTableId!,
          DestinationCidrBlock: '0.0.0.0/0',
          NatGatewayId: nat,
        }),
      );
    }
  });

  it('refuses a workload account outside the Organization, or in another one', async () => {
    const orgA = await organizations(SANDBOX_NETWORK_ACCOUNT_ID);
    const orgB = await organizations(SANDBOX_WORKLOAD_ACCOUNT_ID);
    await orgA.send(
      new RemoveAccountFromOrganizationCommand({
        AccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
      }),
    );
    try {
      expectRefused(
        await onboarding(),
        `workloadAccountId: workload account ${SANDBOX_WORKLOAD_ACCOUNT_ID} is not a member of an AWS Organization`,
        'aws organizations invite-account-to-organization',
      );
      const { Organization } = await orgB.send(
        new CreateOrganizationCommand({ FeatureSet: 'ALL' }),
      );
      try {
        expectRefused(
          await onboarding(),
          `workloadAccountId: workload account ${SANDBOX_WORKLOAD_ACCOUNT_ID} is in Organization ${
            Organization!.Id
          }`,
          'subnets can only be shared inside one Organization',
        );
      } finally {
        await orgB.send(new DeleteOrganizationCommand({}));
      }
    } finally {
      await ensureSandboxOrganization();
    }
    expect((await onboarding()).status).toBe(200);
  });

  it("refuses a cluster name the network account's load balancers already carry, with no entity for it", async () => {
    // A cluster the catalog does not know: its controller made an ALB in the network account.
    const orphan = await seedSandboxAlb({
      clusterName: 'orphan-prod',
      namespace: 'web',
      ingressName: 'web',
    });
    const result = await onboarding({ clusterName: 'orphan-prod' });
    // A conflict with what exists, not bad input: 409, as for a name the catalog knows.
    expect(result.status).toBe(409);
    expect(Object.keys(result.files)).toEqual([]);
    const message = String(result.body.error?.message);
    for (const part of [
      `Cluster name orphan-prod is already used in network account ${SANDBOX_NETWORK_ACCOUNT_ID} (${SANDBOX_REGION}): 2 load balancers and target groups are tagged elbv2.k8s.aws/cluster=orphan-prod there`,
      orphan.loadBalancerArn,
      'pick another cluster name, or register the existing cluster in the catalog',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('fails a dry-run for an account Backstage has no credentials for, naming aws.accounts', async () => {
    const unknown = '444444444444';
    for (const field of ['networkAccountId', 'workloadAccountId']) {
      expectRefused(
        // A cluster name of its own: the catalog already has CLUSTER in the sandbox's workload
        // account, and template 1 refuses that name for another one first.
        await onboarding({ [field]: unknown, clusterName: 'no-credentials' }),
        `${field}: Backstage has no AWS credentials for account ${unknown}: add it to aws.accounts`,
      );
    }
  });

  it('refuses, in template 3, an ALB security group outside the cluster VPC before creating it', async () => {
    const { Vpc } = await ec2A.send(
      new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }),
    );
    try {
      // A cluster entity whose VPC annotation is not where EKS runs the cluster.
      const backend = await startTemplateBackend({
        entities: [
          GUESTS_GROUP,
          clusterEntity({
            name: CLUSTER,
            networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
            workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
            region: SANDBOX_REGION,
            vpcId: Vpc!.VpcId!,
            albSubnetIds: network.publicSubnets.map(s => s.subnetId),
            nodeSubnetIds: network.privateSubnets.map(s => s.subnetId),
          }),
        ],
      });
      const result = await backend.dryRun('alb-application', {
        name: 'game-2048',
        description: 'ok',
        cluster: `resource:default/${CLUSTER}`,
        owner: 'group:default/guests',
        namespace: 'game-2048',
        image: 'public.ecr.aws/l6m2t8p7/docker-2048:latest',
        containerPort: 80,
        replicas: 2,
        scheme: 'internet-facing',
        healthCheckPath: '/',
        publishTo: 'github',
        repoUrl: 'github.com?owner=acme&repo=game-2048',
      });
      expectRefused(
        result,
        `vpcId: ${
          Vpc!.VpcId
        } is not the VPC cluster ${CLUSTER} runs in (clusterVpcId ${
          network.vpcId
        }, as EKS reports it)`,
        'fix that annotation',
      );
    } finally {
      await ec2A.send(new DeleteVpcCommand({ VpcId: Vpc!.VpcId! }));
    }
  });
});
