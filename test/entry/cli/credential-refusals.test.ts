/**
 * The CLI from a terminal (the bundle built from the current sources, as npm installs it) against
 * the fake AWS with the four first-hour mistakes: a region the endpoint does
 * not serve, a wrong secret, an unknown key id, an expired session. Each of
 * `deploy`, `status` and `logs` says what is wrong and what to do, exits 1
 * (an AWS error, README), creates nothing, and prints no secret and no whole key id.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GITHUB_OIDC_HOST, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { DIST_CLI } from '../../support/run-action.js';

const REPO = resolve(new URL('.', import.meta.url).pathname, '../../..');
const dirs: string[] = [];
let aws: FakeAws;
let app: string;
let expired: Record<string, string>;

beforeAll(async () => {
  aws = await startFakeAws();
  aws.seed.githubDeployRole('dev', ['repo:*']);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = {
    iss: `https://${GITHUB_OIDC_HOST}`,
    aud: 'sts.amazonaws.com',
    sub: 'repo:octo/shop:ref:refs/heads/main',
    exp: Math.floor(aws.clock.now() / 1000) + 600,
  };
  const sts = new STSClient({
    region: aws.region,
    endpoint: aws.url,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  const issued = (
    await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::${aws.accountId}:role/dev`,
        RoleSessionName: 'dev',
        WebIdentityToken: [b64({ alg: 'RS256' }), b64(claims), 'signature'].join('.'),
        DurationSeconds: 900,
      }),
    )
  ).Credentials!;
  // An hour later, on the account's clock: the 15-minute session is over.
  aws.clock.advance(3_600_000);
  expired = {
    AWS_ACCESS_KEY_ID: issued.AccessKeyId!,
    AWS_SECRET_ACCESS_KEY: issued.SecretAccessKey!,
    AWS_SESSION_TOKEN: issued.SessionToken!,
  };
  app = mkdtempSync(join(tmpdir(), 'refused-app-'));
  dirs.push(app);
  cpSync(join(REPO, 'examples/handler'), app, { recursive: true });
  aws.calls.clear();
});
afterAll(async () => {
  await aws?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const home = mkdtempSync(join(tmpdir(), 'refused-home-'));
  dirs.push(home);
  return new Promise((done) => {
    // The bundle, not the sources through tsx: the same code, without compiling every source file per run.
    const child = spawn(process.execPath, [DIST_CLI, ...args], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        NODE_NO_WARNINGS: '1',
        LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
        ...aws.env(),
        ...aws.staticCredentialsEnv(),
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => done({ code, output }));
  });
}

const COMMANDS = [
  ['deploy', '--name', 'shop', '--stage', 'demo', '--smoke-test', 'false'],
  ['status', '--name', 'shop'],
  ['logs', '--name', 'shop', '--stage', 'demo'],
];

describe('refused credentials, from a terminal', () => {
  test.each<[string, () => Record<string, string>, RegExp]>([
    [
      'AWS_REGION eu-west-1, an endpoint in us-east-1',
      () => ({ AWS_REGION: 'eu-west-1' }),
      /^error: AWS refused the region: the requests were signed for eu-west-1 \(--aws-region or AWS_REGION\), and the endpoint at http:\/\/127\.0\.0\.1:\d+ does not serve eu-west-1\. Set --aws-region or AWS_REGION to that endpoint's region, or unset AWS_ENDPOINT_URL/m,
    ],
    [
      'a wrong secret access key',
      () => ({ AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }),
      /^error: AWS refused the credentials: the secret access key is not the one of access key id AKIA… \(a long-term key\), so the request's signature does not match\. Check the secret that goes with that key id \(AWS_SECRET_ACCESS_KEY/m,
    ],
    [
      'an access key id the account does not know',
      () => ({ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' }),
      /^error: AWS refused the credentials: access key id AKIA… \(a long-term key\) is not known in this account's partition .*Check AWS_ACCESS_KEY_ID or the profile \(AWS_PROFILE\)/m,
    ],
    [
      'an expired session token',
      () => expired,
      /^error: AWS refused the credentials: the session token of access key id ASIA… \(a temporary key\) has expired\. Get new temporary credentials/m,
    ],
  ])(
    '%s: deploy, status and logs say so, exit 1, create nothing',
    async (_, env, message) => {
      const runs = await Promise.all(COMMANDS.map((args) => cli(args, env())));
      const shown = aws.staticCredentials;
      for (const [i, run] of runs.entries()) {
        const details = `${COMMANDS[i]![0]}: exit ${run.code}\n${run.output}`;
        expect({ code: run.code, details }).toEqual({ code: 1, details: expect.stringMatching(message) });
        for (const secret of [...Object.values(env()), shown.accessKeyId, shown.secretAccessKey].filter(
          (v) => v.length > 12,
        ))
          expect(run.output).not.toContain(secret);
      }
      expect(aws.calls.writes()).toEqual([]);
    },
    120_000,
  );
});
