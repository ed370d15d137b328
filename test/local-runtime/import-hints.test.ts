import { describe, expect, it } from '@jest/globals';
import { importHint } from '../../src/local-runtime/import-hints.js';

const importError = (errorMessage: string) => ({ errorType: 'Runtime.ImportModuleError', errorMessage });

describe('importHint', () => {
  it.each([
    ["Error: Cannot find package 'left-pad' imported from src/index.mjs", 'left-pad'],
    ["Error: Cannot find package 'lodash' imported from /tmp/x/index.mjs", 'lodash'],
    ["Error: Cannot find module 'uuid'\nRequire stack:\n- /tmp/x/index.js", 'uuid'],
    ["Error: Cannot find module 'lodash/fp'\nRequire stack:\n- /tmp/x/index.js", 'lodash'],
    ["Error: Cannot find package '@acme/db' imported from index.mjs", '@acme/db'],
    ["Error: Cannot find module '@acme/db/pool'", '@acme/db'],
  ])('a Node.js package that is not installed (%j): add %s to package.json', (message, name) => {
    expect(importHint('node', importError(message))).toBe(
      ` (${name} is not in the package: add it to the dependencies in package.json, e.g. npm install ${name})`,
    );
  });

  it("keeps the AWS SDK's own hint: Lambda has it, the local runtime does not", () => {
    expect(
      importHint(
        'node',
        importError("Error: Cannot find package '@aws-sdk/client-s3' imported from index.mjs"),
      ),
    ).toMatch(
      /^ \(Lambda's Node\.js runtimes include the AWS SDK for JavaScript v3.*package\.json dependencies\)$/,
    );
  });

  it.each([
    "Error: Cannot find module '/tmp/x/lib/util.mjs' imported from /tmp/x/index.mjs",
    "Error: Cannot find module './util'\nRequire stack:\n- /tmp/x/index.js",
    "Error: Cannot find module 'node:nope'",
    'Error: Unexpected token',
  ])('no hint for a file of the function or another error (%j)', (message) => {
    expect(importHint('node', importError(message))).toBe('');
  });

  it('no hint for Python (pip installs the requirements) or another error type', () => {
    expect(importHint('python', importError("Error: Cannot find package 'x' imported from a.mjs"))).toBe('');
    expect(
      importHint('node', { errorType: 'Error', errorMessage: "Cannot find package 'x' imported from a.mjs" }),
    ).toBe('');
  });
});
