/**
 * A terminal on git branch master, no --stage: deploy would reach the
 * protected production stage from a laptop. It stops before any AWS call,
 * saying why and how to do it on purpose; undeploy refuses that stage too.
 */
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { testIo } from './io.js';

const sts = mockClient(STSClient);
const lambda = mockClient(LambdaClient);
const home = process.cwd();
const checkout = mkdtempSync(join(tmpdir(), 'cli-protected-'));
execFileSync('git', ['init', '-q', '-b', 'master', checkout]);
writeFileSync(join(checkout, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
afterAll(() => {
  process.chdir(home);
  rmSync(checkout, { recursive: true, force: true });
});
beforeEach(() => {
  sts.reset();
  lambda.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
});

const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  GITHUB_WORKSPACE: checkout,
  LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
} as NodeJS.ProcessEnv;

async function inCheckout(...argv: string[]) {
  const io = testIo(env);
  process.chdir(checkout);
  try {
    return { code: await main(argv, io), stderr: io.stderr(), stdout: io.stdout() };
  } finally {
    process.chdir(home);
  }
}

test('deploy on branch master without --stage: exit 2 before any AWS call, naming the stage, what protects it and --stage master', async () => {
  const { code, stderr, stdout } = await inCheckout('deploy', '--name', 'nodefn');
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toContain(
    'error: Stage master (from the current git branch) is a protected stage (--protected-stages not given, so its default: main, master, prod, production)',
  );
  expect(stderr).toContain('To deploy it on purpose, name it: --stage master');
  expect(stderr).not.toMatch(/Build|Sign/);
  expect(sts.calls()).toHaveLength(0);
  expect(lambda.calls()).toHaveLength(0);
});

test('undeploy on branch master refuses the same stage, also before any AWS call, with exit 2 (refused input)', async () => {
  const { code, stderr } = await inCheckout('undeploy', '--name', 'nodefn');
  expect(code).toBe(2);
  expect(stderr).toMatch(/Stage "master" is a protected stage/);
  expect(sts.calls()).toHaveLength(0);
});

test('undeploy --stage prod: refused with exit 2, the message once, how to do it on purpose, and the same in --json', async () => {
  const { code, stderr, stdout } = await inCheckout('undeploy', '--name', 'nodefn', '--stage', 'prod');
  expect(code).toBe(2);
  expect(stderr.match(/Stage "prod" is a protected stage/g)).toHaveLength(1);
  expect(stderr).toContain('undeploy never removes it');
  expect(stdout).toBe('');
  expect(sts.calls()).toHaveLength(0);
  expect(lambda.calls()).toHaveLength(0);
  const json = await inCheckout('undeploy', '--name', 'nodefn', '--stage', 'prod', '--json');
  expect(json.code).toBe(2);
  expect(JSON.parse(json.stdout).error).toMatch(/Stage "prod" is a protected stage/);
});
