/**
 * The one timer that watches invocations' timeouts (issue 16): re-armed for each
 * invocation, it must count from the latest arm and call only the latest callback.
 */
import { afterEach, expect, it } from '@jest/globals';
import { Deadline } from '../../src/local-runtime/deadline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const deadlines: Deadline[] = [];
afterEach(() => {
  for (const deadline of deadlines.splice(0)) deadline.stop();
});

function fresh(): Deadline {
  const deadline = new Deadline();
  deadlines.push(deadline);
  return deadline;
}

it('calls the callback when the time is up', async () => {
  const calls: string[] = [];
  fresh().arm(30, () => calls.push('due'));
  await sleep(120);
  expect(calls).toEqual(['due']);
});

it('calls nothing once disarmed, though its timer may still fire', async () => {
  const calls: string[] = [];
  const deadline = fresh();
  deadline.arm(30, () => calls.push('first'));
  deadline.disarm();
  await sleep(120);
  expect(calls).toEqual([]);
});

it('armed again, counts from the new arm and calls only the new callback', async () => {
  const calls: string[] = [];
  const deadline = fresh();
  deadline.arm(200, () => calls.push('first'));
  await sleep(120);
  deadline.disarm();
  deadline.arm(200, () => calls.push('second'));
  // 240 ms after the first arm: past its time, not yet the second's.
  await sleep(120);
  expect(calls).toEqual([]);
  await sleep(250);
  expect(calls).toEqual(['second']);
});

it('armed for another length, keeps to that length', async () => {
  const calls: string[] = [];
  const deadline = fresh();
  deadline.arm(1000, () => calls.push('long'));
  deadline.disarm();
  deadline.arm(30, () => calls.push('short'));
  await sleep(150);
  expect(calls).toEqual(['short']);
});

it('stopped, calls nothing', async () => {
  const calls: string[] = [];
  const deadline = fresh();
  deadline.arm(30, () => calls.push('due'));
  deadline.stop();
  await sleep(120);
  expect(calls).toEqual([]);
});
