/*
 * The sandbox publisher: writes a directory as a local git repository, so the templates' full
 * flow (publish, register, read back) works offline. Not a git server: the repository's work
 * tree is what the catalog reads, through a `file` location.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '@backstage/errors';

const run = promisify(execFile);

export const REPO_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Every commit the sandbox publisher makes has this author and committer. */
export const SANDBOX_GIT_AUTHOR = {
  name: 'Backstage Sandbox',
  email: 'sandbox@backstage.local',
};

/** `<REPO_ROOT>/.sandbox/repos`, REPO_ROOT from the environment (scripts/env.sh sets it). */
export function defaultPublishDirectory(): string {
  return path.join(process.env.REPO_ROOT ?? process.cwd(), '.sandbox', 'repos');
}

export interface LocalGitPublishResult {
  /** Absolute path of the repository (its work tree). */
  repoPath: string;
  /** `file://` URL of the repository. */
  remoteUrl: string;
  /** The commit now at HEAD; undefined on a dry run. */
  commitHash?: string;
  /** Whether this publish made a commit (false: same content as before, or dry run). */
  committed: boolean;
}

// Serialises publishes to the same repository within this process.
const locks = new Map<string, Promise<unknown>>();
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(fn);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run(
    'git',
    [
      '-c',
      'commit.gpgsign=false',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'core.autocrlf=false',
      ...args,
    ],
    {
      cwd,
      env: {
        ...process.env,
        // The user's and the machine's git configuration play no part.
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: SANDBOX_GIT_AUTHOR.name,
        GIT_AUTHOR_EMAIL: SANDBOX_GIT_AUTHOR.email,
        GIT_COMMITTER_NAME: SANDBOX_GIT_AUTHOR.name,
        GIT_COMMITTER_EMAIL: SANDBOX_GIT_AUTHOR.email,
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout.trim();
}

/**
 * Publishes `sourceDir` as the repository `repoName` under `publishDirectory`: the
 * repository's tree becomes exactly the directory's content (a file removed from the source
 * is removed from the repository) and is committed on `defaultBranch` when it changed.
 * Publishing the same content again makes no commit and succeeds.
 */
export async function publishLocalGitRepository(options: {
  sourceDir: string;
  publishDirectory: string;
  repoName: string;
  defaultBranch?: string;
  commitMessage?: string;
  dryRun?: boolean;
}): Promise<LocalGitPublishResult> {
  const { sourceDir, repoName } = options;
  if (!REPO_NAME_PATTERN.test(repoName)) {
    throw new InputError(
      `Invalid repoName "${repoName}": lowercase letters, digits and -, starting with a letter or digit, at most 63`,
    );
  }
  const branch = options.defaultBranch ?? 'main';
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(branch) ||
    branch.includes('..')
  ) {
    throw new InputError(`Invalid branch name "${branch}"`);
  }
  const publishDirectory = path.resolve(options.publishDirectory);
  const repoPath = path.join(publishDirectory, repoName);
  const remoteUrl = `file://${repoPath}`;
  if (!fs.existsSync(sourceDir) || !fs.statSync(sourceDir).isDirectory()) {
    throw new InputError(`Nothing to publish: ${sourceDir} is not a directory`);
  }
  if (options.dryRun) return { repoPath, remoteUrl, committed: false };

  return withLock(repoPath, async () => {
    fs.mkdirSync(repoPath, { recursive: true });
    const gitDir = path.join(repoPath, '.git');
    if (!fs.existsSync(gitDir)) {
      await git(['init', '--quiet', `--initial-branch=${branch}`], repoPath);
    }
    // Stage the source directory's content as the repository's tree, then bring the
    // repository's own work tree in line with it.
    const asSource = [
      `--git-dir=${gitDir}`,
      `--work-tree=${path.resolve(sourceDir)}`,
    ];
    await git([...asSource, 'add', '--all', '.'], repoPath);
    let hasHead = true;
    try {
      await git(['rev-parse', '--verify', '--quiet', 'HEAD'], repoPath);
    } catch {
      hasHead = false;
    }
    let changed = !hasHead;
    if (hasHead) {
      try {
        await git(['diff', '--cached', '--quiet'], repoPath);
      } catch {
        changed = true;
      }
    }
    if (changed) {
      await git(
        [
          'commit',
          '--quiet',
          '--allow-empty',
          '-m',
          options.commitMessage ?? 'Published by Backstage (sandbox)',
        ],
        repoPath,
      );
    }
    await git(['reset', '--quiet', '--hard', 'HEAD'], repoPath);
    await git(['clean', '--quiet', '-fdx'], repoPath);
    const commitHash = await git(['rev-parse', 'HEAD'], repoPath);
    return { repoPath, remoteUrl, commitHash, committed: changed };
  });
}
