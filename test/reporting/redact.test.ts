import { describe, expect, it } from '@jest/globals';
import { redact } from '../../src/reporting/redact.js';

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('redact', () => {
  it.each([
    ['a long-term access key id', 'key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
    ['a temporary access key id', 'ASIAY34FZKBOKMUTVV7A', '***'],
    ['not an access key id (too short)', 'AKIA1234', 'AKIA1234'],
    ['a secret key in ini form', `aws_secret_access_key = ${SECRET_KEY}`, 'aws_secret_access_key = ***'],
    ['a secret key in env form', `AWS_SECRET_ACCESS_KEY=${SECRET_KEY}`, 'AWS_SECRET_ACCESS_KEY=***'],
    ['a secret key in JSON (STS)', `{"SecretAccessKey": "${SECRET_KEY}"}`, '{"SecretAccessKey": "***"}'],
    [
      'a session token',
      'aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH',
      'aws_session_token=***',
    ],
    ['a 40-character word without a key name stays', `sha ${'a'.repeat(40)}`, `sha ${'a'.repeat(40)}`],
    ['an x-api-key header', 'x-api-key: Rk7zQ2pXv9L4mN8sT1wY', 'x-api-key: ***'],
    ['an x-api-key in JSON', '{"x-api-key":"Rk7zQ2pXv9L4mN8sT1wY","a":1}', '{"x-api-key":"***","a":1}'],
    ['an x-api-key header, any case', 'X-Api-Key=abc123def', 'X-Api-Key=***'],
    ['a GitHub token', 'token ghs_16C7e42F292c6912E7710c838347Ae178B4a in use', 'token *** in use'],
    ['a bearer header', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y', 'Authorization: Bearer ***'],
    [
      'ordinary text',
      'Deployed version 4 to https://x.example.com/pr-12',
      'Deployed version 4 to https://x.example.com/pr-12',
    ],
  ])('%s', (_name, input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    [
      'a listed secret anywhere',
      'db=hunter2-prod; again hunter2-prod',
      ['hunter2-prod'],
      'db=***; again ***',
    ],
    ['regex characters in a secret', 'p=a.b*c+d(e)', ['a.b*c+d(e)'], 'p=***'],
    ['the longer of two overlapping secrets whole', 'x=abcdef123456', ['abcdef', 'abcdef123456'], 'x=***'],
    ['too short a value is ignored', 'the cat', ['cat'], 'the cat'],
    ['empty and undefined are ignored', 'text', ['', undefined], 'text'],
  ])('%s', (_name, input, secrets, output) => {
    expect(redact(input, secrets)).toBe(output);
  });
});
