/*
 * The controller stand-in's web ACL (wafv2-acl-arn), as controller v3.5.0 handles it:
 * pkg/ingress/model_build_load_balancer_addons.go (the group's one ARN) and
 * pkg/deploy/wafv2/web_acl_association_synthesizer.go (read, then associate or disassociate),
 * run as the controller's IRSA role through the sandbox's IAM gateway.
 */
import {
  GetWebACLForResourceCommand,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { MotoServer, startMoto } from '../moto';
import {
  SANDBOX_NETWORK_ACCOUNT_ID,
  SANDBOX_REGION,
  SANDBOX_WORKLOAD_ACCOUNT_ID,
  sandboxAdminCredentials,
  useSandboxEndpoint,
} from '../accounts';
import {
  SandboxNetwork,
  SandboxWebAcl,
  seedSandboxNetwork,
  seedSandboxWebAcl,
} from '../seed';
import {
  modelOfIngress,
  parseKubernetesManifest,
  sandboxDeleteIngress,
  sandboxReconcileIngress,
} from './lbc';
import { buildIngressGroupModel, IngressGroupConflictError } from './lbcGroup';
import {
  ensureSandboxAlbSecurityGroup,
  sandboxAppManifest,
  seedSandboxClusterWithController,
} from './seeding';

jest.setTimeout(120_000);

const WAF = 'alb.ingress.kubernetes.io/wafv2-acl-arn';
const ACL_A = `arn:aws:wafv2:${SANDBOX_REGION}:${SANDBOX_NETWORK_ACCOUNT_ID}:regional/webacl/a/00000000-0000-4000-8000-00000000000a`;
const ACL_B = `arn:aws:wafv2:${SANDBOX_REGION}:${SANDBOX_NETWORK_ACCOUNT_ID}:regional/webacl/b/00000000-0000-4000-8000-00000000000b`;

function member(ingressName: string, annotations: Record<string, string> = {}) {
  const objects = parseKubernetesManifest(
    sandboxAppManifest({
      namespace: 'web',
      ingressName,
      groupName: 'storefront',
      subnetIds: ['subnet-0a', 'subnet-0b'],
      securityGroupIds: ['sg-0aaa'],
      annotations,
    }),
  );
  return modelOfIngress(
    objects.find(o => o.kind === 'Ingress')!,
    objects,
    'shop',
  );
}

describe('the group web ACL (controller v3.5.0)', () => {
  it('takes the one ARN the members that name one agree on, for the whole ALB', () => {
    const group = buildIngressGroupModel(
      [member('a', { [WAF]: ACL_A }), member('b')],
      'shop',
    );
    expect(group.webAclArn).toBe(ACL_A);
    expect(
      buildIngressGroupModel([member('a'), member('b')], 'shop').webAclArn,
    ).toBeUndefined();
  });

  it('refuses members naming different ARNs, in the controller words', () => {
    const build = () =>
      buildIngressGroupModel(
        [member('b', { [WAF]: ACL_B }), member('a', { [WAF]: ACL_A })],
        'shop',
      );
    expect(build).toThrow(IngressGroupConflictError);
    expect(build).toThrow(
      `Failed build model due to conflicting WAFv2 WebACL ARNs: [${ACL_A} ${ACL_B}]`,
    );
  });

  it('says it does not look web ACLs up by name', () => {
    expect(() =>
      member('a', { 'alb.ingress.kubernetes.io/wafv2-acl-name': 'a' }),
    ).toThrow(/does not look web ACLs up by name/);
  });
});

describe('web ACLs in the sandbox (controller stand-in)', () => {
  let moto: MotoServer;
  let restoreEnv: () => void;
  let network: SandboxNetwork;
  let wafv2: WAFV2Client;
  let sg: string;
  let shopAcl: SandboxWebAcl;
  let otherAcl: SandboxWebAcl;
  const clusterName = 'waf';

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useSandboxEndpoint(moto.endpoint);
    network = await seedSandboxNetwork();
    await seedSandboxClusterWithController({ clusterName });
    sg = await ensureSandboxAlbSecurityGroup(network, 'waf-alb');
    shopAcl = await seedSandboxWebAcl('shop-acl');
    otherAcl = await seedSandboxWebAcl('other-acl');
    // Read as the network account's administrator, as the runbook's check does.
    wafv2 = new WAFV2Client({
      region: SANDBOX_REGION,
      credentials: (await sandboxAdminCredentials(SANDBOX_NETWORK_ACCOUNT_ID))
        .sdkCredentialProvider,
    });
  });

  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });

  const manifest = (
    ingressName: string,
    annotations: Record<string, string> = {},
    groupName?: string,
  ) =>
    sandboxAppManifest({
      namespace: ingressName,
      ingressName,
      groupName,
      subnetIds: network.publicSubnets.map(s => s.subnetId),
      securityGroupIds: [sg],
      annotations,
    });
  const where = {
    networkAccountId: SANDBOX_NETWORK_ACCOUNT_ID,
    workloadAccountId: SANDBOX_WORKLOAD_ACCOUNT_ID,
    region: SANDBOX_REGION,
    clusterName,
  };
  const apply = (text: string) =>
    sandboxReconcileIngress({ manifest: text, ...where });
  const webAclOf = async (ResourceArn: string) =>
    (await wafv2.send(new GetWebACLForResourceCommand({ ResourceArn }))).WebACL
      ?.ARN;

  it('associates the web ACL, replaces it, keeps it when the annotation goes, and detaches it on none', async () => {
    const denied = moto.iam!.denials().length;
    const shop = await apply(manifest('shop', { [WAF]: shopAcl.arn }));
    expect(await webAclOf(shop.loadBalancerArn)).toBe(shopAcl.arn);

    // Another ARN: the controller associates it, which replaces the first.
    await apply(manifest('shop', { [WAF]: otherAcl.arn }));
    expect(await webAclOf(shop.loadBalancerArn)).toBe(otherAcl.arn);

    // No annotation: no association in the model, the ALB keeps its web ACL.
    await apply(manifest('shop'));
    expect(await webAclOf(shop.loadBalancerArn)).toBe(otherAcl.arn);

    // none: the controller disassociates it.
    await apply(manifest('shop', { [WAF]: 'none' }));
    expect(await webAclOf(shop.loadBalancerArn)).toBeUndefined();
    // The controller's role made every call, and IAM allowed each.
    expect(moto.iam!.denials().slice(denied)).toEqual([]);
    const calls = moto.iam!.decisions.filter(
      d => d.action.startsWith('wafv2:') && d.principal.endsWith('-aws-lbc'),
    );
    expect(new Set(calls.map(d => d.action))).toEqual(
      new Set([
        'wafv2:GetWebACLForResource',
        'wafv2:AssociateWebACL',
        'wafv2:DisassociateWebACL',
      ]),
    );
  });

  it('fails the reconcile on a web ACL of another account, as AWS WAF refuses it', async () => {
    const foreign = await seedSandboxWebAcl(
      'workload-acl',
      SANDBOX_WORKLOAD_ACCOUNT_ID,
    );
    await expect(
      apply(manifest('cart', { [WAF]: foreign.arn })),
    ).rejects.toThrow(
      /failed to create WAFv2 webACL association on LoadBalancer: .*resource doesn.t exist/,
    );
  });

  it('applies a group member web ACL to the shared ALB, and the association goes with the ALB', async () => {
    const a = await apply(manifest('one', { [WAF]: shopAcl.arn }, 'mall'));
    const b = await apply(manifest('two', {}, 'mall'));
    expect(b.loadBalancerArn).toBe(a.loadBalancerArn);
    expect(await webAclOf(a.loadBalancerArn)).toBe(shopAcl.arn);
    await expect(
      apply(manifest('three', { [WAF]: otherAcl.arn }, 'mall')),
    ).rejects.toThrow(/conflicting WAFv2 WebACL ARNs/);
    // The refused member is in the cluster: take it out before the others go.
    await sandboxDeleteIngress({
      manifest: manifest('three', { [WAF]: otherAcl.arn }, 'mall'),
      ...where,
    }).catch(() => undefined);
    await sandboxDeleteIngress({
      manifest: manifest('two', {}, 'mall'),
      ...where,
    });
    await sandboxDeleteIngress({
      manifest: manifest('one', { [WAF]: shopAcl.arn }, 'mall'),
      ...where,
    });
    // The ALB is gone, and AWS WAF knows no such resource any more.
    await expect(webAclOf(a.loadBalancerArn)).rejects.toThrow(
      /WAFNonexistentItemException|resource doesn.t exist/,
    );
  });
});
