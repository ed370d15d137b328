// Jest's order of the suites, except on a run with no timings yet (a fresh clone, as in CI): Jest
// then orders by file size, and the heavy project's suites are short files that run long (a deploy
// per fault of every write, pip installs, the bundled action started again and again). Started
// last, one of them runs alone at the end while the other workers idle; started first, they run
// alongside the many short suites.
import TestSequencer from '@jest/test-sequencer';

export default class HeavyFirstSequencer extends TestSequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    const heavy = (test) => test.context.config.displayName?.name === 'heavy';
    return [...sorted.filter(heavy), ...sorted.filter((test) => !heavy(test))];
  }
}
