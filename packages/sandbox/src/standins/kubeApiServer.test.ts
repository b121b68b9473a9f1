import {
  labelsMatch,
  parseEksToken,
  parseLabelSelector,
} from './kubeApiServer';

const NOW = Date.UTC(2026, 11, 1, 10, 0, 0);

function token(url: string) {
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}

const SIGNED =
  'https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15' +
  '&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261201%2Fus-east-1%2Fsts%2Faws4_request' +
  '&X-Amz-Date=20261201T095900Z&X-Amz-Expires=0&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=abc';

describe('parseEksToken (aws-iam-authenticator rules)', () => {
  it('accepts a presigned GetCallerIdentity URL signed with x-k8s-aws-id', () => {
    expect(parseEksToken(token(SIGNED), NOW).hostname).toBe(
      'sts.us-east-1.amazonaws.com',
    );
  });

  it.each([
    ['another prefix', 'k8s-aws-v2.abc', 'not an EKS token'],
    [
      'another host',
      token(SIGNED.replace('sts.us-east-1.amazonaws.com', 'example.com')),
      'example.com is not an STS endpoint',
    ],
    [
      'another action',
      token(SIGNED.replace('GetCallerIdentity', 'AssumeRole')),
      'the action is not GetCallerIdentity',
    ],
    [
      'the cluster header unsigned',
      token(SIGNED.replace('host%3Bx-k8s-aws-id', 'host')),
      'x-k8s-aws-id is not a signed header',
    ],
    [
      'plain http',
      token(SIGNED.replace('https:', 'http:')),
      'the URL is not https',
    ],
    [
      'a token older than 15 minutes',
      token(SIGNED.replace('20261201T095900Z', '20261201T094400Z')),
      'the EKS token has expired',
    ],
  ])('refuses %s with 401', (_, value, message) => {
    expect(() => parseEksToken(value, NOW)).toThrow(
      expect.objectContaining({
        code: 401,
        message: expect.stringContaining(message),
      }),
    );
  });
});

describe('label selectors (apimachinery labels.Parse)', () => {
  const labels = {
    app: 'web',
    tier: 'front',
    'backstage.io/kubernetes-id': 'x',
  };
  it.each([
    ['backstage.io/kubernetes-id=x', true],
    ['backstage.io/kubernetes-id==x', true],
    ['backstage.io/kubernetes-id=y', false],
    ['app=web,tier=front', true],
    ['app=web,tier!=front', false],
    ['tier in (front, back)', true],
    ['tier notin (front)', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['', true],
  ])('%s matches: %s', (selector, expected) => {
    expect(labelsMatch(labels, parseLabelSelector(selector))).toBe(expected);
  });

  it('refuses a selector it cannot parse, as the API server does (400)', () => {
    expect(() => parseLabelSelector('app=(web')).toThrow(
      'unable to parse requirement',
    );
  });
});
