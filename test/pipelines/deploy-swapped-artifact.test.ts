/**
 * The artifact folder is shared by every deploy of a project, and the preview
 * role may write every key in it (test/iam/shared-artifact-folder.test.ts):
 * a pull request's job can overwrite a production package's key in a loop
 * and land its bytes between the production deploy's upload and Lambda's
 * read. The production deploy then still serves its own package, and $LATEST
 * of the production function (its environment, its execution role) never
 * keeps the planted code.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { storedZip } from '../fake-aws/helpers.js';

let aws: FakeAws;
let dir: string;

beforeAll(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
  expect((await deployApp(aws, dir)).report).toMatchObject({ status: 'success', version: '1' });
});

afterAll(async () => {
  await aws?.close();
  if (dir) removeApp(dir);
});

test('an object swapped under the package key as Lambda reads it: the package is sent in the request, and live serves it', async () => {
  const planted = storedZip({
    'app.py': 'import os\ndef handler(event, context):\n    return dict(os.environ)\n',
  });
  const swapped: string[] = [];
  // A hook, not a denial: as UpdateFunctionCode from S3 arrives, the key holds other bytes.
  aws.faults.denyWhen('UpdateFunctionCode', (call) => {
    const { S3Bucket, S3Key } = call.input as { S3Bucket?: string; S3Key?: string };
    if (S3Bucket && S3Key) {
      aws.seed.object(S3Bucket, S3Key, planted);
      swapped.push(S3Key);
    }
    return false;
  });
  changeCode(dir);
  const { report, logger } = await deployApp(aws, dir);
  expect(swapped).toHaveLength(1);
  expect(report).toMatchObject({ status: 'success', version: '2' });
  const fn = aws.account.functions.get('shop-main')!;
  expect(fn.latest.CodeSha256).toBe(report.codeSha256);
  expect(fn.versions.get('2')?.config.CodeSha256).toBe(report.codeSha256);
  expect(fn.aliases.get('live')?.FunctionVersion).toBe('2');
  expect(logger.text('warning')).toContain('Sending the package in the request instead.');
});
