import {
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import { GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  DNS,
  NETWORK,
  REGION,
  actionContext,
  awsError,
  checkpointStore,
  mockAuditor,
  mockAws,
} from '../__testUtils__/testing';
import { createEnsureCertificateAction } from './ensureCertificate';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const ARN = `arn:aws:acm:${REGION}:${NETWORK}:certificate/0a1b2c3d-0000-4000-8000-000000000001`;
const RECORD = {
  Name: '_0123456789abcdef0123456789abcdef.shop.example.com.',
  Type: 'CNAME' as const,
  Value: '_fedcba9876543210fedcba9876543210.abcdefghij.acm-validations.aws.',
};
const MANAGED = [{ Key: 'cross-account-alb:managed-by', Value: 'backstage' }];
const input = {
  networkAccountId: NETWORK,
  region: REGION,
  hostName: 'shop.example.com',
  dnsAccountId: DNS,
  hostedZoneId: ZONE,
  hostedZoneName: 'example.com',
};

const certificate = (Status: string, withRecord = true) => ({
  Certificate: {
    CertificateArn: ARN,
    DomainName: 'shop.example.com',
    Status,
    DomainValidationOptions: [
      {
        DomainName: 'shop.example.com',
        ValidationMethod: 'DNS' as const,
        ...(withRecord ? { ResourceRecord: RECORD } : {}),
      },
    ],
  },
});

/**
 * A fake ACM and Route 53: `statuses` are the certificate's statuses on successive
 * DescribeCertificate calls (the last one repeats).
 */
function setup(
  opts: {
    existing?: { Status: string; Tags?: object[] };
    statuses?: Array<[string, boolean?]>;
    zone?: { Name?: string; PrivateZone?: boolean; missing?: boolean };
    recordValue?: string;
  } = {},
) {
  const aws = mockAws();
  const audit = mockAuditor();
  aws.mocks.acm.on(ListCertificatesCommand).resolves({
    CertificateSummaryList: opts.existing
      ? [
          {
            CertificateArn: ARN,
            DomainName: 'shop.example.com',
            Status: opts.existing.Status as any,
          },
          {
            CertificateArn: `${ARN}-other`,
            DomainName: 'cart.example.com',
            Status: 'ISSUED',
          },
        ]
      : [],
  });
  aws.mocks.acm
    .on(ListTagsForCertificateCommand)
    .resolves({ Tags: (opts.existing?.Tags as any) ?? [] });
  aws.mocks.acm.on(RequestCertificateCommand).resolves({ CertificateArn: ARN });
  const statuses = opts.statuses ?? [
    ['PENDING_VALIDATION', false],
    ['PENDING_VALIDATION'],
    ['ISSUED'],
  ];
  let describes = 0;
  aws.mocks.acm.on(DescribeCertificateCommand).callsFake(() => {
    const [status, withRecord] =
      statuses[Math.min(describes++, statuses.length - 1)];
    return certificate(status, withRecord ?? true);
  });
  if (opts.zone?.missing) {
    aws.mocks.route53
      .on(GetHostedZoneCommand)
      .rejects(
        awsError('NoSuchHostedZone', `No hosted zone found with ID: ${ZONE}`),
      );
  } else {
    aws.mocks.route53.on(GetHostedZoneCommand).resolves({
      HostedZone: {
        Id: `/hostedzone/${ZONE}`,
        Name: opts.zone?.Name ?? 'example.com.',
        CallerReference: 'x',
        Config: { PrivateZone: opts.zone?.PrivateZone ?? false },
      },
    });
  }
  aws.mocks.route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: opts.recordValue
      ? [
          {
            Name: RECORD.Name,
            Type: 'CNAME',
            TTL: 300,
            ResourceRecords: [{ Value: opts.recordValue }],
          },
        ]
      : [
          // Route 53 lists from the start name on: the next record in the zone.
          {
            Name: 'www.example.com.',
            Type: 'A',
            TTL: 300,
            ResourceRecords: [],
          },
        ],
    IsTruncated: false,
    MaxItems: 1,
  });
  aws.mocks.route53.on(ChangeResourceRecordSetsCommand).resolves({
    ChangeInfo: {
      Id: '/change/C1',
      Status: 'PENDING',
      SubmittedAt: new Date(),
    },
  });
  const sleeps: number[] = [];
  const action = createEnsureCertificateAction({
    clients: aws.clients,
    auditor: audit.auditor,
    pollIntervalMs: 1000,
    sleep: async ms => {
      sleeps.push(ms);
    },
  });
  return { aws, audit, action, sleeps };
}

