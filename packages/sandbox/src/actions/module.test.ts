import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  catalogLocationsExtensionPoint,
  catalogProcessingExtensionPoint,
} from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { sandboxCatalogModule, sandboxScaffolderModule } from '../module';
import { SandboxTemplateProcessor } from '../publish/sandboxTemplates';
import backendFeatures from 'sandbox/backend';

describe('sandbox backend modules', () => {
  const config = (data: object) => mockServices.rootConfig.factory({ data });

  it('registers the sandbox actions on the scaffolder', async () => {
    const addActions = jest.fn();
    await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
      features: [
        sandboxScaffolderModule,
        catalogServiceMock.factory(),
        config({
          aws: { accounts: [{ accountId: '111111111111', roleName: 'r' }] },
        }),
      ],
    });
    const ids = addActions.mock.calls.flat().map((a: { id: string }) => a.id);
    expect(ids.sort()).toEqual([
      'sandbox:alb:set-target-group-health',
      'sandbox:eksctl:create-cluster',
      'sandbox:eksctl:delete-cluster',
      'sandbox:external-dns:sync',
      'sandbox:kubectl:apply',
      'sandbox:lbc:delete-ingress',
      'sandbox:lbc:reconcile-ingress',
      'sandbox:publish:local-git',
    ]);
  });

  it('lets the catalog accept file locations and offer the sandbox publish target', async () => {
    const setAllowedLocationTypes = jest.fn();
    const addProcessor = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [catalogLocationsExtensionPoint, { setAllowedLocationTypes }],
        [catalogProcessingExtensionPoint, { addProcessor }],
      ],
      features: [sandboxCatalogModule, config({})],
    });
    expect(setAllowedLocationTypes).toHaveBeenCalledWith(['url', 'file']);
    expect(addProcessor).toHaveBeenCalledWith(
      expect.any(SandboxTemplateProcessor),
    );
  });

  it('does nothing when sandbox.enabled is false', async () => {
    const addActions = jest.fn();
    const setAllowedLocationTypes = jest.fn();
    const addProcessor = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [scaffolderActionsExtensionPoint, { addActions }],
        [catalogLocationsExtensionPoint, { setAllowedLocationTypes }],
        [catalogProcessingExtensionPoint, { addProcessor }],
      ],
      features: [
        sandboxScaffolderModule,
        sandboxCatalogModule,
        catalogServiceMock.factory(),
        config({ sandbox: { enabled: false } }),
      ],
    });
    expect(addActions).not.toHaveBeenCalled();
    expect(setAllowedLocationTypes).not.toHaveBeenCalled();
    expect(addProcessor).not.toHaveBeenCalled();
  });

  it('is off by default in production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const addActions = jest.fn();
      await startTestBackend({
        extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
        features: [
          sandboxScaffolderModule,
          catalogServiceMock.factory(),
          config({}),
        ],
      });
      expect(addActions).not.toHaveBeenCalled();
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it("default-exports both modules for backend.add(import('sandbox/backend'))", () => {
    expect(backendFeatures).toMatchObject({
      $$type: '@backstage/BackendFeature',
    });
  });
});
