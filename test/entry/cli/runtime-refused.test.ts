/**
 * A runtime AWS Lambda no longer accepts stops `deploy` before any AWS call:
 * exit 2, naming the flag, the runtime, the date and the replacement.
 * `--target local` runs it with a warning only.
 */
import { afterAll, beforeEach, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { STSClient } from '@aws-sdk/client-sts';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import type { RuntimeSchedule } from '../../../src/settings/runtime-schedule.js';
import { testIo } from './io.js';

const clients = [
  mockClient(STSClient),
  mockClient(LambdaClient),
  mockClient(S3Client),
  mockClient(IAMClient),
];
const folder = mkdtempSync(join(tmpdir(), 'cli-runtime-refused-'));
writeFileSync(join(folder, 'app.py'), 'def handler(event, context):\n    return {"statusCode": 200}\n');
afterAll(() => rmSync(folder, { recursive: true, force: true }));
beforeEach(() => clients.forEach((c) => c.reset()));

const SCHEDULE: RuntimeSchedule = {
  'python3.9': {
    deprecated: '2025-12-15',
    createBlocked: '2026-06-01',
    updateBlocked: '2026-07-01',
    replacement: 'python3.13',
  },
};
const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  GITHUB_WORKSPACE: folder,
  LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
} as NodeJS.ProcessEnv;

test('deploy --runtime python3.9 after its update block date: exit 2 before any AWS call', async () => {
  const io = {
    ...testIo(env),
    runtimeClock: () => ({ now: new Date('2026-12-06T11:00:00Z'), schedule: SCHEDULE }),
  };
  const code = await main(
    ['deploy', '--name', 'svc', '--stage', 'dev', '--path', folder, '--runtime', 'python3.9'],
    io,
  );
  expect(code).toBe(2);
  expect(io.stderr()).toContain(
    '--runtime: AWS Lambda stopped accepting python3.9 on 2026-07-01 (no function can be created or updated with it); expected a supported runtime such as python3.13.',
  );
  for (const client of clients) expect(client.calls()).toHaveLength(0);
});
