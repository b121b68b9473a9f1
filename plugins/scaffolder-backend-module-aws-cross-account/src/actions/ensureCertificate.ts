import {
  ACMClient,
  CertificateDetail,
  CertificateStatus,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { IAMClient } from '@aws-sdk/client-iam';
import { ConflictError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  AwsActionOptions,
  AwsTemplateAction,
  ScopeBase,
  accountClient,
  call,
  digest,
  mutate,
  sleep as realSleep,
} from '../lib/action';
import { isManaged, managedTags } from '../lib/builders';
import {
  certificateAccounts,
  certificateFields,
  refineHostInZone,
} from '../lib/certificateAccounts';
import { fields, parseInput, Zod } from '../lib/schemas';
import {
  checkExternalDnsServesZone,
  checkPublicZone,
  dnsName,
  findValidationRecord,
  ValidationRecord,
  validationRecords,
} from '../lib/zones';
import { examples } from './ensureCertificate.examples';

export const ENSURE_CERTIFICATE_ID = 'aws:acm:ensure-certificate';

/** Tag on the certificates the action requests: the host name they are for. */
export const HOST_NAME_TAG_KEY = 'cross-account-alb:host-name';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      ...certificateFields(zod),
      clusterName: f
        .clusterName()
        .optional()
        .describe(
          "The cluster whose Ingress takes the name: given with workloadAccountId, the action first checks that the cluster's external-dns (template 2) may write in the zone, so the name will point at the ALB",
        ),
      workloadAccountId: f
        .workloadAccountId()
        .optional()
        .describe("The cluster's account (with clusterName)"),
      waitTimeoutSeconds: zod
        .number()
        .int('expected a whole number of seconds')
        .min(0, 'expected 0 to 3600 seconds')
        .max(3600, 'expected 0 to 3600 seconds')
        .default(900)
        .describe(
          'How long to wait for ACM to issue the certificate once its validation record is written (a re-run waits again)',
        ),
    })
    .superRefine((value, ctx) => {
      if (!value.clusterName !== !value.workloadAccountId) {
        ctx.addIssue({
          code: 'custom',
          path: [value.clusterName ? 'workloadAccountId' : 'clusterName'],
          message:
            "expected clusterName and workloadAccountId together (they name the cluster's external-dns role), or neither",
        });
      }
      refineHostInZone(value, ctx);
    });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    certificateArn: zod.string(),
    status: zod.string(),
    hostName: zod.string(),
    validationRecords: zod.array(
      zod.object({
        name: zod.string(),
        type: zod.string(),
        value: zod.string(),
      }),
    ),
    created: zod.boolean(),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

/**
 * The action's own knobs, apart from the module's options: how it waits for ACM. Tests pass a
 * fake `sleep` or a short interval.
 */
export interface EnsureCertificateActionOptions extends AwsActionOptions {
  /** Between two reads of the certificate while it is pending; default 10 s. */
  pollIntervalMs?: number;
  /** Replaced in tests to avoid real waiting. */
  sleep?: (ms: number) => Promise<void>;
}

/** ACM's statuses the certificate never leaves by waiting. */
const FINAL_FAILURES = new Set<string>([
  CertificateStatus.FAILED,
  CertificateStatus.VALIDATION_TIMED_OUT,
  CertificateStatus.REVOKED,
  CertificateStatus.EXPIRED,
  CertificateStatus.INACTIVE,
]);

/**
 * The certificate for exactly hostName the action can use: an ISSUED one (whoever requested
 * it: using it changes nothing about it), else a pending one this project requested with DNS
 * validation (an earlier run's), else none.
 */
