import { randomFillSync } from 'node:crypto';

// Ids are made for every local invocation: one getrandom call per 4 KB, not one per id.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` random bytes as text, e.g. randomText(12, 'hex') for a 24-digit trace id part. */
export function randomText(bytes: number, encoding: 'hex' | 'base64'): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString(encoding, used, used + bytes);
  used += bytes;
  return text;
}
