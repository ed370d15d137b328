/** Native ESM jest with ts-jest (see ../shared/TOOLCHAIN.md). */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

/** Suites that run the bundled action or CLI (`node dist/...`) against local peers. */
const END_TO_END = ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/fake-aws/dist.test.ts'];

export default {
  // Jest's default is one worker per core but one: a single worker on a 2-core
  // runner. The suites mostly wait on child processes and sockets, so they
  // share the cores well; JEST_WORKERS overrides.
  maxWorkers: Number(process.env.JEST_WORKERS) || 4,
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/e2e/', '<rootDir>/test/fake-aws/dist.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: END_TO_END,
      // Builds the bundles these suites run from the current sources (scripts/build-cache.mjs).
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
    },
  ],
};
