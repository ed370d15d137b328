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
    const report = await run({
      inputs: { name: 'svc', command: 'report', 'aws-region': 'us-east-1', report: JSON.stringify(forged) },
    });
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(
      '::error::report: url is "https://phish.example.com"; expected a URL the deploy makes in this run\'s region us-east-1 (aws-region): https://{id}.execute-api.us-east-1.amazonaws.com (REST API: /pr-7 after it), https://{id}.lambda-url.us-east-1.on.aws, or empty.',
    );
    expect(github.requests.length).toBe(before);
  }, 30_000);

  test("an API of another region than the report step's aws-region is refused, and nothing is posted", async () => {
    const before = github.requests.length;
    const url = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
    const forged = { ...JSON.parse(deploy.outputs.report ?? '{}'), target: 'aws', url };
    const report = await run({
      inputs: { name: 'svc', command: 'report', 'aws-region': 'us-east-1', report: JSON.stringify(forged) },
    });
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(
      `::error::report: url is "${url}"; expected a URL the deploy makes in this run's region us-east-1`,
    );
    expect(github.requests.length).toBe(before);
  }, 30_000);
});

/**
 * GitHub drops a job output holding a value masked in its job ("Skip output 'report' since it may
 * contain secret"): the report job gets report '', and still the url output and the job's result.
 */
describe("command: report when GitHub dropped the deploy's report output", () => {
  const URL = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
  const dropped = (extra: Record<string, string>) =>
    run({ inputs: { name: 'svc', command: 'report', 'aws-region': 'us-east-1', report: '', ...extra } });

  test("report-result and report-url: a short comment that links the run's log, and the Deployment's status", async () => {
    const before = github.requests.length;
    const report = await dropped({ 'report-url': URL, 'report-result': 'failure' });
    expect({ code: report.code, log: describeRun(report) }).toEqual({ code: 0, log: describeRun(report) });
    const requests = github.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    const comment = github.comments.find((c) => c.issue === 7)?.body ?? '';
    expect(comment).toContain('<!-- lambda-deploy:svc:pr-7 -->');
    expect(comment).toContain('### ❌ `svc` deploy to `pr-7`: its job failed');
    expect(comment).toContain(`**URL:** [${URL}](${URL})`);
    expect(comment).toContain("[the run's log](https://github.com/octo/svc/actions/runs/4242)");
    const deployment = github.deployments.at(-1);
    expect(deployment && github.statusesOf(deployment.id).map((s) => [s.state, s.environmentUrl])).toEqual([
      ['in_progress', ''],
      ['failure', URL],
    ]);
    expect(report.outputs).toEqual(expect.objectContaining({ stage: 'pr-7', url: URL }));
    expect(report.summary).toContain('its job failed');
  }, 30_000);

  test('a report-url the deploy never makes fails naming the input, and posts nothing', async () => {
    const before = github.requests.length;
    const report = await dropped({ 'report-url': 'https://phish.example.com', 'report-result': 'success' });
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(
      '::error::report-url: "https://phish.example.com" is not valid; expected a URL the deploy makes in this run\'s region us-east-1',
    );
    expect(github.requests.length).toBe(before);
  }, 30_000);

  test('without report-result an empty report still fails, saying what to pass', async () => {
    const before = github.requests.length;
    const report = await dropped({ 'report-url': URL });
    expect(report.code).toBe(1);
    expect(report.stdout).toContain(
      "::error::report: is empty; expected the JSON of the deploy step's report output",
    );
    expect(report.stdout).toContain('pass report-result, and report-url');
    expect(github.requests.length).toBe(before);
  }, 30_000);

  test('an aws-region with surrounding spaces is the region; one in capitals fails naming the input, and posts nothing', async () => {
    const spaced = await dropped({
      'aws-region': ' us-east-1 ',
      'report-url': URL,
      'report-result': 'success',
    });
    expect({ code: spaced.code, log: describeRun(spaced) }).toEqual({ code: 0, log: describeRun(spaced) });
    const before = github.requests.length;
    const capitals = await dropped({
      'aws-region': 'US-EAST-1',
      'report-url': URL,
      'report-result': 'success',
    });
    expect(capitals.code).toBe(1);
    expect(capitals.stdout).toContain(
      'aws-region: "US-EAST-1" is not valid; expected a region like us-east-1.',
    );
    expect(github.requests.length).toBe(before);
  }, 30_000);
});
