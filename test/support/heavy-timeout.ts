/**
 * The `heavy` project's timeout. Jest reads `testTimeout` from the global
 * config only (a project's own is ignored), so the heavy suites, which spawn
 * bundles and runtimes and slow down next to each other on a small machine,
 * get theirs here, for every test that names none.
 */
import { jest } from '@jest/globals';

jest.setTimeout(180_000);
