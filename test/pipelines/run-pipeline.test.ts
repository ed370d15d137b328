import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { noEventContext } from '../support/github-context.js';

describe('runPipeline', () => {
  it('masks every environment value before anything runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const settings = readSettings(
      (name) =>
        ({
          name: 'shop',
          command: 'package',
          environment: 'DB_PASSWORD=Pg-Secret-771\nTOKEN=abcdef123456',
          'github-token': 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
        })[name as string],
      { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: workspace },
    );
    const ctx = noEventContext();
    const logger = new RecordingLogger();
    await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env: { RUNNER_TEMP: workspace },
      awsClients: createAwsClients,
    });
    expect(logger.secrets).toEqual(
      expect.arrayContaining(['Pg-Secret-771', 'abcdef123456', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a']),
    );
  });
});
