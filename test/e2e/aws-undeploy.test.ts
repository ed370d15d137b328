/**
 * The bundled action removing stages the way the runner runs it (issue 5):
 * `node dist/index.js` on `pull_request` closed and on `delete` of a branch,
 * against the fake AWS holding real stages deployed by the action itself and
 * decoys that only look like them. Only what carries the stage's tags goes;
 * undeploying twice is a no-op success; protected stages are refused before
 * any AWS call.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { runAction, type ActionRun, type RunActionOptions } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const TIMEOUT = 90_000;
const TOKEN = 'ghs_fakeToken123456';

function details(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

function expectSuccess(run: ActionRun): void {
  if (run.code !== 0) throw new Error(details(run));
}

const pullRequest = (action: string, number: number) => ({
  action,
  number,
  pull_request: {
    number,
    merged: action === 'closed',
    head: { ref: `topic-${number}`, sha: 'a'.repeat(40), repo: { full_name: 'octo/svc' } },
    base: { ref: 'main', repo: { full_name: 'octo/svc' } },
  },
  repository: { full_name: 'octo/svc' },
});

/** Operations that change something (the rest only read). */
const isWrite = (operation: string) =>
  /^(Create|Update|Put|Publish|Delete|Add|Remove|Tag|Untag)/.test(operation);

