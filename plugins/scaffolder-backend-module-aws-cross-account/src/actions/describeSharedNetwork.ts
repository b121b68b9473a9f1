import {
  EC2Client,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  RouteTable,
  Subnet,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  accountClient,
  AwsActionOptions,
  call,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
} from '../lib/action';
import { accountsMustDiffer, fields, parseInput, Zod } from '../lib/schemas';
import {
  checkSameOrganization,
  ORGANIZATION_SHARING_NOTE,
} from '../lib/organization';
import { examples } from './describeSharedNetwork.examples';
import {
  subnetArn,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const DESCRIBE_SHARED_NETWORK_ID = 'aws:ec2:describe-shared-network';

const nodeCount = (zod: Zod, what: string) =>
  zod
    .number()
    .int('expected a whole number of nodes')
    .min(0, 'expected 0 or more nodes')
    .optional()
    .describe(
      `${what} of the managed node group; checked against the others as eksctl checks them`,
    );

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      networkAccountId: f.networkAccountId(),
      workloadAccountId: f
        .workloadAccountId()
        .optional()
        .describe(
          'The account the subnets will be shared with; when given, both accounts must be in one AWS Organization',
        ),
      region: f.region(),
      vpcId: f.vpcId(),
      albSubnetIds: zod
        .array(f.subnetId())
        .min(2, 'expected at least two public subnets, in two AZs')
        .describe(
          'Public subnets for the ALB (routed to an internet gateway), one per AZ',
        ),
      nodeSubnetIds: zod
        .array(f.subnetId())
        .min(2, 'expected at least two private subnets, in two AZs')
        .describe(
          'Private subnets for the EKS nodes; each needs egress (a NAT route or the VPC endpoints nodes use)',
        ),
      desiredSize: nodeCount(zod, 'Desired nodes'),
      minSize: nodeCount(zod, 'Minimum nodes'),
      maxSize: nodeCount(zod, 'Maximum nodes'),
    })
    .superRefine((value, ctx) => {
      if (value.workloadAccountId !== undefined) {
        accountsMustDiffer(
          {
            networkAccountId: value.networkAccountId,
            workloadAccountId: value.workloadAccountId,
          },
          ctx,
        );
      }
      const both = value.albSubnetIds.filter(id =>
        value.nodeSubnetIds.includes(id),
      );
      if (both.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodeSubnetIds'],
          message: `${both.join(
            ', ',
          )} also in albSubnetIds. The ALB takes public subnets and the nodes private ones: choose different subnets for the load balancer (public) and for the nodes (private)`,
        });
      }
      for (const problem of nodeGroupSizeProblems(value)) {
        ctx.addIssue({ code: 'custom', ...problem });
      }
    });
};

/**
 * Node-group sizes that contradict each other, as eksctl refuses them before any AWS call
 * (ValidateManagedNodeGroup in pkg/apis/eksctl.io/v1alpha5/validation.go, with eksctl's own
 * words quoted) and as EKS's CreateNodegroup would. A task that passed them would share the
 * subnets first and fail only at `eksctl create cluster`.
 */
function nodeGroupSizeProblems(sizes: {
  desiredSize?: number;
  minSize?: number;
  maxSize?: number;
}): Array<{ path: string[]; message: string }> {
  const { desiredSize: desired, minSize: min, maxSize: max } = sizes;
  const problems: Array<{ path: string[]; message: string }> = [];
  if (desired !== undefined && min !== undefined && desired < min) {
    problems.push({
      path: ['desiredSize'],
      message: `${desired} is below minSize ${min} (eksctl: "cannot use --nodes-min=${min} and --nodes=${desired} at the same time"). Set desiredSize between minSize and maxSize, or lower minSize`,
    });
  }
  if (desired !== undefined && max !== undefined && desired > max) {
    problems.push({
      path: ['desiredSize'],
      message: `${desired} is above maxSize ${max} (eksctl: "cannot use --nodes-max=${max} and --nodes=${desired} at the same time"). Set desiredSize between minSize and maxSize, or raise maxSize`,
    });
  }
  if (min !== undefined && max !== undefined && min > max) {
    problems.push({
      path: ['minSize'],
      message: `${min} is above maxSize ${max} (eksctl: "cannot use --nodes-min=${min} and --nodes-max=${max} at the same time"). Set minSize at most maxSize`,
    });
  }
  if (max === 0) {
    problems.push({
      path: ['maxSize'],
      message:
        'expected at least 1 (EKS refuses a node group whose maxSize is 0)',
    });
  }
  return problems;
}

