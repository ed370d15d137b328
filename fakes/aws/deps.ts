/** The dependencies src/ code takes, wired to the fake's clock. */
import type { AwsDeps } from '../../src/aws/aws-call.js';
import { RecordingLogger } from '../../src/util/logger.js';
import type { FakeAws } from './index.js';

/** A recording logger, the fake's clock as Sleep and now, no jitter: the code's waits age the account. */
export function depsFor(aws: FakeAws): AwsDeps & { logger: RecordingLogger } {
  return {
    logger: new RecordingLogger(),
    sleep: aws.clock.sleep,
    random: () => 1,
    now: () => aws.clock.date(),
  };
}
