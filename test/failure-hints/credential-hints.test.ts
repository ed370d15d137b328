/**
 * Refused credentials recognised in every service's words, and advice that
 * says what is wrong and what to do without printing a secret or a whole key id.
 */
import { describe, expect, test } from '@jest/globals';
import {
  credentialRefusalExplainer,
  credentialRefusalFix,
  credentialRefusalIn,
  shownKeyId,
  type CredentialRefusal,
} from '../../src/failure-hints/credential-hints.js';
import { AwsError } from '../../src/aws/aws-call.js';

/** An SDK error as the SDK names it, with AWS's message. */
const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name });

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.';

describe('credentialRefusalIn', () => {
  test.each<[string, string, CredentialRefusal | undefined]>([
    // STS and IAM (query protocol)
    [
      'SignatureDoesNotMatch',
      "Credential should be scoped to a valid region, not 'eu-west-1'. ",
      { kind: 'region', signedFor: 'eu-west-1' },
    ],
    ['SignatureDoesNotMatch', 'Credential should be scoped to a valid region.', { kind: 'region' }],
    ['SignatureDoesNotMatch', MISMATCH, { kind: 'signature' }],
    [
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
      { kind: 'unknown-key' },
    ],
    ['ExpiredTokenException', 'The security token included in the request is expired', { kind: 'expired' }],
    // Lambda, API Gateway, Logs, EventBridge (JSON)
    [
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'eu-west-1'. ",
      { kind: 'region', signedFor: 'eu-west-1' },
    ],
    ['InvalidSignatureException', MISMATCH, { kind: 'signature' }],
    [
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
      { kind: 'unknown-key' },
    ],
    ['ExpiredTokenException', 'The security token included in the request is expired', { kind: 'expired' }],
    // S3
    [
      'AuthorizationHeaderMalformed',
      "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
      { kind: 'region', signedFor: 'eu-west-1', expected: 'us-east-1' },
    ],
    [
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      { kind: 'unknown-key' },
    ],
    ['ExpiredToken', 'The provided token has expired.', { kind: 'expired' }],
    // Not the credentials: a clock that is off, a missing permission, anything else.
    [
      'InvalidSignatureException',
      'Signature expired: 20250101T000000Z is now earlier than 20250101T001000Z',
      undefined,
    ],
    [
      'AccessDeniedException',
      'User: arn:aws:iam::1:user/a is not authorized to perform: lambda:GetFunction',
      undefined,
    ],
    ['ResourceNotFoundException', 'Function not found', undefined],
  ])('%s: %s', (name, message, expected) => {
    expect(credentialRefusalIn(sdkError(name, message))).toEqual(expected);
  });

  test('found inside a wrapped error too', () => {
    const wrapped = new AwsError('Could not read function f: ...', 'ExpiredTokenException', {
      cause: sdkError('ExpiredTokenException', 'The security token included in the request is expired'),
    });
    expect(credentialRefusalIn(wrapped)).toEqual({ kind: 'expired' });
  });
});

describe('credentialRefusalFix', () => {
  const ctx = {
    keyId: 'AKIAIOSFODNN7EXAMPLE',
    region: 'eu-west-1',
    regionSetting: '--aws-region or AWS_REGION',
    endpoint: 'http://127.0.0.1:4566',
    credentialsHint: 'set AWS_PROFILE to a profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  };

  test('a key id is shown by its first four characters and its kind only', () => {
    expect(shownKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('access key id AKIA… (a long-term key)');
    expect(shownKeyId('ASIAIOSFODNN7EXAMPLE')).toBe('access key id ASIA… (a temporary key)');
    expect(shownKeyId(undefined)).toBe('the access key id');
    for (const kind of ['region', 'signature', 'unknown-key', 'expired'] as const)
      expect(credentialRefusalFix({ kind }, ctx)).not.toContain('IOSFODNN7EXAMPLE');
  });

  test('the region: which one was signed for, where it is set, what the endpoint serves, what to do', () => {
    expect(credentialRefusalFix({ kind: 'region', signedFor: 'eu-west-1', expected: 'us-east-1' }, ctx)).toBe(
      'AWS refused the region: the requests were signed for eu-west-1 (--aws-region or AWS_REGION), and the endpoint at ' +
        'http://127.0.0.1:4566 serves us-east-1, not eu-west-1. Set --aws-region or AWS_REGION to us-east-1, or unset ' +
        "AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_STS) to reach AWS's own endpoints for eu-west-1.",
    );
    // AWS's own endpoint: no AWS_ENDPOINT_URL to unset.
    expect(
      credentialRefusalFix({ kind: 'region' }, { ...ctx, endpoint: 'https://sts.eu-west-1.amazonaws.com' }),
    ).toBe(
      'AWS refused the region: the requests were signed for eu-west-1 (--aws-region or AWS_REGION), and the endpoint at ' +
        "https://sts.eu-west-1.amazonaws.com does not serve eu-west-1. Set --aws-region or AWS_REGION to that endpoint's region.",
    );
  });

  test('the secret, an unknown key, an expired session: what is wrong, then where the credentials come from', () => {
    expect(credentialRefusalFix({ kind: 'signature' }, ctx)).toMatch(
      /^AWS refused the credentials: the secret access key is not the one of access key id AKIA… \(a long-term key\).*AWS_SECRET_ACCESS_KEY.*; set AWS_PROFILE to a profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\.$/,
    );
    expect(credentialRefusalFix({ kind: 'unknown-key' }, ctx)).toMatch(
      /^AWS refused the credentials: access key id AKIA… \(a long-term key\) is not known in this account's partition .*Check AWS_ACCESS_KEY_ID or the profile \(AWS_PROFILE\); set AWS_PROFILE/,
    );
    expect(
      credentialRefusalFix({ kind: 'unknown-key' }, { ...ctx, keyId: 'ASIAIOSFODNN7EXAMPLE' }),
    ).toContain('or a temporary key sent without its AWS_SESSION_TOKEN');
    expect(credentialRefusalFix({ kind: 'expired' }, { ...ctx, keyId: 'ASIAIOSFODNN7EXAMPLE' })).toMatch(
      /^AWS refused the credentials: the session token of access key id ASIA… \(a temporary key\) has expired\. Get new temporary credentials .*AWS_SESSION_TOKEN anew; set AWS_PROFILE/,
    );
  });

  test('the explainer answers only for refused credentials', () => {
    const explain = credentialRefusalExplainer('aws-region or AWS_REGION', 'configure role-to-assume');
    expect(explain(sdkError('ResourceNotFoundException', 'Function not found'), {})).toBeUndefined();
    expect(
      explain(
        sdkError('SignatureDoesNotMatch', "Credential should be scoped to a valid region, not 'eu-west-1'. "),
        {
          region: 'eu-west-1',
        },
      ),
    ).toMatch(/^AWS refused the region: the requests were signed for eu-west-1 \(aws-region or AWS_REGION\)/);
  });
});
