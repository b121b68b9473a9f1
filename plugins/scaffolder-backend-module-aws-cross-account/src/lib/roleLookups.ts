import {
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { call, ScopeBase } from './action';

/**
 * The ARNs of the managed policies attached to a role, every page. The controller role's
 * ensure action checks its policy is among them; its delete action detaches them first.
 */
export async function attachedPolicyArns(
  iam: IAMClient,
  scope: ScopeBase,
  roleName: string,
): Promise<string[]> {
  const attached: string[] = [];
  let marker: string | undefined;
  do {
    const request = new ListAttachedRolePoliciesCommand({
      RoleName: roleName,
      Marker: marker,
    });
    const page = await call(scope, 'iam:ListAttachedRolePolicies', () =>
      iam.send(request),
    );
    attached.push(...(page.AttachedPolicies ?? []).map(p => p.PolicyArn!));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return attached;
}
