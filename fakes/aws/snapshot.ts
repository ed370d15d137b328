/**
 * A copy of the account as it stands, and the time on its clock, to put into
 * a fresh fake: a test that starts many times from the same account (a first
 * deploy done) makes that account once. Byte buffers (objects, layers) are
 * shared, not copied: the fake replaces them and never writes into one.
 *
 *   const base = snapshotAccount(aws);             // after the first deploy
 *   const again = await startFakeAws();
 *   restoreAccount(again, base);                   // the same account, the same time
 */
import type { FakeAws } from './index.js';
import type { AccountState } from './state.js';

export interface AccountSnapshot {
  readonly account: AccountState;
  /** The account's clock when it was taken. */
  readonly now: number;
}

export function snapshotAccount(aws: Pick<FakeAws, 'account' | 'clock'>): AccountSnapshot {
  return { account: copy(aws.account), now: aws.clock.now() };
}

/**
 * Puts the snapshot's account into `aws` (in place: its services hold this
 * object) and moves its simulated clock on to the snapshot's time. Restoring
 * twice gives the same account: the snapshot itself is never handed out.
 */
export function restoreAccount(aws: Pick<FakeAws, 'account' | 'clock'>, snapshot: AccountSnapshot): void {
  if (!aws.clock.simulated) throw new Error('restoreAccount: the fake needs a simulated clock');
  if (aws.clock.now() > snapshot.now)
    throw new Error(
      `restoreAccount: the clock is past the snapshot's time (${aws.clock.date().toISOString()})`,
    );
  aws.clock.advance(snapshot.now - aws.clock.now());
  const target = aws.account as unknown as Record<string, unknown>;
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, copy(snapshot.account));
}

/** A deep copy of maps, arrays and plain objects; buffers and primitives as they are. */
function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copy(v)])) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  // Plain objects of any realm (node's own parsers make them outside jest's).
  const proto = Object.getPrototypeOf(value) as { constructor?: { name: string } } | null;
  if (proto !== null && proto.constructor?.name !== 'Object')
    throw new Error(`snapshotAccount: cannot copy a ${proto.constructor?.name} of the account`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
}
