/**
 * Credentials in the environment, AWS out of reach (a local port nothing
 * listens on, through the SDK's own AWS_ENDPOINT_URL): the bundled action and
 * the CLI bundle meet a genuine ECONNREFUSED and say that AWS could not be
 * reached, where, and why, never that credentials are missing, and never
 * print the keys.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_CLI, runAction } from '../support/run-action.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const dirs: string[] = [];
let endpoint: string;
let refused: string;

beforeAll(async () => {
  // Bound, then closed: connecting to it is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  endpoint = `http://127.0.0.1:${port}`;
  refused = `connect ECONNREFUSED 127.0.0.1:${port}`;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const awsEnv = () => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_EC2_METADATA_DISABLED: 'true',
});

function expectUnreachable(output: string): void {
  expect(output).toContain(
    `Could not reach AWS STS at ${endpoint} (${refused}) to check the credentials of the environment: ` +
      'AWS did not answer',
  );
  expect(output).not.toMatch(/Could not find AWS credentials|configure role-to-assume/);
  for (const secret of [KEY_ID, SECRET]) expect(output).not.toContain(secret);
}

describe('AWS out of reach, credentials in the environment', () => {
  test('node dist/index.js: the error says AWS STS could not be reached', async () => {
    const run = await runAction({
      // Undeploy signs in before anything else (a deploy packages first); a branch stage is not protected.
      inputs: { name: 'svc', command: 'undeploy', 'aws-region': 'eu-west-1' },
      ref: 'refs/heads/feature',
      env: awsEnv(),
    });
    dirs.push(run.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('No role-to-assume: using the AWS credentials of the environment');
    expect(run.stdout).toMatch(/^::error::Could not reach AWS STS at /m);
    expect(run.summary).toContain('**Where to look:** the network between the runner and AWS');
    expectUnreachable(run.stdout + run.stderr + run.summary);
  }, 120_000);

  test('node dist/cli/index.js setup --dry-run: the same, from a terminal', async () => {
    const home = mkdtempSync(join(tmpdir(), 'unreachable-home-'));
    dirs.push(home);
    const child = spawn(
      process.execPath,
      [
        DIST_CLI,
        'setup',
        '--name',
        'svc',
        '--repository',
        'octo/svc',
        '--aws-region',
        'eu-west-1',
        '--dry-run',
      ],
      {
        cwd: home,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
          // setup asks GitHub for the repository's ids: never the real one from a test.
          GITHUB_API_URL: 'http://127.0.0.1:9',
          ...awsEnv(),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(1);
    expectUnreachable(output);
  }, 120_000);
});
