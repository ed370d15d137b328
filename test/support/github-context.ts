/** A GitHub Actions context for one event, as the plan reads it (tests of src/model/plan.ts). */
import type { GitHubContext } from '../../src/model/github-context.js';

export function eventContext(
  eventName: string,
  payload: Record<string, unknown> = {},
  ref = '',
): GitHubContext {
  return {
    eventName,
    payload,
    ref,
    sha: 'abc123',
    repository: 'octo/svc',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '1',
    runAttempt: '1',
    runUrl: '',
  };
}

/** The context outside any workflow (a terminal, a script): every field empty. */
export function noEventContext(): GitHubContext {
  return {
    eventName: '',
    payload: {},
    ref: '',
    sha: '',
    repository: '',
    serverUrl: '',
    apiUrl: '',
    runId: '',
    runAttempt: '1',
    runUrl: '',
  };
}
