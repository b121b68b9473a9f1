import {
  desiredEndpoints,
  Endpoint,
  externalDnsConfigs,
  matchesDomainFilter,
  planZoneChanges,
} from './externalDns';
import type { KubernetesObject } from './lbc';

const ALB = 'k8s-shop-shop-0123456789-1234567890.us-east-1.elb.amazonaws.com';
const OWNER = 'shop-e2e.us-east-1.222222222222';
const ZONE = { id: 'Z1', name: 'example.test' };

function externalDns(
  args: string[],
  roleArn = 'arn:aws:iam::555555555555:role/x',
) {
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'external-dns',
        namespace: 'external-dns',
        annotations: roleArn ? { 'eks.amazonaws.com/role-arn': roleArn } : {},
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'external-dns', namespace: 'external-dns' },
      spec: {
        template: {
          spec: {
            serviceAccountName: 'external-dns',
            containers: [
              {
                name: 'external-dns',
                image: 'registry.k8s.io/external-dns/external-dns:v0.19.0',
                args,
              },
            ],
          },
        },
      },
    },
  ] as KubernetesObject[];
}

const FLAGS = [
  '--source=ingress',
  '--provider=aws',
  '--registry=txt',
  `--txt-owner-id=${OWNER}`,
  '--domain-filter=example.test',
  '--zone-id-filter=Z1',
  '--aws-zone-type=public',
  '--policy=sync',
];

function ingress(host: string, hostname?: string): KubernetesObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'shop', annotations: {} },
    spec: { rules: [{ host, http: { paths: [] } }] },
    ...(hostname
      ? { status: { loadBalancer: { ingress: [{ hostname }] } } }
      : {}),
  } as KubernetesObject;
}

const owned = (e: Endpoint, owner = OWNER): Endpoint => ({
  ...e,
  labels: { owner, resource: 'ingress/shop/shop' },
});

