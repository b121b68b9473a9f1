import { mapAwsError } from './errors';

const err = (name: string, message: string) =>
  Object.assign(new Error(message), { name });

describe('mapAwsError', () => {
  it('names the account, the role and the missing action on AccessDenied', () => {
    const mapped = mapAwsError(
      err(
        'UnauthorizedOperation',
        'You are not authorized to perform this operation. User: arn:aws:sts::111111111111:assumed-role/backstage-alb-network/backstage is not authorized to perform: ec2:CreateSecurityGroup',
      ),
      {
        accountId: '111111111111',
        accountKind: 'network',
        action: 'ec2:CreateSecurityGroup',
      },
    );
    expect(mapped.name).toBe('NotAllowedError');
    expect(mapped.message).toContain('role backstage-alb-network');
    expect(mapped.message).toContain(
      'network account 111111111111 (Account-A)',
    );
    expect(mapped.message).toContain(
      'not allowed to call ec2:CreateSecurityGroup',
    );
  });

  it('uses the configured role name when the message has none', () => {
    const mapped = mapAwsError(err('AccessDeniedException', 'denied'), {
      accountId: '222222222222',
      accountKind: 'workload',
      roleName: 'backstage-alb-workload',
      action: 'eks:DescribeCluster',
    });
    expect(mapped.message).toMatch(
      /role backstage-alb-workload in workload account 222222222222 \(Account-B\) is not allowed to call eks:DescribeCluster/,
    );
  });

  it('explains a failed assume-role', () => {
    const mapped = mapAwsError(
      err(
        'AccessDenied',
        'User x is not authorized to perform: sts:AssumeRole on resource y',
      ),
      {
        accountId: '111111111111',
        accountKind: 'network',
        roleName: 'r',
        action: 'ec2:DescribeVpcs',
      },
    );
    expect(mapped.message).toContain('could not assume role r');
    expect(mapped.message).toContain('trust policy');
  });

  it('explains the Organization rule on RAM refusals', () => {
    const mapped = mapAwsError(
      err('OperationNotPermittedException', 'sharing not enabled'),
      {
        accountId: '111111111111',
        accountKind: 'network',
        action: 'ram:CreateResourceShare',
      },
    );
    expect(mapped.message).toContain('same AWS Organization');
    expect(mapped.message).toContain('enable-sharing-with-aws-organization');
  });

  it('maps not-found, conflicts, bad parameters, throttling and the rest', () => {
    const scope = {
      accountId: '111111111111',
      accountKind: 'network' as const,
      action: 'iam:GetRole',
    };
    expect(mapAwsError(err('NoSuchEntity', 'x'), scope).name).toBe(
      'NotFoundError',
    );
    expect(mapAwsError(err('EntityAlreadyExists', 'x'), scope).name).toBe(
      'ConflictError',
    );
    expect(mapAwsError(err('MalformedPolicyDocument', 'x'), scope).name).toBe(
      'InputError',
    );
    expect(mapAwsError(err('Throttling', 'x'), scope).message).toContain(
      'throttled',
    );
    const other = mapAwsError(err('ServiceUnavailable', 'down'), scope);
    expect(other.message).toBe(
      'iam:GetRole failed in network account 111111111111 (Account-A): ServiceUnavailable: down',
    );
    expect((other as Error & { cause?: unknown }).cause).toBeDefined();
  });
});
