/** The options the report tests pass: a pull request's context, against a GitHub recorder started per test. */
import type { GitHubContext } from '../../src/model/github-context.js';
import type { ReportOptions } from '../../src/reporting/report.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { API_KEY, TOKEN } from './outcomes.js';

export const HEAD_SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';
export const RUN_URL = 'https://github.com/octo/repo/actions/runs/42';

let recorder: GitHubRecorder | undefined;

/** For afterEach: closes the recorder the test started. */
export async function closeRecorder(): Promise<void> {
  await recorder?.close();
  recorder = undefined;
}

export async function start(
  options: Parameters<typeof startGitHubRecorder>[0] = {},
): Promise<GitHubRecorder> {
  recorder = await startGitHubRecorder(options);
  return recorder;
}

export function ctx(gh: GitHubRecorder): GitHubContext {
  return {
    eventName: 'pull_request',
    payload: { number: 12, pull_request: { number: 12, head: { sha: HEAD_SHA } } },
    ref: 'refs/pull/12/merge',
    sha: 'merge0000merge0000merge0000merge0000merg',
    repository: 'octo/repo',
    serverUrl: 'https://github.com',
    apiUrl: gh.url,
    runId: '42',
    runAttempt: '1',
    runUrl: RUN_URL,
  };
}

export function options(gh: GitHubRecorder, extra: Partial<ReportOptions> = {}): ReportOptions {
  return {
    ctx: ctx(gh),
    token: TOKEN,
    pullRequest: 12,
    comment: true,
    deployment: true,
    secrets: [API_KEY],
    protectedStages: ['main'],
    ...extra,
  };
}
