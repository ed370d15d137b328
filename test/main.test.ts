import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeCore, type FakeCore } from './fixtures/core.js';
import { RUNNER_TOKEN, runnerInputs } from './support/action-yml.js';

// main.ts is the one place that calls setFailed: it must turn every problem into one.
describe('run()', () => {
  let core: FakeCore;
  const env = { ...process.env };

  beforeEach(() => {
    jest.resetModules();
    const workspace = mkdtempSync(join(tmpdir(), 'main-'));
    writeFileSync(
      join(workspace, 'app.py'),
      'def handler(event, context):\n    return {"statusCode": 200}\n',
    );
    Object.assign(process.env, {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: '',
      GITHUB_STEP_SUMMARY: join(workspace, 'summary'),
    });
  });

  afterEach(() => {
    process.env = { ...env };
  });

  async function runWith(inputs: Record<string, string>, state: Record<string, string> = {}): Promise<void> {
    // Every input, at its action.yml default unless given: what the runner passes.
    jest.resetModules(); // a fresh main.js, bound to this fake
    core = fakeCore(runnerInputs(inputs), state);
    jest.unstable_mockModule('@actions/core', () => core.module);
    const { run } = await import('../src/main.js');
    await run();
  }

  test('the main step marks its post step; the post step never fails the job, and says why a Deployment stays in progress', async () => {
    await runWith({ name: 'svc', command: 'package' });
    expect(core.state).toMatchObject({ isPost: 'true' });
    // The post step of a cancelled deploy, GitHub refusing the status: a warning, no failure, nothing run.
    const github = createServer((_req, res) =>
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'Resource not accessible by integration' })),
    );
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    process.env.GITHUB_API_URL = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
    process.env.GITHUB_REPOSITORY = 'octo/svc';
    await runWith({ name: 'svc' }, { isPost: 'true', deploymentId: '7' }).finally(
      () => new Promise((resolve) => github.close(resolve)),
    );
    expect(core.failed).toEqual([]);
    expect(core.summaries).toEqual([]);
    expect(core.logs.join('\n')).toMatch(
      /^warning: GitHub Deployment 7 was left in progress by a deploy that did not finish, and could not be ended: /m,
    );
    // Nothing left to end: silent.
    await runWith({ name: 'svc' }, { isPost: 'true', deploymentId: '' });
    expect({ failed: core.failed, logs: core.logs }).toEqual({ failed: [], logs: [] });
  });

  test('a protected stage input on a branch that is not a production branch fails the step before anything signs in', async () => {
    process.env.GITHUB_REF = 'refs/heads/feature/x';
    // An unreachable STS: a run that got as far as signing in would fail there, not here.
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    await runWith({
      name: 'svc',
      stage: 'prod',
      'aws-region': 'eu-west-1',
      'role-to-assume': 'arn:aws:iam::123456789012:role/x',
    });
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toContain(
      'stage: "prod" is a protected stage (listed in protected-stages: not set in the workflow, so its default: main, master, prod, production), and this run is on branch feature/x, which is not a production branch (main, master)',
    );
    expect(core.summaries[0]).toContain('| **Failed at** | Choosing the command from the event |');
    expect(core.outputs).toEqual({});
  });

  test('bad inputs fail the step with every problem, before anything runs', async () => {
    await runWith({ name: 'svc', memory: '64', runtime: 'ruby3.3' });
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toMatch(/2 invalid inputs/);
    expect(core.failed[0]).toMatch(/runtime: "ruby3.3"/);
    expect(core.failed[0]).toMatch(/memory: "64"/);
    expect(core.outputs).toEqual({});
    // The job summary says so too: what failed, the error, where to look.
    expect(core.summaries).toHaveLength(1);
    expect(core.summaries[0]).toContain('| **Failed at** | Reading the inputs |');
    expect(core.summaries[0]).toContain('memory: "64" is not valid');
    expect(core.summaries[0]).toContain("**Where to look:** the step's `with:` block");
  });

  test('command package sets the outputs and the summary, and does not fail', async () => {
    await runWith({ name: 'svc', command: 'package', 'github-token': 'ghs_secret' });
    expect(core.failed).toEqual([]);
    expect(core.outputs).toMatchObject({ stage: 'main', 'package-bytes': expect.stringMatching(/^\d+$/) });
    expect(core.outputs['code-sha256']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(core.summaries.join('')).toMatch(/svc package/);
    expect(core.secrets).toContain('ghs_secret');
  });

  test('an event auto does not know is a clear failure naming the command input', async () => {
    process.env.GITHUB_EVENT_NAME = 'release';
    await runWith({ name: 'svc' });
    expect(core.failed[0]).toMatch(/command: "auto" does not know what to do on the "release" event/);
    expect(core.summaries[0]).toContain('### ❌ `svc` run failed');
    expect(core.summaries[0]).toContain('| **Failed at** | Choosing the command from the event |');
    expect(core.summaries[0]).toContain('`on:` events');
  });

  test('a packaging failure names the step it failed in, and the token never shows in the summary', async () => {
    process.env.GITHUB_SERVER_URL = 'https://github.com';
    process.env.GITHUB_REPOSITORY = 'octo/svc';
    process.env.GITHUB_RUN_ID = '77';
    // include matches nothing: the package step fails.
    await runWith({ name: 'svc', command: 'package', include: 'nothing-here/**' });
    expect(core.failed[0]).toMatch(/^path: no files to package/);
    const summary = core.summaries.join('');
    expect(summary).toContain('### ❌ `svc` package failed');
    expect(summary).toContain('| **Failed at** | Package |');
    expect(summary).toContain('log group Package');
    expect(summary).toContain('https://github.com/octo/svc/actions/runs/77');
    expect(core.secrets).toContain(RUNNER_TOKEN);
    expect(summary).not.toContain(RUNNER_TOKEN);
  });
});

// The CLI refuses a protected stage that came from the branch name alone; a push to main in CI is how production is deployed.
describe('run() on a push to main', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  test('deploys the protected stage main: no refusal, it goes on to sign in', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'main-push-'));
    writeFileSync(
      join(workspace, 'app.py'),
      'def handler(event, context):\n    return {"statusCode": 200}\n',
    );
    Object.assign(process.env, {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: '',
      GITHUB_STEP_SUMMARY: join(workspace, 'summary'),
    });
    // No OIDC token on this runner: the deploy fails at signing in, past any protected-stage check.
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    jest.resetModules();
    const core = fakeCore(
      runnerInputs({
        name: 'svc',
        'aws-region': 'eu-west-1',
        'role-to-assume': 'arn:aws:iam::123456789012:role/deploy',
      }),
    );
    jest.unstable_mockModule('@actions/core', () => core.module);
    const { run } = await import('../src/main.js');
    await run();
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).not.toMatch(/protected/);
    expect(core.failed[0]).toMatch(/^No OIDC token for role-to-assume/);
    expect(core.summaries.join('')).toContain('| **Stage** | `main` |');
    expect(core.summaries.join('')).toContain('| **Command** | deploy |');
  });
});
