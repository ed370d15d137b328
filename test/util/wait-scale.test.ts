/** LAMBDA_DEPLOY_WAIT_SCALE (src/util/wait-scale.ts): read from the environment, and only ever shortening a pause. */
import { describe, expect, test } from '@jest/globals';
import { MIN_WAIT_SCALE, scaledWait, waitScaleFrom } from '../../src/util/wait-scale.js';

describe('waitScaleFrom', () => {
  test('unset or empty: 1, the waits as they are', () => {
    expect(waitScaleFrom({})).toBe(1);
    expect(waitScaleFrom({ LAMBDA_DEPLOY_WAIT_SCALE: ' ' })).toBe(1);
  });

  test('a factor from 0.05 to 1', () => {
    expect(waitScaleFrom({ LAMBDA_DEPLOY_WAIT_SCALE: '0.05' })).toBe(0.05);
    expect(waitScaleFrom({ LAMBDA_DEPLOY_WAIT_SCALE: ' 0.5 ' })).toBe(0.5);
    expect(waitScaleFrom({ LAMBDA_DEPLOY_WAIT_SCALE: '1' })).toBe(1);
  });

  test.each(['0', '0.01', '2', '-0.5', 'fast', '1e-1', 'NaN', 'Infinity'])(
    '"%s" is an error naming the variable, quoting the value and saying the expected form',
    (value) => {
      expect(() => waitScaleFrom({ LAMBDA_DEPLOY_WAIT_SCALE: value })).toThrow(
        `LAMBDA_DEPLOY_WAIT_SCALE is "${value}"; expected a plain decimal from 0.05 to 1, such as 0.05 or 0.5`,
      );
    },
  );
});

describe('waitScaleFrom: a value in range written otherwise than as a plain decimal', () => {
  // 5e-2 is 0.05 and +0.5 is 0.5: "expected a number from 0.05 to 1" would refuse them for being what it asks.
  test.each(['5e-2', '+0.5', '0x1', '1.'])('"%s": the error says the form, digits and a point', (value) => {
    expect(() => waitScaleFrom({ LAMBDA_DEPLOY_WAIT_SCALE: value })).toThrow(
      `LAMBDA_DEPLOY_WAIT_SCALE is "${value}"; expected a plain decimal from 0.05 to 1, such as 0.05 or 0.5`,
    );
  });
});

describe('scaledWait', () => {
  test('shortens by the factor', () => {
    expect(scaledWait(1_000, 0.05)).toBe(50);
    expect(scaledWait(5_000, 0.5)).toBe(2_500);
    expect(scaledWait(1_000)).toBe(1_000);
  });

  test('never lengthens a wait nor removes it, whatever factor reaches it', () => {
    expect(scaledWait(1_000, 3)).toBe(1_000);
    expect(scaledWait(1_000, 0)).toBe(1_000 * MIN_WAIT_SCALE);
    expect(scaledWait(1_000, -1)).toBe(1_000 * MIN_WAIT_SCALE);
    expect(scaledWait(1_000, NaN)).toBe(1_000);
  });
});