const subnetOutput = (zod: Zod) =>
  zod.object({
    subnetId: zod.string(),
    subnetArn: zod.string(),
    cidr: zod.string(),
    availabilityZone: zod.string(),
    availabilityZoneId: zod.string(),
  });

const outputSchema = (zod: Zod) =>
  zod.object({
    vpcId: zod.string(),
    vpcCidr: zod.string(),
    albSubnets: zod.array(subnetOutput(zod)),
    nodeSubnets: zod.array(subnetOutput(zod)),
    subnetArns: zod
      .array(zod.string())
      .describe('ARNs of every chosen subnet, for aws:ram:share-subnets'),
    organizationId: zod
      .string()
      .optional()
      .describe(
        'The AWS Organization of both accounts, when workloadAccountId is given',
      ),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;
export type SharedSubnet = z.infer<ReturnType<typeof subnetOutput>>;

/** A subnet is public when its route table (explicit, else the VPC's main) routes to an IGW. */
export function isPublicSubnet(
  subnetId: string,
  routeTables: RouteTable[],
): boolean {
  const explicit = routeTables.find(rt =>
    rt.Associations?.some(a => a.SubnetId === subnetId),
  );
  const table =
    explicit ?? routeTables.find(rt => rt.Associations?.some(a => a.Main));
  return (
    table?.Routes?.some(
      r =>
        (r.DestinationCidrBlock === '0.0.0.0/0' ||
          r.DestinationIpv6CidrBlock === '::/0') &&
        (r.GatewayId ?? '').startsWith('igw-'),
    ) ?? false
  );
}

export function createDescribeSharedNetworkAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DESCRIBE_SHARED_NETWORK_ID,
    description:
      'Reads the shared VPC and the chosen subnets in the network account (Account-A) and checks them: every subnet in the VPC, ALB subnets public and in two AZs or more, node subnets in two AZs or more.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input = parseInput(
        inputSchema(z),
        ctx.input,
        DESCRIBE_SHARED_NETWORK_ID,
      );
      const scope = networkScope(options, input.networkAccountId);
      const target = {
        accountId: input.networkAccountId,
        region: input.region,
      };

      if (ctx.isDryRun) {
        // Read-only, so a dry-run reads the real network when it can; when a read fails it
        // outputs plausible values so the rest of the template can be previewed. An account
        // Backstage has no credentials for (not in aws.accounts) fails here as the real run
        // would, instead of a preview that promises a run that cannot happen.
        const dryRunClient = await accountClient(
          options,
          EC2Client,
          target,
          'networkAccountId',
        );
        if (input.workloadAccountId) {
          await accountClient(
            options,
            EC2Client,
            { accountId: input.workloadAccountId, region: input.region },
            'workloadAccountId',
          );
        }
        try {
          await readSharedNetwork(ctx, options, input, scope, dryRunClient);
          ctx.output('dryRun', true);
          return;
        } catch (error) {
          if ((error as Error).name === 'InputError') throw error;
          ctx.logger.warn(
            `Dry run: could not read ${input.vpcId} in network account ${
              input.networkAccountId
            } (${(error as Error).message}); outputting placeholders`,
          );
        }
        const fake = (subnetId: string, i: number): SharedSubnet => ({
          subnetId,
          subnetArn: subnetArn(input.region, input.networkAccountId, subnetId),
          cidr: `10.0.${i}.0/24`,
          availabilityZone: `${input.region}${'ab'[i % 2]}`,
          availabilityZoneId: `dry-run-az${(i % 2) + 1}`,
        });
        ctx.output('vpcId', input.vpcId);
        ctx.output('vpcCidr', '10.0.0.0/16');
        ctx.output('albSubnets', input.albSubnetIds.map(fake));
        ctx.output(
          'nodeSubnets',
          input.nodeSubnetIds.map((s, i) => fake(s, i + 10)),
        );
        ctx.output(
          'subnetArns',
          [...input.albSubnetIds, ...input.nodeSubnetIds].map(s =>
            subnetArn(input.region, input.networkAccountId, s),
          ),
        );
        ctx.output('dryRun', true);
        return;
      }
      const client = await accountClient(
        options,
        EC2Client,
        target,
        'networkAccountId',
      );
      await readSharedNetwork(ctx, options, input, scope, client);
    },
  });
}

