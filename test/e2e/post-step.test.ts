/**
 * The action's post step, as the runner runs it: after a main step that was
 * cancelled mid-deploy (killed, as a cancelled job's step is), the GitHub
 * Deployment it started ends in `error` instead of showing "in progress" for
 * good; after a deploy that finished, the post step asks GitHub nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { runAction, runActionPost } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const RUN_URL = 'https://github.com/octo/svc/actions/runs/4242';

let aws: FakeAws;
let smoke: SmokeTarget;
let github: GitHubRecorder;

beforeAll(async () => {
  [smoke, github] = await Promise.all([startSmokeTarget(), startGitHubRecorder()]);
  aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
  aws.seed.setup('svc'); // lambda-deploy setup ran: the boundary and the execution roles are there
});
afterAll(async () => {
  await Promise.all([aws?.close(), smoke?.close(), github?.close()]);
});

function deploy(cancel?: Promise<unknown>) {
  const ws = mkdtempSync(join(tmpdir(), 'post-step-ws-'));
  cpSync(EXAMPLE, ws, { recursive: true });
  return runAction({
    inputs: { name: 'svc', 'github-token': 'ghs_fakeToken123456' },
    workspace: ws,
    env: { ...aws.env(), ...aws.staticCredentialsEnv(), GITHUB_API_URL: github.url },
    timeoutMs: 120_000,
    ...(cancel ? { cancel } : {}),
  });
}

/**
 * Settles once GitHub has been told the deploy is in progress, or once `run` is over: a deploy
 * that ends first (a failure) must not leave this poll running, which would keep the jest
 * worker alive after the suite ("A worker process has failed to exit gracefully").
 */
async function inProgress(run: { over: boolean }): Promise<void> {
  while (!run.over && !github.statuses.some((s) => s.state === 'in_progress'))
    await new Promise((r) => setTimeout(r, 10));
}

describe('the post step', () => {
  test('a deploy cancelled while in progress: its Deployment ends in error, with the run as its log', async () => {
    const run = { over: false };
    const main = await deploy(inProgress(run)).finally(() => (run.over = true));
    expect(main.code).toBe(-1); // killed
    const [deployment] = github.deployments;
    expect(deployment).toBeDefined();
    expect(main.state).toEqual({ isPost: 'true', deploymentId: String(deployment!.id) });
    expect(github.statusesOf(deployment!.id).map((s) => s.state)).toEqual(['in_progress']);

    const post = await runActionPost(main);
    expect(post.code).toBe(0);
    const statuses = github.statusesOf(deployment!.id);
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'error']);
    expect(statuses[1]).toMatchObject({
      logUrl: RUN_URL,
      description:
        'The deploy stopped before it finished (job cancelled or runner lost): the stage serves this version or the one before.',
    });
  }, 150_000);

  test('a deploy that finished: nothing left for the post step, which asks GitHub nothing', async () => {
    const main = await deploy();
    if (main.code !== 0) throw new Error(`exit ${main.code}\n${main.stdout}\n${main.stderr}`);
    expect(main.state).toEqual({ isPost: 'true', deploymentId: '' });
    const asked = github.requests.length;
    const post = await runActionPost(main);
    expect(post.code).toBe(0);
    expect(github.requests.length).toBe(asked);
    expect(`${post.stdout}${post.stderr}`).not.toMatch(/warning|error/i);
  }, 150_000);
});
