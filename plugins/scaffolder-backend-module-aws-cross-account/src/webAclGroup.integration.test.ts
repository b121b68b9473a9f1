/*
 * aws:wafv2:check-web-acl for an application joining an Ingress group, against the sandbox:
 * the group's ALB made by the controller stand-in from another member's Ingress, which names a
 * web ACL; the action reads it with Backstage's network role through the IAM gateway
 * (tag:GetResources, wafv2:GetWebACL, wafv2:GetWebACLForResource of the shipped policy).
 */
import {
  SANDBOX_NETWORK_ACCOUNT_ID as NETWORK,
  SANDBOX_REGION as REGION,
  seedSandboxAlb,
  seedSandboxWebAcl,
} from 'sandbox';
import { useActionSandbox } from './__testUtils__/actionSandbox';

jest.setTimeout(120_000);

const sandbox = useActionSandbox();

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: Error) => e.message,
  );

describe('aws:wafv2:check-web-acl in an Ingress group, in the sandbox', () => {
  it("refuses a web ACL other than the one the group's ALB carries, and takes that one", async () => {
    const store = await seedSandboxWebAcl('store-acl');
    const other = await seedSandboxWebAcl('other-acl');
    // cart's Ingress, in group store, names store-acl: the controller associates it.
    const cart = await seedSandboxAlb({
      clusterName: 'waf-group',
      namespace: 'cart',
      ingressName: 'cart',
      groupName: 'store',
      annotations: { 'alb.ingress.kubernetes.io/wafv2-acl-arn': store.arn },
    });
    const check = (wafAclArn: string, ingressGroup = 'store') =>
      sandbox.run('aws:wafv2:check-web-acl', {
        networkAccountId: NETWORK,
        region: REGION,
        wafAclArn,
        clusterName: 'waf-group',
        ingressGroup,
      });
    const mutations = sandbox.mutations().length;
    expect(await failure(check(other.arn))).toBe(
      `wafAclArn: the ALB of Ingress group store (${cart.loadBalancerArn}) is protected by web ACL ${store.arn}, which another application of the group names; the controller stops reconciling a group whose Ingresses name different web ACLs. Name ${store.arn}, or leave the field empty (the group's web ACL protects this application too).`,
    );
    expect((await check(store.arn)).webAclArn).toBe(store.arn);
    // Another group (no ALB yet) takes any web ACL of the account.
    expect((await check(other.arn, 'outlet')).webAclArn).toBe(other.arn);
    expect(sandbox.mutations().length).toBe(mutations);
    expect(
      sandbox.calls
        .filter(c => c.action.startsWith('wafv2:'))
        .map(c => c.action),
    ).toContain('wafv2:GetWebACLForResource');
  });
});
