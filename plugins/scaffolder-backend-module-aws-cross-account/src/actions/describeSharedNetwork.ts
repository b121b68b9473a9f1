import {
  EC2Client,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RouteTable,
  Subnet,
} from '@aws-sdk/client-ec2';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import { AwsActionOptions, call, networkScope, ScopeBase } from '../lib/action';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './describeSharedNetwork.examples';
import {
  subnetArn,
  unlessAwsError,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const DESCRIBE_SHARED_NETWORK_ID = 'aws:ec2:describe-shared-network';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod.object({
    networkAccountId: f.networkAccountId(),
    region: f.region(),
    vpcId: f.vpcId(),
    albSubnetIds: zod
      .array(f.subnetId())
      .min(2, 'expected at least two public subnets, in two AZs')
      .describe('Public subnets for the ALB (routed to an internet gateway)'),
    nodeSubnetIds: zod
      .array(f.subnetId())
      .min(2, 'expected at least two private subnets, in two AZs')
      .describe('Private subnets for the EKS nodes'),
  });
};

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

export function createDescribeSharedNetworkAction(options: AwsActionOptions) {
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
        // Read-only, so a dry-run reads the real network when it can; without credentials
        // it outputs plausible values so the rest of the template can be previewed.
        try {
          const dryRunClient = await options.clients.client(EC2Client, target);
          await readSharedNetwork(ctx, input, scope, dryRunClient);
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
      const client = await options.clients.client(EC2Client, target);
      await readSharedNetwork(ctx, input, scope, client);
    },
  });
}

async function readSharedNetwork(
  ctx: {
    logger: { info(message: string): void };
    output(name: any, value: any): void;
  },
  input: Input,
  scope: ScopeBase,
  client: EC2Client,
) {
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
}
