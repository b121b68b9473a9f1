import {
  AuditorService,
  AuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  awsHostedZonesReadPermission,
  awsNetworkReadPermission,
} from '@cross-account-alb/plugin-aws-alb-common';

type AutocompleteHandler = (request: {
  resource: string;
  token: string;
  context: Record<string, string>;
}) => Promise<{ results: { title?: string; id: string }[] }>;

/**
 * The network pickers read Account-A (and the zone picker the DNS account) with the portal's
 * own roles, so the caller must hold the right of the template that uses them
 * (`aws-cross-account.network.read`, which the policy grants to those who may run the
 * onboarding template; `aws-cross-account.hosted-zones.read` for the zone picker of the
 * application teams' template). The scaffolder's route hands
 * providers only the `token` of the request body; the form fields send the user's Backstage
 * token there, and it is verified here like any other. Refusals are audited.
 */
export function authorizedAutocompleteHandler(options: {
  handler: AutocompleteHandler;
  auth: AuthService;
  permissions: PermissionsService;
  auditor?: AuditorService;
}): AutocompleteHandler {
  const { handler, auth, permissions, auditor } = options;
  return async request => {
    let credentials;
    try {
      credentials = await auth.authenticate(request.token);
    } catch (error) {
      throw new AuthenticationError(
        'token: the network pickers need your Backstage token (sign in again)',
      );
    }
    const zones = request.resource === 'hosted-zones';
    const permission = zones
      ? awsHostedZonesReadPermission
      : awsNetworkReadPermission;
    const [decision] = await permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) {
      const principal = credentials.principal as {
        userEntityRef?: string;
        subject?: string;
      };
      const event = await auditor?.createEvent({
        eventId: 'aws-cross-account-refused',
        severityLevel: 'medium',
        meta: {
          user: principal.userEntityRef ?? principal.subject ?? 'unknown',
          permission: permission.name,
          resource: request.resource,
          networkAccountId: request.context?.networkAccountId ?? null,
          dnsAccountId: request.context?.dnsAccountId ?? null,
        },
      });
      const error = new NotAllowedError(
        zones
          ? `You may not list the DNS account's hosted zones: it needs the ${permission.name} permission. Type the zone's ID and name, or ask the platform team`
          : `You may not list the network account's VPCs and subnets: it needs the ${permission.name} permission, which the platform team grants to those who run the cluster onboarding template`,
      );
      await event?.fail({ error });
      throw error;
    }
    return handler(request);
  };
}
