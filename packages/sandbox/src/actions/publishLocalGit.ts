import fs from 'node:fs';
import path from 'node:path';
import {
  BackstageCredentials,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  CatalogService,
  locationSpecToMetadataName,
} from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import {
  REPO_NAME_PATTERN,
  defaultPublishDirectory,
  publishLocalGitRepository,
} from '../publish/localGit';

export const PUBLISH_LOCAL_GIT_ID = 'sandbox:publish:local-git';

/** Where the sandbox publisher writes: `sandbox.publishDirectory`, else the default. */
export function publishDirectoryFromConfig(config?: Config): string {
  return (
    config?.getOptionalString('sandbox.publishDirectory') ??
    defaultPublishDirectory()
  );
}

function readEntities(file: string): Entity[] {
  if (!fs.existsSync(file)) return [];
  return yaml
    .parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJS())
    .filter(
      (e): e is Entity =>
        !!e && typeof e === 'object' && !!e.kind && !!e.metadata?.name,
    );
}

/** As catalog:register: the first entity that is not a Location, else the first. */
function mainEntityRef(entities: Entity[]): string | undefined {
  const entity =
    entities.find(e => e.kind.toLowerCase() !== 'location') ?? entities[0];
  return entity
    ? stringifyEntityRef({
        kind: entity.kind,
        namespace: entity.metadata.namespace ?? 'default',
        name: entity.metadata.name,
      })
    : undefined;
}

function isConflict(e: unknown): boolean {
  const err = e as any;
  return (
    err?.name === 'ConflictError' ||
    err?.cause?.name === 'ConflictError' ||
    err?.body?.error?.name === 'ConflictError' ||
    err?.response?.status === 409 ||
    err?.statusCode === 409 ||
    /already exists/i.test(String(err?.message))
  );
}

/**
 * Registers `target` (an absolute path) in the catalog as a `file` location, or, when it is
 * registered already, asks the catalog to refresh its entities.
 */
export async function registerFileLocation(options: {
  catalog: CatalogService;
  credentials: BackstageCredentials;
  target: string;
  entityRefs: string[];
}): Promise<{ registered: boolean }> {
  const { catalog, credentials, target } = options;
  try {
    await catalog.addLocation({ type: 'file', target }, { credentials });
    return { registered: true };
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
  // The location's own entity first: refreshing it re-reads the file.
  const refs = [
    `location:default/${locationSpecToMetadataName({ type: 'file', target })}`,
    ...options.entityRefs,
  ];
  for (const ref of refs) {
    try {
      await catalog.refreshEntity(ref, { credentials });
    } catch {
      // Best effort: an entity not yet processed has nothing to refresh.
    }
  }
  return { registered: false };
}

export function createPublishLocalGitAction(options: {
  catalog: CatalogService;
  config?: Config;
}) {
  return createTemplateAction({
    id: PUBLISH_LOCAL_GIT_ID,
    description:
      'Sandbox publisher: writes the workspace (or sourcePath in it) as a local git repository under sandbox.publishDirectory, commits when the content changed, and registers its catalog-info.yaml in the catalog as a file location (refreshing it if already registered). Offline stand-in for publish:github + catalog:register.',
    supportsDryRun: true,
    schema: {
      input: {
        repoName: z =>
          z
            .string()
            .regex(REPO_NAME_PATTERN, {
              message:
                'lowercase letters, digits and -, starting with a letter or digit, at most 63',
            })
            .describe(
              'Name of the repository (a folder under the publish directory)',
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Folder of the workspace to publish; default the whole workspace',
            ),
        catalogInfoPath: z =>
          z
            .string()
            .default('/catalog-info.yaml')
            .describe('Path of the catalog file in the repository'),
        defaultBranch: z => z.string().default('main'),
        gitCommitMessage: z => z.string().optional(),
        registerInCatalog: z =>
          z
            .boolean()
            .default(true)
            .describe('Register catalog-info.yaml in the catalog'),
      },
      output: {
        remoteUrl: z => z.string(),
        repoContentsUrl: z => z.string(),
        entityRef: z => z.string().optional(),
        commitHash: z => z.string().optional(),
        catalogInfoUrl: z => z.string(),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const sourceDir = input.sourcePath
        ? resolveSafeChildPath(ctx.workspacePath, input.sourcePath)
        : ctx.workspacePath;
      const catalogInfoPath = input.catalogInfoPath ?? '/catalog-info.yaml';
      const relativeCatalogInfo = catalogInfoPath.replace(/^\/+/, '');
      // Checks the path stays inside the repository.
      const catalogInfoInSource = resolveSafeChildPath(
        sourceDir,
        relativeCatalogInfo,
      );

      const result = await publishLocalGitRepository({
        sourceDir,
        publishDirectory: publishDirectoryFromConfig(options.config),
        repoName: input.repoName,
        defaultBranch: input.defaultBranch,
        commitMessage: input.gitCommitMessage,
        dryRun: ctx.isDryRun,
      });
      const target = path.join(result.repoPath, relativeCatalogInfo);
      const entities = readEntities(
        ctx.isDryRun ? catalogInfoInSource : target,
      );
      const entityRef = mainEntityRef(entities);

      ctx.output('remoteUrl', result.remoteUrl);
      ctx.output('repoContentsUrl', result.remoteUrl);
      ctx.output('catalogInfoUrl', `file://${target}`);
      if (result.commitHash) ctx.output('commitHash', result.commitHash);
      if (entityRef) ctx.output('entityRef', entityRef);

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would publish ${sourceDir} to ${result.repoPath} and register ${target}`,
        );
        return;
      }
      ctx.logger.info(
        result.committed
          ? `Published ${result.repoPath} at ${result.commitHash}`
          : `${result.repoPath} already up to date at ${result.commitHash}`,
      );
      if (input.registerInCatalog === false) return;
      if (!entities.length) {
        throw new InputError(
          `No catalog entity in ${catalogInfoPath} of the published repository`,
        );
      }
      const { registered } = await registerFileLocation({
        catalog: options.catalog,
        credentials: await ctx.getInitiatorCredentials(),
        target,
        entityRefs: entities.map(e =>
          stringifyEntityRef({
            kind: e.kind,
            namespace: e.metadata.namespace ?? 'default',
            name: e.metadata.name,
          }),
        ),
      });
      ctx.logger.info(
        registered
          ? `Registered file:${target} in the catalog`
          : `file:${target} was registered already; refreshed it`,
      );
    },
  });
}
