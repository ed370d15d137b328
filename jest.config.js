/** Native ESM jest with ts-jest (see ../shared/TOOLCHAIN.md). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Stryker's sandbox copies of the project (npm run mutate).
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/', '<rootDir>/reports/'],
  testTimeout: 60000,
  // Builds the bundles the end-to-end tests run from the current sources (scripts/build-cache.mjs).
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
};
