import {
  AssociateResourceShareCommand,
  CreateResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  RAMClient,
  ResourceShare,
  ResourceShareAssociation,
  UpdateResourceShareCommand,
} from '@aws-sdk/client-ram';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z } from 'zod/v3';
import {
  AwsActionOptions,
  call,
  digest,
  mutate,
  ActionRun,
  networkScope,
  ScopeBase,
  AwsTemplateAction,
  sleep,
} from '../lib/action';
import { RAM_ORGANIZATION_HINT } from '../lib/errors';
import {
  buildShareName,
  CLUSTER_TAG_KEY,
  isManaged,
  MANAGED_BY_TAG_KEY,
  MANAGED_BY_TAG_VALUE,
  managedRamTags,
} from '../lib/builders';
import { fields, parseInput, Zod } from '../lib/schemas';
import { examples } from './shareSubnets.examples';
import {
  regionalArn,
  subnetArn,
} from '@cross-account-alb/plugin-aws-cross-account-node';

export const SHARE_SUBNETS_ID = 'aws:ram:share-subnets';

const inputSchema = (zod: Zod) => {
  const f = fields(zod);
  return zod
    .object({
      networkAccountId: f.networkAccountId(),
      region: f.region(),
      subnetIds: zod
        .array(f.subnetId())
        .min(1, 'expected at least one subnet ID')
        .describe('Subnets of the network account to share'),
      principals: zod
        .array(f.principal())
        .min(1, 'expected at least one principal')
        .describe(
          'Who receives the subnets: the workload account ID, or an Organization or OU ARN',
        ),
      clusterName: f
        .clusterName()
        .optional()
        .describe(
          "The cluster the subnets are shared for: the share is then that cluster's own (named after it and tagged cross-account-alb:cluster), so its teardown leaves other clusters' shares alone",
        ),
      shareName: f
        .resourceShareName()
        .optional()
        .describe(
          'Name of the resource share; defaults to cross-account-alb-subnets-<first principal>[-<clusterName>]',
        ),
      waitTimeoutSeconds: zod
        .number()
        .int()
        .min(0)
        .max(1800)
        .default(300)
        .describe(
          'How long to wait for every association to become ASSOCIATED',
        ),
    })
    .superRefine((value, ctx) => {
      if (value.principals.includes(value.networkAccountId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['principals'],
          message:
            'expected principals other than networkAccountId: an account cannot share with itself',
        });
      }
    });
};

const outputSchema = (zod: Zod) =>
  zod.object({
    resourceShareArn: zod.string(),
    shareName: zod.string(),
    subnetArns: zod.array(zod.string()),
    principals: zod.array(zod.string()),
    dryRun: zod.boolean().optional(),
  });

type Input = z.infer<ReturnType<typeof inputSchema>>;

/**
 * The share-subnets action's own knobs, apart from the module's options: how it waits for
 * RAM associations to settle. Tests pass a fake `sleep` or a short backoff.
 */
export interface ShareSubnetsActionOptions extends AwsActionOptions {
  /** Bounded exponential backoff while associations settle. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Replaced in tests to avoid real waiting. */
  sleep?: (ms: number) => Promise<void>;
}

/** How the action waits for associations: from its options, with their defaults. */
interface Waiting {
  sleep: (ms: number) => Promise<void>;
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutSeconds: number;
}

/** The share the action ensures, derived from its input. */
interface WantedShare {
  networkAccountId: string;
  shareName: string;
  /** The cluster the share is for, tagged on it; absent for an account-wide share. */
  clusterName?: string;
  subnetArns: string[];
  principals: string[];
  /** Prefix of the checkpoint keys of this share's mutations. */
  keyBase: string;
}

