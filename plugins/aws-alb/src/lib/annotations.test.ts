import { annotatedEntity, plainEntity } from '../__testUtils__/fixtures';
import {
  exampleAnnotationsYaml,
  isAlbAvailable,
  missingAlbAnnotations,
} from './annotations';

describe('annotations', () => {
  it('is available with the tags or the ARN annotation', () => {
    expect(isAlbAvailable(annotatedEntity)).toBe(true);
    expect(isAlbAvailable(plainEntity)).toBe(false);
    expect(
      isAlbAvailable({
        ...plainEntity,
        metadata: {
          ...plainEntity.metadata,
          annotations: {
            'aws.amazon.com/elbv2-load-balancer-arn':
              'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/a/0123456789abcdef',
          },
        },
      }),
    ).toBe(true);
  });

  it('needs account and region next to tags', () => {
    expect(missingAlbAnnotations(annotatedEntity)).toEqual([]);
    expect(
      missingAlbAnnotations({
        ...plainEntity,
        metadata: {
          ...plainEntity.metadata,
          annotations: { 'aws.amazon.com/elbv2-load-balancer-tags': 'a=b' },
        },
      }),
    ).toEqual(['aws.amazon.com/account-id', 'aws.amazon.com/region']);
    expect(missingAlbAnnotations(plainEntity)).toEqual([
      'aws.amazon.com/elbv2-load-balancer-tags',
      'aws.amazon.com/account-id',
      'aws.amazon.com/region',
    ]);
  });

  it('writes YAML with the controller tags of the entity', () => {
    expect(exampleAnnotationsYaml(plainEntity)).toBe(`metadata:
  annotations:
    # Tags the AWS Load Balancer Controller puts on the ALB of the Ingress
    aws.amazon.com/elbv2-load-balancer-tags: elbv2.k8s.aws/cluster=<eks-cluster-name>,ingress.k8s.aws/stack=<k8s-namespace>/<ingress-name>
    # The network account (Account-A) that owns the ALB, and its region
    aws.amazon.com/account-id: '111111111111'
    aws.amazon.com/region: us-east-1
    # Or, once the ALB exists, instead of the three lines above:
    # aws.amazon.com/elbv2-load-balancer-arn: arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/<name>/<id>`);
  });
});
