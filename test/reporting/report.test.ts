import { afterEach, describe, expect, it } from '@jest/globals';
import type { GitHubContext } from '../../src/model/github-context.js';
import { createGitHubApi } from '../../src/reporting/github-api.js';
import { commentMarker, renderUndeployComment, upsertStickyComment } from '../../src/reporting/pr-comment.js';
import { isPullRequestStage } from '../../src/reporting/deployment.js';
import {
  deploymentRef,
  reportDeploy,
  reportDeployError,
  reportDeployStart,
  reportUndeploy,
  type ReportOptions,
} from '../../src/reporting/report.js';
import { renderUndeploySummary } from '../../src/reporting/summary.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { denyWith403, startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { API_KEY, failureOutcome, successOutcome, TOKEN, undeployOutcome } from './outcomes.js';

const HEAD_SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';
const RUN_URL = 'https://github.com/octo/repo/actions/runs/42';

let recorder: GitHubRecorder | undefined;
afterEach(async () => {
  await recorder?.close();
  recorder = undefined;
});

async function start(options: Parameters<typeof startGitHubRecorder>[0] = {}): Promise<GitHubRecorder> {
  recorder = await startGitHubRecorder(options);
  return recorder;
}

function ctx(gh: GitHubRecorder): GitHubContext {
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

function options(gh: GitHubRecorder, extra: Partial<ReportOptions> = {}): ReportOptions {
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

describe('sticky pull request comment', () => {
  it('is created on the first push and updated in place on the second', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    const first = await reportDeploy(successOutcome({ version: '1', previousVersion: '' }), options(gh), {
      logger,
    });
    expect(first.comment?.action).toBe('created');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.issue).toBe(12);
    expect(gh.comments[0]?.body.startsWith(commentMarker('shop', 'pr-12'))).toBe(true);
    expect(gh.comments[0]?.body).toContain('| **Version** | 1 (first deploy) |');

    const second = await reportDeploy(successOutcome({ version: '2', previousVersion: '1' }), options(gh), {
      logger,
    });
    expect(second.comment).toEqual({ action: 'updated', id: first.comment?.id });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain('| **Version** | 2 (previous: 1) |');
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(gh.requests[0]?.headers.authorization).toBe(`token ${TOKEN}`);
    expect(logger.text('warning')).toBe('');
  });

  it("names the pull request's head commit, the one the Deployment is on, not the merge commit GITHUB_SHA points at", async () => {
    const gh = await start();
    const result = await reportDeploy(
      successOutcome({ sha: 'merge0000merge0000merge0000merge0000merg' }),
      options(gh),
      { logger: new RecordingLogger() },
    );
    expect(gh.deployments[0]?.ref).toBe(HEAD_SHA);
    for (const text of [gh.comments[0]?.body, result.markdown]) {
      expect(text).toContain('| **Commit** | `feedfac` |');
      expect(text).not.toContain('merge00');
    }
  });

  it('finds its comment on a later page', async () => {
    const gh = await start({ maxPerPage: 2 });
    for (let i = 0; i < 5; i++) gh.addComment(12, `review comment ${i}`);
    const ours = gh.addComment(12, `${commentMarker('shop', 'pr-12')}\nold body`, 'github-actions[bot]');
    gh.addComment(12, 'later comment');
    const result = await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.comment).toEqual({ action: 'updated', id: ours.id });
    expect(gh.comments).toHaveLength(7);
    expect(ours.body).toContain('### ✅ `shop` deployed to `pr-12`');
    const listed = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues/12/comments'));
    expect(listed.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3', '4']);
  });

  it('keeps one comment per project and stage', async () => {
    const gh = await start();
    gh.addComment(12, `${commentMarker('other', 'pr-12')}\nother project`);
    await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(gh.comments).toHaveLength(2);
    expect(gh.comments[0]?.body).toContain('other project');
  });

  it("another user's comment that carries the marker is never edited", async () => {
    const gh = await start();
    const planted = gh.addComment(
      12,
      `${commentMarker('shop', 'pr-12')}\nClick [here](https://evil.example)`,
      'mallory',
    );
    const result = await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.comment?.action).toBe('created');
    expect(planted.body).toContain('evil.example');
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(gh.comments.map((c) => c.user)).toEqual(['mallory', 'github-actions[bot]']);
    // The next push updates our own comment, still not mallory's.
    const again = await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(again.comment).toEqual({ action: 'updated', id: result.comment?.id });
    expect(planted.body).toContain('evil.example');
  });

  it('a comment of the same bot that only quotes the marker (another workflow echoing the PR text) is left alone', async () => {
    const gh = await start();
    // Another workflow, with the same GITHUB_TOKEN identity, quotes the pull request's description.
    const quoting = gh.addComment(
      12,
      `Thanks! Your description:\n> see ${commentMarker('shop', 'pr-12')} [here](https://evil.example)`,
      'github-actions[bot]',
    );
    const result = await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.comment?.action).toBe('created');
    expect(quoting.body).toContain('Thanks! Your description');
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('finds the comment of a personal token by its own login (GraphQL viewer)', async () => {
    const gh = await start({ login: 'release-bot' });
    gh.addComment(
      12,
      `${commentMarker('shop', 'pr-12')}\nby the action's default token`,
      'github-actions[bot]',
    );
    const ours = gh.addComment(12, `${commentMarker('shop', 'pr-12')}\nold`, 'release-bot');
    const result = await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.comment).toEqual({ action: 'updated', id: ours.id });
    expect(gh.requests.some((r) => r.method === 'POST' && r.path === '/graphql')).toBe(true);
  });

  it('when the login cannot be read, posts a new comment rather than editing any', async () => {
    const gh = await start({ deny: denyWith403('POST', /^\/graphql$/) });
    const ours = gh.addComment(12, `${commentMarker('shop', 'pr-12')}\nold`, 'github-actions[bot]');
    const logger = new RecordingLogger();
    const result = await reportDeploy(successOutcome(), options(gh), { logger });
    expect(result.comment?.action).toBe('created');
    expect(ours.body).toContain('old');
    expect(logger.text('warning')).toContain('Could not tell which GitHub login github-token acts as');
  });

  it('posts a new comment when ours was deleted meanwhile', async () => {
    const gh = await start();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo' });
    const stale = {
      ...api,
      listIssueComments: async () => [
        { id: 999_999, body: commentMarker('shop', 'pr-12'), user: 'github-actions[bot]' },
      ],
    };
    const result = await upsertStickyComment(
      stale,
      { pullRequest: 12, project: 'shop', stage: 'pr-12', body: 'hi' },
      { logger: new RecordingLogger() },
    );
    expect(result?.action).toBe('created');
    expect(gh.comments[0]?.body).toBe(`${commentMarker('shop', 'pr-12')}\nhi`);
  });

  it('an update refused for another reason than 404 fails, and no second comment is posted', async () => {
    const gh = await start({ deny: denyWith403('PATCH', /\/issues\/comments\/\d+$/) });
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo' });
    const sticky = { pullRequest: 12, project: 'shop', stage: 'pr-12', body: 'hi' };
    await upsertStickyComment(api, sticky, { logger: new RecordingLogger() });
    await expect(
      upsertStickyComment(api, { ...sticky, body: 'again' }, { logger: new RecordingLogger() }),
    ).rejects.toMatchObject({ name: 'GitHubApiError', status: 403 });
    expect(gh.comments.map((c) => c.body)).toEqual([`${commentMarker('shop', 'pr-12')}\nhi`]);
  });

  it('shows the failure with its logs, and no secret', async () => {
    const gh = await start();
    const result = await reportDeploy(failureOutcome(), options(gh), { logger: new RecordingLogger() });
    const body = gh.comments[0]?.body ?? '';
    expect(body).toContain('### ❌ `shop` deploy to `pr-12` failed');
    expect(body).toContain('<details><summary>Function logs: shop-pr-12</summary>');
    expect(body).toContain("KeyError: 'DATABASE_URL'");
    expect(body).toContain(`[the workflow run](${RUN_URL})`);
    for (const text of [body, result.markdown, JSON.stringify(gh.requests.map((r) => r.body))]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('wJalrXUtnFEMI');
    }
  });

  /**
   * A failed deploy whose function raised `raised` (gateway: none quotes the function's own
   * errorMessage in the smoke detail and the error): the PR comment posted and the summary.
   */
  async function reportRaised(raised: string): Promise<{ body: string; markdown: string }> {
    const gh = await start();
    const outcome = failureOutcome({
      error: `The smoke test failed: ${raised}`,
      smoke: { ...failureOutcome().smoke, detail: `Invoke shop-pr-12:live answered ${raised}` },
    });
    const result = await reportDeploy(outcome, options(gh), { logger: new RecordingLogger() });
    return { body: gh.comments[0]?.body ?? '', markdown: result.markdown };
  }

  it("a function's error text cannot hide or restyle the comment with HTML (an open <!--, </details>, <img>)", async () => {
    const { body, markdown } = await reportRaised(
      'ValueError: bad input <!-- </details><img src="https://evil.example/x.png"> `<kept in code>`',
    );
    for (const text of [body, markdown]) {
      // Only our own marker opens an HTML comment: the logs after the error stay visible.
      expect(text.split('<!--')).toHaveLength(text === body ? 2 : 1);
      expect(text).not.toContain('<img');
      expect(text.split('</details>')).toHaveLength(3); // the smoke answer's and the logs' blocks
      expect(text).toContain('bad input &lt;!-- &lt;/details&gt;&lt;img src=');
      expect(text).toContain('`<kept in code>`');
    }
    expect(body).toContain("KeyError: 'DATABASE_URL'");
  });

  it("an @mention in a function's error text does not notify anyone; in a code span it stays as written", async () => {
    const { body, markdown } = await reportRaised(
      'PermissionError: ask @octocat or @octo-org/ops-team (mail ops@example.com) `@kept`',
    );
    for (const text of [body, markdown]) {
      // GitHub links (and notifies) @name after a non-word character; a zero-width space breaks that.
      expect(text).not.toMatch(/(^|[^\w`])@(octocat|octo-org)/m);
      expect(text).toContain('ask @&#8203;octocat or @&#8203;octo-org/ops-team (mail ops@example.com)');
      expect(text).toContain('`@kept`');
    }
  });

  it("a function's error text cannot show an image, a disguised link or a cross-reference: it reads as written", async () => {
    const { body, markdown } = await reportRaised(
      'Bad ![](https://evil.example/pixel?leak) see [https://shop.example/](https://evil.example/phish) ' +
        'and <https://evil.example/x>, fixes #1 and octo/other#7 `[kept](x) #2`',
    );
    for (const text of [body, markdown]) {
      // No Markdown image or link of theirs: only the brackets and parentheses we wrote are syntax.
      expect(text).not.toMatch(/!\[[^\]]*\]\(/);
      expect(text).not.toMatch(/\]\(https:\/\/evil/);
      expect(text).not.toContain('<https://evil');
      // GitHub links #n and repo#n (and notes it on that issue); a zero-width space breaks that.
      expect(text).not.toMatch(/#1 |other#7/);
      expect(text).toContain('see &#91;https://shop.example/&#93;(https://evil.example/phish)');
      expect(text).toContain('fixes #&#8203;1 and octo/other#&#8203;7 `[kept](x) #2`');
    }
  });

  it('a line break in an error or a rollback message (a lone CR too) cannot open a code block or a heading', async () => {
    const gh = await start();
    const outcome = failureOutcome({
      error: 'bad\r```\r# Approved by the security team',
      rolledBack: false,
      rollbackMessage: 'ROLLBACK FAILED: AWS said\n```\n> quoted\r\n- listed',
    });
    const result = await reportDeploy(outcome, options(gh), { logger: new RecordingLogger() });
    for (const text of [gh.comments[0]?.body ?? '', result.markdown]) {
      const lines = text.split(/\r\n|\r|\n/);
      // Only our own blocks: the smoke answer's and the logs' fences, our heading.
      expect(lines.filter((l) => /^ {0,3}`{3,}/.test(l))).toHaveLength(4);
      expect(lines.filter((l) => /^ {0,3}(#|>|- )/.test(l))).toEqual([
        lines.find((l) => l.startsWith('### ')),
      ]);
      expect(text).toContain('**Error:** bad ``` # Approved by the security team');
    }
  });

  it("stays within GitHub's 65536 characters when an error is huge, a secret at the cut hidden whole", async () => {
    const gh = await start();
    const secret = 'Pg-Secret-7781-abcdef';
    // An AWS or function error that quotes a whole document, in the error and in the rollback's message.
    const huge = `${'x'.repeat(3_990)} ${secret} ${'y'.repeat(100_000)}`;
    const outcome = failureOutcome({
      error: huge,
      rolledBack: false,
      rollbackMessage: `ROLLBACK FAILED: ${huge}`,
    });
    const result = await reportDeploy(outcome, options(gh, { secrets: [API_KEY, secret] }), {
      logger: new RecordingLogger(),
    });
    expect(result.warnings).toEqual([]);
    const body = gh.comments[0]?.body ?? '';
    expect(body.length).toBeLessThan(20_000);
    expect(result.markdown.length).toBeLessThan(20_000);
    for (const text of [body, result.markdown]) {
      expect(text).toMatch(/x{100} \*\*\* y*… \(\d+ more characters\)/);
      expect(text).not.toContain('Pg-');
    }
  });

  it('an emoji where a long error is cut reaches GitHub whole, never half (a lone surrogate is not text)', async () => {
    const gh = await start();
    const error = `${'x'.repeat(3_999)}😀${'y'.repeat(100)}`;
    const result = await reportDeploy(failureOutcome({ error, rolledBack: false }), options(gh), {
      logger: new RecordingLogger(),
    });
    expect(result.warnings).toEqual([]);
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const text of [gh.comments[0]?.body ?? '', result.markdown]) {
      expect(text).toContain(`${'x'.repeat(3_999)}… (`);
      expect(text).not.toMatch(lone);
    }
  });

  it('leaves the logs out of the comment with commentLogs false, and keeps them in the summary', async () => {
    const gh = await start();
    const result = await reportDeploy(failureOutcome(), options(gh, { commentLogs: false }), {
      logger: new RecordingLogger(),
    });
    const body = gh.comments[0]?.body ?? '';
    expect(body).toContain('### ❌ `shop` deploy to `pr-12` failed');
    expect(body).not.toContain("KeyError: 'DATABASE_URL'");
    expect(body).toContain('public-comment-logs: false');
    expect(result.markdown).toContain("KeyError: 'DATABASE_URL'");
  });

  it('says "Preview … removed" after undeploy: one heading and one list in the comment and the summary', async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh), { logger: new RecordingLogger() });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.comment?.action).toBe('updated');
    expect(gh.comments).toHaveLength(1);
    const lead =
      '### 🗑️ Preview `pr-12` of `shop` removed\n\nRemoved:\n- `HTTP API abc123`\n- `Lambda function shop-pr-12`\n- `Log group /aws/lambda/shop-pr-12`';
    expect(gh.comments[0]?.body).toContain(lead);
    expect(result.markdown).toContain(lead);
  });

  it('undeploy that removed nothing posts no new comment, and updates ours when there is one', async () => {
    const gh = await start();
    const nothing = undeployOutcome({ removed: [] });
    // Never deployed (a pull request closed before its first deploy): nothing to tell it.
    const silent = await reportUndeploy(nothing, options(gh, { deployment: false }), {
      logger: new RecordingLogger(),
    });
    expect(silent.comment).toBeUndefined();
    expect(gh.comments).toEqual([]);
    expect(gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))).toEqual([]);
    // Once we have commented, the comment says the preview is gone, whatever was left to remove.
    await reportDeploy(successOutcome(), options(gh, { deployment: false }), {
      logger: new RecordingLogger(),
    });
    const updated = await reportUndeploy(nothing, options(gh, { deployment: false }), {
      logger: new RecordingLogger(),
    });
    expect(updated.comment?.action).toBe('updated');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain('nothing to remove');
  });

  it('is not posted without a pull request number or with comment: false', async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { pullRequest: undefined, deployment: false }), {
      logger: new RecordingLogger(),
    });
    await reportDeploy(successOutcome(), options(gh, { comment: false, deployment: false }), {
      logger: new RecordingLogger(),
    });
    expect(gh.requests).toHaveLength(0);
  });
});

