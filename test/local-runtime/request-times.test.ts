/**
 * Times written once a second and reused (issue 16): the text must be what a Date
 * would write for every instant, whatever was asked before it.
 */
import { expect, it } from '@jest/globals';
import fc from 'fast-check';
import { clfTime } from '../../src/local-runtime/http-api-event.js';
import { isoTime } from '../../src/local-runtime/log-buffer.js';

// Instants around now and far off (before 1970, past 9999), in any order, with repeats and fractions.
const instant = fc.oneof(
  fc.integer({ min: 1_700_000_000_000, max: 1_700_000_005_000 }),
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc.double({ min: -1e13, max: 1e13, noNaN: true }),
);

it('isoTime writes what toISOString writes, for any sequence of instants', () => {
  fc.assert(
    fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (times) => {
      for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
    }),
  );
});

it('clfTime follows the second: the same text within one, the next second its own', () => {
  const start = Date.UTC(2020, 3, 1, 5, 8, 9);
  expect(clfTime(start)).toBe('01/Apr/2020:05:08:09 +0000');
  expect(clfTime(start + 999)).toBe('01/Apr/2020:05:08:09 +0000');
  expect(clfTime(start + 1000)).toBe('01/Apr/2020:05:08:10 +0000');
  expect(clfTime(start - 1)).toBe('01/Apr/2020:05:08:08 +0000');
  expect(clfTime(start)).toBe('01/Apr/2020:05:08:09 +0000');
});
