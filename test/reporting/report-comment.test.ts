import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubApi } from '../../src/reporting/github-api.js';
import { commentMarker, renderUndeployComment, upsertStickyComment } from '../../src/reporting/pr-comment.js';
import { reportDeploy, reportUndeploy } from '../../src/reporting/report.js';
import { renderUndeploySummary } from '../../src/reporting/summary.js';
import { secretValues } from '../../src/settings/secret-values.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { denyWith403 } from '../support/github-recorder.js';
import { API_KEY, failureOutcome, successOutcome, TOKEN, undeployOutcome } from './outcomes.js';
import { closeRecorder, HEAD_SHA, options, RUN_URL, start } from './report-options.js';

afterEach(closeRecorder);

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

  it('shows the failure with its logs, and no secret: not a short one its name makes secret either', async () => {
    const gh = await start();
    // The function echoes DB_PASSWORD=k3y9, shorter than any value hidden by its length alone.
    const environment = { DB_PASSWORD: 'k3y9', LEVEL: 'info' };
    const settings = { name: 'shop', awsRegion: 'us-east-1', githubToken: TOKEN, pipArgs: [], environment };
    const failed = failureOutcome();
    const outcome = failureOutcome({
      smoke: { ...failed.smoke!, bodyExcerpt: `{"error":"auth failed for app/k3y9","level":"info"}` },
      logs: `${failed.logs ?? ''}\nconnecting as app with password k3y9 (level info, pool k3y99)`,
    });
    const secrets = [...secretValues(settings, { stage: 'pr-12', functionName: 'shop-pr-12' }), API_KEY];
    const result = await reportDeploy(outcome, options(gh, { secrets }), { logger: new RecordingLogger() });
    const body = gh.comments[0]?.body ?? '';
    expect(body).toContain('### ❌ `shop` deploy to `pr-12` failed');
    expect(body).toContain('<details><summary>Function logs: shop-pr-12</summary>');
    expect(body).toContain("KeyError: 'DATABASE_URL'");
    expect(body).toContain(`[the workflow run](${RUN_URL})`);
    expect(body).toContain('with password *** (level info, pool k3y99)');
    expect(body).toContain('auth failed for app/***');
    for (const text of [body, result.markdown, JSON.stringify(gh.requests.map((r) => r.body))]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('wJalrXUtnFEMI');
      expect(text).not.toMatch(/\bk3y9\b/);
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
