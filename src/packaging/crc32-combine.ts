/**
 * CRC-32 of two concatenated byte runs from the CRC of each and the length
 * of the second, as zlib's crc32_combine (which Node does not expose): a
 * file deflated in chunks on several threads gets its entry's CRC without a
 * second pass over its bytes. Arithmetic on polynomials over GF(2) modulo
 * the reflected CRC-32 polynomial, after zlib 1.2.12+ (multmodp, x2nmodp).
 */

const POLY = 0xedb88320;
const TOP = 0x80000000;

/** a(x) * b(x) modulo p(x); both reflected, bit 31 is x^0. */
function multModP(a: number, b: number): number {
  let m = TOP;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) modulo p(x). */
const X2N: number[] = (() => {
  const table: number[] = [];
  let p = TOP >>> 1; // x^1
  table.push(p);
  for (let k = 1; k < 32; k++) table.push((p = multModP(p, p)));
  return table;
})();

/** x^(n * 2^k) modulo p(x), for any safe integer n. */
function x2nModP(n: number, k: number): number {
  let p = TOP; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** CRC-32 of A followed by B, given crc32(A), crc32(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}
