import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  createMockDirectory,
  mockCredentials,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ConflictError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { SANDBOX_GIT_AUTHOR } from '../publish/localGit';
import {
  createPublishLocalGitAction,
  publishDirectoryFromConfig,
} from './publishLocalGit';

const catalogInfo = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop-web
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
`;

describe('sandbox:publish:local-git', () => {
  const dir = createMockDirectory();
  const workspace = () => dir.resolve('workspace');
  const published = () => dir.resolve('repos');

  function setup() {
    const catalog = catalogServiceMock.mock();
    const action = createPublishLocalGitAction({
      catalog,
      config: new ConfigReader({ sandbox: { publishDirectory: published() } }),
    });
    const run = async (input: Record<string, unknown>, dryRun = false) => {
      const outputs: Record<string, unknown> = {};
      const ctx = {
        ...createMockActionContext({
          input: input as any,
          workspacePath: workspace(),
        }),
        output: (k: string, v: unknown) => {
          outputs[k] = v;
        },
        isDryRun: dryRun,
      };
      await action.handler(ctx as any);
      return outputs;
    };
    return { catalog, action, run };
  }

  const git = (...args: string[]) =>
    execFileSync('git', ['-C', path.join(published(), 'shop-web'), ...args], {
      encoding: 'utf8',
    }).trim();

  beforeEach(() => {
    dir.setContent({
      workspace: {
        'catalog-info.yaml': catalogInfo,
        'kubernetes/app.yaml': 'kind: Namespace\n',
        'README.md': '# shop-web\n',
      },
    });
  });

  it('publishes the workspace as a git repository and registers it as a file location', async () => {
    const { catalog, run } = setup();
    const out = await run({ repoName: 'shop-web' });
    const repo = path.join(published(), 'shop-web');
    const target = path.join(repo, 'catalog-info.yaml');
    expect(out).toEqual({
      remoteUrl: `file://${repo}`,
      repoContentsUrl: `file://${repo}`,
      catalogInfoUrl: `file://${target}`,
      commitHash: expect.stringMatching(/^[0-9a-f]{40}$/),
      entityRef: 'component:default/shop-web',
    });
    expect(
      fs.readFileSync(path.join(repo, 'kubernetes/app.yaml'), 'utf8'),
    ).toBe('kind: Namespace\n');
    expect(git('log', '--format=%an <%ae>|%cn <%ce>')).toBe(
      `${SANDBOX_GIT_AUTHOR.name} <${SANDBOX_GIT_AUTHOR.email}>|${SANDBOX_GIT_AUTHOR.name} <${SANDBOX_GIT_AUTHOR.email}>`,
    );
    expect(git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git('status', '--porcelain')).toBe('');
    expect(catalog.addLocation).toHaveBeenCalledWith(
      { type: 'file', target },
      { credentials: mockCredentials.user() },
    );
  });

  it('succeeds without a new commit when republishing the same content, refreshing the location', async () => {
    const { catalog, run } = setup();
    const first = await run({ repoName: 'shop-web' });
    catalog.addLocation.mockRejectedValue(
      new ConflictError('Location file:/x already exists'),
    );
    const second = await run({ repoName: 'shop-web' });
    expect(second).toEqual(first);
    expect(git('rev-list', '--count', 'HEAD')).toBe('1');
    expect(catalog.refreshEntity).toHaveBeenCalledWith(
      'component:default/shop-web',
      { credentials: mockCredentials.user() },
    );
    expect(catalog.refreshEntity).toHaveBeenCalledWith(
      expect.stringMatching(/^location:default\/generated-[0-9a-f]{40}$/),
      expect.anything(),
    );
  });

  it('commits changes, including removed files', async () => {
    const { run } = setup();
    const first = await run({ repoName: 'shop-web' });
    fs.rmSync(path.join(workspace(), 'README.md'));
    fs.writeFileSync(path.join(workspace(), 'RUNBOOK.md'), 'steps\n');
    const second = await run({ repoName: 'shop-web' });
    expect(second.commitHash).not.toBe(first.commitHash);
    expect(git('rev-list', '--count', 'HEAD')).toBe('2');
    expect(git('ls-files').split('\n').sort()).toEqual([
      'RUNBOOK.md',
      'catalog-info.yaml',
      'kubernetes/app.yaml',
    ]);
    expect(fs.existsSync(path.join(published(), 'shop-web', 'README.md'))).toBe(
      false,
    );
  });

  it('publishes a sub-folder with a custom catalog file path', async () => {
    dir.setContent({
      workspace: {
        repo: { 'catalog/info.yaml': catalogInfo, 'a.txt': 'a' },
        'outside.txt': 'not published',
      },
    });
    const { catalog, run } = setup();
    const out = await run({
      repoName: 'shop-web',
      sourcePath: 'repo',
      catalogInfoPath: '/catalog/info.yaml',
    });
    expect(git('ls-files').split('\n').sort()).toEqual([
      'a.txt',
      'catalog/info.yaml',
    ]);
    expect(out.entityRef).toBe('component:default/shop-web');
    expect(catalog.addLocation).toHaveBeenCalledWith(
      {
        type: 'file',
        target: path.join(published(), 'shop-web', 'catalog/info.yaml'),
      },
      expect.anything(),
    );
  });

  it('writes nothing on a dry run', async () => {
    const { catalog, run } = setup();
    const out = await run({ repoName: 'shop-web' }, true);
    expect(out).toEqual({
      remoteUrl: `file://${path.join(published(), 'shop-web')}`,
      repoContentsUrl: `file://${path.join(published(), 'shop-web')}`,
      catalogInfoUrl: `file://${path.join(
        published(),
        'shop-web',
        'catalog-info.yaml',
      )}`,
      entityRef: 'component:default/shop-web',
    });
    expect(fs.existsSync(published())).toBe(false);
    expect(catalog.addLocation).not.toHaveBeenCalled();
  });

  it('rejects bad names and paths outside the workspace', async () => {
    const { run } = setup();
    for (const repoName of [
      'Shop',
      '-shop',
      'a/b',
      '../x',
      'x'.repeat(64),
      '',
    ]) {
      await expect(run({ repoName })).rejects.toThrow(/Invalid repoName/);
    }
    await expect(run({ repoName: 'ok', sourcePath: '../..' })).rejects.toThrow(
      /outside/i,
    );
    await expect(
      run({ repoName: 'ok', catalogInfoPath: '/../../etc/passwd' }),
    ).rejects.toThrow(/outside/i);
  });

  it('fails clearly when the repository has no catalog entity', async () => {
    dir.setContent({ workspace: { 'a.txt': 'a' } });
    const { run } = setup();
    await expect(run({ repoName: 'shop-web' })).rejects.toThrow(
      /No catalog entity in \/catalog-info.yaml/,
    );
  });

  it('defaults the publish directory under REPO_ROOT', () => {
    const previous = process.env.REPO_ROOT;
    process.env.REPO_ROOT = '/some/repo';
    try {
      expect(publishDirectoryFromConfig(new ConfigReader({}))).toBe(
        '/some/repo/.sandbox/repos',
      );
    } finally {
      if (previous === undefined) delete process.env.REPO_ROOT;
      else process.env.REPO_ROOT = previous;
    }
  });
});
