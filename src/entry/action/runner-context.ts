/** The runner's view of GitHub: GITHUB_* variables and the event payload file, read once. */
import { readFileSync } from 'node:fs';
import type { GitHubContext } from '../../model/github-context.js';

/** Link to this workflow run, or '' outside Actions. */
export function runUrlOf(env: NodeJS.ProcessEnv): string {
  const repository = env.GITHUB_REPOSITORY || '';
  const runId = env.GITHUB_RUN_ID || '';
  return repository && runId
    ? `${env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}/actions/runs/${runId}`
    : '';
}

export function readGitHubContext(env: NodeJS.ProcessEnv = process.env): GitHubContext {
  let payload: Record<string, unknown> = {};
  const eventPath = env.GITHUB_EVENT_PATH;
  if (eventPath) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(eventPath, 'utf8'));
    } catch (e) {
      // One line: the message of a JSON error can hold a newline of the file.
      throw new Error(
        `Could not read the event payload GITHUB_EVENT_PATH=${eventPath}: ${(e as Error).message.replace(/\s+/g, ' ')}; expected the JSON object the runner writes there.`,
      );
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error(
        `The event payload GITHUB_EVENT_PATH=${eventPath} is ${JSON.stringify(parsed)?.slice(0, 40)}, not a JSON object; expected the JSON object the runner writes there.`,
      );
    payload = parsed as Record<string, unknown>;
  }
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_REPOSITORY || '';
  const runId = env.GITHUB_RUN_ID || '';
  return {
    eventName: env.GITHUB_EVENT_NAME || '',
    payload,
    ref: env.GITHUB_REF || '',
    sha: env.GITHUB_SHA || '',
    repository,
    serverUrl,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    runUrl: runUrlOf(env),
  };
}
