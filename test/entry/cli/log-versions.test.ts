import { describe, expect, test } from '@jest/globals';
import { streamVersion } from '../../../src/entry/cli/commands/log-versions.js';

describe('streamVersion: the version a Lambda log stream was written by', () => {
  test.each([
    ['2026/12/06/[$LATEST]0a1b2c3d4e5f', '$LATEST'],
    ['2026/12/06/[3]0a1b2c3d4e5f', '3'],
    ['2026/12/06/[12]0a1b2c3d4e5f', '12'],
    // A custom log group that several functions share: the function's name comes first.
    ['2026/12/06/shop-pr-3[7]0a1b2c3d4e5f', '7'],
    ['2026/12/06/shop-pr-3[$LATEST]0a1b2c3d4e5f', '$LATEST'],
  ])('%s: %s', (stream, version) => expect(streamVersion(stream)).toBe(version));

  test.each([[undefined], [''], ['my-own-stream'], ['2026/12/06/[live]abc'], ['[3]x/other']])(
    '%s: none',
    (stream) => expect(streamVersion(stream)).toBeUndefined(),
  );
});
