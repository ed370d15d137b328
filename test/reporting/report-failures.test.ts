import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubApi } from '../../src/reporting/github-api.js';
import { commentMarker } from '../../src/reporting/pr-comment.js';
import {
  reportDeploy,
  reportDeployError,
  reportDeployStart,
  reportUndeploy,
} from '../../src/reporting/report.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { denyWith403 } from '../support/github-recorder.js';
import { API_KEY, successOutcome, TOKEN, undeployOutcome } from './outcomes.js';
import { closeRecorder, options, RUN_URL, start } from './report-options.js';

afterEach(closeRecorder);

describe('a deploy that throws before it has an outcome', () => {
  it('ends the started Deployment in error and comments, the token and secrets hidden', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    const started = await reportDeployStart({ project: 'shop', stage: 'pr-12', sha: 'x' }, options(gh), {
      logger,
    });
    expect(started.deployment).toBe(true);
    expect(gh.statusesOf(started.deploymentId as number)).toEqual([
      expect.objectContaining({ state: 'in_progress', logUrl: RUN_URL }),
    ]);
    const error = new Error(`pip failed: https://u:${TOKEN}@pypi.example/simple ${API_KEY}`);
    const result = await reportDeployError(
      error,
      { project: 'shop', stage: 'pr-12', sha: 'x', steps: ['Package', 'Installing requirements'] },
      options(gh, started),
      { logger },
    );
    expect(result.warnings).toEqual([]);
    const final = gh.statusesOf(started.deploymentId as number).at(-1);
    expect(final).toMatchObject({ state: 'error', logUrl: RUN_URL, environmentUrl: '' });
    expect(final?.description).toMatch(/^Failed: pip failed: /);
    const body = gh.comments[0]?.body ?? '';
    expect(body.startsWith(commentMarker('shop', 'pr-12'))).toBe(true);
    expect(body).toContain('Package › Installing requirements');
    expect(body).toContain("pip's output");
    for (const text of [body, final?.description ?? '', result.markdown]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(API_KEY);
    }
  });

  it('a start refused for lack of deployments: write is warned once, and not tried again at the end', async () => {
    const gh = await start({ deny: denyWith403('POST', /\/deployments$/) });
    const logger = new RecordingLogger();
    const started = await reportDeployStart({ project: 'shop', stage: 'pr-12', sha: 'x' }, options(gh), {
      logger,
    });
    expect(started).toEqual({ deployment: false, deploymentId: undefined });
    const result = await reportDeploy(successOutcome(), options(gh, started), { logger });
    expect(result.warnings).toEqual([]);
    const warned = logger.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warned).toEqual([expect.stringContaining('Could not record the GitHub Deployment')]);
    expect(gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/deployments'))).toHaveLength(1);
    expect(gh.comments).toHaveLength(1);
  });

  it('a start GitHub could not answer is tried again at the end', async () => {
    let down = true;
    const gh = await start({ deny: () => (down ? { status: 503, message: 'unavailable' } : undefined) });
    const logger = new RecordingLogger();
    const started = await reportDeployStart(
      { project: 'shop', stage: 'pr-12', sha: 'x' },
      options(gh, { comment: false }),
      { logger },
    );
    expect(started).toEqual({ deployment: true, deploymentId: undefined });
    down = false;
    const result = await reportDeploy(successOutcome(), options(gh, { comment: false, ...started }), {
      logger,
    });
    expect(gh.statusesOf(result.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
  });
});

describe('missing permissions', () => {
  it('warns naming pull-requests: write and carries on with the deployment', async () => {
    const gh = await start({ deny: denyWith403('POST', /\/issues\/\d+\/comments$/) });
    const logger = new RecordingLogger();
    const result = await reportDeploy(successOutcome(), options(gh), { logger });
    expect(result.comment).toBeUndefined();
    expect(logger.text('warning')).toContain('`pull-requests: write`');
    expect(logger.text('warning')).toContain('Resource not accessible by integration');
    expect(gh.deployments).toHaveLength(1);
    expect(result.warnings).toHaveLength(1);
  });

  it('warns naming deployments: write and still comments', async () => {
    const gh = await start({ deny: denyWith403('POST', /\/deployments$/) });
    const logger = new RecordingLogger();
    const result = await reportDeploy(successOutcome(), options(gh), { logger });
    expect(result.deploymentId).toBeUndefined();
    expect(logger.text('warning')).toContain('`deployments: write`');
    expect(gh.comments).toHaveLength(1);
  });

  it('warns on undeploy too, without throwing', async () => {
    const gh = await start({
      deny: (r) =>
        r.method !== 'GET' ? { status: 403, message: 'Resource not accessible by integration' } : undefined,
    });
    const logger = new RecordingLogger();
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger });
    expect(result.warnings).toHaveLength(1);
    expect(logger.text('warning')).toContain('`pull-requests: write`');
  });

  it('warns when GitHub is down, never throws, and never shows the token', async () => {
    const gh = await start({ deny: () => ({ status: 500, message: `boom ${TOKEN}` }) });
    const logger = new RecordingLogger();
    const sleep = recordingSleep();
    const result = await reportDeploy(successOutcome(), options(gh, { sleep }), { logger });
    // The lists are reads: tried again with backoff before the warning.
    expect(sleep.calls.length).toBeGreaterThan(0);
    expect(result.warnings).toHaveLength(2);
    expect(logger.text('warning')).toContain('Could not post the pull request comment');
    expect(logger.text('warning')).not.toContain(TOKEN);
    expect(logger.secrets).toContain(TOKEN);
  });

  it('posts nothing without a token', async () => {
    const gh = await start();
    const result = await reportDeploy(successOutcome(), options(gh, { token: '' }), {
      logger: new RecordingLogger(),
    });
    expect(result.markdown).toContain('deployed to');
    expect(gh.requests).toHaveLength(0);
  });
});

describe('GitHub rate limits', () => {
  const SECONDARY =
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
  /** 403 with Retry-After to the first `times` comment posts, as GitHub answers a secondary rate limit. */
  const limitComments = (times: number, retryAfter = '3') => {
    let left = times;
    return (r: { method: string; path: string }) =>
      r.method === 'POST' && /\/issues\/12\/comments$/.test(r.path) && left-- > 0
        ? { status: 403, message: SECONDARY, headers: { 'retry-after': retryAfter } }
        : undefined;
  };

  it('a secondary rate limit (403 with Retry-After) is waited out as GitHub asks, and the comment posted', async () => {
    const gh = await start({ deny: limitComments(1) });
    const sleep = recordingSleep();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo', sleep });
    const logger = new RecordingLogger();
    const result = await reportDeploy(successOutcome(), options(gh, { api }), { logger });
    expect(result.comment?.action).toBe('created');
    expect(gh.comments).toHaveLength(1);
    expect(sleep.calls).toEqual([3000]);
    expect(result.warnings).toEqual([]);
  });

  it('a rate limit that lasts is a warning saying so, not a missing permission; the Deployment still goes', async () => {
    const gh = await start({ deny: limitComments(100, '600') });
    const sleep = recordingSleep();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo', sleep });
    const result = await reportDeploy(successOutcome(), options(gh, { api }), {
      logger: new RecordingLogger(),
    });
    expect(result.comment).toBeUndefined();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('rate limit');
    expect(result.warnings[0]).not.toContain('lacks');
    expect(sleep.calls).toEqual([]); // ten minutes is no wait for a deploy step
    expect(gh.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
  });
});