async function listAssociations(
  ram: RAMClient,
  scope: ScopeBase,
  resourceShareArn: string,
  associationType: 'PRINCIPAL' | 'RESOURCE',
): Promise<ResourceShareAssociation[]> {
  const all: ResourceShareAssociation[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await call(scope, 'ram:GetResourceShareAssociations', () =>
      ram.send(
        new GetResourceShareAssociationsCommand({
          associationType,
          resourceShareArns: [resourceShareArn],
          nextToken: token,
        }),
      ),
    );
    all.push(...(page.resourceShareAssociations ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all.filter(
    a => a.status !== 'DISASSOCIATED' && a.status !== 'DISASSOCIATING',
  );
}

export function createShareSubnetsAction(
  options: ShareSubnetsActionOptions,
): AwsTemplateAction {
  return createTemplateAction({
    id: SHARE_SUBNETS_ID,
    description:
      'Ensures one AWS RAM resource share in the network account (Account-A) holding the given subnets for the given principals, without external principals, and waits until every association is ASSOCIATED.',
    examples,
    supportsDryRun: true,
    schema: { input: inputSchema, output: outputSchema },
    async handler(ctx) {
      const input: Input = parseInput(
        inputSchema(z),
        ctx.input,
        SHARE_SUBNETS_ID,
      );
      const shareName =
        input.shareName ??
        buildShareName(input.principals[0], input.clusterName);
      const share: WantedShare = {
        networkAccountId: input.networkAccountId,
        shareName,
        clusterName: input.clusterName,
        subnetArns: input.subnetIds.map(id =>
          subnetArn(input.region, input.networkAccountId, id),
        ),
        principals: [...new Set(input.principals)],
        keyBase: `ram.${input.networkAccountId}.${input.region}.${shareName}`,
      };

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ensure resource share ${shareName} in network account ${
            input.networkAccountId
          } with ${share.subnetArns.length} subnets for ${share.principals.join(
            ', ',
          )}`,
        );
        writeOutputs(
          ctx,
          share,
          regionalArn(
            'ram',
            input.region,
            input.networkAccountId,
            'resource-share/dry-run',
          ),
        );
        ctx.output('dryRun', true);
        return;
      }

      const run: ActionRun = {
        ctx,
        options,
        scope: networkScope(options, input.networkAccountId),
      };
      const ram = await options.clients.client(RAMClient, {
        accountId: input.networkAccountId,
        region: input.region,
      });
      const existing = await findManagedShare(run, ram, share);
      const resourceShareArn = existing
        ? await completeShare(run, ram, share, existing)
        : await createShare(run, ram, share);
      await waitUntilAssociated(
        run,
        ram,
        resourceShareArn,
        [...share.principals, ...share.subnetArns],
        waitingOf(options, input.waitTimeoutSeconds),
      );
      writeOutputs(ctx, share, resourceShareArn);
    },
  });
}

function waitingOf(
  options: ShareSubnetsActionOptions,
  timeoutSeconds: number,
): Waiting {
  return {
    sleep: options.sleep ?? sleep,
    initialDelayMs: options.backoff?.initialDelayMs ?? 1000,
    maxDelayMs: options.backoff?.maxDelayMs ?? 15000,
    timeoutSeconds,
  };
}

function writeOutputs(
  ctx: ActionRun['ctx'],
  share: WantedShare,
  resourceShareArn: string,
) {
  ctx.output('resourceShareArn', resourceShareArn);
  ctx.output('shareName', share.shareName);
  ctx.output('subnetArns', share.subnetArns);
  ctx.output('principals', share.principals);
}

/** The active share of that name this project made, if any; warns about a foreign one. */
async function findManagedShare(
  { ctx, scope }: ActionRun,
  ram: RAMClient,
  share: WantedShare,
): Promise<ResourceShare | undefined> {
  // tagFilters keeps shares of the same name that this project did not create out of
  // reach (RAM names are not unique). moto ignores filters and omits tags, hence the
  // client-side check only rejects shares whose tags are known and foreign.
  const found = await call(scope, 'ram:GetResourceShares', () =>
    ram.send(
      new GetResourceSharesCommand({
        resourceOwner: 'SELF',
        name: share.shareName,
        resourceShareStatus: 'ACTIVE',
        tagFilters: [
          { tagKey: MANAGED_BY_TAG_KEY, tagValues: [MANAGED_BY_TAG_VALUE] },
        ],
      }),
    ),
  );
  const sameName = (found.resourceShares ?? []).filter(
    s => s.name === share.shareName && (!s.status || s.status === 'ACTIVE'),
  );
  const existing = sameName.find(s => !s.tags || isManaged(s.tags));
  if (sameName.length && !existing) {
    ctx.logger.warn(
      `A resource share named ${share.shareName} exists in network account ${share.networkAccountId} but was not created by this project; creating a separate one`,
    );
  }
  return existing;
}

async function createShare(
  { ctx, options, scope }: ActionRun,
  ram: RAMClient,
  share: WantedShare,
): Promise<string> {
  const { shareName, subnetArns, principals } = share;
  const resourceShareArn = await mutate(
    ctx,
    options,
    {
      key: `${share.keyBase}.create`,
      scope,
      action: 'ram:CreateResourceShare',
      resourceArn: arn => arn,
    },
    async () => {
      const created = await ram.send(
        new CreateResourceShareCommand({
          name: shareName,
          resourceArns: subnetArns,
          principals,
          allowExternalPrincipals: false,
          tags: managedRamTags(
            share.clusterName ? { [CLUSTER_TAG_KEY]: share.clusterName } : {},
          ),
          clientToken: digest({ shareName, subnetArns, principals }),
        }),
      );
      return created.resourceShare!.resourceShareArn!;
    },
  );
  ctx.logger.info(`Created resource share ${resourceShareArn}`);
  return resourceShareArn;
}

/**
 * Brings an existing share of ours to what is wanted: no external principals, every
 * subnet and principal associated. Returns its ARN.
 */
async function completeShare(
  { ctx, options, scope }: ActionRun,
  ram: RAMClient,
  share: WantedShare,
  existing: ResourceShare,
): Promise<string> {
  const { shareName, keyBase } = share;
  const resourceShareArn = existing.resourceShareArn!;
  if (existing.allowExternalPrincipals !== false) {
    await mutate(
      ctx,
      options,
      {
        key: `${keyBase}.no-external-principals`,
        scope,
        action: 'ram:UpdateResourceShare',
        resourceArn: resourceShareArn,
      },
      async () => {
        await ram.send(
          new UpdateResourceShareCommand({
            resourceShareArn,
            name: shareName,
            allowExternalPrincipals: false,
          }),
        );
        return true;
      },
    );
    ctx.logger.info(
      `Resource share ${shareName} allowed external principals; set allowExternalPrincipals to false`,
    );
  }
  const [present, presentResources] = await Promise.all([
    listAssociations(ram, scope, resourceShareArn, 'PRINCIPAL'),
    listAssociations(ram, scope, resourceShareArn, 'RESOURCE'),
  ]);
  const have = new Set(
    [...present, ...presentResources]
      .filter(a => a.status !== 'FAILED')
      .map(a => a.associatedEntity),
  );
  const missingPrincipals = share.principals.filter(p => !have.has(p));
  const missingResources = share.subnetArns.filter(a => !have.has(a));
  if (!missingPrincipals.length && !missingResources.length) {
    ctx.logger.info(
      `Resource share ${shareName} already holds every subnet and principal`,
    );
    return resourceShareArn;
  }
  await mutate(
    ctx,
    options,
    {
      key: `${keyBase}.associate.${digest({
        missingPrincipals,
        missingResources,
      })}`,
      scope,
      action: 'ram:AssociateResourceShare',
      resourceArn: resourceShareArn,
    },
    async () => {
      await ram.send(
        new AssociateResourceShareCommand({
          resourceShareArn,
          ...(missingPrincipals.length
            ? { principals: missingPrincipals }
            : {}),
          ...(missingResources.length
            ? { resourceArns: missingResources }
            : {}),
          clientToken: digest({
            resourceShareArn,
            missingPrincipals,
            missingResources,
          }),
        }),
      );
      return true;
    },
  );
  ctx.logger.info(
    `Added to ${shareName}: ${[...missingPrincipals, ...missingResources].join(
      ', ',
    )}`,
  );
  return resourceShareArn;
}

/** Polls with bounded exponential backoff until every wanted entity is ASSOCIATED. */
async function waitUntilAssociated(
  { ctx, scope }: ActionRun,
  ram: RAMClient,
  arn: string,
  wanted: string[],
  waiting: Waiting,
): Promise<void> {
  const deadline = Date.now() + waiting.timeoutSeconds * 1000;
  let delay = waiting.initialDelayMs;
  for (;;) {
    const associations = [
      ...(await listAssociations(ram, scope, arn, 'PRINCIPAL')),
      ...(await listAssociations(ram, scope, arn, 'RESOURCE')),
    ];
    const failed = associations.filter(
      a => a.status === 'FAILED' && wanted.includes(a.associatedEntity ?? ''),
    );
    if (failed.length) {
      throw new InputError(
        `RAM could not associate ${failed
          .map(
            a =>
              `${a.associatedEntity} (${a.statusMessage ?? 'no reason given'})`,
          )
          .join(', ')} with share ${arn}. ${RAM_ORGANIZATION_HINT}`,
      );
    }
    const pending = wanted.filter(
      w =>
        !associations.some(
          a => a.associatedEntity === w && a.status === 'ASSOCIATED',
        ),
    );
    if (!pending.length) return;
    if (Date.now() + delay > deadline) {
      throw new Error(
        `Timed out after ${
          waiting.timeoutSeconds
        }s waiting for RAM associations of ${arn} to become ASSOCIATED; still pending: ${pending.join(
          ', ',
        )}. An association stuck in ASSOCIATING for an account usually means the invitation awaits acceptance (the account is outside the Organization or org sharing is not enabled). ${RAM_ORGANIZATION_HINT}`,
      );
    }
    ctx.logger.info(
      `Waiting ${delay} ms for ${pending.length} RAM association(s) to become ASSOCIATED`,
    );
    await waiting.sleep(delay);
    delay = Math.min(delay * 2, waiting.maxDelayMs);
  }
}
