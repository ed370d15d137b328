/** Native ESM jest with ts-jest (see ../shared/TOOLCHAIN.md). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // Builds the bundles the end-to-end tests run from the current sources (scripts/build-cache.mjs).
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
};
