import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { crc32Combine } from '../../src/packaging/crc32-combine.js';

describe('crc32Combine', () => {
  it.each([
    [0, 0],
    [1, 0],
    [0, 7],
    [3, 1],
    [100, 1000],
    [1 << 20, 12_345],
    [5, 1 << 22],
  ])('gives the CRC-32 of %i bytes followed by %i bytes', (a, b) => {
    const first = randomBytes(a);
    const second = randomBytes(b);
    expect(crc32Combine(crc32(first), crc32(second), b)).toBe(crc32(Buffer.concat([first, second])));
  });

  it('folds the chunks of a file, in order, into the CRC of the whole file', () => {
    const file = randomBytes(3 * 65_536 + 17);
    let crc = 0;
    for (let at = 0; at < file.length; at += 65_536) {
      const chunk = file.subarray(at, at + 65_536);
      crc = crc32Combine(crc, crc32(chunk), chunk.length);
    }
    expect(crc).toBe(crc32(file));
  });

  it('handles a second part longer than 2^32 bytes (two ways to the same CRC agree)', () => {
    // CRC-32 of 2^32 zero bytes, by doubling: zeros(2n) = combine(zeros(n), zeros(n), n).
    let zeros = crc32(Buffer.alloc(1));
    let length = 1;
    while (length < 2 ** 32) {
      zeros = crc32Combine(zeros, zeros, length);
      length *= 2;
    }
    const one = crc32(Buffer.alloc(1));
    const zerosPlusOne = crc32Combine(zeros, one, 1); // 2^32 + 1 zeros
    const head = crc32(Buffer.from('head'));
    // "head" + 2^32+1 zeros, in one step (a length past 32 bits) and in two steps.
    expect(crc32Combine(head, zerosPlusOne, 2 ** 32 + 1)).toBe(
      crc32Combine(crc32Combine(head, zeros, 2 ** 32), one, 1),
    );
  });
});
