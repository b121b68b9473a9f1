import {
  HostedZone,
  ListHostedZonesCommand,
  ListHostedZonesCommandOutput,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { InputError, NotAllowedError } from '@backstage/errors';
import { z } from 'zod/v3';
import { AwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import { call, dnsScope } from '../lib/action';
import { fields } from '../lib/schemas';

export interface HostedZoneResult {
  id: string;
  title: string;
}

const f = fields(z);
const zoneContext = z.object({
  dnsAccountId: f.accountId(),
  // Route 53 is global, but its endpoint and ARNs follow the partition of the region the form
  // names (aws-cn, aws-us-gov); without one, the commercial partition.
  region: f.region().optional(),
});

/** The zone's ID as the actions take it: without the `/hostedzone/` the API puts before it. */
export const bareZoneId = (id: string) => id.replace(/^\/hostedzone\//, '');

/** The zone's name as the actions take it: without the trailing dot. */
const bareZoneName = (name: string) => name.replace(/\.$/, '');

/** At most this many pages of 100 zones (Route 53's page size), i.e. 10 000 zones. */
const MAX_PAGES = 100;

/**
 * Lists the public hosted zones of a DNS account for the template forms' zone picker
 * (`route53:ListHostedZones`, every page). Private zones are left out: ACM validates a
 * certificate through a public record, and the host names the ALB templates publish are public.
 * Only for accounts configured in `aws.accounts`.
 */
export function createHostedZoneLister(options: { clients: AwsClientFactory }) {
  const { clients } = options;
  return async function hostedZones(
    context: Record<string, string>,
  ): Promise<HostedZoneResult[]> {
    const parsed = zoneContext.safeParse(context);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(
        `${issue.path.join('.') || 'context'}: ${issue.message}`,
      );
    }
    const { dnsAccountId, region = 'us-east-1' } = parsed.data;
    if (!clients.roleNameFor(dnsAccountId)) {
      throw new NotAllowedError(
        `dnsAccountId: account ${dnsAccountId} is not configured: add it to aws.accounts (accountId and the roleName Backstage assumes)`,
      );
    }
    const route53 = await clients.client(Route53Client, {
      accountId: dnsAccountId,
      region,
    });
    const scope = dnsScope({ clients }, dnsAccountId);
    const zones: HostedZone[] = [];
    let marker: string | undefined;
    const listPage = (Marker: string | undefined) =>
      call(scope, 'route53:ListHostedZones', () =>
        route53.send(new ListHostedZonesCommand({ Marker })),
      );
    for (let page = 0; page < MAX_PAGES; page++) {
      const out: ListHostedZonesCommandOutput = await listPage(marker);
      zones.push(...(out.HostedZones ?? []));
      if (!out.IsTruncated || !out.NextMarker) break;
      marker = out.NextMarker;
    }
    return zones
      .filter(zone => zone.Id && zone.Name && !zone.Config?.PrivateZone)
      .map(zone => ({
        id: bareZoneId(zone.Id!),
        name: bareZoneName(zone.Name!),
        records: zone.ResourceRecordSetCount,
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map(zone => ({
        id: zone.id,
        title: [
          zone.name,
          zone.id,
          zone.records === undefined
            ? undefined
            : `${zone.records} record${zone.records === 1 ? '' : 's'}`,
        ]
          .filter(Boolean)
          .join(' · '),
      }));
  };
}
