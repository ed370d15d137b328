import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPrivateRepository } from '../../src/model/github-context.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { secretValues } from '../../src/settings/secret-values.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';

const base = { name: 'shop', awsRegion: 'eu-west-1', githubToken: '', pipArgs: [] as string[] };

describe('secretValues', () => {
  it('is every environment value, the token and a pip index password', () => {
    const values = secretValues({
      ...base,
      environment: { DB_PASSWORD: 'Pg-Secret-771', API_URL: 'https://api.example.com' },
      githubToken: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
      pipArgs: ['--index-url', 'https://ci:p%40ss-word9@pypi.example.com/simple'],
    });
    expect(values.sort()).toEqual(
      [
        'Pg-Secret-771',
        'https://api.example.com',
        'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
        'p%40ss-word9',
        'p@ss-word9',
      ].sort(),
    );
  });

  it('leaves out values too short to mask and the names every URL shows anyway', () => {
    const values = secretValues(
      {
        ...base,
        environment: {
          DEBUG: '1',
          LEVEL: 'info',
          APP: 'shop',
          STAGE: 'pr-12',
          REGION: 'eu-west-1',
          K: 'Pg-Secret-771',
        },
      },
      { stage: 'pr-12', functionName: 'shop-pr-12' },
    );
    expect(values).toEqual(['Pg-Secret-771']);
  });
});

describe('isPrivateRepository', () => {
  it.each([
    [{ repository: { private: true } }, true],
    [{ repository: { private: true, visibility: 'internal' } }, true],
    [{ repository: { private: false, visibility: 'public' } }, false],
    // Unknown counts as public: the safe side for what a comment shows.
    [{}, false],
  ])('%j -> %s', (payload, expected) => {
    expect(isPrivateRepository({ payload })).toBe(expected);
  });
});

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
    const ctx = {
      eventName: '',
      payload: {},
      ref: '',
      sha: '',
      repository: '',
      serverUrl: '',
      apiUrl: '',
      runId: '',
      runAttempt: '1',
      runUrl: '',
    };
    const logger = new RecordingLogger();
    await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env: { RUNNER_TEMP: workspace },
    });
    expect(logger.secrets).toEqual(
      expect.arrayContaining(['Pg-Secret-771', 'abcdef123456', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a']),
    );
  });
});
