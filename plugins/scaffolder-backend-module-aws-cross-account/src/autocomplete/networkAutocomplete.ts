import {
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  Tag,
} from '@aws-sdk/client-ec2';
import { InputError, NotAllowedError } from '@backstage/errors';
import { z } from 'zod/v3';
import { isPublicSubnet } from '../actions/describeSharedNetwork';
import { AwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { call, networkScope } from '../lib/action';
import { fields } from '../lib/schemas';
import { createHostedZoneLister } from './hostedZoneAutocomplete';

/** The provider id of `POST /api/scaffolder/v2/autocomplete/:provider/:resource`. */
export const NETWORK_AUTOCOMPLETE_PROVIDER = 'aws-cross-account';

/**
 * What the form can ask for: the network account's VPCs, one VPC's subnets by tier, or a DNS
 * account's public hosted zones.
 */
export const NETWORK_AUTOCOMPLETE_RESOURCES = [
  'vpcs',
  'public-subnets',
  'private-subnets',
  'hosted-zones',
] as const;

export type NetworkAutocompleteResource =
  (typeof NETWORK_AUTOCOMPLETE_RESOURCES)[number];

export interface AutocompleteResult {
  id: string;
  title?: string;
}

const f = fields(z);
const accountContext = z.object({
  networkAccountId: f.networkAccountId(),
  region: f.region(),
});
const vpcContext = accountContext.extend({ vpcId: f.vpcId() });

function parseContext<T extends z.ZodTypeAny>(
  schema: T,
  context: Record<string, string>,
): z.infer<T> {
  const parsed = schema.safeParse(context);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      `${issue.path.join('.') || 'context'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

const nameOf = (tags: Tag[] | undefined) =>
  tags?.find(t => t.Key === 'Name')?.Value;

const title = (...parts: Array<string | undefined>) =>
  parts.filter(Boolean).join(' · ');

/**
 * Lists the network account's VPCs and a VPC's public or private subnets for the template
 * forms, so nobody copies IDs from the console. Read-only (DescribeVpcs, DescribeSubnets,
 * DescribeRouteTables: calls the network role already makes in describe-shared-network), and
 * only for accounts configured in `aws.accounts`. A subnet is public when its route table
 * (explicit, else the VPC's main one) routes to an internet gateway, as the action checks it.
 * `hosted-zones` lists a DNS account's public zones with the DNS role (see
 * hostedZoneAutocomplete.ts).
 */
export function createNetworkAutocompleteHandler(options: {
  clients: AwsClientFactory;
}) {
  const { clients } = options;
  const hostedZones = createHostedZoneLister({ clients });

  async function ec2For(networkAccountId: string, region: string) {
    if (!clients.roleNameFor(networkAccountId)) {
      throw new NotAllowedError(
        `networkAccountId: account ${networkAccountId} is not configured: add it to aws.accounts (accountId and the roleName Backstage assumes)`,
      );
    }
    return clients.client(EC2Client, { accountId: networkAccountId, region });
  }

  async function vpcs(context: Record<string, string>) {
    const { networkAccountId, region } = parseContext(accountContext, context);
    const ec2 = await ec2For(networkAccountId, region);
    const scope = networkScope({ clients }, networkAccountId);
    const found = await call(scope, 'ec2:DescribeVpcs', () =>
      ec2.send(
        new DescribeVpcsCommand({
          Filters: [{ Name: 'owner-id', Values: [networkAccountId] }],
        }),
      ),
    );
    return (found.Vpcs ?? [])
      .filter(v => v.VpcId && v.State !== 'pending')
      .sort(
        (a, b) =>
          Number(a.IsDefault ?? false) - Number(b.IsDefault ?? false) ||
          (nameOf(a.Tags) ?? a.VpcId!).localeCompare(
            nameOf(b.Tags) ?? b.VpcId!,
          ),
      )
      .map(
        (v): AutocompleteResult => ({
          id: v.VpcId!,
          title: title(
            v.VpcId,
            nameOf(v.Tags),
            v.CidrBlock,
            v.IsDefault ? 'default VPC' : undefined,
          ),
        }),
      );
  }

  async function subnets(
    context: Record<string, string>,
    tier: 'public' | 'private',
  ) {
    const { networkAccountId, region, vpcId } = parseContext(
      vpcContext,
      context,
    );
    const ec2: EC2Client = await ec2For(networkAccountId, region);
    const scope = networkScope({ clients }, networkAccountId);
    const inVpc = [{ Name: 'vpc-id', Values: [vpcId] }];
    const [described, routeTables] = await Promise.all([
      call(scope, 'ec2:DescribeSubnets', () =>
        ec2.send(new DescribeSubnetsCommand({ Filters: inVpc })),
      ),
      call(scope, 'ec2:DescribeRouteTables', () =>
        ec2.send(new DescribeRouteTablesCommand({ Filters: inVpc })),
      ),
    ]);
    return (described.Subnets ?? [])
      .filter(
        s =>
          s.SubnetId &&
          isPublicSubnet(s.SubnetId, routeTables.RouteTables ?? []) ===
            (tier === 'public'),
      )
      .sort(
        (a, b) =>
          (a.AvailabilityZone ?? '').localeCompare(b.AvailabilityZone ?? '') ||
          (a.CidrBlock ?? '').localeCompare(b.CidrBlock ?? ''),
      )
      .map(
        (s): AutocompleteResult => ({
          id: s.SubnetId!,
          title: title(
            s.SubnetId,
            s.AvailabilityZoneId
              ? `${s.AvailabilityZone} (${s.AvailabilityZoneId})`
              : s.AvailabilityZone,
            s.CidrBlock,
            nameOf(s.Tags),
          ),
        }),
      );
  }

  return async function handler(request: {
    resource: string;
    token: string;
    context: Record<string, string>;
  }): Promise<{ results: AutocompleteResult[] }> {
    const context = request.context ?? {};
    switch (request.resource as NetworkAutocompleteResource) {
      case 'vpcs':
        return { results: await vpcs(context) };
      case 'public-subnets':
        return { results: await subnets(context, 'public') };
      case 'private-subnets':
        return { results: await subnets(context, 'private') };
      case 'hosted-zones':
        return { results: await hostedZones(context) };
      default:
        throw new InputError(
          `Unknown resource ${JSON.stringify(
            request.resource,
          )} for ${NETWORK_AUTOCOMPLETE_PROVIDER}: expected one of ${NETWORK_AUTOCOMPLETE_RESOURCES.join(
            ', ',
          )}`,
        );
    }
  };
}