describe('external-dns stand-in', () => {
  it('reads the flags and the IRSA role of the Deployment applied to the cluster', () => {
    expect(externalDnsConfigs(externalDns(FLAGS))).toEqual([
      {
        deployment: 'external-dns/external-dns',
        namespace: 'external-dns',
        serviceAccountName: 'external-dns',
        roleArn: 'arn:aws:iam::555555555555:role/x',
        sources: ['ingress'],
        domainFilters: ['example.test'],
        zoneIdFilters: ['Z1'],
        zoneType: 'public',
        ownerId: OWNER,
        policy: 'sync',
        evaluateTargetHealth: true,
      },
    ]);
  });

  it('refuses what it does not play, and a service account without a role', () => {
    expect(() =>
      externalDnsConfigs(externalDns([...FLAGS, '--txt-prefix=x-'])),
    ).toThrow(/--txt-prefix is not played/);
    expect(() =>
      externalDnsConfigs(
        externalDns(['--provider=google', '--source=ingress']),
      ),
    ).toThrow('--provider=google; the sandbox plays --provider=aws only');
    expect(() => externalDnsConfigs(externalDns(FLAGS, ''))).toThrow(
      'has no eks.amazonaws.com/role-arn annotation',
    );
  });

  it('matches zones and names as domain_filter.go does', () => {
    expect(matchesDomainFilter(['example.test'], 'example.test.')).toBe(true);
    expect(matchesDomainFilter(['example.test'], 'shop.example.test')).toBe(
      true,
    );
    expect(matchesDomainFilter(['example.test'], 'badexample.test')).toBe(
      false,
    );
    expect(matchesDomainFilter(['example.test'], 'example.other')).toBe(false);
  });

  it("wants an ELB's name as alias A and AAAA records, and nothing before the controller wrote the status", () => {
    expect(
      desiredEndpoints([ingress('shop.example.test')], {
        evaluateTargetHealth: true,
      }),
    ).toEqual([]);
    expect(
      desiredEndpoints([ingress('Shop.Example.test', ALB)], {
        evaluateTargetHealth: true,
      }),
    ).toEqual(
      ['A', 'AAAA'].map(type => ({
        name: 'shop.example.test',
        type,
        targets: [ALB],
        aliasZone: 'Z35SXDOTRQ7X7K',
        evaluateTargetHealth: true,
        labels: { resource: 'ingress/shop/shop' },
      })),
    );
  });

  const config = {
    ownerId: OWNER,
    policy: 'sync' as const,
    domainFilters: ['example.test'],
  };
  const wanted = desiredEndpoints([ingress('shop.example.test', ALB)], {
    evaluateTargetHealth: true,
  });

  it('creates the records and their TXT owners in a zone without them', () => {
    const changes = planZoneChanges(ZONE, wanted, [], new Set(), config);
    expect(
      changes.map(c => [
        c.Action,
        c.ResourceRecordSet!.Name,
        c.ResourceRecordSet!.Type,
      ]),
    ).toEqual([
      ['CREATE', 'shop.example.test', 'A'],
      ['CREATE', 'cname-shop.example.test', 'TXT'],
      ['CREATE', 'shop.example.test', 'AAAA'],
      ['CREATE', 'aaaa-shop.example.test', 'TXT'],
    ]);
    expect(changes[0].ResourceRecordSet!.AliasTarget).toEqual({
      DNSName: ALB,
      HostedZoneId: 'Z35SXDOTRQ7X7K',
      EvaluateTargetHealth: true,
    });
    expect(changes[1].ResourceRecordSet!.ResourceRecords).toEqual([
      {
        Value: `"heritage=external-dns,external-dns/owner=${OWNER},external-dns/resource=ingress/shop/shop"`,
      },
    ]);
  });

  it('changes nothing when its records are in place', () => {
    expect(
      planZoneChanges(
        ZONE,
        wanted,
        wanted.map(e => owned(e)),
        new Set(),
        config,
      ),
    ).toEqual([]);
  });

  it('never takes over a name another owner (or a person) holds', () => {
    const theirs = wanted.map(e =>
      owned({ ...e, targets: ['other.example'] }, 'other'),
    );
    expect(planZoneChanges(ZONE, wanted, theirs, new Set(), config)).toEqual(
      [],
    );
    const unowned = [{ ...wanted[0], labels: {} }];
    expect(planZoneChanges(ZONE, wanted, unowned, new Set(), config)).toEqual(
      [],
    );
  });

  it('points its own name at a new ALB, and deletes it when no Ingress wants it (sync) or keeps it (upsert-only)', () => {
    const old = wanted.map(e =>
      owned({
        ...e,
        targets: ['k8s-old-0000000000.us-east-1.elb.amazonaws.com'],
      }),
    );
    expect(
      planZoneChanges(ZONE, wanted, old, new Set(), config).map(
        c =>
          `${c.Action} ${c.ResourceRecordSet!.Name} ${
            c.ResourceRecordSet!.Type
          }`,
      ),
    ).toEqual([
      'UPSERT shop.example.test A',
      'UPSERT cname-shop.example.test TXT',
      'UPSERT shop.example.test AAAA',
      'UPSERT aaaa-shop.example.test TXT',
    ]);
    const mine = wanted.map(e => owned(e));
    expect(
      planZoneChanges(ZONE, [], mine, new Set(), config).map(
        c =>
          `${c.Action} ${c.ResourceRecordSet!.Name} ${
            c.ResourceRecordSet!.Type
          }`,
      ),
    ).toEqual([
      'DELETE shop.example.test A',
      'DELETE cname-shop.example.test TXT',
      'DELETE shop.example.test AAAA',
      'DELETE aaaa-shop.example.test TXT',
    ]);
    expect(
      planZoneChanges(ZONE, [], mine, new Set(), {
        ...config,
        policy: 'upsert-only',
      }),
    ).toEqual([]);
  });
});