async function findCertificate(
  run: ActionRun,
  acm: ACMClient,
  hostName: string,
): Promise<CertificateDetail | undefined> {
  const { scope } = run;
  const candidates: string[] = [];
  let NextToken: string | undefined;
  do {
    const token = NextToken;
    const page = await call(scope, 'acm:ListCertificates', () =>
      acm.send(
        new ListCertificatesCommand({
          CertificateStatuses: [
            CertificateStatus.ISSUED,
            CertificateStatus.PENDING_VALIDATION,
          ],
          NextToken: token,
        }),
      ),
    );
    for (const summary of page.CertificateSummaryList ?? []) {
      if (
        summary.CertificateArn &&
        dnsName(summary.DomainName ?? '') === hostName
      ) {
        candidates.push(summary.CertificateArn);
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  let pending: CertificateDetail | undefined;
  for (const arn of candidates) {
    const cert = await describe(scope, acm, arn);
    if (cert.Status === CertificateStatus.ISSUED) return cert;
    if (
      cert.Status !== CertificateStatus.PENDING_VALIDATION ||
      pending ||
      !(cert.DomainValidationOptions ?? []).every(
        o => o.ValidationMethod === 'DNS',
      )
    ) {
      continue;
    }
    const { Tags } = await call(scope, 'acm:ListTagsForCertificate', () =>
      acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn })),
    );
    if (isManaged(Tags)) pending = cert;
  }
  return pending;
}

async function describe(
  scope: ScopeBase,
  acm: ACMClient,
  arn: string,
): Promise<CertificateDetail> {
  const { Certificate } = await call(scope, 'acm:DescribeCertificate', () =>
    acm.send(new DescribeCertificateCommand({ CertificateArn: arn })),
  );
  return Certificate ?? { CertificateArn: arn };
}

/** Writes a validation record in the zone unless it is already there with ACM's value. */
async function ensureRecord(
  run: ActionRun,
  route53: Route53Client,
  input: Input,
  record: ValidationRecord,
): Promise<boolean> {
  const { scope } = run;
  const { existing, values } = await findValidationRecord(
    scope,
    route53,
    input.hostedZoneId,
    record,
  );
  if (existing && values.includes(dnsName(record.value))) return false;
  if (existing) {
    // ACM gives one record per account and name, so another value there is someone else's.
    throw new ConflictError(
      `hostName: ${record.name} already exists in zone ${
        input.hostedZoneName
      } (${input.hostedZoneId}) with another value (${values.join(
        ', ',
      )}) than ACM of network account ${input.networkAccountId} asks for (${
        record.value
      }). Not overwriting it: remove it, or request the certificate in the account that record validates for.`,
    );
  }
  await mutate(
    run.ctx,
    run.options,
    {
      key: `route53.${input.dnsAccountId}.${input.hostedZoneId}.${dnsName(
        record.name,
      )}.upsert`,
      scope,
      action: 'route53:ChangeResourceRecordSets',
      resourceArn: `arn:aws:route53:::hostedzone/${input.hostedZoneId}`,
    },
    async () => {
      const { ChangeInfo } = await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: input.hostedZoneId,
          ChangeBatch: {
            Comment: `ACM DNS validation of ${input.hostName} (network account ${input.networkAccountId}), by Backstage`,
            Changes: [
              {
                // UPSERT: a retry after a lost answer finds the record and changes nothing.
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: record.name,
                  Type: 'CNAME',
                  TTL: 300,
                  ResourceRecords: [{ Value: record.value }],
                },
              },
            ],
          },
        }),
      );
      return ChangeInfo?.Id ?? '';
    },
  );
  return true;
}

