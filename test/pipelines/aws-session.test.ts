import { expect, test } from '@jest/globals';
import { roleAccount } from '../../src/pipelines/aws-session.js';

test.each([
  ['arn:aws:iam::123456789012:role/deploy', '123456789012'],
  ['arn:aws-us-gov:iam::210987654321:role/path/deploy', '210987654321'],
  ['arn:aws:iam::123:role/deploy', undefined],
  [undefined, undefined],
])('the account of role %s is %s', (arn, account) => {
  expect(roleAccount(arn)).toBe(account);
});
