import { describe, expect, it } from '@jest/globals';
import { importFailureIn, importHint } from '../../src/failure-hints/import-hints.js';

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

  it('no Node.js hint for a Python function, none for another error type', () => {
    expect(importHint('python', importError("Error: Cannot find package 'x' imported from a.mjs"))).toBe('');
    expect(
      importHint('node', { errorType: 'Error', errorMessage: "Cannot find package 'x' imported from a.mjs" }),
    ).toBe('');
  });
});

describe('importHint for Python', () => {
  const noModule = (name: string, module = 'app') =>
    importError(`Unable to import module '${module}': No module named '${name}'`);

  it.each([
    ['requests', 'requests'],
    ['yaml', 'PyYAML'],
    ['PIL', 'Pillow'],
    ['cv2', 'opencv-python-headless'],
    ['sklearn', 'scikit-learn'],
    ['bs4', 'beautifulsoup4'],
    ['dateutil', 'python-dateutil'],
    ['jwt', 'PyJWT'],
    ['dotenv', 'python-dotenv'],
    ['google.protobuf', 'protobuf'],
    ['attr', 'attrs'],
    ['Crypto', 'pycryptodome'],
    ['magic', 'python-magic'],
    ['psycopg2', 'psycopg2-binary'],
  ])('a module no requirement installs (%s): add %s to the requirements', (name, distribution) => {
    expect(importHint('python', noModule(name), { requirementsFile: 'requirements.txt' })).toBe(
      ` (${name} is neither in the package nor in its requirements: add ${distribution}` +
        `${distribution === name ? '' : ` (the distribution that provides ${name})`} to requirements.txt)`,
    );
  });

  it('names the top-level module of a dotted import, and its distribution', () => {
    expect(importHint('python', noModule('yaml.constructor'), { requirementsFile: 'pyproject.toml' })).toBe(
      ' (yaml is neither in the package nor in its requirements: add PyYAML (the distribution that provides yaml) to pyproject.toml)',
    );
    expect(importHint('python', noModule('google.protobuf.message'))).toMatch(
      /add protobuf \(the distribution that provides google\.protobuf\)/,
    );
  });

  it('without a requirements file: says where one goes', () => {
    expect(importHint('python', noModule('requests'))).toBe(
      ' (requests is neither in the package nor in its requirements: add requests to a requirements.txt in `path` (or the file the `requirements` input names))',
    );
  });

  it.each([
    ['requests==2.32.3\n', 'requests'],
    ['# deps\npyyaml>=6 ; python_version >= "3.9"\n', 'yaml'],
    ['[project]\ndependencies = ["Pillow>=10", "boto3"]\n', 'PIL'],
    ['[[package]]\nname = "opencv-python-headless"\nversion = "4.10.0.84"\n', 'cv2'],
    ['python_dateutil==2.9.0\n', 'dateutil'],
  ])('listed in the requirements (%j) but not installed: the platform, not the list', (text, name) => {
    expect(
      importHint('python', noModule(name), {
        requirementsFile: 'requirements.txt',
        requirementsText: text,
        platform: 'python3.12 arm64',
      }),
    ).toMatch(
      new RegExp(
        `^ \\(${name} is listed in requirements\\.txt but was not installed for Lambda's platform \\(python3\\.12 arm64\\): .*no wheel for that runtime and architecture.*\\)$`,
      ),
    );
  });

  it('a name that only contains the distribution, or a comment, is not a listing', () => {
    expect(
      importHint('python', noModule('jwt'), {
        requirementsFile: 'requirements.txt',
        requirementsText: 'jwtools==1\nmy-pyjwt-wrapper\ndjango_pyjwt==2\n# PyJWT, once we sign tokens\n',
      }),
    ).toMatch(/add PyJWT/);
  });

  it.each([
    importError("Unable to import module 'app': No module named 'app'"),
    importError("Unable to import module 'handlers.api': No module named 'handlers'"),
    importError("Unable to import module 'app': cannot import name 'x' from 'y'"),
    importError("Unable to import module 'app': No module named '.'"),
    { errorType: 'ModuleNotFoundError', errorMessage: "No module named 'yaml'" },
  ])('no hint for the handler module itself, another import error or another type (%j)', (failure) => {
    expect(importHint('python', failure)).toBe('');
  });

  it('a Node.js failure gets no Python hint', () => {
    expect(importHint('node', noModule('yaml'))).toBe('');
  });
});

describe('importFailureIn', () => {
  it.each([
    [
      'a smoke invoke',
      "Invoke shop-pr-1:live raised an error (Unhandled): Runtime.ImportModuleError: Unable to import module 'app': No module named 'yaml'.",
    ],
    [
      "the function's CloudWatch lines (text format)",
      "INIT_START Runtime Version: python:3.12.v40\n[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'yaml'\nTraceback (most recent call last):\nINIT_REPORT Init Duration: 120.51 ms Phase: init Status: error Error Type: Runtime.ImportModuleError",
    ],
    [
      "the function's CloudWatch lines (JSON format)",
      '{"timestamp":"2026-12-06T08:00:00Z","level":"ERROR","message":{"errorMessage":"Unable to import module \'app\': No module named \'yaml\'","errorType":"Runtime.ImportModuleError","stackTrace":[]}}',
    ],
  ])('finds the import error in %s, for the hint', (_where, text) => {
    const failure = importFailureIn(text);
    expect(failure?.errorType).toBe('Runtime.ImportModuleError');
    expect(importHint('python', failure!)).toMatch(
      /^ \(yaml is neither in the package nor in its requirements: add PyYAML/,
    );
  });

  it('nothing in text without an import error, or that only names its type', () => {
    expect(
      importFailureIn(
        "Invoke shop-pr-1:live answered statusCode 502 after 1 attempt.\n[ERROR] ValueError: No module named 'x'",
      ),
    ).toBeUndefined();
    expect(
      importFailureIn(
        'INIT_REPORT Init Duration: 1 ms Phase: init Status: error Error Type: Runtime.ImportModuleError',
      ),
    ).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
    });
    expect(importHint('python', importFailureIn('Error Type: Runtime.ImportModuleError')!)).toBe('');
  });
});
