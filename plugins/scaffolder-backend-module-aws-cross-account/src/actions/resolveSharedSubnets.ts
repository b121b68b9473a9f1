import {
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  Subnet,
} from '@aws-sdk/client-ec2';
import { InputError, NotFoundError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  accountClient,
  AwsActionOptions,
  call,
  workloadScope,
  AwsTemplateAction,
  sleep,
} from '../lib/action';
import { accountsMustDiffer, fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './resolveSharedSubnets.examples';
import { unlessAwsError } from '@cross-account-alb/plugin-aws-cross-account-node';

export const RESOLVE_SHARED_SUBNETS_ID = 'aws:ec2:resolve-shared-subnets';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      workloadAccountId: f.workloadAccountId(),
      networkAccountId: f.networkAccountId(),
      region: f.region(),
      subnetIds: zod
        .array(f.subnetId())
        .min(1, 'expected at least one subnet ID')
        .describe('The shared subnets, as output by aws:ram:share-subnets'),
      waitTimeoutSeconds: zod
        .number()
        .int()
        .min(0)
        .max(900)
        .default(120)
        .describe(
          'How long to wait for shared subnets to become visible in the workload account; they appear a little after the share is ASSOCIATED',
        ),
    })
    .superRefine(accountsMustDiffer);
};

const resolvedSubnet = (zod: Zod) =>
  zod.object({
    subnetId: zod.string(),
    availabilityZone: zod
      .string()
      .describe('The AZ name as the workload account sees it'),
    availabilityZoneId: zod.string(),
    cidr: zod.string(),
  });

