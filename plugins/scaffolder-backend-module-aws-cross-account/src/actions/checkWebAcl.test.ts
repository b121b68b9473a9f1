import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetWebACLCommand,
  GetWebACLForResourceCommand,
} from '@aws-sdk/client-wafv2';
import {
  actionContext,
  awsError,
  mockAws,
  NETWORK,
  REGION,
  WORKLOAD,
} from '../__testUtils__/testing';
import { createCheckWebAclAction, parseWebAclArn } from './checkWebAcl';

const ID = '0a1b2c3d-0000-4000-8000-000000000000';
const ARN = `arn:aws:wafv2:${REGION}:${NETWORK}:regional/webacl/shop-acl/${ID}`;
const input = { networkAccountId: NETWORK, region: REGION, wafAclArn: ARN };

function setup() {
  const aws = mockAws();
  aws.mocks.wafv2.on(GetWebACLCommand).resolves({
    WebACL: {
      Name: 'shop-acl',
      Id: ID,
      ARN,
      DefaultAction: { Allow: {} },
      VisibilityConfig: {
        SampledRequestsEnabled: false,
        CloudWatchMetricsEnabled: false,
        MetricName: 'shop-acl',
      },
    },
    LockToken: 'x',
  });
  return { aws, action: createCheckWebAclAction({ clients: aws.clients }) };
}

