import { createHash } from 'node:crypto';
import { partitionOf } from '@cross-account-alb/plugin-aws-cross-account-node';
import {
  loadBalancerControllerIamPolicy,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY,
  LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES,
} from '.';

/** Every ARN a policy names, in Resource or NotResource. */
function arns(policy: object): string[] {
  const statements = (policy as { Statement: Array<Record<string, unknown>> })
    .Statement;
  return statements
    .flatMap(s => [s.Resource ?? [], s.NotResource ?? []].flat())
    .filter((r): r is string => typeof r === 'string' && r.startsWith('arn:'));
}

const sha256 = (policy: object) =>
  createHash('sha256').update(JSON.stringify(policy)).digest('hex');

describe('the controller policy by partition', () => {
  it.each([
    ['us-east-1', 'aws', 'docs/install/iam_policy.json'],
    ['eu-west-1', 'aws', 'docs/install/iam_policy.json'],
    ['us-gov-west-1', 'aws-us-gov', 'docs/install/iam_policy_us-gov.json'],
    ['us-gov-east-1', 'aws-us-gov', 'docs/install/iam_policy_us-gov.json'],
    ['cn-north-1', 'aws-cn', 'docs/install/iam_policy_cn.json'],
    ['cn-northwest-1', 'aws-cn', 'docs/install/iam_policy_cn.json'],
  ])('picks for %s the %s variant (%s)', (region, partition, source) => {
    expect(partitionOf(region)).toBe(partition);
    expect(LOAD_BALANCER_CONTROLLER_IAM_POLICY_SOURCES[partition]).toBe(source);
    const policy = loadBalancerControllerIamPolicy(partition);
    const names = arns(policy);
    expect(names.length).toBeGreaterThan(0);
    for (const arn of names) expect(arn.split(':')[1]).toBe(partition);
  });

  it('keeps the commercial document as the exported constant', () => {
    expect(loadBalancerControllerIamPolicy('aws')).toBe(
      LOAD_BALANCER_CONTROLLER_IAM_POLICY,
    );
  });

  it('ships the GovCloud and China documents unchanged from the controller at v3.5.0', () => {
    // sha256 of the compact JSON of docs/install/iam_policy_us-gov.json and iam_policy_cn.json
    // at tag v3.5.0 of kubernetes-sigs/aws-load-balancer-controller.
    expect(sha256(loadBalancerControllerIamPolicy('aws-us-gov'))).toBe(
      'c5422977e7309eff13529302f99a036de4ccfc2c221ec70ce01917737e914a31',
    );
    expect(sha256(loadBalancerControllerIamPolicy('aws-cn'))).toBe(
      'fd28f2b1c566728b170296bd82856642f0c09b419114d1270a4cb6a5b4019aec',
    );
  });

  it('refuses a partition it ships no policy for', () => {
    expect(() => loadBalancerControllerIamPolicy('aws-iso')).toThrow(
      'No AWS Load Balancer Controller v3.5.0 IAM policy ships for partition aws-iso',
    );
  });
});
