import type { CertificateDetail } from '@aws-sdk/client-acm';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { InputError } from '@backstage/errors';
import { awsErrorName } from '@cross-account-alb/plugin-aws-cross-account-node';
import { call, ScopeBase } from './action';

/** A DNS name compared as DNS does: lower case, without the trailing dot. */
export const dnsName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * The hosted zone, as its account has it: it must exist, be the zone named in the input and
 * be public (`whyPublic` says what needs that, for the message). Read-only: a dry-run makes
 * the same check.
 */
export async function checkPublicZone(
  scope: ScopeBase,
  route53: Route53Client,
  input: { dnsAccountId: string; hostedZoneId: string; hostedZoneName: string },
  whyPublic: string,
): Promise<void> {
  const zone = await call(scope, 'route53:GetHostedZone', () =>
    route53.send(new GetHostedZoneCommand({ Id: input.hostedZoneId })),
  ).catch(error => {
    if (awsErrorName((error as Error).cause ?? error) === 'NoSuchHostedZone') {
      throw new InputError(
        `hostedZoneId: no hosted zone ${input.hostedZoneId} in DNS account ${input.dnsAccountId}. Pick the zone of ${input.hostedZoneName} in the account that holds it.`,
      );
    }
    throw error;
  });
  const name = dnsName(zone.HostedZone?.Name ?? '');
  if (name !== input.hostedZoneName) {
    throw new InputError(
      `hostedZoneId: ${input.hostedZoneId} is the zone of ${name}, not of hostedZoneName ${input.hostedZoneName}. Pick the zone ${input.hostedZoneName} (or give its name as hostedZoneName).`,
    );
  }
  if (zone.HostedZone?.Config?.PrivateZone) {
    throw new InputError(
      `hostedZoneId: ${input.hostedZoneId} (${name}) is a private hosted zone; ${whyPublic} of ${name}.`,
    );
  }
}

/** A DNS validation record ACM asks for. */
export interface ValidationRecord {
  name: string;
  type: string;
  value: string;
}

/** The validation records ACM asks for, once it has made them (a few seconds after request). */
export function validationRecords(cert: CertificateDetail): ValidationRecord[] {
  const records = new Map<string, ValidationRecord>();
  for (const option of cert.DomainValidationOptions ?? []) {
    const r = option.ResourceRecord;
    if (r?.Name && r.Value && r.Type) {
      // `*.x` and `x` share one record.
      records.set(dnsName(r.Name), {
        name: r.Name,
        type: r.Type,
        value: r.Value,
      });
    }
  }
  return [...records.values()];
}
