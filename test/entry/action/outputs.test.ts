import { describe, expect, test } from '@jest/globals';
import { outputsFor } from '../../../src/entry/action/outputs.js';
import type { DeployOutcome } from '../../../src/model/outcome.js';

const outcome: DeployOutcome = {
  status: 'success',
  project: 'svc',
  stage: 'pr-3',
  functionName: 'svc-pr-3',
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:svc-pr-3',
  version: '4',
  previousVersion: '3',
  url: 'https://abc.execute-api.us-east-1.amazonaws.com/pr-3',
  apiId: 'abc',
  apiKeyId: 'k1',
  codeSha256: 'c2hh',
  packageBytes: 10,
  unpackedBytes: 20,
  packagePath: '/tmp/x.zip',
  changed: true,
  rolledBack: false,
  smoke: { status: 'passed', target: 'u', attempts: 1, detail: '', durationMs: 1 },
  sha: 'abc',
  durationMs: 5,
  target: 'aws',
};

describe('outputsFor', () => {
  test('a deploy sets every output of the contract', () => {
    expect(outputsFor({ kind: 'deploy', outcome })).toEqual({
      url: outcome.url,
      stage: 'pr-3',
      'function-name': 'svc-pr-3',
      'function-arn': outcome.functionArn,
      version: '4',
      'code-sha256': 'c2hh',
      'package-bytes': '10',
      'unpacked-bytes': '20',
      'package-path': '/tmp/x.zip',
      changed: 'true',
      'rolled-back': 'false',
      'api-id': 'abc',
      'api-key-id': 'k1',
    });
  });

  test('gateway none leaves api-id and api-key-id unset', () => {
    const out = outputsFor({
      kind: 'deploy',
      outcome: { ...outcome, apiId: undefined, apiKeyId: undefined, url: '' },
    });
    expect(out).not.toHaveProperty('api-id');
    expect(out).not.toHaveProperty('api-key-id');
    expect(out.url).toBe('');
  });

  test('package, undeploy, prune and skip', () => {
    const pkg = {
      zipPath: '/t/p.zip',
      codeSha256: 'x',
      sha256Hex: 'ab',
      packageBytes: 1,
      unpackedBytes: 2,
      fileCount: 1,
      largest: [],
      handler: 'app.handler',
    };
    expect(outputsFor({ kind: 'package', stage: '', pkg })).toEqual({
      'code-sha256': 'x',
      'package-bytes': '1',
      'unpacked-bytes': '2',
      'package-path': '/t/p.zip',
    });
    expect(
      outputsFor({
        kind: 'undeploy',
        outcome: { project: 'svc', stage: 'pr-3', removed: [], skipped: [], dryRun: false },
      }),
    ).toEqual({
      stage: 'pr-3',
    });
    expect(outputsFor({ kind: 'prune', lines: [], dryRun: false })).toEqual({});
    expect(outputsFor({ kind: 'skip', reason: 'fork' })).toEqual({});
  });
});
