import { AwsCallError, AwsThrottledError, toBackstageError } from './errors';

const ctx = {
  accountId: '111111111111',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::111111111111:role/backstage-alb-network',
};

function awsError(name: string, status: number, fault: 'client' | 'server') {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status, requestId: 'req-123' },
  });
}

describe('toBackstageError', () => {
  it('answers AWS 5xx after retries like throttling: 503, Retry-After, no raw AWS error', () => {
    const err = toBackstageError(
      new AwsCallError(
        'elasticloadbalancing:DescribeTargetHealth',
        awsError('InternalFailure', 500, 'server'),
      ),
      ctx,
    );
    expect(err).toBeInstanceOf(AwsThrottledError);
    expect((err as AwsThrottledError).retryAfterSeconds).toBe(5);
    expect(err.message).toContain('elasticloadbalancing:DescribeTargetHealth');
    expect(err.message).toContain('111111111111');
    expect((err as { cause?: unknown }).cause).toBeUndefined();
  });

  it('treats a dropped connection as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), {
      code: 'ECONNRESET',
    });
    const err = toBackstageError(
      new AwsCallError('tag:GetResources', reset),
      ctx,
    );
    expect(err).toBeInstanceOf(AwsThrottledError);
  });

  it('does not carry the raw AWS error of a throttled call', () => {
    const err = toBackstageError(
      new AwsCallError(
        'elasticloadbalancing:DescribeLoadBalancers',
        awsError('Throttling', 400, 'client'),
      ),
      ctx,
    );
    expect(err).toBeInstanceOf(AwsThrottledError);
    expect((err as { cause?: unknown }).cause).toBeUndefined();
  });

  it('keeps request errors as errors that name the call', () => {
    const err = toBackstageError(
      new AwsCallError(
        'elasticloadbalancing:DescribeListeners',
        awsError('ValidationError', 400, 'client'),
      ),
      ctx,
    );
    expect(err).not.toBeInstanceOf(AwsThrottledError);
    expect(err.message).toContain('elasticloadbalancing:DescribeListeners');
  });
});