async function readSharedNetwork(
  ctx: {
    logger: { info(message: string): void };
    output(name: any, value: any): void;
  },
  options: AwsActionOptions,
  input: Input,
  scope: ScopeBase,
  client: EC2Client,
) {
  // Subnets can only be shared inside one Organization; otherwise RAM leaves the workload
  // account pending and the share step times out minutes later.
  let organizationId: string | undefined;
  if (input.workloadAccountId) {
    organizationId = await checkSameOrganization(
      options,
      {
        networkAccountId: input.networkAccountId,
        workloadAccountId: input.workloadAccountId,
      },
      input.region,
    );
    ctx.logger.info(
      `Network account ${input.networkAccountId} and workload account ${input.workloadAccountId} are both in Organization ${organizationId}. ${ORGANIZATION_SHARING_NOTE}`,
    );
  }
  // An unknown ID is the user's mistake, not an AWS failure: say which field holds it.
  const vpcs = await call(scope, 'ec2:DescribeVpcs', () =>
    unlessAwsError(
      ['InvalidVpcID.NotFound'],
      client.send(new DescribeVpcsCommand({ VpcIds: [input.vpcId] })),
    ),
  );
  const vpc = vpcs?.Vpcs?.[0];
  if (!vpc) {
    throw new InputError(
      `vpcId: ${input.vpcId} was not found in network account ${input.networkAccountId} (${input.region})`,
    );
  }
  if (vpc.OwnerId && vpc.OwnerId !== input.networkAccountId) {
    throw new InputError(
      `vpcId: ${input.vpcId} is owned by ${vpc.OwnerId}, not by the network account ${input.networkAccountId}`,
    );
  }
  const ids = [...new Set([...input.albSubnetIds, ...input.nodeSubnetIds])];
  const fieldOf = (id: string) =>
    [
      input.albSubnetIds.includes(id) ? 'albSubnetIds' : undefined,
      input.nodeSubnetIds.includes(id) ? 'nodeSubnetIds' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  let described;
  try {
    described = await call(scope, 'ec2:DescribeSubnets', () =>
      client.send(new DescribeSubnetsCommand({ SubnetIds: ids })),
    );
  } catch (error) {
    const unknown = ids.filter(id =>
      String((error as Error).message).includes(id),
    );
    if (unknown.length) {
      throw new InputError(
        `${unknown.map(fieldOf).join(', ')}: ${unknown.join(
          ', ',
        )} not found in network account ${input.networkAccountId} (${
          input.region
        })`,
      );
    }
    throw error;
  }
  const byId = new Map<string, Subnet>(
    (described.Subnets ?? []).map(s => [s.SubnetId!, s]),
  );
  const missing = ids.filter(id => !byId.has(id));
  if (missing.length) {
    throw new InputError(
      `${[...new Set(missing.map(fieldOf))].join(
        ', ',
      )}: subnets not found in network account ${
        input.networkAccountId
      }: ${missing.join(', ')}`,
    );
  }
  const outside = ids.filter(id => byId.get(id)!.VpcId !== input.vpcId);
  if (outside.length) {
    throw new InputError(
      `${[...new Set(outside.map(fieldOf))].join(', ')}: ${outside.join(
        ', ',
      )} not in ${input.vpcId}. Choose subnets of the shared VPC.`,
    );
  }
  const routeTables = await call(scope, 'ec2:DescribeRouteTables', () =>
    client.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'vpc-id', Values: [input.vpcId] }],
      }),
    ),
  );
  const notPublic = input.albSubnetIds.filter(
    id => !isPublicSubnet(id, routeTables.RouteTables ?? []),
  );
  if (notPublic.length) {
    throw new InputError(
      `albSubnetIds: ${notPublic.join(
        ', ',
      )} have no route to an internet gateway; an internet-facing ALB needs public subnets`,
    );
  }
  await checkNodeEgress(input, scope, client, routeTables.RouteTables ?? []);
  const toOutput = (id: string): SharedSubnet => {
    const s = byId.get(id)!;
    return {
      subnetId: id,
      subnetArn:
        s.SubnetArn ?? subnetArn(input.region, input.networkAccountId, id),
      cidr: s.CidrBlock ?? '',
      availabilityZone: s.AvailabilityZone ?? '',
      availabilityZoneId: s.AvailabilityZoneId ?? '',
    };
  };
  const albSubnets = input.albSubnetIds.map(toOutput);
  const nodeSubnets = input.nodeSubnetIds.map(toOutput);
  for (const [field, list] of [
    ['albSubnetIds', albSubnets],
    ['nodeSubnetIds', nodeSubnets],
  ] as const) {
    const zones = new Set(list.map(s => s.availabilityZoneId));
    if (zones.size < 2) {
      throw new InputError(
        `${field}: the subnets are all in one availability zone (${[
          ...zones,
        ].join(', ')}); choose subnets in at least two AZs`,
      );
    }
  }
  // An ALB takes one subnet per AZ (CreateLoadBalancer refuses two of one AZ); the
  // controller would only say so once the Ingress is reconciled, long after this template.
  const albByZone = new Map<string, SharedSubnet[]>();
  for (const s of albSubnets) {
    albByZone.set(s.availabilityZoneId, [
      ...(albByZone.get(s.availabilityZoneId) ?? []),
      s,
    ]);
  }
  for (const [zoneId, inZone] of albByZone) {
    if (inZone.length > 1) {
      throw new InputError(
        `albSubnetIds: ${inZone
          .map(s => s.subnetId)
          .join(' and ')} are all in availability zone ${
          inZone[0].availabilityZone
        } (${zoneId}); an ALB takes one subnet per AZ. Keep one public subnet per AZ in the load balancer's subnets.`,
      );
    }
  }
  ctx.logger.info(
    `Shared network ${input.vpcId} (${vpc.CidrBlock}) in network account ${input.networkAccountId}: ${albSubnets.length} ALB subnets, ${nodeSubnets.length} node subnets`,
  );
  ctx.output('vpcId', input.vpcId);
  ctx.output('vpcCidr', vpc.CidrBlock ?? '');
  ctx.output('albSubnets', albSubnets);
  ctx.output('nodeSubnets', nodeSubnets);
  ctx.output(
    'subnetArns',
    ids.map(id => toOutput(id).subnetArn),
  );
  if (organizationId) ctx.output('organizationId', organizationId);
}