const outputSchema = (zod: Zod) =>
  zod.object({
    vpcId: zod.string(),
    subnets: zod.array(resolvedSubnet(zod)),
    eksctlSubnets: zod
      .record(zod.object({ id: zod.string() }))
      .describe(
        'Map for eksctl vpc.subnets.private: keyed by the workload account AZ names',
      ),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;
type ResolvedSubnet = z.infer<ReturnType<typeof resolvedSubnet>>;

/**
 * The resolve-shared-subnets action's own knobs, apart from the module's options: how it
 * waits for shared subnets to appear. Tests pass a fake `sleep` and `now`.
 */
export interface ResolveSharedSubnetsActionOptions extends AwsActionOptions {
  /** Bounded exponential backoff between looks (default 2 s doubling to 15 s). */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Replaced in tests to avoid real waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Replaced in tests with a fake clock. */
  now?: () => number;
}

export function createResolveSharedSubnetsAction(
  options: ResolveSharedSubnetsActionOptions,
): AwsTemplateAction {
  const wait = options.sleep ?? sleep;
  const now = options.now ?? Date.now;
  const initialDelayMs = options.backoff?.initialDelayMs ?? 2000;
  const maxDelayMs = options.backoff?.maxDelayMs ?? 15000;
  return createTemplateAction({
    id: RESOLVE_SHARED_SUBNETS_ID,
    description:
      'Reads the shared subnets as the workload account (Account-B) sees them and outputs each one keyed by its Account-B AZ name (mapped through the AZ ID), ready for an eksctl ClusterConfig.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        RESOLVE_SHARED_SUBNETS_ID,
      );
      const scope = workloadScope(options, input.workloadAccountId);

      const target = {
        accountId: input.workloadAccountId,
        region: input.region,
      };
      // Credentials first, in a dry-run too: an account Backstage has none for (not in
      // aws.accounts) fails here as the real run would.
      const ec2 = await accountClient(
        options,
        EC2Client,
        target,
        'workloadAccountId',
      );

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would read ${input.subnetIds.join(
            ', ',
          )} as workload account ${input.workloadAccountId}`,
        );
        const subnets = input.subnetIds.map((subnetId, i) => ({
          subnetId,
          availabilityZone: `${input.region}${'abc'[i % 3]}`,
          availabilityZoneId: `dry-run-az${(i % 3) + 1}`,
          cidr: `10.0.${i}.0/24`,
        }));
        ctx.output('vpcId', 'vpc-00000000');
        ctx.output('subnets', subnets);
        ctx.output(
          'eksctlSubnets',
          Object.fromEntries(
            subnets.map(s => [s.availabilityZone, { id: s.subnetId }]),
          ),
        );
        ctx.output('dryRun', true);
        return;
      }

      // Shared subnets appear in the participant a little after the share is ASSOCIATED:
      // look again, with a bounded backoff, before saying they are not there.
      const deadline = now() + input.waitTimeoutSeconds * 1000;
      let delay = initialDelayMs;
      let subnets: Subnet[];
      for (;;) {
        const described = await call(scope, 'ec2:DescribeSubnets', () =>
          unlessAwsError(
            ['InvalidSubnetID.NotFound'],
            ec2.send(
              new DescribeSubnetsCommand({ SubnetIds: input.subnetIds }),
            ),
          ),
        );
        const seen = new Set((described?.Subnets ?? []).map(s => s.SubnetId));
        subnets = described?.Subnets ?? [];
        const missing = input.subnetIds.filter(id => !seen.has(id));
        if (described && !missing.length) break;
        if (now() + delay > deadline) throw notVisibleError(input);
        ctx.logger.info(
          `Workload account ${
            input.workloadAccountId
          } does not see ${missing.join(
            ', ',
          )} yet (shared subnets appear a little after the share is ASSOCIATED); looking again in ${Math.round(
            delay / 1000,
          )}s`,
        );
        await wait(delay);
        delay = Math.min(delay * 2, maxDelayMs);
      }
      const foreign = subnets.filter(
        s => s.OwnerId && s.OwnerId !== input.networkAccountId,
      );
      if (foreign.length) {
        throw new InputError(
          `subnetIds: ${foreign
            .map(s => `${s.SubnetId} is owned by ${s.OwnerId}`)
            .join(', ')}, not by the network account ${input.networkAccountId}`,
        );
      }
      const vpcs = new Set(subnets.map(s => s.VpcId));
      if (vpcs.size !== 1) {
        throw new InputError(
          `subnetIds: the subnets belong to several VPCs (${[...vpcs].join(
            ', ',
          )}); share subnets of one VPC`,
        );
      }
      // AZ names are shuffled per account (eksctl #2910); AZ IDs are not.
      const zones = await call(scope, 'ec2:DescribeAvailabilityZones', () =>
        ec2.send(
          new DescribeAvailabilityZonesCommand({
            Filters: [
              {
                Name: 'zone-id',
                Values: [...new Set(subnets.map(s => s.AvailabilityZoneId!))],
              },
            ],
          }),
        ),
      );
      const nameById = new Map(
        (zones.AvailabilityZones ?? []).map(zn => [zn.ZoneId, zn.ZoneName]),
      );
      const resolved: ResolvedSubnet[] = input.subnetIds.map(id => {
        const s = subnets.find(x => x.SubnetId === id)!;
        const azName = nameById.get(s.AvailabilityZoneId) ?? s.AvailabilityZone;
        if (!azName) {
          throw new Error(
            `Workload account ${input.workloadAccountId} reported no AZ for ${id} (zone ID ${s.AvailabilityZoneId})`,
          );
        }
        return {
          subnetId: id,
          availabilityZone: azName,
          availabilityZoneId: s.AvailabilityZoneId ?? '',
          cidr: s.CidrBlock ?? '',
        };
      });
      const eksctlSubnets: Record<string, { id: string }> = {};
      for (const s of resolved) {
        if (eksctlSubnets[s.availabilityZone]) {
          // eksctl keys subnets by AZ: two in one AZ cannot both be listed.
          throw new InputError(
            `subnetIds: ${eksctlSubnets[s.availabilityZone].id} and ${
              s.subnetId
            } are both in ${
              s.availabilityZone
            }; eksctl takes one subnet per AZ`,
          );
        }
        eksctlSubnets[s.availabilityZone] = { id: s.subnetId };
      }
      ctx.logger.info(
        `Workload account ${input.workloadAccountId} sees ${resolved
          .map(
            s =>
              `${s.subnetId} in ${s.availabilityZone} (${s.availabilityZoneId})`,
          )
          .join(', ')}`,
      );
      ctx.output('vpcId', [...vpcs][0]!);
      ctx.output('subnets', resolved);
      ctx.output('eksctlSubnets', eksctlSubnets);
    },
  });
}

function notVisibleError(input: Input): NotFoundError {
  return new NotFoundError(
    `Workload account ${
      input.workloadAccountId
    } cannot see the subnets ${input.subnetIds.join(', ')} after waiting ${
      input.waitTimeoutSeconds
    }s (waitTimeoutSeconds). Share them first with aws:ram:share-subnets from network account ${
      input.networkAccountId
    }, and check the share's principal association is ASSOCIATED (outside an Organization the invitation must be accepted in the workload account). If the share is ASSOCIATED, the subnets may still be on their way: run the task again, or raise waitTimeoutSeconds.`,
  );
}
