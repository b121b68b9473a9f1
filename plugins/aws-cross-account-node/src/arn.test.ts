import {
  eksClusterArn,
  formatArn,
  iamPolicyArn,
  iamRoleArn,
  oidcProviderArn,
  parseArn,
  partitionOf,
  securityGroupArn,
  subnetArn,
} from './arn';

describe('partitionOf', () => {
  it('knows the China and GovCloud regions', () => {
    expect(partitionOf('us-east-1')).toBe('aws');
    expect(partitionOf('eu-west-3')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
  });
});

describe('ARNs', () => {
  it('formats regional resources in the partition of their region', () => {
    expect(subnetArn('us-east-1', '111111111111', 'subnet-0abc')).toBe(
      'arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0abc',
    );
    expect(securityGroupArn('cn-north-1', '111111111111', 'sg-0abc')).toBe(
      'arn:aws-cn:ec2:cn-north-1:111111111111:security-group/sg-0abc',
    );
    expect(eksClusterArn('us-gov-west-1', '222222222222', 'demo')).toBe(
      'arn:aws-us-gov:eks:us-gov-west-1:222222222222:cluster/demo',
    );
  });

  it('formats IAM resources without a region, with their path', () => {
    expect(iamRoleArn('aws', '111111111111', 'backstage-alb-network')).toBe(
      'arn:aws:iam::111111111111:role/backstage-alb-network',
    );
    expect(
      iamPolicyArn('aws', '111111111111', 'Policy', '/cross-account-alb/'),
    ).toBe('arn:aws:iam::111111111111:policy/cross-account-alb/Policy');
    expect(
      oidcProviderArn(
        'aws',
        '111111111111',
        'https://oidc.eks.us-east-1.amazonaws.com/id/ABC/',
      ),
    ).toBe(
      'arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC',
    );
  });

  it('parses what it formats, and nothing else', () => {
    const arn =
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/x/0123';
    expect(parseArn(arn)).toEqual({
      partition: 'aws',
      service: 'elasticloadbalancing',
      region: 'us-east-1',
      accountId: '111111111111',
      resource: 'loadbalancer/app/x/0123',
    });
    expect(formatArn(parseArn(arn)!)).toBe(arn);
    expect(parseArn('sg-0abc')).toBeUndefined();
  });
});
