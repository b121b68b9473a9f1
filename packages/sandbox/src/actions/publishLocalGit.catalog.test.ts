import fs from 'node:fs';
import path from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { sandboxCatalogModule } from '../module';
import { createPublishLocalGitAction } from './publishLocalGit';

jest.setTimeout(60_000);

/**
 * The publisher against the real catalog backend: the `file` location it registers is
 * accepted (thanks to sandboxCatalogModule), read from the published repository, and its
 * entity shows up; publishing again refreshes instead of failing.
 */
describe('sandbox:publish:local-git with the real catalog', () => {
  const dir = createMockDirectory();
  let catalog: CatalogService | undefined;

  const probe = createBackendPlugin({
    pluginId: 'probe',
    register({ registerInit }) {
      registerInit({
        deps: { catalog: catalogServiceRef, logger: coreServices.logger },
        async init(deps) {
          catalog = deps.catalog;
        },
      });
    },
  });

  async function waitForEntity(ref: string, check: (e: any) => boolean) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const entity = await catalog!.getEntityByRef(ref, {
        credentials: mockCredentials.user(),
      });
      if (entity && check(entity)) return entity;
      if (Date.now() > deadline) throw new Error(`${ref} did not show up`);
      await new Promise(r => setTimeout(r, 250));
    }
  }

  it('registers the published catalog-info.yaml and refreshes it on republish', async () => {
    const entity = (description: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: published-app
  description: ${description}
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
`;
    dir.setContent({ ws: { 'catalog-info.yaml': entity('first') } });
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        sandboxCatalogModule,
        probe,
        mockServices.rootConfig.factory({
          data: { catalog: { processingInterval: { seconds: 1 } } },
        }),
      ],
    });
    try {
      const action = createPublishLocalGitAction({
        catalog: catalog!,
        config: new ConfigReader({
          sandbox: { publishDirectory: dir.resolve('repos') },
        }),
      });
      const run = async () => {
        const outputs: Record<string, unknown> = {};
        await action.handler({
          ...createMockActionContext({
            input: { repoName: 'published-app' } as any,
            workspacePath: dir.resolve('ws'),
          }),
          output: (k: string, v: unknown) => {
            outputs[k] = v;
          },
        } as any);
        return outputs;
      };
      const first = await run();
      expect(first.entityRef).toBe('component:default/published-app');
      const found = await waitForEntity(
        'component:default/published-app',
        e => e.metadata.description === 'first',
      );
      expect(
        found.metadata.annotations?.['backstage.io/managed-by-location'],
      ).toBe(
        `file:${path.join(
          dir.resolve('repos'),
          'published-app',
          'catalog-info.yaml',
        )}`,
      );

      fs.writeFileSync(dir.resolve('ws/catalog-info.yaml'), entity('second'));
      const second = await run();
      expect(second.commitHash).not.toBe(first.commitHash);
      await waitForEntity(
        'component:default/published-app',
        e => e.metadata.description === 'second',
      );
    } finally {
      await backend.stop();
    }
  });
});
