import {
  buildAlbSecurityGroupName,
  buildControllerRoleName,
  buildIrsaTrustPolicy,
  buildShareName,
  decodePolicyDocument,
  isManaged,
  managedRamTags,
  managedTags,
  policyDocumentsEqual,
} from './builders';

const ISSUER =
  'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';

describe('buildIrsaTrustPolicy', () => {
  it('builds exactly the IRSA shape for the controller service account', () => {
    expect(
      buildIrsaTrustPolicy({
        partition: 'aws',
        networkAccountId: '111111111111',
        oidcIssuerUrl: ISSUER,
        namespace: 'kube-system',
        serviceAccountName: 'aws-load-balancer-controller',
      }),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            Federated:
              'arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:sub':
                'system:serviceaccount:kube-system:aws-load-balancer-controller',
              'oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:aud':
                'sts.amazonaws.com',
            },
          },
        },
      ],
    });
  });

  it('uses the partition and the custom service account', () => {
    const policy = buildIrsaTrustPolicy({
      partition: 'aws-cn',
      networkAccountId: '111111111111',
      oidcIssuerUrl: ISSUER,
      namespace: 'lbc',
      serviceAccountName: 'controller',
    });
    expect(policy.Statement[0].Principal.Federated).toMatch(
      /^arn:aws-cn:iam::/,
    );
    expect(Object.values(policy.Statement[0].Condition.StringEquals)).toContain(
      'system:serviceaccount:lbc:controller',
    );
  });
});

describe('names and tags', () => {
  it('derives stable share names from the principal', () => {
    expect(buildShareName('222222222222')).toBe(
      'cross-account-alb-subnets-222222222222',
    );
    expect(
      buildShareName(
        'arn:aws:organizations::999999999999:ou/o-exampleorgid/ou-ab12-cdef3456',
      ),
    ).toBe('cross-account-alb-subnets-ou-ab12-cdef3456');
    expect(
      buildShareName(
        'arn:aws:organizations::999999999999:organization/o-exampleorgid',
      ),
    ).toBe('cross-account-alb-subnets-o-exampleorgid');
  });

  it('caps role names at 64 characters', () => {
    expect(buildControllerRoleName('shop', '222222222222')).toBe(
      'shop-222222222222-aws-lbc',
    );
    expect(
      buildControllerRoleName('x'.repeat(100), '222222222222'),
    ).toHaveLength(64);
    expect(buildAlbSecurityGroupName('shop')).toBe('shop-alb');
  });

  it('marks and recognises managed resources in EC2/IAM and RAM spelling', () => {
    expect(managedTags({ a: 'b' })).toEqual([
      { Key: 'cross-account-alb:managed-by', Value: 'backstage' },
      { Key: 'a', Value: 'b' },
    ]);
    expect(isManaged(managedTags())).toBe(true);
    expect(isManaged(managedRamTags())).toBe(true);
    expect(
      isManaged([{ Key: 'cross-account-alb:managed-by', Value: 'someone' }]),
    ).toBe(false);
    expect(isManaged(undefined)).toBe(false);
  });
});

describe('policy documents', () => {
  it('decodes IAM URL-encoded documents', () => {
    const doc = { Version: '2012-10-17', Statement: [] };
    expect(
      decodePolicyDocument(encodeURIComponent(JSON.stringify(doc))),
    ).toEqual(doc);
    expect(decodePolicyDocument(JSON.stringify(doc))).toEqual(doc);
  });

  it('compares documents regardless of key order and single-element arrays', () => {
    expect(
      policyDocumentsEqual(
        { Statement: [{ Action: ['a:B'], Effect: 'Allow' }], Version: '1' },
        { Version: '1', Statement: { Effect: 'Allow', Action: 'a:B' } },
      ),
    ).toBe(true);
    expect(
      policyDocumentsEqual(
        { Statement: [{ Action: ['a:B', 'a:C'] }] },
        { Statement: [{ Action: ['a:C', 'a:B'] }] },
      ),
    ).toBe(true);
    expect(
      policyDocumentsEqual(
        { Statement: [{ Action: 'a:B' }] },
        { Statement: [{ Action: 'a:C' }] },
      ),
    ).toBe(false);
  });
});
