/** What the smoke test sends to a stage's front door, and which of API Gateway's own 403s it waits out. */
import { expect, test } from '@jest/globals';
import { frontDoorSmoke } from '../../src/pipelines/aws-deploy/stage-smoke-test.js';

const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/pr-3';

test.each([
  ['a REST API this deploy changed', { kind: 'rest-api', url, changed: true }, { frontDoorChanged: true }],
  ['a REST API as it was', { kind: 'rest-api', url, changed: false }, { frontDoorChanged: false }],
  [
    'a REST API behind a key',
    {
      kind: 'rest-api',
      url,
      changed: false,
      apiKeyId: 'k1',
      apiKeyValue: 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK',
    },
    { apiKey: 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK', frontDoorChanged: false },
  ],
  // An HTTP API or a function URL answers 403 only for what it means.
  ['a changed HTTP API', { kind: 'http-api', url, changed: true }, { frontDoorChanged: false }],
  ['a changed function URL', { kind: 'function-url', url, changed: true }, { frontDoorChanged: false }],
] as const)('%s', (_, gateway, expected) => {
  expect(frontDoorSmoke(gateway)).toEqual({ apiKey: undefined, ...expected });
});
