/**
 * The fake AWS as the bundled action meets it. `node dist/index.js` sleeps for
 * real between polls, so the account's clock moves per request instead: a new
 * function is Pending on the first read and Active on the next, an update
 * InProgress once, a new role usable two requests after it was made. The
 * clock starts at the real now, as the action's own clock does (it judges an
 * artifact's age and a token's lifetime by it).
 */
import { simulatedClock } from '../../fakes/aws/clock.js';
import { startFakeAws, type FakeAws, type FakeAwsOptions } from '../../fakes/aws/index.js';

export const ACTION_TICK_MS = 500;

export function startFakeAwsForAction(options: FakeAwsOptions = {}): Promise<FakeAws> {
  return startFakeAws({
    clock: simulatedClock({ start: Date.now(), tickPerRequestMs: ACTION_TICK_MS }),
    ...options,
    timings: {
      functionCreateMs: 2 * ACTION_TICK_MS,
      functionUpdateMs: 2 * ACTION_TICK_MS,
      rolePropagationMs: 2 * ACTION_TICK_MS,
      ...options.timings,
    },
  });
}
