import {
  mockEntityLoadBalancersResponse,
  type AlbTarget,
} from '@cross-account-alb/plugin-aws-alb-common';
import {
  healthyTargets,
  makeLoadBalancer,
  mixedTargets,
} from '../__testUtils__/fixtures';
import {
  describeHealthCheck,
  describeListenerActions,
  loadBalancerUrl,
  summarizeHealth,
} from './summary';

const target = (state: AlbTarget['state']): AlbTarget => ({
  id: '10.0.0.1',
  state,
});

describe('summarizeHealth', () => {
  it('is healthy when every target is', () => {
    expect(summarizeHealth([makeLoadBalancer(healthyTargets)])).toMatchObject({
      status: 'healthy',
      healthy: 2,
      total: 2,
    });
  });

  it('is degraded when only some targets are healthy', () => {
    expect(summarizeHealth([makeLoadBalancer(mixedTargets)])).toMatchObject({
      status: 'degraded',
      healthy: 1,
      total: 2,
      detail: '1 of 2 targets are not healthy.',
    });
  });

  it('is down when no target is healthy', () => {
    expect(
      summarizeHealth([
        makeLoadBalancer([target('unhealthy'), target('initial')]),
      ]),
    ).toMatchObject({ status: 'down', healthy: 0, total: 2 });
  });

  it('is down when no target is registered', () => {
    expect(summarizeHealth([makeLoadBalancer([])])).toMatchObject({
      status: 'down',
      total: 0,
    });
  });

  it('is provisioning while all targets wait for their first check', () => {
    expect(
      summarizeHealth([
        makeLoadBalancer([target('initial'), target('initial')]),
      ]),
    ).toMatchObject({ status: 'provisioning' });
  });

  it('is provisioning while AWS creates the ALB', () => {
    expect(
      summarizeHealth([makeLoadBalancer([], { state: 'provisioning' })]),
    ).toMatchObject({ status: 'provisioning' });
  });

  it('is down when the ALB failed, whatever the targets say', () => {
    expect(
      summarizeHealth([makeLoadBalancer(healthyTargets, { state: 'failed' })]),
    ).toMatchObject({ status: 'down' });
  });

  it('is degraded when AWS reports the ALB impaired', () => {
    expect(
      summarizeHealth([
        makeLoadBalancer(healthyTargets, { state: 'active_impaired' }),
      ]),
    ).toMatchObject({ status: 'degraded', healthy: 2, total: 2 });
  });

  it('counts targets across load balancers', () => {
    expect(
      summarizeHealth([
        makeLoadBalancer(healthyTargets),
        makeLoadBalancer([target('unhealthy')]),
      ]),
    ).toMatchObject({ status: 'degraded', healthy: 2, total: 3 });
  });

  it('leaves targets being deregistered out of the count', () => {
    expect(
      summarizeHealth([
        makeLoadBalancer([
          ...healthyTargets,
          target('draining'),
          target('unhealthy.draining'),
        ]),
      ]),
    ).toEqual({
      status: 'healthy',
      healthy: 2,
      total: 2,
      leaving: 2,
      detail:
        'All targets are healthy. 2 targets are being deregistered and not counted.',
    });
  });

  it('counts the shared contract mock of the -common package', () => {
    expect(
      summarizeHealth(mockEntityLoadBalancersResponse().loadBalancers),
    ).toMatchObject({ status: 'degraded', healthy: 1, total: 2, leaving: 1 });
  });
});

describe('loadBalancerUrl', () => {
  it('uses http for an HTTP listener on port 80', () => {
    expect(loadBalancerUrl(makeLoadBalancer([]))).toBe(
      'http://k8s-game2048-ingress2-abc-123.us-east-1.elb.amazonaws.com',
    );
  });

  it('prefers https when a listener speaks it', () => {
    const lb = makeLoadBalancer([]);
    lb.listeners.push({
      arn: 'l443',
      port: 443,
      protocol: 'HTTPS',
      defaultActions: [],
    });
    expect(loadBalancerUrl(lb)).toMatch(/^https:\/\/k8s-.*\.com$/);
  });

  it('adds a non-default port', () => {
    const lb = makeLoadBalancer([], {
      listeners: [
        { arn: 'l', port: 8080, protocol: 'HTTP', defaultActions: [] },
      ],
    });
    expect(loadBalancerUrl(lb)).toMatch(/:8080$/);
  });

  it('has no URL without a DNS name', () => {
    expect(
      loadBalancerUrl(makeLoadBalancer([], { dnsName: undefined })),
    ).toBeUndefined();
  });
});

describe('describeListenerActions', () => {
  const lb = makeLoadBalancer([]);

  it('names the target group a listener forwards to', () => {
    expect(describeListenerActions(lb.listeners[0], lb.targetGroups)).toBe(
      'Forward to k8s-game2048-service2-0123456789',
    );
  });

  it('describes redirects and fixed responses', () => {
    expect(
      describeListenerActions(
        {
          arn: 'l',
          defaultActions: [
            {
              type: 'redirect',
              redirect: {
                protocol: 'HTTPS',
                port: '443',
                statusCode: 'HTTP_301',
              },
            },
          ],
        },
        [],
      ),
    ).toBe('Redirect to HTTPS:443 (301)');
    expect(
      describeListenerActions(
        {
          arn: 'l',
          defaultActions: [
            { type: 'fixed-response', fixedResponse: { statusCode: '404' } },
          ],
        },
        [],
      ),
    ).toBe('Fixed response 404');
  });
});

describe('describeHealthCheck', () => {
  it('lists path, interval, timeout, thresholds and codes', () => {
    expect(describeHealthCheck(makeLoadBalancer([]).targetGroups[0])).toBe(
      'HTTP /healthz, every 15 s, timeout 5 s, healthy after 2, unhealthy after 2, success codes 200',
    );
  });

  it('says when health checks are disabled', () => {
    const tg = {
      ...makeLoadBalancer([]).targetGroups[0],
      healthCheck: { enabled: false },
    };
    expect(describeHealthCheck(tg)).toBe('Disabled');
  });
});
