/**
 * `invoke-mode: response-stream` through the whole AWS deploy: the setting
 * reaches the front door, which makes the function URL stream; back to
 * buffered on the next deploy.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
  writeFileSync(
    join(dir, 'app', 'index.mjs'),
    'export const handler = awslambda.streamifyResponse(async (event, stream) => { stream.end("ok"); });\n',
  );
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const deploy = (invokeMode: string) =>
  deployApp(aws, dir, {
    inputs: {
      gateway: 'function-url',
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      'invoke-mode': invokeMode,
    },
  });
const url = () => aws.account.functions.get('shop-main')!.urls.get('live')!;

describe('invoke-mode through the deploy', () => {
  it('response-stream makes the URL stream; buffered switches it back', async () => {
    expect((await deploy('response-stream')).report.status).toBe('success');
    expect(url().InvokeMode).toBe('RESPONSE_STREAM');

    expect((await deploy('buffered')).report.status).toBe('success');
    expect(url().InvokeMode).toBe('BUFFERED');
  });
});