describe('GitHub Deployment', () => {
  it('records success with the environment URL, on the pull request head', async () => {
    const gh = await start();
    const result = await reportDeploy(successOutcome(), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(gh.deployments).toHaveLength(1);
    expect(gh.deployments[0]).toMatchObject({
      ref: HEAD_SHA,
      environment: 'shop/pr-12',
      transientEnvironment: true,
      productionEnvironment: false,
      autoMerge: false,
      requiredContexts: [],
    });
    expect(result.deploymentId).toBe(gh.deployments[0]?.id);
    expect(gh.statusesOf(result.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
    expect(gh.statuses[1]).toMatchObject({
      environmentUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
      logUrl: RUN_URL,
      description: 'Version 5 is live',
    });
  });

  it('records failure with the run as log URL, and the URL the stage still answers at (the previous version after a rollback)', async () => {
    const gh = await start();
    await reportDeploy(failureOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    const final = gh.statuses.at(-1);
    expect(final).toMatchObject({
      state: 'failure',
      logUrl: RUN_URL,
      environmentUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
      description: 'Failed; rolled back to version 4',
    });
  });

  it('a failed first deploy still links "View deployment" to the stage (it serves the failing version); none when it got no URL', async () => {
    const gh = await start();
    const deps = { logger: new RecordingLogger() };
    const first = { rolledBack: false, version: '1', previousVersion: '', failedVersion: undefined };
    await reportDeploy(failureOutcome(first), options(gh, { comment: false }), deps);
    expect(gh.statuses.at(-1)).toMatchObject({
      state: 'failure',
      logUrl: RUN_URL,
      environmentUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    });
    // Stopped before the front door (or gateway none): no URL, so none is claimed.
    await reportDeploy(failureOutcome({ ...first, url: '' }), options(gh, { comment: false }), deps);
    expect(gh.statuses.at(-1)).toMatchObject({ state: 'failure', logUrl: RUN_URL, environmentUrl: '' });
  });

  it('keeps a long failure description within GitHub’s 140 characters', async () => {
    const gh = await start();
    const result = await reportDeploy(
      failureOutcome({ rolledBack: false, error: 'x'.repeat(500) }),
      options(gh, { comment: false }),
      {
        logger: new RecordingLogger(),
      },
    );
    expect(result.warnings).toEqual([]);
    expect(gh.statuses.at(-1)?.description).toHaveLength(140);
  });

  it('cuts the failure description on one line and never inside a character (emoji, CJK)', async () => {
    const gh = await start();
    // "Failed: " is 8 characters: the emoji's two UTF-16 halves sit at 139 and 140.
    const error = `${'x'.repeat(131)}😀 and\nmore lines\r\n${'界'.repeat(50)}`;
    await reportDeploy(failureOutcome({ rolledBack: false, error }), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    const description = gh.statuses.at(-1)?.description ?? '';
    expect(description.length).toBeLessThanOrEqual(140);
    expect(description).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(description).toBe(`Failed: ${'x'.repeat(131)}…`);
    await reportDeploy(
      failureOutcome({ rolledBack: false, error: 'one\ntwo\r\n  three' }),
      options(gh, { comment: false }),
      { logger: new RecordingLogger() },
    );
    expect(gh.statuses.at(-1)?.description).toBe('Failed: one two three');
  });

  it('marks a protected branch stage as production, not transient', async () => {
    const gh = await start();
    const c = { ...ctx(gh), eventName: 'push', payload: {}, sha: HEAD_SHA };
    await reportDeploy(
      successOutcome({ stage: 'main', sha: HEAD_SHA }),
      options(gh, { ctx: c, pullRequest: undefined }),
      { logger: new RecordingLogger() },
    );
    expect(gh.deployments[0]).toMatchObject({
      environment: 'shop/main',
      transientEnvironment: false,
      productionEnvironment: true,
      ref: HEAD_SHA,
    });
  });

  it('finishes a deployment started earlier instead of creating another', async () => {
    const gh = await start();
    const first = await reportDeploy(successOutcome(), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    await reportDeploy(successOutcome(), options(gh, { comment: false, deploymentId: first.deploymentId }), {
      logger: new RecordingLogger(),
    });
    expect(gh.deployments).toHaveLength(1);
    expect(gh.statusesOf(first.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
      'success',
    ]);
  });

  it('marks every deployment of the environment inactive after undeploy, on every page', async () => {
    const gh = await start({ maxPerPage: 2 });
    for (let i = 0; i < 3; i++)
      await reportDeploy(successOutcome(), options(gh, { comment: false }), {
        logger: new RecordingLogger(),
      });
    await reportDeploy(successOutcome({ stage: 'pr-13' }), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    // The two earlier ones were already inactive (superseded): only the newest needed a status.
    expect(result.deactivated).toBe(1);
    const pr12 = gh.deployments.filter((d) => d.environment === 'shop/pr-12');
    for (const d of pr12) expect(gh.statusesOf(d.id).at(-1)?.state).toBe('inactive');
    const pr13 = gh.deployments.find((d) => d.environment === 'shop/pr-13');
    expect(gh.statusesOf(pr13?.id as number).at(-1)?.state).toBe('success');
  });

  it('undeploy writes a status only to our deployments not already inactive (a long-lived stage has hundreds)', async () => {
    const gh = await start({ maxPerPage: 2 });
    // Five deploys of the branch stage: GitHub's auto_inactive already made the first four inactive.
    for (let i = 0; i < 5; i++)
      await reportDeploy(successOutcome({ stage: 'feature-x' }), options(gh, { comment: false }), {
        logger: new RecordingLogger(),
      });
    const ours = gh.deployments.filter((d) => d.environment === 'shop/feature-x');
    expect(ours.map((d) => gh.statusesOf(d.id).at(-1)?.state)).toEqual([
      'inactive',
      'inactive',
      'inactive',
      'inactive',
      'success',
    ]);
    const before = gh.requests.length;
    const result = await reportUndeploy(
      undeployOutcome({ stage: 'feature-x' }),
      options(gh, { pullRequest: undefined, comment: false }),
      { logger: new RecordingLogger() },
    );
    const writes = gh.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path.endsWith('/statuses'))
      .map((r) => r.path);
    expect(writes).toEqual([`/repos/octo/repo/deployments/${ours[4]!.id}/statuses`]);
    expect(result.deactivated).toBe(1);
    for (const d of ours) expect(gh.statusesOf(d.id).at(-1)?.state).toBe('inactive');
  });

  it('after undeploy of pr-1 leaves the deployments of pr-12 (a stage its name is a prefix of) alone', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    for (const stage of ['pr-1', 'pr-12'])
      await reportDeploy(successOutcome({ stage }), options(gh, { comment: false }), { logger });
    const result = await reportUndeploy(undeployOutcome({ stage: 'pr-1' }), options(gh, { comment: false }), {
      logger,
    });
    expect(result.deactivated).toBe(1);
    const [one, twelve] = gh.deployments;
    expect([one?.environment, twelve?.environment]).toEqual(['shop/pr-1', 'shop/pr-12']);
    expect(gh.statusesOf(one?.id as number).at(-1)?.state).toBe('inactive');
    expect(gh.statusesOf(twelve?.id as number).at(-1)?.state).toBe('success');
  });

  it("after undeploy leaves another tool's deployment of the same environment active", async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    // The team's own release tool deploys to an environment of the same name.
    gh.deployments.push({
      ...(gh.deployments[0] as (typeof gh.deployments)[number]),
      id: 777,
      creator: 'release-tool[bot]',
    });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.deactivated).toBe(1);
    expect(gh.statusesOf(777)).toEqual([]);
  });

  it("after undeploy leaves a deployment of the same token's login that another step made (not our description)", async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    // Another step of the workflow deploys with the same github.token to an environment of the same name.
    gh.deployments.push({
      ...(gh.deployments[0] as (typeof gh.deployments)[number]),
      id: 778,
      description: 'Deploy docs preview',
    });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.deactivated).toBe(1);
    expect(gh.statusesOf(778)).toEqual([]);
  });

  it('leaves deployments alone on a dry run', async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    const result = await reportUndeploy(undeployOutcome({ dryRun: true }), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(result.deactivated).toBeUndefined();
    expect(gh.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
  });
});

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

describe('the comment marker and the undeploy comment', () => {
  it('a name cannot end the hidden marker early or open a tag', () => {
    expect(commentMarker('shop', 'a--b')).toBe('<!-- lambda-deploy:shop:a-~2~b -->');
    expect(commentMarker('sh<o>p', 'x---->y')).toBe('<!-- lambda-deploy:shop:x-~4~y -->');
    expect(commentMarker('shop', 'a-b')).toBe('<!-- lambda-deploy:shop:a-b -->');
    expect(commentMarker('shop', 'a--2b')).not.toBe(commentMarker('shop', `a${'-'.repeat(22)}b`));
  });

  it('stages a--b and a-b (both valid stage inputs) keep a comment each on the same pull request', async () => {
    const gh = await start();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo' });
    const deps = { logger: new RecordingLogger() };
    for (const stage of ['feature--x', 'feature-x', 'feature--x'])
      await upsertStickyComment(api, { pullRequest: 12, project: 'shop', stage, body: `at ${stage}` }, deps);
    expect(gh.comments.map((c) => c.body.split('\n')[1])).toEqual(['at feature--x', 'at feature-x']);
  });

  it('says what was removed, what was left and why, and a dry run as such', () => {
    const removed = renderUndeployComment(
      undeployOutcome({
        removed: ['Lambda function shop-pr-12'],
        skipped: [{ resource: 'HTTP API h9', why: 'tagged for octo/other' }],
      }),
      { runUrl: RUN_URL },
    );
    expect(removed).toContain(
      '### 🗑️ Preview `pr-12` of `shop` removed\n\nRemoved:\n- `Lambda function shop-pr-12`',
    );
    expect(removed).toContain('Left in place: `HTTP API h9` (tagged for octo/other)');
    expect(removed).toContain(`<sub>[Workflow run](${RUN_URL})</sub>`);
    expect(renderUndeployComment(undeployOutcome())).toContain('- `Log group /aws/lambda/shop-pr-12`');
    const dry = renderUndeployComment(undeployOutcome({ dryRun: true }));
    expect(dry).toContain('### 🔍 Preview `pr-12` of `shop`: dry run, nothing removed');
    expect(dry).not.toContain('removed (');
    expect(dry).not.toContain('Left in place');
  });
});

describe('the reason a resource was left, which quotes its AWS tags', () => {
  // Whoever may tag resources in the account writes tag values; AWS allows @ in them.
  const outcome = undeployOutcome({
    skipped: [
      { resource: 'HTTP API h9', why: "tag lambda-deploy:repository is '@octocat/x#1 [y](https://e)'" },
    ],
  });
  const inert = "tag lambda-deploy:repository is '@&#8203;octocat/x#&#8203;1 &#91;y&#93;(https://e)'";

  it('mentions nobody and links nothing in the comment and the summary', () => {
    expect(renderUndeployComment(outcome)).toContain(`Left in place: \`HTTP API h9\` (${inert})`);
    expect(renderUndeploySummary(outcome)).toContain(`| \`HTTP API h9\` | ${inert} |`);
  });
});

describe('the undeploy of a pull request that was never deployed', () => {
  it('the comment says there was nothing to remove, never "(0 resources)"', () => {
    const none = renderUndeployComment(undeployOutcome({ removed: [] }), { runUrl: RUN_URL });
    expect(none).toContain('### 🗑️ Preview `pr-12` of `shop`: nothing to remove');
    expect(none).toContain('Removed nothing: no resource carries the tags of stage `pr-12`');
    expect(none).not.toMatch(/\(0 resources?\)|Preview removed|was removed/);
  });

  it('with only resources left in place, it says nothing was removed and lists them', () => {
    const kept = renderUndeployComment(
      undeployOutcome({ removed: [], skipped: [{ resource: 'HTTP API h9', why: 'tagged for octo/other' }] }),
    );
    expect(kept).toContain('nothing to remove');
    expect(kept).toContain('Left in place: `HTTP API h9` (tagged for octo/other)');
    expect(kept).not.toMatch(/\(0 resources?\)|was removed/);
  });

  it('the comment a failed first deploy left is updated to say so, not "Preview removed (0 resources)"', async () => {
    const gh = await start();
    await reportDeploy(failureOutcome(), options(gh, { deployment: false }), {
      logger: new RecordingLogger(),
    });
    expect(gh.comments).toHaveLength(1);
    await reportUndeploy(undeployOutcome({ removed: [] }), options(gh, { deployment: false }), {
      logger: new RecordingLogger(),
    });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain('nothing to remove');
    expect(gh.comments[0]?.body).not.toMatch(/\(0 resources?\)|Preview removed/);
  });
});

describe('pull request stages are transient environments; protected stages production', () => {
  it.each([
    ['pr-12', true],
    ['pr-12-fix', false],
    ['xpr-12', false],
    ['main', false],
  ])('%s: transient %s', (stage, transient) => {
    expect(isPullRequestStage(stage)).toBe(transient);
  });

  it('a protected stage is production; a pull request stage named in protected-stages is still not', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    await reportDeploy(
      successOutcome({ stage: 'pr-12' }),
      options(gh, { comment: false, protectedStages: ['pr-12'] }),
      {
        logger,
      },
    );
    expect(gh.deployments[0]).toMatchObject({ transientEnvironment: true, productionEnvironment: false });
  });
});

describe('a new success leaves only itself active', () => {
  /** The newest status of each deployment of an environment, oldest deployment first. */
  const states = (gh: GitHubRecorder, environment: string) =>
    gh.deployments
      .filter((d) => d.environment === environment)
      .map((d) => gh.statusesOf(d.id).at(-1)?.state ?? 'none');

  it.each([
    ['a pull request stage (transient: GitHub does not do it)', 'pr-12', 'shop/pr-12'],
    ['a protected stage (production: GitHub does not do it)', 'main', 'shop/main'],
  ])(
    '%s: our earlier successful deployment goes inactive; a failed one and another tool’s stay',
    async (_, stage, environment) => {
      const gh = await start();
      const logger = new RecordingLogger();
      const deploy = (outcome: Parameters<typeof reportDeploy>[0]) =>
        reportDeploy(outcome, options(gh, { comment: false }), { logger });
      await deploy(successOutcome({ stage }));
      await deploy(failureOutcome({ stage }));
      // The team's release tool deployed to an environment of the same name, successfully.
      const theirs = {
        ...(gh.deployments[0] as (typeof gh.deployments)[number]),
        id: 777,
        creator: 'release-tool[bot]',
      };
      gh.deployments.push(theirs);
      gh.statuses.push({
        id: 778,
        deploymentId: 777,
        state: 'success',
        environmentUrl: '',
        logUrl: '',
        description: '',
      });
      await deploy(successOutcome({ stage }));
      expect(states(gh, environment)).toEqual(['inactive', 'failure', 'success', 'success']);
      expect(gh.statusesOf(777)).toHaveLength(1);
      expect(gh.statuses.filter((s) => s.state === 'inactive')[0]?.description).toBe(
        'Superseded by a newer deploy',
      );
      expect(logger.text('warning')).toBe('');
    },
  );

  it('a branch stage is left to GitHub (auto_inactive): no status of ours is read', async () => {
    const gh = await start();
    const c = { ...ctx(gh), eventName: 'push', payload: {} };
    const deploy = () =>
      reportDeploy(
        successOutcome({ stage: 'feature-x' }),
        options(gh, { ctx: c, comment: false, pullRequest: undefined }),
        {
          logger: new RecordingLogger(),
        },
      );
    await deploy();
    await deploy();
    expect(states(gh, 'shop/feature-x')).toEqual(['inactive', 'success']);
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path.includes('/deployments'))).toEqual([]);
  });

  it('a failed deploy leaves the earlier success active: it still serves', async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    await reportDeploy(failureOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    expect(states(gh, 'shop/pr-12')).toEqual(['success', 'failure']);
  });
});

describe('a Deployment is never left in progress by one failed answer', () => {
  it('the final status is sent again after a 502 (a second status of the same state is harmless)', async () => {
    let left = 1;
    const gh = await start({
      deny: (r) =>
        r.method === 'POST' &&
        /\/statuses$/.test(r.path) &&
        (r.body as { state?: string } | undefined)?.state === 'success' &&
        left-- > 0
          ? { status: 502, message: 'Server Error' }
          : undefined,
    });
    const sleep = recordingSleep();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo', sleep });
    const result = await reportDeploy(successOutcome(), options(gh, { api, comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(result.warnings).toEqual([]);
    expect(gh.statusesOf(result.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
    expect(sleep.calls).toHaveLength(1);
  });

  it('creating the Deployment itself is not repeated after a 502 (it may exist already): a warning', async () => {
    const gh = await start({
      deny: (r) =>
        r.method === 'POST' && /\/deployments$/.test(r.path)
          ? { status: 502, message: 'Server Error' }
          : undefined,
    });
    const sleep = recordingSleep();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo', sleep });
    const result = await reportDeploy(successOutcome(), options(gh, { api, comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(result.warnings).toEqual([expect.stringContaining('Could not record the GitHub Deployment')]);
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
