/**
 * A slim package deployed to (fake) AWS by the bundled action as the runner
 * runs it: the archive lands under lambda-deploy-slim/ in the artifact bucket
 * (production's folder for main, the previews' for a pull request), the
 * function's handler is the loader, its variables name the archive and the
 * account that must own the bucket, its ephemeral storage is set from the
 * tree; a redeploy uploads nothing and changes nothing; `slim: false` later
 * puts the requirements back in the zip, drops the variables and the storage.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { buildWheel } from '../support/vendor-wheels.js';

const BUCKET = 'lambda-deploy-123456789012-us-east-1';
let aws: FakeAws;
let smoke: SmokeTarget;
let root: string;
let ws: string;
const runs: ActionRun[] = [];

beforeAll(async () => {
  smoke = await startSmokeTarget();
  aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
  aws.seed.setup('svc');
  root = mkdtempSync(join(tmpdir(), 'aws-slim-'));
  buildWheel(join(root, 'wheels'), {
    name: 'tinydep',
    version: '1.0.0',
    files: { 'tinydep/__init__.py': 'VALUE = 1\n' },
  });
  ws = join(root, 'ws');
  mkdirSync(ws);
  writeFileSync(
    join(ws, 'app.py'),
    'import tinydep\n\ndef handler(event, context):\n    return {"statusCode": 200, "body": "ok"}\n',
  );
  writeFileSync(join(ws, 'requirements.txt'), 'tinydep==1.0.0\n');
});
afterAll(async () => {
  await Promise.all([aws?.close(), smoke?.close()]);
  for (const dir of [root, ...runs.map((r) => r.dir)]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function deploy(
  inputs: Record<string, string> = {},
  event?: { name: string; payload: Record<string, unknown>; ref: string },
) {
  const run = await runAction({
    inputs: {
      name: 'svc',
      slim: 'true',
      'pip-args': `--no-index --find-links ${join(root, 'wheels')}`,
      'smoke-timeout': '3',
      ...inputs,
    },
    workspace: ws,
    env: { ...aws.env(), ...aws.staticCredentialsEnv() },
    ...(event ? { eventName: event.name, payload: event.payload, ref: event.ref } : {}),
    timeoutMs: 120_000,
  });
  runs.push(run);
  if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.stderr}\n${run.summary}`);
  return run;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const calls = (operation: string) => aws.calls.of({ operation });

describe('slim: true to AWS', () => {
  test('push to main: the archive in production’s folder, the loader as handler, variables and storage set', async () => {
    const run = await deploy();
    const archivePath = readdirSync(join(run.dir, 'lambda-deploy'))
      .filter((f) => f.endsWith('.tar.gz'))
      .map((f) => join(run.dir, 'lambda-deploy', f))[0]!;
    const archive = readFileSync(archivePath);
    const key = `lambda-deploy-slim/svc/production/${sha256(archive)}.tar.gz`;
    expect(aws.object(BUCKET, key)).toEqual(archive);
    const onArchive = aws.calls.calls.filter((c) => c.service === 's3' && c.input.Key === key);
    expect(onArchive.map((c) => c.operation)).toEqual(expect.arrayContaining(['PutObject']));
    for (const c of onArchive) expect(c.input.ExpectedBucketOwner).toBe('123456789012');

    const fn = aws.account.functions.get('svc-main')!;
    expect(fn.latest.Handler).toBe('_lambda_deploy_slim.handler');
    expect(fn.latest.EphemeralStorage).toEqual({ Size: 640 });
    expect(fn.latest.Environment?.Variables).toEqual({
      LAMBDA_DEPLOY_SLIM_BUCKET: BUCKET,
      LAMBDA_DEPLOY_SLIM_KEY: key,
      LAMBDA_DEPLOY_SLIM_OWNER: '123456789012',
    });
    // The zip has no requirements in it.
    expect(Number(run.outputs['unpacked-bytes'])).toBeLessThan(60_000);
    expect(run.summary).toContain(`s3://${BUCKET}/${key}`);
    expect(run.summary).toMatch(/\*\*Cold start\*\* \| unpack measured in this build: /);
  }, 150_000);

  test('a redeploy uploads nothing and changes nothing', async () => {
    aws.calls.clear();
    const run = await deploy();
    expect(run.outputs.changed).toBe('false');
    expect(calls('PutObject').concat(calls('CreateMultipartUpload'))).toEqual([]);
    expect(calls('UpdateFunctionConfiguration')).toEqual([]);
  }, 150_000);

  test('a pull request: the previews’ folder', async () => {
    const run = await deploy(
      {},
      {
        name: 'pull_request',
        payload: {
          action: 'opened',
          number: 7,
          pull_request: {
            number: 7,
            head: { ref: 'feature', sha: 'a'.repeat(40), repo: { full_name: 'octo/svc' } },
            base: { ref: 'main', repo: { full_name: 'octo/svc' } },
          },
        },
        ref: 'refs/pull/7/merge',
      },
    );
    const key = aws.account.functions.get('svc-pr-7')!.latest.Environment!.Variables.LAMBDA_DEPLOY_SLIM_KEY!;
    expect(key).toMatch(/^lambda-deploy-slim\/svc\/preview\/[0-9a-f]{64}\.tar\.gz$/);
    expect(aws.object(BUCKET, key)).toBeDefined();
    expect(run.summary).toContain(key);
  }, 150_000);

  test('slim: false puts the requirements back in the zip, drops the variables and the storage', async () => {
    await deploy({ slim: 'false' });
    const fn = aws.account.functions.get('svc-main')!;
    expect(fn.latest.Handler).toBe('app.handler');
    expect(fn.latest.Environment).toBeUndefined();
    expect(fn.latest.EphemeralStorage).toEqual({ Size: 512 });
  }, 150_000);

  test('the owner’s own /tmp outlives slim: kept while slim needs less, given back when slim is off', async () => {
    // Set in the console before slim, as the owner's code needs it.
    const fn = aws.account.functions.get('svc-main')!;
    fn.latest.EphemeralStorage = { Size: 4096 };
    await deploy();
    expect(fn.latest.Handler).toBe('_lambda_deploy_slim.handler');
    expect(fn.latest.EphemeralStorage).toEqual({ Size: 4096 });
    // Raised again in the console while slim is on: still theirs.
    fn.latest.EphemeralStorage = { Size: 6144 };
    await deploy();
    expect(fn.latest.EphemeralStorage).toEqual({ Size: 6144 });
    await deploy({ slim: 'false' });
    expect(fn.latest.Handler).toBe('app.handler');
    expect(fn.latest.EphemeralStorage).toEqual({ Size: 6144 });
  }, 150_000);
});