export function createEnsureCertificateAction(
  options: EnsureCertificateActionOptions,
): AwsTemplateAction {
  const sleep = options.sleep ?? realSleep;
  const pollIntervalMs = options.pollIntervalMs ?? 10_000;
  return createTemplateAction({
    id: ENSURE_CERTIFICATE_ID,
    description:
      'Ensures an ACM certificate for a host name in the network account (Account-A: an ALB takes certificates of its own account and region), validated by DNS: finds an issued or pending one for the name, else requests one, writes its validation record in the hosted zone of the DNS account, and waits (bounded) until ACM has issued it.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        ENSURE_CERTIFICATE_ID,
      );
      // Both accounts must be ones Backstage acts in, in a dry-run as in a run.
      const { acm, route53, network, dns } = await certificateAccounts(
        ctx,
        options,
        input,
      );
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ensure an ACM certificate for ${input.hostName} in network account ${input.networkAccountId} (${input.region}), validated through zone ${input.hostedZoneName} (${input.hostedZoneId}) of DNS account ${input.dnsAccountId}`,
        );
        ctx.output(
          'certificateArn',
          `arn:aws:acm:${input.region}:${input.networkAccountId}:certificate/00000000-0000-0000-0000-000000000000`,
        );
        ctx.output('status', 'DRY_RUN');
        ctx.output('hostName', input.hostName);
        ctx.output('validationRecords', []);
        ctx.output('created', false);
        ctx.output('dryRun', true);
        return;
      }

      await checkPublicZone(
        dns.scope,
        route53,
        input,
        'ACM validates a certificate through public DNS, so its record must go in the public zone',
      );
      if (input.clusterName && input.workloadAccountId) {
        await checkExternalDnsServesZone(
          dns.scope,
          await accountClient(
            options,
            IAMClient,
            { accountId: input.dnsAccountId, region: input.region },
            'dnsAccountId',
          ),
          {
            ...input,
            clusterName: input.clusterName,
            workloadAccountId: input.workloadAccountId,
          },
        );
      }

      let cert = await findCertificate(network, acm, input.hostName);
      let created = false;
      if (!cert) {
        const arn = await mutate(
          ctx,
          options,
          {
            key: `acm.${input.networkAccountId}.${input.region}.${input.hostName}.request`,
            scope: network.scope,
            action: 'acm:RequestCertificate',
            resourceArn: a => a,
          },
          async () => {
            const { CertificateArn } = await acm.send(
              new RequestCertificateCommand({
                DomainName: input.hostName,
                ValidationMethod: 'DNS',
                // Within an hour ACM answers a repeated token with the first certificate:
                // a request whose answer was lost does not make a second one.
                IdempotencyToken: digest([
                  input.networkAccountId,
                  input.region,
                  input.hostName,
                ]),
                Tags: managedTags({ [HOST_NAME_TAG_KEY]: input.hostName }),
              }),
            );
            return CertificateArn!;
          },
        );
        created = true;
        cert = { CertificateArn: arn };
      }
      const arn = cert.CertificateArn!;
      ctx.logger.info(
        `${created ? 'Requested' : 'Found'} certificate ${arn} for ${
          input.hostName
        }${cert.Status ? ` (${cert.Status})` : ''}`,
      );

      const deadline = Date.now() + input.waitTimeoutSeconds * 1000;
      let records: ValidationRecord[] = [];
      let written = false;
      for (;;) {
        cert = await describe(network.scope, acm, arn);
        if (cert.Status === CertificateStatus.ISSUED) break;
        if (FINAL_FAILURES.has(cert.Status ?? '')) {
          throw new Error(
            `Certificate ${arn} for ${input.hostName} is ${cert.Status}${
              cert.FailureReason ? ` (${cert.FailureReason})` : ''
            } in network account ${
              input.networkAccountId
            }: ACM will not issue it. Delete it in ACM and run the task again to request a new one.`,
          );
        }
        records = validationRecords(cert);
        if (records.length && !written) {
          for (const record of records) {
            await ensureRecord(dns, route53, input, record);
          }
          written = true;
          ctx.logger.info(
            `Validation record${records.length > 1 ? 's' : ''} ${records
              .map(r => `${r.name} CNAME ${r.value}`)
              .join(', ')} in zone ${input.hostedZoneName}`,
          );
          // ACM may already have read it (it was there before, or ACM was quick): look
          // again at once before waiting.
          continue;
        }
        if (Date.now() + pollIntervalMs > deadline) {
          throw new Error(
            `Timed out after ${
              input.waitTimeoutSeconds
            }s waiting for ACM to issue certificate ${arn} for ${
              input.hostName
            } (still ${cert.Status}). ${
              records.length
                ? `Its validation record ${records
                    .map(r => `${r.name} CNAME ${r.value}`)
                    .join(', ')} is in zone ${input.hostedZoneName} (${
                    input.hostedZoneId
                  }) of DNS account ${
                    input.dnsAccountId
                  }: ACM reads it through public DNS, so the zone must be the one the domain is delegated to (its NS records at the registrar or in the parent zone). It usually takes minutes, up to 30.`
                : 'ACM has not given its validation record yet.'
            } Run the task again to go on waiting: it finds this certificate and does not request another.`,
          );
        }
        await sleep(pollIntervalMs);
      }
      records = validationRecords(cert);
      ctx.logger.info(`Certificate ${arn} for ${input.hostName} is ISSUED`);
      ctx.output('certificateArn', arn);
      ctx.output('status', cert.Status);
      ctx.output('hostName', input.hostName);
      ctx.output('validationRecords', records);
      ctx.output('created', created);
    },
  });
}
