// Jest test environment: Node's, plus a guard that fails a suite which leaves a child process
// (a pip or npm stand-in, a local runtime, a CLI) running after its last test. Left running, it
// does work in the next suite's time in the same worker, and holds the worker open at the end
// ("A worker process has failed to exit gracefully"). One look at the process's handles per
// suite (microseconds); a child still exiting gets GRACE_MS before the suite fails.
import NodeEnvironment from 'jest-environment-node';
import { setTimeout as sleep } from 'node:timers/promises';

const GRACE_MS = 2000;

/** Child processes of this process that still run and would hold it open (unref'd ones would not). */
function runningChildren() {
  return process
    ._getActiveHandles()
    .filter((h) => h?.constructor?.name === 'ChildProcess' && h.exitCode === null && h.signalCode === null);
}

export default class ChildGuardEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.suite = context.testPath;
  }

  async teardown() {
    let left = runningChildren();
    for (let waited = 0; left.length && waited < GRACE_MS; waited += 50) {
      await sleep(50);
      left = runningChildren();
    }
    await super.teardown();
    if (!left.length) return;
    const named = left.map((c) => `pid ${c.pid}: ${c.spawnargs.join(' ').slice(0, 200)}`);
    // Not left for the next suite: the guard ends what it reports.
    for (const child of left) child.kill('SIGKILL');
    throw new Error(
      `${this.suite} left ${left.length} child process(es) running after its last test (stop or await them in the test or afterAll):\n  ${named.join('\n  ')}`,
    );
  }
}