/** The interface endpoints nodes in private subnets without NAT need (eksctl's docs for fully-private clusters). */
const NODE_INTERFACE_ENDPOINTS = ['ec2', 'ecr.api', 'ecr.dkr', 'sts'];

/** The table a subnet uses: its explicit association, else the VPC's main table. */
function routeTableOf(
  subnetId: string,
  routeTables: RouteTable[],
): RouteTable | undefined {
  return (
    routeTables.find(rt =>
      rt.Associations?.some(a => a.SubnetId === subnetId),
    ) ?? routeTables.find(rt => rt.Associations?.some(a => a.Main))
  );
}

/** True when the table sends 0.0.0.0/0 through something that translates private addresses. */
function hasNatRoute(table: RouteTable | undefined): boolean {
  return (
    table?.Routes?.some(
      r =>
        r.DestinationCidrBlock === '0.0.0.0/0' &&
        r.State !== 'blackhole' &&
        Boolean(
          r.NatGatewayId ||
            r.TransitGatewayId ||
            r.InstanceId ||
            r.NetworkInterfaceId,
        ),
    ) ?? false
  );
}

/**
 * What a node subnet lacks to reach the services nodes call, given its route table and the
 * VPC's endpoints: nothing when a NAT (or transit gateway, or NAT instance) route exists,
 * else each missing endpoint (`s3 gateway` when no S3 gateway endpoint serves its table).
 */
