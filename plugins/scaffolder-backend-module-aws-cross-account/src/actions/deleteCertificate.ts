import {
  ACMClient,
  CertificateDetail,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  ActionRun,
  AwsActionOptions,
  AwsTemplateAction,
  ScopeBase,
  call,
  mutate,
} from '../lib/action';
import { isManaged } from '../lib/builders';
import {
  certificateAccounts,
  certificateFields,
  refineHostInZone,
} from '../lib/certificateAccounts';
import { fields, parseInput, Zod } from '../lib/schemas';
import {
  checkPublicZone,
  dnsName,
  findValidationRecord,
  ValidationRecord,
  validationRecords,
} from '../lib/zones';
import { examples } from './deleteCertificate.examples';

export const DELETE_CERTIFICATE_ID = 'aws:acm:delete-certificate';

const inputSchema = (zod: Zod) =>
  zod
    .object({
      ...certificateFields(zod),
      hostName: fields(zod)
        .hostName()
        .describe('The host name whose certificate the application had'),
    })
    .superRefine(refineHostInZone);

const outputSchema = (zod: Zod) =>
  zod.object({
    deleted: zod.array(zod.string()),
    kept: zod.array(zod.object({ arn: zod.string(), reason: zod.string() })),
    deletedRecords: zod.array(zod.string()),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

interface Candidate {
  cert: CertificateDetail;
  managed: boolean;
}

/** Every certificate for exactly hostName in the network account, with whether it is ours. */
async function certificatesFor(
  scope: ScopeBase,
  acm: ACMClient,
  hostName: string,
): Promise<Candidate[]> {
  const arns: string[] = [];
  let NextToken: string | undefined;
  do {
    const token = NextToken;
    const page = await call(scope, 'acm:ListCertificates', () =>
      acm.send(new ListCertificatesCommand({ NextToken: token })),
    );
    for (const s of page.CertificateSummaryList ?? []) {
      if (s.CertificateArn && dnsName(s.DomainName ?? '') === hostName) {
        arns.push(s.CertificateArn);
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  const found: Candidate[] = [];
  for (const arn of arns) {
    const { Certificate } = await call(scope, 'acm:DescribeCertificate', () =>
      acm.send(new DescribeCertificateCommand({ CertificateArn: arn })),
    );
    const { Tags } = await call(scope, 'acm:ListTagsForCertificate', () =>
      acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn })),
    );
    found.push({
      cert: Certificate ?? { CertificateArn: arn },
      managed: isManaged(Tags),
    });
  }
  return found;
}

/**
 * Deletes the validation record from the zone when it still holds exactly ACM's value (a
 * record someone changed is not ours any more). Returns whether it was deleted.
 */
async function deleteRecord(
  run: ActionRun,
  route53: Route53Client,
  input: Input,
  record: ValidationRecord,
): Promise<boolean> {
  const { existing, values } = await findValidationRecord(
    run.scope,
    route53,
    input.hostedZoneId,
    record,
  );
  if (!existing || values.length !== 1 || values[0] !== dnsName(record.value)) {
    if (existing) {
      run.ctx.logger.warn(
        `${record.name} in zone ${input.hostedZoneName} holds ${values.join(
          ', ',
        )}, not ACM's ${record.value}: left as it is`,
      );
    }
    return false;
  }
  await mutate(
    run.ctx,
    run.options,
    {
      key: `route53.${input.dnsAccountId}.${input.hostedZoneId}.${dnsName(
        record.name,
      )}.delete`,
      scope: run.scope,
      action: 'route53:ChangeResourceRecordSets',
      resourceArn: `arn:aws:route53:::hostedzone/${input.hostedZoneId}`,
    },
    async () => {
      const { ChangeInfo } = await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: input.hostedZoneId,
          ChangeBatch: {
            Comment: `Teardown of the ACM validation of ${input.hostName}, by Backstage`,
            // DELETE must name the record exactly as it is.
            Changes: [{ Action: 'DELETE', ResourceRecordSet: existing }],
          },
        }),
      );
      return ChangeInfo?.Id ?? '';
    },
  );
  return true;
}

