/**
 * A malformed LAMBDA_DEPLOY_WAIT_SCALE in a terminal's environment is refused input, as a
 * wrong flag is: exit 2 before any AWS call, naming the variable, its value and the form expected.
 */
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { cliTestEnv, testIo } from './io.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../../examples/handler');
const sts = mockClient(STSClient);
const lambda = mockClient(LambdaClient);
const root = mkdtempSync(join(tmpdir(), 'cli-wait-scale-'));
const app = join(root, 'app');
cpSync(EXAMPLE, app, { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  sts.reset();
  lambda.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
});

async function deploy(...extra: string[]) {
  const io = testIo({ ...cliTestEnv(), GITHUB_WORKSPACE: root, LAMBDA_DEPLOY_WAIT_SCALE: 'fast' });
  const argv = ['deploy', '--name', 'shop', '--stage', 'dev', '--path', 'app', ...extra];
  return { code: await main(argv, io), stdout: io.stdout(), stderr: io.stderr() };
}

test('deploy: exit 2 (refused input) before any AWS call, the variable, its value and the form expected said once', async () => {
  const { code, stdout, stderr } = await deploy();
  expect(code).toBe(2);
  expect(stdout).toBe('');
  const said = 'LAMBDA_DEPLOY_WAIT_SCALE is "fast"; expected a';
  expect(stderr).toContain(`error: ${said}`);
  expect(stderr.split(said)).toHaveLength(2);
  expect(sts.calls()).toHaveLength(0);
  expect(lambda.calls()).toHaveLength(0);
});

test('deploy --json: the same exit 2, the error in the one object', async () => {
  const { code, stdout } = await deploy('--json');
  expect(code).toBe(2);
  expect(JSON.parse(stdout).error).toMatch(/^LAMBDA_DEPLOY_WAIT_SCALE is "fast"; expected a/);
});
