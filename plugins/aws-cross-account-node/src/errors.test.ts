import {
  awsErrorName,
  classifyAwsError,
  isAlreadyExists,
  isThrottling,
  sdkErrorOf,
  unlessAwsError,
} from './errors';

const err = (name: string, message = `${name} happened`, extra = {}) =>
  Object.assign(new Error(message), { name }, extra);

describe('classifyAwsError', () => {
  it('knows the access-denied names of every protocol', () => {
    for (const name of [
      'UnauthorizedOperation', // EC2
      'AccessDenied', // query services
      'AccessDeniedException', // JSON services
      'AuthorizationError', // SNS and older query services
    ]) {
      expect(classifyAwsError(err(name))).toBe('access-denied');
    }
  });

  it('tells a failed assume-role from a missing permission', () => {
    expect(
      classifyAwsError(
        err(
          'AccessDenied',
          'User: arn:aws:iam::999999999999:user/backstage is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/r',
        ),
      ),
    ).toBe('assume-role-denied');
    expect(
      classifyAwsError(
        err('CredentialsProviderError', 'AssumeRole denied by trust policy'),
      ),
    ).toBe('assume-role-denied');
    // A denied call whose own name mentions AssumeRole is a missing permission.
    expect(
      classifyAwsError(
        err(
          'AccessDenied',
          'User: arn:aws:sts::111111111111:assumed-role/r/s is not authorized to perform: iam:UpdateAssumeRolePolicy',
        ),
      ),
    ).toBe('access-denied');
    // STS throttling while assuming is throttling.
    expect(
      classifyAwsError(err('Throttling', 'Rate exceeded for sts:AssumeRole')),
    ).toBe('throttled');
  });

  it('knows throttling by name or by the SDK retry flag', () => {
    expect(isThrottling(err('RequestLimitExceeded'))).toBe(true);
    expect(isThrottling(err('SlowDown'))).toBe(true);
    expect(
      isThrottling(err('Weird', 'x', { $retryable: { throttling: true } })),
    ).toBe(true);
    expect(isThrottling(err('ValidationError'))).toBe(false);
  });

  it('sorts request errors, AWS faults and the rest', () => {
    expect(classifyAwsError(err('NoSuchEntity'))).toBe('not-found');
    expect(classifyAwsError(err('InvalidVpcID.NotFound'))).toBe('not-found');
    expect(classifyAwsError(err('LoadBalancerNotFound'))).toBe('not-found');
    expect(classifyAwsError(err('EntityAlreadyExists'))).toBe('already-exists');
    expect(classifyAwsError(err('InvalidGroup.Duplicate'))).toBe(
      'already-exists',
    );
    expect(classifyAwsError(err('MalformedPolicyDocument'))).toBe(
      'invalid-parameter',
    );
    expect(
      classifyAwsError(
        err('InternalFailure', 'x', {
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        }),
      ),
    ).toBe('transient');
    expect(
      classifyAwsError(err('Error', 'socket hang up', { code: 'ECONNRESET' })),
    ).toBe('transient');
    expect(classifyAwsError(err('ServiceQuotaExceeded'))).toBe('other');
    expect(classifyAwsError('a string')).toBe('other');
  });
});

describe('error names', () => {
  it('reads the name, else the wire code, of an error or of what it wraps', () => {
    expect(awsErrorName(err('NoSuchEntity'))).toBe('NoSuchEntity');
    expect(awsErrorName({ Code: 'Throttling' })).toBe('Throttling');
    expect(awsErrorName(undefined)).toBe('');
    const wrapped = new Error('mapped', { cause: err('EntityAlreadyExists') });
    expect(isAlreadyExists(sdkErrorOf(wrapped))).toBe(true);
    expect(sdkErrorOf(err('X'))).toBeInstanceOf(Error);
  });

  it('turns the named failures of a look-up into undefined', async () => {
    await expect(
      unlessAwsError(['NoSuchEntity'], Promise.reject(err('NoSuchEntity'))),
    ).resolves.toBeUndefined();
    await expect(
      unlessAwsError(['NoSuchEntity'], Promise.resolve(1)),
    ).resolves.toBe(1);
    await expect(
      unlessAwsError(['NoSuchEntity'], Promise.reject(err('AccessDenied'))),
    ).rejects.toThrow('AccessDenied happened');
  });
});