async function run(
  action: ReturnType<typeof setup>['action'],
  value: object,
  overrides = {},
) {
  const { ctx, outputs } = actionContext(value as any, overrides);
  const error = await action.handler(ctx).then(
    () => undefined,
    (e: Error) => e,
  );
  return { error, outputs: outputs() };
}

describe('aws:acm:ensure-certificate', () => {
  it('requests a tagged DNS-validated certificate in the network account, writes its record in the DNS account and waits until it is issued', async () => {
    const { aws, audit, action, sleeps } = setup();
    const { error, outputs } = await run(action, input);
    expect(error).toBeUndefined();
    const request = aws.mocks.acm.commandCalls(RequestCertificateCommand)[0]
      .args[0].input;
    expect(request).toEqual({
      DomainName: 'shop.example.com',
      ValidationMethod: 'DNS',
      IdempotencyToken: expect.stringMatching(/^[0-9a-f]{16}$/),
      Tags: [
        ...MANAGED,
        { Key: 'cross-account-alb:host-name', Value: 'shop.example.com' },
      ],
    });
    expect(
      aws.mocks.route53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0]
        .input,
    ).toMatchObject({
      HostedZoneId: ZONE,
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: RECORD.Name,
              Type: 'CNAME',
              TTL: 300,
              ResourceRecords: [{ Value: RECORD.Value }],
            },
          },
        ],
      },
    });
    // ACM in the network account, Route 53 in the DNS account.
    expect(aws.targets.map(t => `${t.service}:${t.accountId}`).sort()).toEqual([
      `acm:${NETWORK}`,
      `route53:${DNS}`,
    ]);
    expect(outputs).toEqual({
      certificateArn: ARN,
      status: 'ISSUED',
      hostName: 'shop.example.com',
      validationRecords: [
        { name: RECORD.Name, type: 'CNAME', value: RECORD.Value },
      ],
      created: true,
    });
    // Pending without a record (a wait), pending with it (the record is written and the
    // certificate read again at once), issued.
    expect(sleeps).toEqual([1000]);
    expect(audit.createEvent.mock.calls.map(c => (c as any)[0].meta)).toEqual([
      expect.objectContaining({
        action: 'acm:RequestCertificate',
        accountId: NETWORK,
        accountKind: 'network',
      }),
      expect.objectContaining({
        action: 'route53:ChangeResourceRecordSets',
        accountId: DNS,
        accountKind: 'dns',
        resourceArn: `arn:aws:route53:::hostedzone/${ZONE}`,
      }),
    ]);
  });

  it('uses an issued certificate for the name as it is, changing nothing', async () => {
    const { aws, action } = setup({
      existing: { Status: 'ISSUED' },
      statuses: [['ISSUED']],
    });
    const { error, outputs } = await run(action, input);
    expect(error).toBeUndefined();
    expect(aws.mutations()).toEqual([]);
    expect(outputs).toMatchObject({ certificateArn: ARN, created: false });
  });

  it('goes on with its own pending certificate and leaves a record that is already there', async () => {
    const { aws, action } = setup({
      existing: { Status: 'PENDING_VALIDATION', Tags: MANAGED },
      statuses: [['PENDING_VALIDATION'], ['PENDING_VALIDATION'], ['ISSUED']],
      recordValue: RECORD.Value.replace(/\.$/, ''),
    });
    const { error, outputs } = await run(action, input);
    expect(error).toBeUndefined();
    expect(aws.mutations()).toEqual([]);
    expect(outputs).toMatchObject({ status: 'ISSUED', created: false });
  });

  it("does not take over someone else's pending certificate: requests its own", async () => {
    const { aws, action } = setup({
      existing: { Status: 'PENDING_VALIDATION', Tags: [] },
    });
    const { error } = await run(action, input);
    expect(error).toBeUndefined();
    expect(aws.mutations()).toEqual([
      'RequestCertificateCommand',
      'ChangeResourceRecordSetsCommand',
    ]);
  });

  it('a resumed task does not request a second certificate', async () => {
    const store = checkpointStore();
    const first = setup({ statuses: [['FAILED']] });
    await run(first.action, input, { checkpoint: store.checkpoint });
    const second = setup();
    const { error } = await run(second.action, input, {
      checkpoint: store.checkpoint,
    });
    expect(error).toBeUndefined();
    expect(
      second.aws.mocks.acm.commandCalls(RequestCertificateCommand),
    ).toHaveLength(0);
  });

  it('refuses a name outside the zone before any AWS call, naming hostName', async () => {
    const { aws, action } = setup();
    for (const hostName of [
      'shop.example.org',
      'badexample.com',
      'example.co',
    ]) {
      const { error } = await run(action, { ...input, hostName });
      expect(error?.message).toContain(
        `hostName: expected a name in hosted zone example.com (${hostName} is outside it)`,
      );
    }
    expect(aws.commands()).toEqual([]);
  });

  it.each([
    [
      'a zone that does not exist',
      { missing: true },
      `hostedZoneId: no hosted zone ${ZONE} in DNS account ${DNS}`,
    ],
    [
      'a zone of another name',
      { Name: 'example.org.' },
      `hostedZoneId: ${ZONE} is the zone of example.org, not of hostedZoneName example.com`,
    ],
    [
      'a private zone',
      { PrivateZone: true },
      `hostedZoneId: ${ZONE} (example.com) is a private hosted zone`,
    ],
  ])('refuses %s before changing anything', async (_kind, zone, message) => {
    const { aws, action } = setup({ zone });
    const { error } = await run(action, input);
    expect(error?.message).toContain(message);
    expect(aws.mutations()).toEqual([]);
  });

  describe('with the cluster named: its external-dns must write in the zone', () => {
    const withCluster = {
      ...input,
      clusterName: 'shop-prod',
      workloadAccountId: '222222222222',
    };
    const ROLE = 'shop-prod-222222222222-external-dns';
    /** external-dns's role in the DNS account, allowed the zones given (none: no role). */
    function withRole(zones: string[] | undefined) {
      const ctx = setup();
      if (!zones) {
        ctx.aws.mocks.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity'));
      } else {
        ctx.aws.mocks.iam.on(GetRoleCommand, { RoleName: ROLE }).resolves({
          Role: {
            RoleName: ROLE,
            Arn: `arn:aws:iam::${DNS}:role/cross-account-alb/${ROLE}`,
            Path: '/cross-account-alb/',
            RoleId: 'AROAEXAMPLE',
            CreateDate: new Date(),
          },
        });
        ctx.aws.mocks.iam
          .on(GetRolePolicyCommand, {
            RoleName: ROLE,
            PolicyName: 'external-dns-route53',
          })
          .resolves({
            RoleName: ROLE,
            PolicyName: 'external-dns-route53',
            PolicyDocument: encodeURIComponent(
              JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'route53:ListHostedZones',
                    Resource: '*',
                  },
                  {
                    Effect: 'Allow',
                    Action: ['route53:ChangeResourceRecordSets'],
                    Resource: zones.map(
                      z => `arn:aws:route53:::hostedzone/${z}`,
                    ),
                  },
                ],
              }),
            ),
          });
      }
      return ctx;
    }

    it('goes on when the role may write in the zone', async () => {
      const { aws, action } = withRole([ZONE]);
      const { error, outputs } = await run(action, withCluster);
      expect(error).toBeUndefined();
      expect(outputs.status).toBe('ISSUED');
      expect(aws.mocks.iam.commandCalls(GetRolePolicyCommand)).toHaveLength(1);
    });

    it.each([
      [
        'no external-dns role',
        undefined,
        `hostedZoneId: cluster shop-prod has no external-dns role in DNS account ${DNS} (${ROLE}), so nothing would point shop.example.com at the ALB. Run template 2 for the cluster with zone example.com (${ZONE}) first, or leave the host name empty.`,
      ],
      [
        'a role for another zone',
        ['Z9999999999OTHERZONE'],
        `hostedZoneId: external-dns of cluster shop-prod keeps records in zone Z9999999999OTHERZONE only (its role ${ROLE} in DNS account ${DNS}), not in example.com (${ZONE}). Use a name in its zone, or run template 2 for the cluster with zone example.com.`,
      ],
    ])('refuses %s before changing anything', async (_kind, zones, message) => {
      const { aws, action } = withRole(zones);
      const { error } = await run(action, withCluster);
      expect(error?.message).toBe(message);
      expect(aws.mutations()).toEqual([]);
    });

    it('takes clusterName and workloadAccountId together only', async () => {
      const { aws, action } = withRole([ZONE]);
      const { error } = await run(action, {
        ...input,
        clusterName: 'shop-prod',
      });
      expect(error?.message).toContain(
        'workloadAccountId: expected clusterName and workloadAccountId together',
      );
      expect(aws.commands()).toEqual([]);
    });
  });

  it('refuses to overwrite a record of that name with another value', async () => {
    const { aws, action } = setup({
      recordValue: '_other.acm-validations.aws.',
    });
    const { error } = await run(action, input);
    expect(error?.name).toBe('ConflictError');
    expect(error?.message).toContain('Not overwriting it');
    expect(aws.mutations()).toEqual(['RequestCertificateCommand']);
  });

  it('stops waiting at the bound and says where the record is and that a re-run goes on', async () => {
    const { action, sleeps } = setup({
      statuses: [['PENDING_VALIDATION']],
    });
    // Each look at the clock is a second later.
    let now = 0;
    const clock = jest
      .spyOn(Date, 'now')
      .mockImplementation(() => (now += 1000));
    const { error } = await run(action, { ...input, waitTimeoutSeconds: 5 });
    clock.mockRestore();
    expect(error?.message).toMatch(
      /^Timed out after 5s waiting for ACM to issue certificate .* \(still PENDING_VALIDATION\)\. Its validation record _0123456789abcdef0123456789abcdef\.shop\.example\.com\. CNAME .* is in zone example\.com \(Z0123456789ABCDEFGHIJ\) of DNS account 555555555555: .* Run the task again to go on waiting/,
    );
    expect(sleeps.length).toBeGreaterThan(0);
    expect(sleeps.length).toBeLessThan(5);
  });

  it('explains a certificate ACM will not issue', async () => {
    const { action } = setup({ statuses: [['VALIDATION_TIMED_OUT']] });
    const { error } = await run(action, input);
    expect(error?.message).toContain(
      'is VALIDATION_TIMED_OUT in network account 111111111111: ACM will not issue it',
    );
  });

  it('in a dry run calls no AWS', async () => {
    const { aws, action } = setup();
    const { error, outputs } = await run(action, input, { isDryRun: true });
    expect(error).toBeUndefined();
    expect(outputs).toMatchObject({
      dryRun: true,
      hostName: 'shop.example.com',
    });
    expect(aws.commands()).toEqual([]);
  });

  it.each([
    ['hostName', { hostName: 'Shop.example.com' }],
    ['hostName', { hostName: '*.example.com' }],
    ['hostName', { hostName: 'shop.example.com.' }],
    ['hostName', { hostName: '-shop.example.com' }],
    ['hostedZoneId', { hostedZoneId: '/hostedzone/Z0123456789ABCDEFGHIJ' }],
    ['hostedZoneId', { hostedZoneId: 'z0123' }],
    ['dnsAccountId', { dnsAccountId: '55555555555' }],
    ['waitTimeoutSeconds', { waitTimeoutSeconds: 7200 }],
  ])('refuses a malformed %s naming it', async (field, patch) => {
    const { aws, action } = setup();
    const { error } = await run(action, { ...input, ...patch });
    expect(error?.message).toContain(
      `Invalid input to aws:acm:ensure-certificate: ${field}:`,
    );
    expect(aws.commands()).toEqual([]);
  });
});
