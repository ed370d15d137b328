import { describe, expect, it } from '@jest/globals';
import { importFailureIn, importHint, type NodePackaging } from '../../src/failure-hints/import-hints.js';

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

  it('no Node.js hint for a Python function, none for another error', () => {
    expect(importHint('python', importError("Error: Cannot find package 'x' imported from a.mjs"))).toBe('');
    expect(importHint('node', { errorType: 'TypeError', errorMessage: 'x is not a function' })).toBe('');
  });

  it("Lambda's plain Error for an ES module's missing package (ERR_MODULE_NOT_FOUND) gets the hint too", () => {
    expect(
      importHint('node', {
        errorType: 'Error',
        errorMessage: "Cannot find package 'x' imported from /var/task/index.mjs",
      }),
    ).toBe(' (x is not in the package: add it to the dependencies in package.json, e.g. npm install x)');
  });
});

describe('importHint for Node.js, from what the build did (NodePackaging)', () => {
  const missing = (name: string) =>
    importError(`Error: Cannot find module '${name}'\nRequire stack:\n- /var/task/index.js`);
  const lists = (
    over: Partial<Record<'dependencies' | 'devDependencies' | 'optionalDependencies', string[]>>,
  ) => ({
    dependencies: [],
    devDependencies: [],
    optionalDependencies: [],
    ...over,
  });
  const devOnly = { lockfile: 'package-lock.json', packages: ['left-pad', 'typescript'] };

  it.each<[string, string, NodePackaging, string]>([
    [
      'a devDependency the build left out as dev-only',
      'left-pad',
      { manifest: lists({ devDependencies: ['left-pad'] }), install: { from: 'folder', devOnly } },
      ' (left-pad is in devDependencies of package.json: the build left out node_modules/left-pad, which package-lock.json marks as needed only by devDependencies; move it to dependencies: npm install --save-prod left-pad)',
    ],
    [
      'a devDependency npm ci --omit=dev did not install',
      'left-pad',
      {
        manifest: lists({ devDependencies: ['left-pad'] }),
        install: { from: 'npm-ci', lockfile: 'npm-shrinkwrap.json' },
      },
      ' (left-pad is in devDependencies of package.json: the build installed only what dependencies need, with npm ci --omit=dev from npm-shrinkwrap.json; move it to dependencies: npm install --save-prod left-pad)',
    ],
    [
      'a devDependency the installed node_modules lacks',
      'left-pad',
      { manifest: lists({ devDependencies: ['left-pad'] }), install: { from: 'folder' } },
      " (left-pad is in devDependencies of package.json: the package's node_modules does not hold it; move it to dependencies: npm install --save-prod left-pad)",
    ],
    [
      'a package only a devDependency brought in, left out as dev-only',
      'typescript',
      { manifest: lists({ devDependencies: ['ts-node'] }), install: { from: 'folder', devOnly } },
      ' (typescript is not in the dependencies of package.json: node_modules/typescript is there only for devDependencies (package-lock.json says so), and the build left it out; add it (npm install typescript), and commit package.json and package-lock.json)',
    ],
    [
      'a package no list names, npm ci installing the dependencies',
      'dayjs',
      {
        manifest: lists({ dependencies: ['lodash'] }),
        install: { from: 'npm-ci', lockfile: 'package-lock.json' },
      },
      ' (dayjs is not in the dependencies of package.json: the build installed only what dependencies need, with npm ci --omit=dev from package-lock.json; add it (npm install dayjs), and commit package.json and package-lock.json)',
    ],
    [
      'a package no list names, no node_modules',
      'dayjs',
      { manifest: lists({}), install: { from: 'none' } },
      ' (dayjs is not in the dependencies of package.json: add it (npm install dayjs), and commit package.json and package-lock.json)',
    ],
    [
      'a dependency the package lacks all the same',
      'lodash',
      { manifest: lists({ dependencies: ['lodash'] }), install: { from: 'folder' } },
      " (lodash is in the dependencies of package.json, but the package does not hold node_modules/lodash: look for it in the package step's warnings (include/exclude may leave it out, or an attached layer was to hold it))",
    ],
    [
      'an optional dependency',
      'fsevents',
      {
        manifest: lists({ optionalDependencies: ['fsevents'] }),
        install: { from: 'npm-ci', lockfile: 'package-lock.json' },
      },
      ' (fsevents is in optionalDependencies of package.json, which npm skips when it fails to install or is for another platform: move it to dependencies if the function needs it: npm install --save-prod fsevents)',
    ],
    [
      'no package.json',
      'dayjs',
      { manifest: 'missing', install: { from: 'none' } },
      " (dayjs is not in the package, and the function's folder has no package.json: create one that lists it in dependencies: npm init -y, then npm install dayjs)",
    ],
  ])('%s', (_case, name, node, hint) => {
    for (const runsOn of ['lambda', 'local'] as const)
      expect(importHint('node', missing(name), { runsOn, node })).toBe(hint);
  });

  it('the AWS SDK v3: on Lambda, the runtime did not provide it; locally, the local runtime has none', () => {
    const node: NodePackaging = { manifest: lists({}), install: { from: 'none' } };
    const sdk = missing('@aws-sdk/client-bedrock-agentcore');
    expect(importHint('node', sdk, { runsOn: 'lambda', node })).toBe(
      " (@aws-sdk/client-bedrock-agentcore is not in the package, and Lambda's Node.js runtime did not provide it: the runtime carries the AWS SDK for JavaScript v3 packages and versions AWS chooses; add it to the dependencies of package.json (npm install @aws-sdk/client-bedrock-agentcore) so the package holds it)",
    );
    expect(importHint('node', sdk, { runsOn: 'local', node })).toMatch(/the local runtime does not/);
    expect(importHint('node', sdk, { runsOn: 'lambda', node })).not.toMatch(/local runtime/);
  });

  it('the AWS SDK v2 (aws-sdk): no Node.js runtime of Lambda carries it; listed in dependencies, the usual hint', () => {
    expect(importHint('node', missing('aws-sdk'), { runsOn: 'lambda' })).toBe(
      " (aws-sdk is the AWS SDK for JavaScript v2, which Lambda's Node.js 18 and later runtimes do not carry (they carry v3, the @aws-sdk/* packages): add it to the dependencies of package.json (npm install aws-sdk), or move to the v3 clients)",
    );
    const node: NodePackaging = {
      manifest: lists({ dependencies: ['aws-sdk'] }),
      install: { from: 'folder' },
    };
    expect(importHint('node', missing('aws-sdk'), { runsOn: 'lambda', node })).toMatch(
      /^ \(aws-sdk is in the dependencies of package\.json, but the package does not hold node_modules\/aws-sdk/,
    );
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

  it('in a terminal: says the flags', () => {
    expect(importHint('python', noModule('requests'), { surface: 'terminal' })).toBe(
      ' (requests is neither in the package nor in its requirements: add requests to a requirements.txt in the --path folder (or the file --requirements names))',
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

describe('importHint for a WSGI/ASGI app that cannot be imported (app)', () => {
  const startup = (message: string) => ({ errorType: 'StartupError', errorMessage: message });

  it('a module no requirement installs: add it to the requirements, as for a handler', () => {
    const failure = startup(
      `could not import the app "shop.app:app": ModuleNotFoundError: No module named 'flask' (src/shop/app.py, line 1)`,
    );
    expect(importHint('python', failure, { requirementsFile: 'requirements.txt' })).toBe(
      ' (flask is neither in the package nor in its requirements: add flask to requirements.txt)',
    );
  });

  it("the app's own module: no hint (it is not a requirement)", () => {
    const failure = startup(
      `could not import the app "shop.app:app": ModuleNotFoundError: No module named 'shop'`,
    );
    expect(importHint('python', failure)).toBe('');
  });

  it.each([
    [
      'the settings file',
      '"app": "shop.app:app" in _lambda_deploy_settings.json; LAMBDA_DEPLOY_APP is not set',
    ],
    ['LAMBDA_DEPLOY_APP', 'LAMBDA_DEPLOY_APP=shop.app:app'],
  ])("on Lambda, the adapter's log lines (the app named by %s)", (_, named) => {
    const logs = [
      'INIT_START Runtime Version: python:3.12.v40',
      `lambda-deploy: could not start the app ${named}`,
      'Traceback (most recent call last):',
      '  File "/var/task/_lambda_deploy_adapter.py", line 1012, in _load_app',
      "ModuleNotFoundError: No module named 'yaml'",
    ].join('\n');
    const failure = importFailureIn(`GET / answered 500, expected 200-399.\n${logs}`);
    expect(importHint('python', failure!, { requirementsFile: 'requirements.txt' })).toBe(
      ' (yaml is neither in the package nor in its requirements: add PyYAML (the distribution that provides yaml) to requirements.txt)',
    );
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

  it.each([
    [
      "an ES module's plain Error (CloudWatch JSON)",
      '2026-12-06T08:00:00.000Z\tundefined\tERROR\tUncaught Exception \t{"errorType":"Error","errorMessage":"Cannot find package \'left-pad\' imported from /var/task/index.mjs","code":"ERR_MODULE_NOT_FOUND"}\nINIT_REPORT Init Duration: 1 ms Phase: init Status: error Error Type: Error',
      'Error',
    ],
    [
      'CommonJS, Runtime.ImportModuleError after the type-only INIT_REPORT',
      "INIT_REPORT Init Duration: 1 ms Phase: init Status: error Error Type: Runtime.ImportModuleError\nInvoke shop-main:live raised an error (Unhandled): Runtime.ImportModuleError: Error: Cannot find module 'left-pad'",
      'Runtime.ImportModuleError',
    ],
  ])("finds Node.js's missing package in %s", (_where, text, errorType) => {
    const failure = importFailureIn(text);
    expect(failure?.errorType).toBe(errorType);
    expect(importHint('node', failure!)).toMatch(/^ \(left-pad is not in the package/);
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
