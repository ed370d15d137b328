import { execFileSync } from 'node:child_process';
import type { GitHubContext } from '../github/github-context.js';

/** The CLI's GitHub context: no event; the stage comes from --stage or the current git branch. */
export function localContext(env: NodeJS.ProcessEnv, cwd = process.cwd()): GitHubContext {
  let branch = '';
  try {
    branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout: --stage is needed for commands that work on a stage.
  }
  return {
    eventName: '',
    payload: {},
    ref: branch && branch !== 'HEAD' ? `refs/heads/${branch}` : '',
    sha: '',
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    runId: '',
    runAttempt: '1',
    runUrl: '',
  };
}
