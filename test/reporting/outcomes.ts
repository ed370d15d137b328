/** Sample outcomes for the reporting tests. */
import type { DeployOutcome, UndeployOutcome } from '../../src/model/outcome.js';
import type { DeployReport } from '../../src/model/outcome.js';

export const API_KEY = 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK';
export const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';

export function successOutcome(extra: Partial<DeployOutcome> = {}): DeployOutcome {
  return {
    status: 'success',
    project: 'shop',
    stage: 'pr-12',
    functionName: 'shop-pr-12',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:shop-pr-12',
    version: '5',
    previousVersion: '4',
    url: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    codeSha256: 'Q29kZVNoYTI1Ng==',
    packageBytes: 1_572_864,
    unpackedBytes: 5_242_880,
    packagePath: '/tmp/shop.zip',
    changed: true,
    rolledBack: false,
    smoke: {
      status: 'passed',
      target: 'https://abc123.execute-api.us-east-1.amazonaws.com/',
      attempts: 3,
      lastStatus: 200,
      detail:
        'GET https://abc123.execute-api.us-east-1.amazonaws.com/ answered 200 (expected 200-399) after 3 attempts in 3.1 s.',
      durationMs: 3100,
    },
    sha: '0123456789abcdef0123456789abcdef01234567',
    durationMs: 42_000,
    target: 'aws',
    ...extra,
  };
}

export function failureOutcome(extra: Partial<DeployReport> = {}): DeployReport {
  return {
    ...successOutcome(),
    status: 'failure',
    version: '4',
    rolledBack: true,
    failedVersion: '5',
    rollbackMessage:
      'Rolled back: alias live of shop-pr-12 points at version 4 again; the stage is serving the previous version (version 5 failed the smoke test).',
    error:
      'The smoke test failed: GET https://abc123.execute-api.us-east-1.amazonaws.com/ answered 500, expected 200-399.',
    smoke: {
      status: 'failed',
      target: 'https://abc123.execute-api.us-east-1.amazonaws.com/',
      attempts: 9,
      lastStatus: 500,
      bodyExcerpt: `{"message":"Internal Server Error","echo":"x-api-key: ${API_KEY}"}`,
      detail:
        'GET https://abc123.execute-api.us-east-1.amazonaws.com/ answered 500, expected 200-399 after 9 attempts within smoke-timeout 60 s.',
      durationMs: 60_000,
    },
    logs: [
      '--- errors (1 distinct) ---',
      "[ERROR] KeyError: 'DATABASE_URL'",
      'Traceback (most recent call last):',
      '  File "/var/task/app.py", line 4, in <module>',
      "KeyError: 'DATABASE_URL'",
      '--- last 2 lines ---',
      `env AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY key=${API_KEY}`,
      'END RequestId: 1',
    ].join('\n'),
    ...extra,
  };
}

export function undeployOutcome(extra: Partial<UndeployOutcome> = {}): UndeployOutcome {
  return {
    project: 'shop',
    stage: 'pr-12',
    removed: ['HTTP API abc123', 'Lambda function shop-pr-12', 'Log group /aws/lambda/shop-pr-12'],
    skipped: [],
    dryRun: false,
    ...extra,
  };
}
