import { describe, expect, it } from '@jest/globals';
import { maskedOutputWarnings } from '../../../src/entry/action/output-masks.js';
import { printedForms } from '../../../src/settings/secret-values.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:svc-main';
const URL = 'https://h0st-9.example.net/svc-main';

describe('maskedOutputWarnings', () => {
  it('names the output and the variable whose masked value it holds, never the value', () => {
    const warnings = maskedOutputWarnings(
      { 'function-arn': ARN, url: URL, stage: 'main' },
      { ACCOUNT_ID: '123456789012', DB_PASSWORD: 'Pg-Secret-771' },
      [...printedForms('123456789012'), ...printedForms('Pg-Secret-771'), 'ghs_token-value-123'],
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Output 'function-arn'");
    expect(warnings[0]).toContain('ACCOUNT_ID');
    expect(warnings[0]).toContain("Skip output 'function-arn' since it may contain secret.");
    expect(warnings[0]).not.toContain('123456789012');
    expect(warnings[0]).not.toContain('DB_PASSWORD');
  });

  it('finds a variable by any masked form of its value and lists every variable an output holds', () => {
    const warnings = maskedOutputWarnings(
      { url: URL },
      { HOST: 'h0st-9.example.net', PATH_PART: 'svc-main', PLAIN: 'not-in-any-output' },
      // svc-main is public (the function name): never masked, so never named.
      [...printedForms('h0st-9.example.net'), ...printedForms('not-in-any-output')],
    );
    expect(warnings).toEqual([
      expect.stringContaining("Output 'url' holds the value of environment variable HOST,"),
    ]);
  });

  it('says so without a name when the masked value is none of the variables', () => {
    const warnings = maskedOutputWarnings({ 'api-id': 'abc123def' }, {}, ['abc123def']);
    expect(warnings).toEqual([expect.stringContaining("Output 'api-id' holds a value this step masked")]);
  });

  it('is silent when no output holds a masked value, and ignores empty outputs and masks', () => {
    expect(
      maskedOutputWarnings({ url: URL, 'api-id': '' }, { K: 'Pg-Secret-771' }, ['', 'Pg-Secret-771']),
    ).toEqual([]);
  });
});
