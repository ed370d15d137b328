/**
 * The unit tests of the code under mutation testing (`npm run mutate`, see
 * stryker.config.json): pure modules, so no bundle build and no end-to-end tests.
 */
import all from './jest.config.js';

// One project with only the suites below, Jest's default workers (jest.config.js splits the suites in two).
const { projects: _projects, maxWorkers: _maxWorkers, ...base } = all;

export default {
  ...base,
  globalSetup: undefined,
  testMatch: [
    '<rootDir>/test/settings/**/*.test.ts',
    '<rootDir>/test/model/**/*.test.ts',
    '<rootDir>/test/packaging/size-*.test.ts',
    '<rootDir>/test/util/redact*.test.ts',
    '<rootDir>/test/resources/stage/tag-guard.test.ts',
  ],
};
