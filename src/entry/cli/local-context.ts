import { execFileSync } from 'node:child_process';
import type { GitHubContext } from '../../model/github-context.js';

/** The CLI's GitHub context: no event; the stage comes from --stage or the current git branch. */
export function localContext(env: NodeJS.ProcessEnv, cwd = process.cwd()): GitHubContext {
  let branch = '';
  try {
    // symbolic-ref, not rev-parse: it names the branch of a new repository before its first commit too.
    branch = execFileSync('git', ['symbolic-ref', '--short', '-q', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout, or a detached HEAD: --stage is needed for commands that work on a stage.
  }
  return {
    eventName: '',
    payload: {},
    ref: branch && branch !== 'HEAD' ? `refs/heads/${branch}` : '',
    sha: '',
    // Whose stages these are (the lambda-deploy:repository tag): the checkout's GitHub remote.
    repository: env.GITHUB_REPOSITORY || gitHubRepository(undefined, cwd) || '',
    serverUrl: 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    runId: '',
    runAttempt: '1',
    runUrl: '',
  };
}

/** owner/repo of the checkout's `origin` when it is on GitHub (https or ssh), else undefined. */
export function gitHubRepository(remoteUrl?: string, cwd = process.cwd()): string | undefined {
  let url = remoteUrl;
  if (url === undefined) {
    try {
      url = execFileSync('git', ['remote', 'get-url', 'origin'], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  }
  return /^(?:https:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([\w.-]+\/[\w.-]+?)(?:\.git)?\/?$/.exec(
    url,
  )?.[1];
}
