/**
 * A REST API with `api-key: true` answers {"message":"Forbidden"} to a request
 * without the key. The deploy's log says so where it gives the URL, with the
 * key's id and how its owner reads the value: a terminal user curling the URL
 * the CLI printed should not have to find the README section to learn why.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

const KEY_VALUE = 'fakeApiKeyValueNeverShown0123456789';
let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws({ apiKeyValue: () => KEY_VALUE });
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

describe('the URL of a stage that needs an API key', () => {
  it('is followed by a line saying the key is required, its id and how to read its value (never the value)', async () => {
    const { report, logger } = await deployApp(aws, dir, {
      inputs: { gateway: 'rest-api', 'api-key': 'true' },
    });
    expect(report.status).toBe('success');
    const keyId = [...aws.account.apiKeys.values()][0]!.id;
    const info = logger.text('info');
    const urlLine = info.split('\n').findIndex((line) => line.startsWith('URL: https://'));
    expect(info.split('\n')[urlLine + 1]).toBe(
      `API key required: send its value as the x-api-key header (key ${keyId}: ` +
        `aws apigateway get-api-key --api-key ${keyId} --include-value --query value --output text).`,
    );
    expect(logger.text()).not.toContain(KEY_VALUE);
  });

  it('a REST API without a key: the URL line alone', async () => {
    const { logger } = await deployApp(aws, dir, { inputs: { gateway: 'rest-api' } });
    expect(logger.text('info')).toMatch(/URL: https:\/\//);
    expect(logger.text()).not.toContain('API key required');
  });
});
