import {
  LBC_DEFAULT_SSL_POLICY,
  ingressListeners,
  mergeGroupListeners,
} from './lbcListeners';

const A = 'alb.ingress.kubernetes.io/';
const CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/aaaa';
const OTHER = 'arn:aws:acm:us-east-1:111111111111:certificate/bbbb';

const of = (key: string, annotations: Record<string, string>) =>
  ingressListeners(
    key,
    Object.fromEntries(
      Object.entries(annotations).map(([k, v]) => [`${A}${k}`, v]),
    ),
  );
const ports = (key: string, annotations: Record<string, string>) =>
  Object.fromEntries(of(key, annotations).ports);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('listeners (controller v3.5.0, model_build_listener.go)', () => {
  it('listens on 80/HTTP by default, on 443/HTTPS when the Ingress names a certificate', () => {
    expect(ports('web/a', {})).toEqual({
      80: { protocol: 'HTTP', certificateArns: [] },
    });
    expect(
      ports('web/a', { 'certificate-arn': ` ${CERT}, ,${OTHER}` }),
    ).toEqual({ 443: { protocol: 'HTTPS', certificateArns: [CERT, OTHER] } });
  });

  it('gives the certificate and the TLS policy to the HTTPS ports only', () => {
    expect(
      ports('web/a', {
        'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
        'certificate-arn': CERT,
        'ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      }),
    ).toEqual({
      80: { protocol: 'HTTP', certificateArns: [] },
      443: {
        protocol: 'HTTPS',
        certificateArns: [CERT],
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      },
    });
  });

  it.each([
    [
      'not JSON',
      '[{HTTP: 80}]',
      'failed to parse listen-ports configuration: `[{HTTP: 80}]`',
    ],
    ['empty', '[]', 'empty listen-ports configuration: `[]`'],
    [
      'a port out of range',
      '[{"HTTP": 0}]',
      'listen port must be within [1, 65535]: 0',
    ],
    [
      'another protocol',
      '[{"TCP": 80}]',
      'listen protocol must be within [HTTP, HTTPS]: TCP',
    ],
    [
      'a port that is not a number',
      '[{"HTTP": "80"}]',
      'failed to parse listen-ports configuration',
    ],
  ])(
    'refuses listen-ports that is %s, in the controller words',
    (_k, raw, message) => {
      expect(refusal(() => of('web/a', { 'listen-ports': raw }))).toContain(
        `ingress: web/a: ${message}`,
      );
    },
  );

  it('refuses an HTTPS port without a certificate, saying the stand-in does not search ACM', () => {
    expect(
      refusal(() => of('web/a', { 'listen-ports': '[{"HTTPS": 443}]' })),
    ).toContain(
      'ingress: web/a: listens on 443 with HTTPS but names no certificate',
    );
  });

  it('refuses an ssl-redirect that is not an int32', () => {
    expect(refusal(() => of('web/a', { 'ssl-redirect': 'https' }))).toBe(
      `ingress: web/a: failed to parse int32 annotation, ${A}ssl-redirect: https`,
    );
  });
});

describe('a group merges its members listeners (model_builder.go)', () => {
  const https = {
    'listen-ports': '[{"HTTP": 80}, {"HTTPS": 443}]',
    'certificate-arn': CERT,
  };

  it('one listener per port, the default certificate first, the default TLS policy, the redirect', () => {
    const merged = mergeGroupListeners([
      of('web/a', { ...https, 'ssl-redirect': '443' }),
      of('web/b', { ...https, 'certificate-arn': `${OTHER},${CERT}` }),
      of('web/c', {}),
    ]);
    expect(merged).toEqual({
      listeners: [
        {
          port: 80,
          protocol: 'HTTP',
          certificateArns: [],
          memberKeys: ['web/a', 'web/b', 'web/c'],
        },
        {
          port: 443,
          protocol: 'HTTPS',
          certificateArns: [CERT, OTHER],
          sslPolicy: LBC_DEFAULT_SSL_POLICY,
          memberKeys: ['web/a', 'web/b'],
        },
      ],
      sslRedirectPort: 443,
    });
  });

  it.each([
    [
      'protocols of one port',
      [of('web/a', https), of('web/b', { 'listen-ports': '[{"HTTP": 443}]' })],
      'failed to merge listenPort config for port: 443: conflicting protocol, web/a: HTTPS | web/b: HTTP',
    ],
    [
      'TLS policies of one port',
      [
        of('web/a', {
          ...https,
          'ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        }),
        of('web/b', https),
        of('web/c', { ...https, 'ssl-policy': 'ELBSecurityPolicy-2016-08' }),
      ],
      'failed to merge listenPort config for port: 443: conflicting sslPolicy, web/a: ELBSecurityPolicy-TLS13-1-2-2021-06 | web/c: ELBSecurityPolicy-2016-08',
    ],
    [
      'redirect ports',
      [
        of('web/a', { ...https, 'ssl-redirect': '443' }),
        of('web/b', { ...https, 'ssl-redirect': '8443' }),
      ],
      'conflicting sslRedirect port: [443 8443]',
    ],
    [
      'a redirect to a port no member listens on',
      [of('web/a', { ...https, 'ssl-redirect': '8443' })],
      'listener does not exist for SSLRedirect port: 8443',
    ],
    [
      'a redirect to an HTTP port',
      [of('web/a', { ...https, 'ssl-redirect': '80' })],
      'listener protocol non-SSL for SSLRedirect port: 80',
    ],
  ])(
    'refuses %s that disagree, in the controller words',
    (_k, members, message) => {
      expect(refusal(() => mergeGroupListeners(members))).toBe(message);
    },
  );
});
