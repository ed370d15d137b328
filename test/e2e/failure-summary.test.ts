/**
 * The job summary is written on EVERY failure of the bundled action, not only
 * from the smoke test on: an invalid input, missing credentials, a packaging
 * error. Each says what failed, quotes the error and says where to look.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runAction, type ActionRun } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'failure-ws-'));
  dirs.push(dir);
  cpSync(EXAMPLE, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function failing(
  inputs: Record<string, string>,
  ws: string,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const run = await runAction({ inputs, workspace: ws, env });
  dirs.push(run.dir);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^::error::/m);
  return run;
}

/** Nothing was packaged: no Package group in the log, no zip in RUNNER_TEMP. */
function expectNothingBuilt(run: ActionRun): void {
  expect(run.stdout).not.toContain('::group::Package');
  expect(existsSync(join(run.dir, 'lambda-deploy'))).toBe(false);
}

describe('node dist/index.js writes the job summary on every failure', () => {
  test('an invalid input: the inputs, the problem, the with: block', async () => {
    const run = await failing({ name: 'shop', memory: '64' }, workspace());
    expect(run.summary).toContain('### ❌ lambda-deploy failed');
    expect(run.summary).toContain('| **Failed at** | Reading the inputs |');
    expect(run.summary).toContain(
      'memory: "64" is not valid; expected a whole number from 128 to 10240 (MB).',
    );
    expect(run.summary).toContain("**Where to look:** the step's `with:` block");
    expect(run.summary).toContain('https://github.com/octo/svc/actions/runs/4242');
  }, 60_000);

  test('missing credentials: role-to-assume without an OIDC token (no id-token: write)', async () => {
    const run = await failing(
      { name: 'shop', 'role-to-assume': 'arn:aws:iam::123456789012:role/deploy', 'aws-region': 'eu-west-1' },
      workspace(),
      // Loopback only: nothing may go looking for credentials on the network.
      { AWS_EC2_METADATA_DISABLED: 'true' },
    );
    expect(run.summary).toContain('### ❌ `shop` deploy failed');
    expect(run.summary).toContain('| **Stage** | `main` |');
    expect(run.summary).toContain('id-token: write');
    expect(run.summary).toMatch(/\*\*Where to look:\*\* the step's sign-in/);
    expectNothingBuilt(run);
  }, 60_000);

  test('no region, and no credentials at all: said before anything is built', async () => {
    const noRegion = await failing({ name: 'shop' }, workspace(), {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
    expect(noRegion.stdout).toMatch(
      /^::error::aws-region: is not set and neither is AWS_REGION; expected a region like us-east-1\./m,
    );
    expect(noRegion.summary).toContain('`aws-region`');
    expectNothingBuilt(noRegion);

    const run = await runAction({
      inputs: { name: 'shop', 'aws-region': 'eu-west-1' },
      workspace: workspace(),
      // No key, no profile (an empty home), no instance metadata: the chain has nothing.
      env: { AWS_EC2_METADATA_DISABLED: 'true', HOME: mkdtempSync(join(tmpdir(), 'empty-home-')) },
    });
    dirs.push(run.dir, run.env.HOME as string);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^::error::No AWS credentials \(.*\)\. Expected role-to-assume/m);
    expect(run.summary).toContain('aws-actions/configure-aws-credentials');
    expectNothingBuilt(run);
  }, 60_000);

  test('a handler the code does not define: checked statically, before pip or any upload', async () => {
    const run = await failing(
      { name: 'shop', command: 'package', handler: 'app.main' },
      // requirements.txt is never installed: the check comes first.
      workspace({ 'requirements.txt': 'nosuchpackage-xyz==2.0\n' }),
    );
    expect(run.stdout).toMatch(
      /^::error::handler: "app\.main": app\.py defines no "main" \(it defines: handler\)\. Expected module\.function naming the function Lambda calls\./m,
    );
    expect(run.stdout).not.toContain('Installing requirements');
    expect(run.summary).toContain('**Where to look:** the `handler` or `app` input');
    expect(
      existsSync(join(run.dir, 'lambda-deploy')) ? readdirSync(join(run.dir, 'lambda-deploy')) : [],
    ).toEqual([]);
  }, 60_000);

  test('a packaging error: the requirement pip cannot install, in the group it failed in', async () => {
    const wheels = mkdtempSync(join(tmpdir(), 'no-wheels-'));
    dirs.push(wheels);
    mkdirSync(wheels, { recursive: true });
    const run = await failing(
      { name: 'shop', command: 'package', 'pip-args': `--no-index --find-links ${wheels}` },
      workspace({ 'requirements.txt': 'nosuchpackage-xyz==2.0\n' }),
    );
    expect(run.summary).toContain('### ❌ `shop` package failed');
    expect(run.summary).toMatch(/\| \*\*Failed at\*\* \| Package › Installing requirements/);
    expect(run.summary).toContain('nosuchpackage-xyz');
    expect(run.summary).toContain("**Where to look:** pip's output");
  }, 60_000);
});
