import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { mockEntityLoadBalancersResponse } from '@cross-account-alb/plugin-aws-alb-common';
import { describeListenerRules, rulesForEntity } from './readListenerRules';

const elbv2Mock = mockClient(ElasticLoadBalancingV2Client);

describe('listener rules', () => {
  beforeEach(() => elbv2Mock.reset());

  it('reads every page and orders rules by priority, the default last', async () => {
    elbv2Mock
      .on(DescribeRulesCommand, { ListenerArn: 'l', Marker: undefined })
      .resolves({
        Rules: [
          {
            RuleArn: 'default',
            Priority: 'default',
            IsDefault: true,
            Actions: [
              {
                Type: 'fixed-response',
                FixedResponseConfig: { StatusCode: '404' },
              },
            ],
          },
          {
            RuleArn: 'r10',
            Priority: '10',
            Conditions: [
              {
                Field: 'http-header',
                HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['qa'] },
              },
            ],
            Actions: [{ Type: 'forward', TargetGroupArn: 'tg-b' }],
          },
        ],
        NextMarker: 'm',
      })
      .on(DescribeRulesCommand, { ListenerArn: 'l', Marker: 'm' })
      .resolves({
        Rules: [
          {
            RuleArn: 'r2',
            Priority: '2',
            Conditions: [
              { Field: 'host-header', HostHeaderConfig: { Values: ['a.io'] } },
            ],
            Actions: [{ Type: 'forward', TargetGroupArn: 'tg-a' }],
          },
        ],
      });
    const rules = await describeListenerRules(
      new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
      'l',
    );
    expect(rules.map(r => r.priority)).toEqual(['2', '10', 'default']);
    expect(rules[1].conditions).toEqual([
      { field: 'http-header', name: 'X-Env', values: ['qa'] },
    ]);
  });

  it("keeps, for a grouped entity, its own rules and the default, counting the others'", () => {
    const lb = mockEntityLoadBalancersResponse().loadBalancers[0];
    const own = lb.targetGroups[0].arn;
    const sliced = {
      ...lb,
      ingressGroup: { ingress: 'a/a', otherIngresses: ['b/b'] },
    };
    const rule = (arn: string, tg: string) => ({
      arn,
      priority: arn,
      isDefault: false,
      conditions: [],
      actions: [{ type: 'forward', targetGroupArns: [tg] }],
    });
    const all = [
      rule('1', own),
      rule('2', 'tg-of-b'),
      { ...rule('default', 'x'), isDefault: true, actions: [] },
    ];
    const mine = rulesForEntity(sliced, lb.listeners[0].arn, all);
    expect(mine.rules.map(r => r.arn)).toEqual(['1', 'default']);
    expect(mine.otherIngressRules).toBe(1);
    // Not shared: everything.
    expect(rulesForEntity(lb, lb.listeners[0].arn, all).rules).toHaveLength(3);
  });
});
