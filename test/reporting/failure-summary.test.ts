import { describe, expect, test } from '@jest/globals';
import { renderFailureSummary, whereToLook } from '../../src/reporting/failure-summary.js';

describe('renderFailureSummary', () => {
  test('says what failed, quotes the error in a block, and where to look', () => {
    const md = renderFailureSummary({
      project: 'shop',
      command: 'deploy',
      stage: 'pr-3',
      steps: ['Package', 'Installing requirements (requirements.txt)'],
      inGroup: true,
      error: 'pip could not install nosuchpkg==1.0',
      runUrl: 'https://github.com/o/r/actions/runs/1',
    });
    expect(md).toContain('### ❌ `shop` deploy failed');
    expect(md).toContain('| **Failed at** | Package › Installing requirements (requirements.txt) |');
    expect(md).toContain('| **Stage** | `pr-3` |');
    expect(md).toContain('```text\npip could not install nosuchpkg==1.0\n```');
    expect(md).toContain("**Where to look:** pip's output");
    expect(md).toContain('[https://github.com/o/r/actions/runs/1](https://github.com/o/r/actions/runs/1)');
  });

  test('before the project is known: a generic title, the phase, no empty rows', () => {
    const md = renderFailureSummary({ steps: ['Reading the inputs'], error: 'Invalid input: memory: "64"' });
    expect(md).toMatch(/^### ❌ lambda-deploy failed\n/);
    expect(md).not.toContain('**Project**');
    expect(md).toContain('| **Failed at** | Reading the inputs |');
    expect(md).toContain("the step's `with:` block");
  });

  test('secrets in the error never reach the summary', () => {
    const md = renderFailureSummary(
      {
        steps: ['Sign in to AWS'],
        inGroup: true,
        error: 'token ghs_abcdefghijklmnopqrstuvwxyz0123 and s3cr3t-value refused',
      },
      ['s3cr3t-value'],
    );
    expect(md).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123');
    expect(md).not.toContain('s3cr3t-value');
    expect(md).toContain('id-token: write');
  });
});

describe('whereToLook', () => {
  test.each([
    [['Reading the inputs'], false, /`with:` block/],
    [['Choosing the command from the event'], false, /`on:` events/],
    [['Sign in to AWS'], true, /trust policy/],
    [['Package'], true, /log group Package/],
    [['Front door (http-api)'], true, /log group `Front door \(http-api\)`/],
    [['Running undeploy'], false, /log above the error/],
  ])('%j -> %s', (steps, inGroup, expected) => {
    expect(whereToLook(steps, inGroup)).toMatch(expected);
  });

  test.each([
    ['handler: "app.handler": app.py defines no "handler"', /`handler` or `app` input/],
    ['app: "app:app" names a module that is not in the package', /`handler` or `app` input/],
    ['No AWS credentials (Could not load credentials from any providers).', /permissions: id-token: write/],
    ['No OIDC token for role-to-assume: ACTIONS_ID_TOKEN_REQUEST_URL is not set.', /sign-in/],
    ['aws-region: is not set and neither is AWS_REGION', /`aws-region`/],
  ])('the error %s points at %s, wherever it happened', (error, expected) => {
    expect(whereToLook(['Running deploy'], false, error)).toMatch(expected);
  });

  test('AWS not reached while signing in: the network, not the credentials or the trust policy', () => {
    const error =
      'Could not reach AWS STS at http://127.0.0.1:9 (connect ECONNREFUSED 127.0.0.1:9) to check the credentials of the environment: AWS did not answer';
    const where = whereToLook(['Sign in to AWS'], true, error);
    expect(where).toMatch(/^the network between the runner and AWS/);
    expect(where).not.toMatch(/trust policy|id-token/);
  });

  test('STS failing after every retry while signing in: AWS, not the credentials or the network', () => {
    const error =
      'AWS STS at https://sts.eu-west-1.amazonaws.com kept failing (ServiceUnavailable, HTTP 503: Service Unavailable) after 4 attempts, so the credentials of the environment were not checked';
    const where = whereToLook(['Sign in to AWS'], true, error);
    expect(where).toMatch(/^AWS's side: STS kept failing/);
    expect(where).not.toMatch(/trust policy|id-token|network/);
  });
});
