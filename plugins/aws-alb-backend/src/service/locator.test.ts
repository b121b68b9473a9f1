import {
  ACCOUNT,
  REGION,
  TAGS_ANNOTATION,
  entity,
  lbArn,
} from '../__testUtils__/fixtures';
import {
  locatorCacheKey,
  locatorFromEntity,
  parseTagsAnnotation,
} from './locator';

const TAGS = 'aws.amazon.com/elbv2-load-balancer-tags';
const ARN = 'aws.amazon.com/elbv2-load-balancer-arn';
const ACC = 'aws.amazon.com/account-id';
const REG = 'aws.amazon.com/region';

describe('locatorFromEntity', () => {
  it('reads account, region and partition from the ARN annotation', () => {
    expect(locatorFromEntity(entity({ [ARN]: lbArn('k8s-game') }))).toEqual({
      kind: 'arn',
      arn: lbArn('k8s-game'),
      accountId: ACCOUNT,
      region: REGION,
      partition: 'aws',
    });
  });

  it('reads the tags form with account and region', () => {
    expect(
      locatorFromEntity(
        entity({ [TAGS]: TAGS_ANNOTATION, [ACC]: ACCOUNT, [REG]: REGION }),
      ),
    ).toEqual({
      kind: 'tags',
      tags: [
        { key: 'elbv2.k8s.aws/cluster', value: 'demo' },
        { key: 'ingress.k8s.aws/stack', value: 'game-2048/ingress-2048' },
      ],
      accountId: ACCOUNT,
      region: REGION,
      partition: 'aws',
    });
  });

  it.each([
    [
      {},
      /neither aws.amazon.com\/elbv2-load-balancer-arn nor aws.amazon.com\/elbv2-load-balancer-tags/,
    ],
    [
      { [ARN]: lbArn('a'), [TAGS]: TAGS_ANNOTATION },
      /both .* keep exactly one/,
    ],
    [
      { [ARN]: 'arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1' },
      /Annotation aws.amazon.com\/elbv2-load-balancer-arn is not a load balancer ARN/,
    ],
    // The annotations are a contract: contradictions are refused, naming both.
    [
      { [ARN]: lbArn('a'), [ACC]: '999999999999' },
      /Annotation aws.amazon.com\/account-id says account 999999999999 but aws.amazon.com\/elbv2-load-balancer-arn is in account/,
    ],
    [
      { [ARN]: lbArn('a'), [REG]: 'eu-west-3' },
      /Annotation aws.amazon.com\/region says eu-west-3 but aws.amazon.com\/elbv2-load-balancer-arn is in/,
    ],
    [
      {
        [ARN]: `arn:aws:elasticloadbalancing:not-a-region:${ACCOUNT}:loadbalancer/app/a/0123456789abcdef`,
      },
      /names the region "not-a-region", which is not an AWS region/,
    ],
    [
      { [TAGS]: TAGS_ANNOTATION, [REG]: REGION },
      /Annotation aws.amazon.com\/account-id is required/,
    ],
    [
      { [TAGS]: TAGS_ANNOTATION, [ACC]: '1111', [REG]: REGION },
      /Annotation aws.amazon.com\/account-id must be a 12-digit/,
    ],
    [
      { [TAGS]: TAGS_ANNOTATION, [ACC]: ACCOUNT },
      /Annotation aws.amazon.com\/region is required/,
    ],
    [
      { [TAGS]: TAGS_ANNOTATION, [ACC]: ACCOUNT, [REG]: 'mars-1' },
      /Annotation aws.amazon.com\/region must be an AWS region/,
    ],
    [
      { [TAGS]: 'elbv2.k8s.aws/cluster', [ACC]: ACCOUNT, [REG]: REGION },
      /Annotation aws.amazon.com\/elbv2-load-balancer-tags has "elbv2.k8s.aws\/cluster", which is not key=value/,
    ],
    [
      { [TAGS]: ' , ', [ACC]: ACCOUNT, [REG]: REGION },
      /Annotation aws.amazon.com\/elbv2-load-balancer-tags is empty/,
    ],
    [
      { [TAGS]: 'a=1,a=2', [ACC]: ACCOUNT, [REG]: REGION },
      /names the tag a twice/,
    ],
  ])(
    'refuses %j with an InputError naming the annotation',
    (annotations, message) => {
      expect(() => locatorFromEntity(entity(annotations))).toThrow(
        expect.objectContaining({
          name: 'InputError',
          message: expect.stringMatching(message),
        }),
      );
    },
  );
});

describe('parseTagsAnnotation', () => {
  it('keeps = inside values and trims spaces', () => {
    expect(parseTagsAnnotation(' a = b=c , d=e ')).toEqual([
      { key: 'a', value: 'b=c' },
      { key: 'd', value: 'e' },
    ]);
  });
});

describe('locatorCacheKey', () => {
  it('is the same whatever the order of the tags', () => {
    const loc = (tags: string) =>
      locatorFromEntity(
        entity({ [TAGS]: tags, [ACC]: ACCOUNT, [REG]: REGION }),
      );
    expect(locatorCacheKey(loc('a=1,b=2'))).toBe(
      locatorCacheKey(loc('b=2, a=1')),
    );
    expect(locatorCacheKey(loc('a=1,b=2'))).not.toBe(
      locatorCacheKey(loc('a=1,b=3')),
    );
  });
});