export function createDeleteCertificateAction(
  options: AwsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: DELETE_CERTIFICATE_ID,
    description:
      "Teardown of aws:acm:ensure-certificate: deletes the network account's ACM certificates for a host name that this project requested (cross-account-alb:managed-by tag) and nothing uses (ACM's InUseBy is empty), then their DNS validation record in the zone's account, unless a certificate still there (kept because in use, or not this project's) validates through the same record. A certificate still in use is kept and named, not an error: delete its Ingress first. Nothing found counts as deleted.",
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        DELETE_CERTIFICATE_ID,
      );
      const { acm, route53, network, dns } = await certificateAccounts(
        ctx,
        options,
        input,
      );
      await checkPublicZone(
        dns.scope,
        route53,
        input,
        'its validation record was written in the public zone',
      );
      const candidates = await certificatesFor(
        network.scope,
        acm,
        input.hostName,
      );
      const kept: Array<{ arn: string; reason: string }> = [];
      const doomed: CertificateDetail[] = [];
      for (const { cert, managed } of candidates) {
        const arn = cert.CertificateArn!;
        if (!managed) {
          kept.push({ arn, reason: 'not requested by this project' });
        } else if (cert.InUseBy?.length) {
          kept.push({
            arn,
            reason: `in use by ${cert.InUseBy.join(', ')}`,
          });
        } else {
          doomed.push(cert);
        }
      }
      // Records a kept certificate validates through stay: ACM renews it with them.
      const stillNeeded = new Set(
        candidates
          .filter(c => !doomed.includes(c.cert))
          .flatMap(c => validationRecords(c.cert))
          .map(r => dnsName(r.name)),
      );
      const records = new Map<string, ValidationRecord>();
      for (const cert of doomed) {
        for (const r of validationRecords(cert)) {
          if (!stillNeeded.has(dnsName(r.name)))
            records.set(dnsName(r.name), r);
        }
      }
      for (const k of kept) {
        ctx.logger.info(`Keeping certificate ${k.arn}: ${k.reason}`);
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would delete ${doomed.length} certificate(s) for ${
            input.hostName
          } (${doomed
            .map(c => c.CertificateArn)
            .join(', ')}) and the validation record(s) ${[...records.values()]
            .map(r => r.name)
            .join(', ')}`,
        );
        ctx.output(
          'deleted',
          doomed.map(c => c.CertificateArn!),
        );
        ctx.output('kept', kept);
        ctx.output(
          'deletedRecords',
          [...records.values()].map(r => r.name),
        );
        ctx.output('dryRun', true);
        return;
      }
      // Records first: a run stopped between the two finds the certificates again and
      // deletes them; the other way round it would no longer know their records.
      const deletedRecords: string[] = [];
      for (const record of records.values()) {
        if (await deleteRecord(dns, route53, input, record)) {
          deletedRecords.push(record.name);
        }
      }
      const deleted: string[] = [];
      for (const cert of doomed) {
        const arn = cert.CertificateArn!;
        await mutate(
          ctx,
          options,
          {
            key: `acm.${arn}.delete`,
            scope: network.scope,
            action: 'acm:DeleteCertificate',
            resourceArn: arn,
          },
          async () => {
            await acm
              .send(new DeleteCertificateCommand({ CertificateArn: arn }))
              .catch(error => {
                // Gone already (an earlier attempt whose answer was lost): done.
                if ((error as Error).name !== 'ResourceNotFoundException') {
                  throw error;
                }
              });
            return true;
          },
        );
        deleted.push(arn);
      }
      ctx.output('deleted', deleted);
      ctx.output('kept', kept);
      ctx.output('deletedRecords', deletedRecords);
    },
  });
}
