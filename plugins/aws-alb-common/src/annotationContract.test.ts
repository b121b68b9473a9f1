import { loadBalancerArnContradiction } from './annotationContract';

const ARN = { accountId: '111111111111', region: 'us-east-1' };

describe('loadBalancerArnContradiction', () => {
  it('accepts an ARN alone, or with annotations that agree', () => {
    expect(loadBalancerArnContradiction({}, ARN)).toBeUndefined();
    expect(
      loadBalancerArnContradiction(
        {
          'aws.amazon.com/account-id': '111111111111',
          'aws.amazon.com/region': 'us-east-1',
        },
        ARN,
      ),
    ).toBeUndefined();
  });

  it('names both annotations when the account contradicts the ARN', () => {
    expect(
      loadBalancerArnContradiction(
        { 'aws.amazon.com/account-id': '222222222222' },
        ARN,
      ),
    ).toBe(
      'Annotation aws.amazon.com/account-id says account 222222222222 but aws.amazon.com/elbv2-load-balancer-arn is in account 111111111111; remove aws.amazon.com/account-id or make the two agree',
    );
  });

  it('names both annotations when the region contradicts the ARN', () => {
    expect(
      loadBalancerArnContradiction(
        { 'aws.amazon.com/region': 'eu-west-1' },
        ARN,
      ),
    ).toBe(
      'Annotation aws.amazon.com/region says eu-west-1 but aws.amazon.com/elbv2-load-balancer-arn is in us-east-1; remove aws.amazon.com/region or make the two agree',
    );
  });

  it('refuses an ARN whose region is not a region', () => {
    expect(
      loadBalancerArnContradiction({}, { ...ARN, region: 'not-a-region' }),
    ).toContain(
      'names the region "not-a-region", which is not an AWS region (expected ^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$',
    );
  });
});
