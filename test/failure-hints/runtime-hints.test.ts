import { expect, test } from '@jest/globals';
import { blockedRuntimeFix, blockedRuntimeIn } from '../../src/failure-hints/runtime-hints.js';
import { AwsError } from '../../src/aws/aws-call.js';

const AWS_MESSAGE =
  'The runtime parameter of python3.9 is no longer supported for creating or updating AWS Lambda functions. ' +
  'We recommend you use the new runtime (python3.12) while creating or updating functions.';
const ACCEPTED = ['python3.12', 'python3.13', 'nodejs22.x'];

test("AWS's refusal is found in the error or a cause, with its recommendation", () => {
  const sdk = Object.assign(new Error(AWS_MESSAGE), { name: 'InvalidParameterValueException' });
  const wrapped = new AwsError(`Could not create function shop-main: ${sdk.message}`, sdk.name, {
    cause: sdk,
  });
  expect(blockedRuntimeIn(wrapped)).toEqual({ runtime: 'python3.9', recommended: 'python3.12' });
  expect(blockedRuntimeIn(new Error('outer', { cause: sdk }))).toEqual({
    runtime: 'python3.9',
    recommended: 'python3.12',
  });
  // AWS's other wording, with no runtime named.
  expect(
    blockedRuntimeIn(
      new Error(
        'The runtime parameter of nodejs8.10 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.',
      ),
    ),
  ).toEqual({ runtime: 'nodejs8.10' });
});

test('other InvalidParameterValue errors are not taken for a blocked runtime', () => {
  expect(
    blockedRuntimeIn(new Error('The role defined for the function cannot be assumed by Lambda.')),
  ).toBeUndefined();
  expect(
    blockedRuntimeIn('The runtime parameter of python3.9 is no longer supported for creating or updating'),
  ).toBeUndefined();
});

test("the fix names the input and prefers the schedule's replacement, then an accepted AWS recommendation", () => {
  const schedule = { 'python3.9': { replacement: 'python3.13' } };
  expect(
    blockedRuntimeFix('runtime', { runtime: 'python3.9', recommended: 'python3.12' }, schedule, ACCEPTED),
  ).toBe(
    'AWS Lambda no longer creates or updates functions with python3.9: set runtime to python3.13 and deploy again ' +
      '(try it on a preview first: a newer runtime may need newer dependencies).',
  );
  expect(
    blockedRuntimeFix('--runtime', { runtime: 'python3.9', recommended: 'python3.12' }, {}, ACCEPTED),
  ).toContain('set --runtime to python3.12 and deploy again');
  // A recommendation this release does not accept is not offered.
  expect(
    blockedRuntimeFix('runtime', { runtime: 'python3.10', recommended: 'python3.15' }, {}, ACCEPTED),
  ).toContain('set runtime to a runtime AWS Lambda still supports');
});
