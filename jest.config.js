/**
 * Native ESM jest with ts-jest (see ../shared/TOOLCHAIN.md), in two projects that
 * share one pool of workers (`npm run unit -- --selectProjects heavy` runs one):
 * - `heavy`: the suites that run the bundles, spawn runtimes and processes or build
 *   zips. They are CPU-bound; next to other suites on a small machine they need more
 *   time, so they get a longer timeout.
 * - `unit`: everything else.
 * Suites run in parallel: each makes its own temp folders (mkdtemp, all under one
 * folder per run that global teardown removes) and listens on port 0; the bundles
 * are built once, before any suite starts (global setup).
 */
const shared = {
  // Node's, failing a suite that leaves a child process running (see child-guard-environment.mjs).
  testEnvironment: '<rootDir>/test/support/child-guard-environment.mjs',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  // Stryker's sandbox copies of the project (npm run mutate).
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/', '<rootDir>/reports/'],
  testTimeout: 60000,
  // Builds the bundles the end-to-end tests run from the current sources (scripts/build-cache.mjs).
  // The same module in both projects runs once.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  // Removes the run's one temp folder that global setup made.
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
};

/** Folders (ending in /) and files of the `heavy` project. */
const HEAVY = [
  'test/e2e/',
  'test/fake-aws/dist.test.ts',
  'test/packaging/build-package.test.ts',
  'test/packaging/build-package-lock-outside.test.ts',
  'test/packaging/build-package-node-dev.test.ts',
  'test/packaging/build-package-pipenv.test.ts',
  'test/packaging/build-package-poetry.test.ts',
  'test/packaging/build-package-pyproject.test.ts',
  'test/packaging/build-package-uv.test.ts',
  'test/packaging/slim-package.test.ts',
  'test/packaging/entry-cache.test.ts',
  'test/packaging/zip.test.ts',
  'test/packaging/zip-memory.test.ts',
  'test/pipelines/deploy-retries.test.ts',
];
const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export default {
  ...shared,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Jest's default on 2 cores is 1 worker; many suites wait on child processes, sockets
  // and injected latency, so 3 keep both cores busy.
  maxWorkers: 3,
  // On a run with no timings (a fresh clone), the heavy project's suites first (see the file).
  testSequencer: '<rootDir>/test/support/heavy-first-sequencer.mjs',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...HEAVY.map((p) => `<rootDir>/${escape(p)}`)],
    },
    {
      ...shared,
      displayName: 'heavy',
      testMatch: HEAVY.map((p) => `<rootDir>/${p}${p.endsWith('/') ? '**/*.test.ts' : ''}`),
      // Not `testTimeout` (Jest takes it from the global config only): see heavy-timeout.ts.
      setupFilesAfterEnv: ['<rootDir>/test/support/heavy-timeout.ts'],
    },
  ],
};
