import {
  IAM_PROPAGATION_DELAYS_MS,
  isIamPropagationError,
  retryWhileIamPropagates,
} from './iamPropagation';

const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name });

const webIdentityDenied = awsError(
  'AccessDenied',
  'Not authorized to perform sts:AssumeRoleWithWebIdentity',
);

describe('IAM propagation', () => {
  it.each([
    [webIdentityDenied],
    [
      awsError(
        'AccessDenied',
        'User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/z',
      ),
    ],
    [
      awsError(
        'InvalidIdentityToken',
        'No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/X',
      ),
    ],
    [
      awsError(
        'InvalidParameterException',
        'Role with arn: arn:aws:iam::222222222222:role/eksctl-shop-cluster-ServiceRole, could not be assumed because it does not exist or the trusted entity is not correct',
      ),
    ],
    [
      awsError(
        'InvalidParameterValue',
        'Value (x) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name',
      ),
    ],
  ])('recognises %s', error => {
    expect(isIamPropagationError(error)).toBe(true);
  });

  it.each([
    [awsError('AccessDenied', 'Not authorized to perform ec2:CreateTags')],
    [awsError('InvalidParameterException', 'Subnets must be in two AZs')],
    [awsError('InvalidIdentityToken', 'Incorrect token audience')],
    [new Error('socket hang up')],
  ])('does not take %s for propagation', error => {
    expect(isIamPropagationError(error)).toBe(false);
  });

  it('retries a fresh role until IAM knows it', async () => {
    const sleep = jest.fn(async (_ms: number) => {});
    const fn = jest
      .fn()
      .mockRejectedValueOnce(webIdentityDenied)
      .mockRejectedValueOnce(webIdentityDenied)
      .mockResolvedValue('credentials');
    await expect(retryWhileIamPropagates(fn, { sleep })).resolves.toBe(
      'credentials',
    );
    expect(fn).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls).toEqual([[1000], [2000]]);
  });

  it('gives up after the bounded waits with the last error, unchanged', async () => {
    const sleep = jest.fn(async (_ms: number) => {});
    const fn = jest.fn().mockRejectedValue(webIdentityDenied);
    await expect(retryWhileIamPropagates(fn, { sleep })).rejects.toBe(
      webIdentityDenied,
    );
    expect(fn).toHaveBeenCalledTimes(IAM_PROPAGATION_DELAYS_MS.length + 1);
    expect(
      sleep.mock.calls.reduce((sum, [ms]) => sum + ms, 0),
    ).toBeLessThanOrEqual(15_000);
  });

  it('rethrows any other error at once', async () => {
    const sleep = jest.fn(async (_ms: number) => {});
    const other = awsError('ValidationError', 'bad input');
    const fn = jest.fn().mockRejectedValue(other);
    await expect(retryWhileIamPropagates(fn, { sleep })).rejects.toBe(other);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });
});
