import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import { createAwsClientFactory } from '@cross-account-alb/plugin-aws-cross-account-node';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { DefaultAlbAwsClientFactory } from './clients';
import {
  AccountRegionLimiters,
  TokenBucketLimiter,
} from './TokenBucketLimiter';

const THROTTLED = `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
const OK = `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeTargetHealthResult><TargetHealthDescriptions/></DescribeTargetHealthResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></DescribeTargetHealthResponse>`;

describe('DefaultAlbAwsClientFactory', () => {
  let server: http.Server;
  let requests = 0;
  let previousEndpoint: string | undefined;
  const assumeRole = jest.fn(async () => ({
    accessKeyId: 'a',
    secretAccessKey: 'b',
    expiration: new Date(Date.now() + 3600_000),
  }));
  const credentialsManager = {
    getCredentialProvider: async () => ({ sdkCredentialProvider: assumeRole }),
  } as unknown as AwsCredentialsManager;

  beforeAll(async () => {
    // Answers every other request with ELBv2 throttling, so each call needs one retry.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        const throttle = requests % 2 === 1;
        res.writeHead(throttle ? 400 : 200, { 'content-type': 'text/xml' });
        res.end(throttle ? THROTTLED : OK);
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    previousEndpoint = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }`;
  });
  afterAll(async () => {
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = previousEndpoint;
    await new Promise(r => server.close(r));
  });
  beforeEach(() => {
    requests = 0;
  });

  function factory() {
    return new DefaultAlbAwsClientFactory({
      awsClients: createAwsClientFactory({ credentialsManager }),
      limiters: new AccountRegionLimiters({
        ratePerSecond: 100,
        burst: 100,
        maxWaitMs: 1000,
      }),
      maxAttempts: 3,
    });
  }

  it('takes a token for every HTTP attempt, SDK retries included', async () => {
    const acquire = jest.spyOn(TokenBucketLimiter.prototype, 'acquire');
    const { elbv2 } = await factory().getClients('111111111111', 'us-east-1');
    await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg' }));
    expect(requests).toBe(2);
    expect(acquire).toHaveBeenCalledTimes(2);
    acquire.mockRestore();
  });

  it('uses the reservation first, then takes tokens for extra attempts', async () => {
    const f = factory();
    const acquire = jest.spyOn(TokenBucketLimiter.prototype, 'acquire');
    const refund = jest.spyOn(TokenBucketLimiter.prototype, 'refund');
    const { elbv2 } = await f.getClients('111111111111', 'us-east-1');
    await f.withBudget('111111111111', 'us-east-1', 1, () =>
      elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg' })),
    );
    // One reservation of 1 (first attempt), one single token for the retry.
    expect(acquire.mock.calls).toEqual([[1, undefined], []]);
    expect(refund).toHaveBeenCalledWith(0);
    acquire.mockRestore();
    refund.mockRestore();
  });

  it('keeps one pair of clients per account and region, sharing one assumed-role session', async () => {
    assumeRole.mockClear();
    const f = factory();
    const { elbv2, tagging } = await f.getClients('111111111111', 'us-east-1');
    expect(f.getClients('111111111111', 'us-east-1')).toBe(
      f.getClients('111111111111', 'us-east-1'),
    );
    expect(await elbv2.config.maxAttempts()).toBe(3);
    await elbv2.config.credentials();
    await tagging.config.credentials();
    expect(assumeRole).toHaveBeenCalledTimes(1);
  });
});