describe('aws:wafv2:check-web-acl', () => {
  it('reads the web ACL by name, scope and ID in the network account and outputs it', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input);
    await action.handler(ctx);
    expect(outputs()).toEqual({
      webAclArn: ARN,
      webAclName: 'shop-acl',
      webAclId: ID,
    });
    expect(aws.targets).toEqual([
      { accountId: NETWORK, region: REGION, service: 'wafv2' },
    ]);
    expect(
      aws.mocks.wafv2.commandCalls(GetWebACLCommand)[0].args[0].input,
    ).toEqual({ Name: 'shop-acl', Scope: 'REGIONAL', Id: ID });
    expect(aws.mutations()).toEqual([]);
  });

  describe('in an Ingress group', () => {
    const ALB = `arn:aws:elasticloadbalancing:${REGION}:${NETWORK}:loadbalancer/app/k8s-store-0a1b2c3d4e/50dc6c495c0c9188`;
    const OTHER = `arn:aws:wafv2:${REGION}:${NETWORK}:regional/webacl/store-acl/1a1b2c3d-0000-4000-8000-000000000000`;
    const grouped = {
      ...input,
      clusterName: 'shop-prod',
      ingressGroup: 'store',
    };
    /** The group's ALB (when made), with the web ACL it carries. */
    function withGroupAlb(webAclArn: string | undefined, exists = true) {
      const ctx = setup();
      ctx.aws.mocks.tagging.on(GetResourcesCommand).resolves({
        ResourceTagMappingList: exists ? [{ ResourceARN: ALB }] : [],
      });
      ctx.aws.mocks.wafv2
        .on(GetWebACLForResourceCommand, { ResourceArn: ALB })
        .resolves(webAclArn ? { WebACL: { ARN: webAclArn } as any } : {});
      return ctx;
    }

    it("refuses a web ACL other than the one the group's ALB has, naming wafAclArn", async () => {
      const { aws, action } = withGroupAlb(OTHER);
      const { ctx } = actionContext(grouped);
      await expect(action.handler(ctx)).rejects.toThrow(
        `wafAclArn: the ALB of Ingress group store (${ALB}) is protected by web ACL ${OTHER}, which another application of the group names`,
      );
      // The group's ALB is found by the controller's tags.
      expect(
        aws.mocks.tagging.commandCalls(GetResourcesCommand)[0].args[0].input
          .TagFilters,
      ).toEqual([
        { Key: 'elbv2.k8s.aws/cluster', Values: ['shop-prod'] },
        { Key: 'ingress.k8s.aws/stack', Values: ['store'] },
      ]);
      expect(aws.mutations()).toEqual([]);
    });

    it.each([
      ['the same web ACL', ARN, true],
      ['an ALB without a web ACL', undefined, true],
      ['no ALB yet', undefined, false],
    ])('goes on with %s', async (_kind, webAclArn, exists) => {
      const { aws, action } = withGroupAlb(webAclArn, exists);
      const { ctx, outputs } = actionContext(grouped);
      await action.handler(ctx);
      expect(outputs().webAclArn).toBe(ARN);
      expect(
        aws.mocks.wafv2.commandCalls(GetWebACLForResourceCommand),
      ).toHaveLength(exists ? 1 : 0);
    });

    it('does not look for a group without one', async () => {
      const { aws, action } = withGroupAlb(OTHER);
      const { ctx } = actionContext({ ...grouped, ingressGroup: '' });
      await action.handler(ctx);
      expect(aws.mocks.tagging.commandCalls(GetResourcesCommand)).toHaveLength(
        0,
      );
    });
  });

  it('refuses a web ACL of another account, naming wafAclArn, with no AWS call', async () => {
    const { aws, action } = setup();
    const other = ARN.replace(`:${NETWORK}:`, `:${WORKLOAD}:`);
    await expect(
      action.handler(actionContext({ ...input, wafAclArn: other }).ctx),
    ).rejects.toThrow(
      /wafAclArn: expected a web ACL of network account 111111111111, the ALB's account: this one is in account 222222222222/,
    );
    expect(aws.commands()).toEqual([]);
    expect(aws.targets).toEqual([]);
  });

  it('refuses a web ACL of another region, naming wafAclArn, with no AWS call', async () => {
    const { aws, action } = setup();
    const other = ARN.replace(`:${REGION}:`, ':eu-west-1:');
    await expect(
      action.handler(actionContext({ ...input, wafAclArn: other }).ctx),
    ).rejects.toThrow(
      /wafAclArn: expected a web ACL in us-east-1, the cluster's \(and the ALB's\) region: this one is in eu-west-1/,
    );
    expect(aws.commands()).toEqual([]);
  });

  it('refuses a partition that is not the region one, with no AWS call', async () => {
    const { aws, action } = setup();
    await expect(
      action.handler(
        actionContext({
          ...input,
          wafAclArn: ARN.replace('arn:aws:', 'arn:aws-cn:'),
        }).ctx,
      ),
    ).rejects.toThrow(/wafAclArn: expected partition aws for region us-east-1/);
    expect(aws.commands()).toEqual([]);
  });

  it.each([
    ['a CloudFront (global) web ACL', ARN.replace(':regional/', ':global/')],
    ['a classic WAF ID', ID],
    ['an upper-case ID', ARN.replace(ID, ID.toUpperCase())],
    ['a name with a dot', ARN.replace('shop-acl', 'shop.acl')],
    ['a trailing newline', `${ARN}\n`],
    ['a second line', `${ARN}\nalb.ingress.kubernetes.io/scheme: internal`],
    ['a quote', ARN.replace('shop-acl', 'shop"acl')],
    ['a name over 128 characters', ARN.replace('shop-acl', 'a'.repeat(129))],
    ['an empty value', ''],
  ])(
    'refuses %s before any AWS call, naming wafAclArn',
    async (_what, value) => {
      const { aws, action } = setup();
      await expect(
        action.handler(actionContext({ ...input, wafAclArn: value }).ctx),
      ).rejects.toThrow(/wafAclArn: expected a regional AWS WAF web ACL ARN/);
      expect(aws.commands()).toEqual([]);
    },
  );

  it('takes a name of 128 characters', () => {
    const long = ARN.replace('shop-acl', `A_${'b'.repeat(125)}-`);
    expect(parseWebAclArn(long)?.name).toHaveLength(128);
  });

  it('says what to check when the web ACL does not exist', async () => {
    const { aws, action } = setup();
    aws.mocks.wafv2
      .on(GetWebACLCommand)
      .rejects(awsError('WAFNonexistentItemException'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /wafAclArn: there is no web ACL shop-acl \(ID 0a1b2c3d-0000-4000-8000-000000000000\) in network account 111111111111, region us-east-1\. Check the ARN/,
    );
  });

  it('dry-run reads it too, and fails on a missing one the same way', async () => {
    const { aws, action } = setup();
    const { ctx, outputs } = actionContext(input, { isDryRun: true });
    await action.handler(ctx);
    expect(aws.commands()).toEqual(['GetWebACLCommand']);
    expect(outputs()).toMatchObject({ webAclArn: ARN, dryRun: true });
    aws.mocks.wafv2
      .on(GetWebACLCommand)
      .rejects(awsError('WAFNonexistentItemException'));
    await expect(
      action.handler(actionContext(input, { isDryRun: true }).ctx),
    ).rejects.toThrow(/wafAclArn: there is no web ACL shop-acl/);
  });

  it('maps AccessDenied to the role and the missing action', async () => {
    const { aws, action } = setup();
    aws.mocks.wafv2
      .on(GetWebACLCommand)
      .rejects(awsError('AccessDeniedException'));
    await expect(action.handler(actionContext(input).ctx)).rejects.toThrow(
      /role backstage-alb-network in network account 111111111111 \(Account-A\) is not allowed to call wafv2:GetWebACL/,
    );
  });

  it('refuses a network account Backstage has no role in, naming networkAccountId', async () => {
    const { action } = setup();
    const failing = createCheckWebAclAction({
      clients: {
        client: async () => {
          throw new Error('no role for account 999999999999 in aws.accounts');
        },
        roleNameFor: () => undefined,
      },
    });
    expect(action).toBeDefined();
    const other = ARN.replace(`:${NETWORK}:`, ':999999999999:');
    await expect(
      failing.handler(
        actionContext({
          ...input,
          networkAccountId: '999999999999',
          wafAclArn: other,
        }).ctx,
      ),
    ).rejects.toThrow(/networkAccountId: no role for account 999999999999/);
  });
});
