/*
 * What the certificate actions (ensure and delete) share: the host name and its zone as input,
 * checked before any AWS call, and their two accounts: ACM in the network account (an ALB takes
 * certificates of its own account and region), Route 53 in the zone's account.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import {
  accountClient,
  ActionRun,
  AnyContext,
  AwsActionOptions,
  dnsScope,
  networkScope,
} from './action';
import { fields, isInZone, Zod } from './schemas';

/** The fields naming the certificate's accounts, its host name and the name's zone. */
export function certificateFields(zod: Zod) {
  const f = fields(zod);
  return {
    networkAccountId: f
      .networkAccountId()
      .describe(
        "Account-A: the ALB's account, where the certificate is (ACM of the ALB's account and region)",
      ),
    region: f.region(),
    hostName: f
      .hostName()
      .describe(
        'The name the application is reached at, e.g. shop.example.com',
      ),
    dnsAccountId: f
      .accountId()
      .describe(
        'The account that holds the hosted zone of hostName (may be the network account)',
      ),
    hostedZoneId: f
      .hostedZoneId()
      .describe(
        'The public Route 53 hosted zone of hostName, e.g. Z0123456789ABCDEFGHIJ',
      ),
    hostedZoneName: f
      .hostName()
      .describe(
        'The name of that hosted zone, e.g. example.com; hostName must be in it',
      ),
  };
}

/** For `superRefine`: hostName must be in the zone, refused naming hostName. */
export function refineHostInZone(
  value: { hostName: string; hostedZoneName: string },
  ctx: {
    addIssue(issue: { code: 'custom'; path: string[]; message: string }): void;
  },
): void {
  if (!isInZone(value.hostName, value.hostedZoneName)) {
    ctx.addIssue({
      code: 'custom',
      path: ['hostName'],
      message: `expected a name in hosted zone ${value.hostedZoneName} (${value.hostName} is outside it): use <name>.${value.hostedZoneName}, or pick the zone the name belongs to`,
    });
  }
}

export interface CertificateAccounts {
  acm: ACMClient;
  route53: Route53Client;
  /** The run's steps in the network account (ACM) and in the zone's account (Route 53). */
  network: ActionRun;
  dns: ActionRun;
}

/**
 * Clients acting as both accounts. Both must be ones Backstage acts in (`aws.accounts`), in a
 * dry-run as in a run: the error names the field of the one it does not.
 */
export async function certificateAccounts(
  ctx: AnyContext,
  options: AwsActionOptions,
  input: { networkAccountId: string; dnsAccountId: string; region: string },
): Promise<CertificateAccounts> {
  const acm = await accountClient(
    options,
    ACMClient,
    { accountId: input.networkAccountId, region: input.region },
    'networkAccountId',
  );
  const route53 = await accountClient(
    options,
    Route53Client,
    { accountId: input.dnsAccountId, region: input.region },
    'dnsAccountId',
  );
  return {
    acm,
    route53,
    network: {
      ctx,
      options,
      scope: networkScope(options, input.networkAccountId),
    },
    dns: { ctx, options, scope: dnsScope(options, input.dnsAccountId) },
  };
}
