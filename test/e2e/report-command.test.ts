/**
 * The split the reusable workflow makes, through the bundled action as the runner starts it: a
 * deploy with no token and comment and deployment off (the job that runs the pull request's code)
 * hands its report output, secrets redacted, to command: report (a job that runs none of it),
 * which posts the comment; a forged report posts nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import {
  pullRequestOpened,
  runAction,
  type ActionRun,
  type RunActionOptions,
} from '../support/run-action.js';

const DB_PASSWORD = 'Pg-Secret-7731-horse';
const APP = `import os


def handler(event, context):
    print("connecting with", os.environ["DB_PASSWORD"])
    raise RuntimeError("login refused for password " + os.environ["DB_PASSWORD"])
`;

const PULL_REQUEST = pullRequestOpened(7);

let root: string;
let github: GitHubRecorder;
const runs: ActionRun[] = [];
async function run(options: RunActionOptions): Promise<ActionRun> {
  const done = await runAction({ ...PULL_REQUEST, ...options, env: { GITHUB_API_URL: github.url } });
  runs.push(done);
  return done;
}
const describeRun = (r: ActionRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'e2e-report-'));
  github = await startGitHubRecorder();
});
afterAll(async () => {
  await github.close();
  for (const dir of [root, ...runs.map((r) => r.dir)]) rmSync(dir, { recursive: true, force: true });
});

describe('a failing pull request deploy without a token, then command: report', () => {
  let deploy: ActionRun;
  beforeAll(async () => {
    const ws = join(root, 'ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'app.py'), APP);
    deploy = await run({
      inputs: {
        name: 'svc',
        command: 'deploy',
        target: 'local',
        handler: 'app.handler',
        environment: `DB_PASSWORD=${DB_PASSWORD}`,
        'smoke-timeout': '3',
        'github-token': '',
        comment: 'false',
        deployment: 'false',
      },
      workspace: ws,
      timeoutMs: 80_000,
    });
  }, 90_000);

  test('the deploy posts nothing and hands over its report: the failure and the logs, the secret redacted', () => {
    expect({ code: deploy.code, log: describeRun(deploy) }).toEqual({ code: 1, log: describeRun(deploy) });
    expect(github.requests).toEqual([]);
    const report = deploy.outputs.report ?? '';
    expect(JSON.parse(report)).toEqual(
      expect.objectContaining({
        kind: 'deploy',
        status: 'failure',
        project: 'svc',
        stage: 'pr-7',
        target: 'local',
      }),
    );
    expect(report).toContain('RuntimeError: login refused for password ***');
    expect(report).not.toContain(DB_PASSWORD);
  });

  test('command: report posts the comment the deploy would have, from that output alone', async () => {
    const report = await run({
      inputs: { name: 'svc', command: 'report', report: deploy.outputs.report ?? '' },
    });
    expect({ code: report.code, log: describeRun(report) }).toEqual({ code: 0, log: describeRun(report) });
    const comment = github.comments.find((c) => c.issue === 7)?.body ?? '';
    expect(comment).toContain('<!-- lambda-deploy:svc:pr-7 -->');
    expect(comment).toContain('deploy to `pr-7` failed');
    expect(comment).toContain('RuntimeError: login refused for password ***');
    expect(comment).not.toContain(DB_PASSWORD);
    // A local stage has no Deployment, as a deploy records none.
    expect(github.deployments).toEqual([]);
    expect(report.outputs.stage).toBe('pr-7');
    expect(report.summary).toContain('deploy to `pr-7` failed');
  }, 30_000);

  test('a forged report (a URL the deploy never makes) fails naming the input, and posts nothing', async () => {
    const before = github.requests.length;
    const forged = {
      ...JSON.parse(deploy.outputs.report ?? '{}'),
      target: 'aws',
      url: 'https://phish.example.com',
    };
    const report = await run({ inputs: { name: 'svc', command: 'report', report: JSON.stringify(forged) } });
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(
      '::error::report: url is "https://phish.example.com"; expected a URL the deploy makes',
    );
    expect(github.requests.length).toBe(before);
  }, 30_000);
});
