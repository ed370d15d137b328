import { randomFillSync } from 'node:crypto';

// Ids are made for every local invocation: one getrandom call per 4 KB, not one per id.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` random bytes as text, e.g. randomText(12, 'hex') for a 24-digit trace id part. */
export function randomText(bytes: number, encoding: 'hex' | 'base64' | 'base64url'): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString(encoding, used, used + bytes);
  used += bytes;
  return text;
}

/** An API Gateway request id as HTTP APIs show it (`LV7fzho-PHcEJPw=`): 15 base64url characters and `=`. */
export function gatewayRequestId(): string {
  return `${randomText(11, 'base64url')}=`;
}

/** The root of an X-Ray trace header, `Root=1-{epoch seconds, 8 hex}-{24 hex}`, as API Gateway adds one. */
export function traceRoot(nowMs: number): string {
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomText(12, 'hex')}`;
}