function missingNodeEgress(
  region: string,
  table: RouteTable | undefined,
  endpoints: VpcEndpoint[],
): string[] {
  if (hasNatRoute(table)) return [];
  const usable = endpoints.filter(
    e =>
      !['deleted', 'deleting', 'failed', 'rejected', 'expired'].includes(
        String(e.State ?? '').toLowerCase(),
      ),
  );
  const service = (name: string) => `com.amazonaws.${region}.${name}`;
  const missing = NODE_INTERFACE_ENDPOINTS.filter(
    name =>
      !usable.some(
        e =>
          e.ServiceName === service(name) &&
          (e.VpcEndpointType ?? 'Interface') === 'Interface',
      ),
  );
  const s3 = usable.some(
    e =>
      e.ServiceName === service('s3') &&
      (e.VpcEndpointType === 'Gateway'
        ? (e.RouteTableIds ?? []).includes(table?.RouteTableId ?? '')
        : true),
  );
  return s3 ? missing : [...missing, 's3 gateway'];
}

/**
 * eksctl creates no NAT gateway for an existing VPC: nodes of a private subnet without a NAT
 * route or the VPC endpoints they use never join the cluster, and eksctl says so only after
 * some 20 minutes. Refuses such subnets by name, saying what is missing.
 */
async function checkNodeEgress(
  input: Input,
  scope: ScopeBase,
  client: EC2Client,
  routeTables: RouteTable[],
) {
  const described = await call(scope, 'ec2:DescribeVpcEndpoints', () =>
    client.send(
      new DescribeVpcEndpointsCommand({
        Filters: [{ Name: 'vpc-id', Values: [input.vpcId] }],
      }),
    ),
  );
  const endpoints = described?.VpcEndpoints ?? [];
  const problems = input.nodeSubnetIds
    .map(id => {
      const table = routeTableOf(id, routeTables);
      return {
        id,
        table: table?.RouteTableId ?? 'the main route table',
        missing: missingNodeEgress(input.region, table, endpoints),
      };
    })
    .filter(p => p.missing.length);
  if (problems.length) {
    throw new InputError(
      `nodeSubnetIds: ${problems
        .map(p => `${p.id} (route table ${p.table})`)
        .join(
          ', ',
        )} have no egress for the nodes: no 0.0.0.0/0 route to a NAT gateway, and the VPC lacks the endpoints nodes need (missing: ${[
        ...new Set(problems.flatMap(p => p.missing)),
      ].join(
        ', ',
      )}). eksctl creates no NAT gateway in an existing VPC, so the nodes would never join the cluster. In network account ${
        input.networkAccountId
      }, add a 0.0.0.0/0 route to a NAT gateway to those route tables, or create the missing VPC endpoints in ${
        input.vpcId
      } (interface endpoints for ${NODE_INTERFACE_ENDPOINTS.join(
        ', ',
      )} and an S3 gateway endpoint on those route tables).`,
    );
  }
}
