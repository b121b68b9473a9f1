import {
  DescribeOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { InputError } from '@backstage/errors';
import { unlessAwsError } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  accountClient,
  AwsActionOptions,
  call,
  networkScope,
  workloadScope,
} from './action';

/**
 * The ID of the AWS Organization the account belongs to, read as that account (any member
 * may call organizations:DescribeOrganization), or undefined when it belongs to none.
 */
async function organizationIdOf(
  options: AwsActionOptions,
  accountId: string,
  kind: 'network' | 'workload',
  region: string,
): Promise<string | undefined> {
  const scope =
    kind === 'network'
      ? networkScope(options, accountId)
      : workloadScope(options, accountId);
  const client = await accountClient(
    options,
    OrganizationsClient,
    { accountId, region },
    `${kind}AccountId`,
  );
  const answer = await call(scope, 'organizations:DescribeOrganization', () =>
    unlessAwsError(
      ['AWSOrganizationsNotInUseException'],
      client.send(new DescribeOrganizationCommand({})),
    ),
  );
  return answer?.Organization?.Id;
}

/** What the check cannot see, said where it passes. */
export const ORGANIZATION_SHARING_NOTE =
  'RAM sharing with the Organization must also be enabled once, from its management account (aws ram enable-sharing-with-aws-organization); only that account can read the setting, so a share that stays ASSOCIATING means it is not.';

/**
 * Refuses two accounts that are not in one AWS Organization, comparing the Organization each
 * sees: subnets can only be shared inside one Organization, and RAM otherwise leaves the
 * principal pending until the share step times out. Returns the Organization's ID.
 */
export async function checkSameOrganization(
  options: AwsActionOptions,
  accounts: { networkAccountId: string; workloadAccountId: string },
  region: string,
): Promise<string> {
  const { networkAccountId, workloadAccountId } = accounts;
  const networkOrg = await organizationIdOf(
    options,
    networkAccountId,
    'network',
    region,
  );
  const workloadOrg = await organizationIdOf(
    options,
    workloadAccountId,
    'workload',
    region,
  );
  if (!networkOrg) {
    throw new InputError(
      `networkAccountId: network account ${networkAccountId} is not a member of an AWS Organization, and subnets can only be shared inside one. Add it to the Organization of workload account ${workloadAccountId}${
        workloadOrg ? ` (${workloadOrg})` : ''
      }, or choose a network account that is a member.`,
    );
  }
  if (!workloadOrg) {
    throw new InputError(
      `workloadAccountId: workload account ${workloadAccountId} is not a member of an AWS Organization, so RAM cannot share the subnets with it (the share would wait for an invitation). Invite it into the Organization ${networkOrg} of network account ${networkAccountId} from that Organization's management account (aws organizations invite-account-to-organization) and accept the invitation, or choose a workload account of ${networkOrg}.`,
    );
  }
  if (networkOrg !== workloadOrg) {
    throw new InputError(
      `workloadAccountId: workload account ${workloadAccountId} is in Organization ${workloadOrg} but network account ${networkAccountId} is in ${networkOrg}, and subnets can only be shared inside one Organization. Choose a workload account of ${networkOrg}, or move the account into it.`,
    );
  }
  return networkOrg;
}