describe('undeploy through the bundled action', () => {
  let aws: FakeAws;
  let smoke: SmokeTarget;
  let github: GitHubRecorder;
  let ws: string;
  const ids: Record<string, string> = {};

  const run = (options: Partial<RunActionOptions> & { inputs?: Record<string, string> }) =>
    runAction({
      workspace: ws,
      ...options,
      inputs: { name: 'svc', 'github-token': TOKEN, ...options.inputs },
      env: { ...aws.env(), ...aws.staticCredentialsEnv(), GITHUB_API_URL: github.url, ...options.env },
    });

  beforeAll(async () => {
    [smoke, github] = await Promise.all([startSmokeTarget(), startGitHubRecorder()]);
    aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
    aws.seed.setup('svc'); // lambda-deploy setup ran: previews need the preview execution role
    ws = mkdtempSync(join(tmpdir(), 'aws-e2e-ws-'));
    cpSync(EXAMPLE, ws, { recursive: true });

    // Three real stages, deployed by the action: main first (it makes the bucket and the role).
    const main = await run({ ref: 'refs/heads/main' });
    expectSuccess(main);
    const [pr7, featureX] = await Promise.all([
      run({ eventName: 'pull_request', ref: 'refs/pull/7/merge', payload: pullRequest('opened', 7) }),
      run({ ref: 'refs/heads/feature-x' }),
    ]);
    expectSuccess(pr7);
    expectSuccess(featureX);
    for (const r of [main, pr7, featureX]) ids[r.outputs.stage!] = r.outputs['api-id']!;

    // Decoys: names that match pr-7's, tags that do not; and resources of another project.
    aws.seed.function('svc-pr-7-old', {
      tags: { 'lambda-deploy:name': 'other', 'lambda-deploy:stage': 'pr-7' },
    });
    aws.seed.function('svc-pr-7x', { tags: { 'lambda-deploy:name': 'svc', 'lambda-deploy:stage': 'pr-7x' } });
    aws.seed.function('other-pr-7', {
      tags: { 'lambda-deploy:name': 'other', 'lambda-deploy:stage': 'pr-7' },
    });
    ids.decoyApi = aws.seed.httpApi('svc-pr-7', {
      'lambda-deploy:name': 'other',
      'lambda-deploy:stage': 'pr-7',
    }).ApiId;
    ids.untaggedApi = aws.seed.httpApi('svc-pr-7', {}).ApiId;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([aws?.close(), smoke?.close(), github?.close()]);
  });

  test(
    'pull_request closed (7) removes exactly pr-7: its API and its function, and says what it left',
    async () => {
      expect([...aws.account.functions.keys()].sort()).toEqual(
        ['other-pr-7', 'svc-feature-x', 'svc-main', 'svc-pr-7', 'svc-pr-7-old', 'svc-pr-7x'].sort(),
      );
      aws.calls.clear();
      const closed = await run({
        eventName: 'pull_request',
        ref: 'refs/pull/7/merge',
        payload: pullRequest('closed', 7),
      });
      expectSuccess(closed);
      expect(closed.outputs).toEqual({ stage: 'pr-7' });

      const writes = aws.calls.calls.filter((r) => isWrite(r.operation));
      expect(writes.map((r) => [r.operation, r.input.ApiId ?? r.input.FunctionName])).toEqual([
        ['DeleteApi', ids['pr-7']],
        ['DeleteFunction', 'svc-pr-7'],
      ]);
      expect(writes.find((r) => r.operation === 'DeleteFunction')?.input.Qualifier).toBeUndefined();

      expect([...aws.account.functions.keys()].sort()).toEqual(
        ['other-pr-7', 'svc-feature-x', 'svc-main', 'svc-pr-7-old', 'svc-pr-7x'].sort(),
      );
      expect([...aws.account.httpApis.keys()].sort()).toEqual(
        [ids.main, ids['feature-x'], ids.decoyApi, ids.untaggedApi].sort(),
      );

      // The APIs that looked like pr-7's are named, with why they stayed (the function decoys
      // are not even candidates: functions are looked up by the exact name and by tags).
      expect(closed.summary).toContain(
        `\`HTTP API svc-pr-7 (${ids.decoyApi})\` | name matches but tag lambda-deploy:name is 'other'`,
      );
      expect(closed.summary).toContain(
        `\`HTTP API svc-pr-7 (${ids.untaggedApi})\` | name matches but has no lambda-deploy tags`,
      );
      expect(closed.stdout).toContain(
        `::warning::Skipped HTTP API svc-pr-7 (${ids.decoyApi}): name matches but`,
      );

      // The sticky comment now says the preview is gone; the environment is inactive.
      const comments = github.comments.filter((c) => c.issue === 7);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toMatch(/removed/i);
      const deployment = github.deployments.find((d) => d.environment === 'svc/pr-7')!;
      expect(github.statusesOf(deployment.id).map((s) => s.state)).toEqual([
        'in_progress',
        'success',
        'inactive',
      ]);
    },
    TIMEOUT,
  );

  test(
    'the same undeploy again is a success that removes nothing',
    async () => {
      aws.calls.clear();
      const again = await run({
        eventName: 'pull_request',
        ref: 'refs/pull/7/merge',
        payload: pullRequest('closed', 7),
      });
      expectSuccess(again);
      expect(again.stdout).toContain('nothing to remove');
      expect(again.summary).toContain('Removed nothing');
      expect(aws.calls.calls.filter((r) => isWrite(r.operation))).toEqual([]);
    },
    TIMEOUT,
  );

  test(
    'delete of branch feature-x (GITHUB_REF on main) removes feature-x, not main',
    async () => {
      aws.calls.clear();
      const deleted = await run({
        eventName: 'delete',
        ref: 'refs/heads/main',
        payload: { ref: 'feature-x', ref_type: 'branch', repository: { full_name: 'octo/svc' } },
      });
      expectSuccess(deleted);
      expect(deleted.outputs).toEqual({ stage: 'feature-x' });
      const writes = aws.calls.calls.filter((r) => isWrite(r.operation));
      expect(writes.map((r) => [r.operation, r.input.ApiId ?? r.input.FunctionName])).toEqual([
        ['DeleteApi', ids['feature-x']],
        ['DeleteFunction', 'svc-feature-x'],
      ]);
      expect(aws.account.functions.has('svc-main')).toBe(true);
      expect(aws.account.functions.get('svc-main')?.aliases.get('live')?.FunctionVersion).toBe('1');
      expect(aws.account.httpApis.has(ids.main!)).toBe(true);
    },
    TIMEOUT,
  );

  test(
    'a protected stage is refused before any AWS call',
    async () => {
      aws.calls.clear();
      const refused = await run({ inputs: { command: 'undeploy', stage: 'main' } });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/^::error::.*"main".*protected-stages/m);
      expect(aws.calls.calls).toEqual([]);
      expect(aws.account.functions.has('svc-main')).toBe(true);
    },
    TIMEOUT,
  );
});
