import { afterEach, describe, expect, it } from '@jest/globals';
import type { GitHubContext } from '../../src/model/github-context.js';
import { deploymentRef, reportDeploy, reportUndeploy } from '../../src/reporting/report.js';
import { RecordingLogger } from '../../src/util/logger.js';
import type { GitHubRecorder } from '../support/github-recorder.js';
import { failureOutcome, successOutcome, undeployOutcome } from './outcomes.js';
import { closeRecorder, ctx, HEAD_SHA, options, start } from './report-options.js';

afterEach(closeRecorder);

describe('what is posted follows the inputs, and a secret known only by its value stays out', () => {
  // Not shaped like any credential, so only the secrets list (an environment value, say) can hide it.
  const PLAIN = 'tulip-meadow-42';

  it('a value from the secrets list is removed from the comment, the summary and the Deployment', async () => {
    const gh = await start();
    const outcome = failureOutcome({
      error: `The smoke test failed: answered 500 (could not log in as admin with ${PLAIN})`,
      logs: `[ERROR] login failed for password ${PLAIN}\nEND RequestId: 1`,
    });
    const result = await reportDeploy(outcome, options(gh, { secrets: [PLAIN] }), {
      logger: new RecordingLogger(),
    });
    expect(gh.comments[0]?.body).toContain('login failed for password ***');
    for (const text of [
      gh.comments[0]?.body ?? '',
      result.markdown,
      JSON.stringify(gh.requests.map((r) => r.body)),
    ])
      expect(text).not.toContain(PLAIN);
  });

  it('comment: false records the Deployment only; deployment: false comments only (deploy and undeploy)', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger });
    expect([gh.comments.length, gh.deployments.length]).toEqual([0, 1]);
    await reportUndeploy(undeployOutcome(), options(gh, { comment: false }), { logger });
    expect(gh.comments).toHaveLength(0);
    expect(gh.statuses.at(-1)?.state).toBe('inactive');

    await gh.close();
    const other = await start();
    await reportDeploy(successOutcome(), options(other, { deployment: false }), { logger });
    await reportUndeploy(undeployOutcome(), options(other, { deployment: false }), { logger });
    expect([other.comments.length, other.deployments.length, other.statuses.length]).toEqual([1, 0, 0]);
    expect(other.requests.filter((r) => r.path.includes('/deployments'))).toEqual([]);
    expect(other.comments[0]?.body).toContain('### 🗑️ Preview `pr-12` of `shop` removed');
  });

  it('no repository, or neither comment nor deployment wanted: no request at all', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    const noRepository = { ...options(gh), ctx: { ...ctx(gh), repository: '' } };
    await reportDeploy(successOutcome(), noRepository, { logger });
    await reportUndeploy(undeployOutcome(), noRepository, { logger });
    expect(logger.text('debug')).toContain('No github-token or repository');
    await reportUndeploy(undeployOutcome(), options(gh, { comment: false, deployment: false }), { logger });
    expect(gh.requests).toHaveLength(0);
  });

  it("the Deployment's commit: the pull request's head, else the sha given, else GITHUB_SHA", () => {
    const context = (payload: Record<string, unknown>): GitHubContext => ({
      ...ctx({ url: 'http://127.0.0.1:1' } as GitHubRecorder),
      payload,
    });
    expect(deploymentRef(context({ pull_request: { head: { sha: HEAD_SHA } } }), 'given')).toBe(HEAD_SHA);
    expect(deploymentRef(context({ pull_request: { head: { sha: '' } } }), 'given')).toBe('given');
    expect(deploymentRef(context({ pull_request: {} }), 'given')).toBe('given');
    expect(deploymentRef(context({}), '')).toBe('merge0000merge0000merge0000merge0000merg');
  });
});
