import { describe, expect, test } from '@jest/globals';
import { shownSourcePaths, sourcePathRewriter } from '../../src/local-runtime/source-paths.js';

const ROOT = '/tmp/lambda-deploy-x/local-abc';
const shown = new Map([
  ['app.py', 'src/app.py'],
  ['shop/orders.py', 'src/shop/orders.py'],
  ['my app.py', 'src/my app.py'],
  ['index.mjs', 'src/index.mjs'],
]);
const rewrite = sourcePathRewriter([ROOT, '/private/tmp/lambda-deploy-x/local-abc'], shown);

describe('sourcePathRewriter', () => {
  test.each([
    [`  File "${ROOT}/app.py", line 5, in handler`, '  File "src/app.py", line 5, in handler'],
    [`  File "${ROOT}/shop/orders.py", line 6, in total`, '  File "src/shop/orders.py", line 6, in total'],
    [`  File "${ROOT}/my app.py", line 1, in <module>`, '  File "src/my app.py", line 1, in <module>'],
    [`    at handler (file://${ROOT}/index.mjs:3:74)`, '    at handler (src/index.mjs:3:74)'],
    [`    at file:///private${ROOT}/index.mjs:1:7`, '    at src/index.mjs:1:7'],
    [`    at handler (${ROOT}/index.mjs:3:74)`, '    at handler (src/index.mjs:3:74)'],
    // Two on a line, one of them in a message.
    [`${ROOT}/app.py and '${ROOT}/shop/orders.py'`, "src/app.py and 'src/shop/orders.py'"],
  ])('%s', (line, expected) => {
    expect(rewrite(line)).toBe(expected);
  });

  test.each([
    // Installed into the package by pip or npm: no file of the user's.
    `  File "${ROOT}/requests/api.py", line 59, in request`,
    `    at f (file://${ROOT}/node_modules/x/index.js:1:1)`,
    // Not an entry: a longer name, a folder, a sibling folder that starts the same.
    `  File "${ROOT}/app.py.bak", line 1`,
    `sys.path[0] = ${ROOT}/shop`,
    `  File "${ROOT}2/app.py", line 1`,
    'no path at all: app.py, line 5',
  ])('leaves %s', (line) => {
    expect(rewrite(line)).toBe(line);
  });

  test("a Node.js frame of the package's own file: named as Python's are, in one pair of parentheses", () => {
    const own = sourcePathRewriter(
      [ROOT],
      new Map([
        ['index.mjs', 'src/index.mjs'],
        ['node_modules/x/index.js', '(package) node_modules/x/index.js'],
      ]),
    );
    expect(own(`    at fn (file://${ROOT}/node_modules/x/index.js:3:9)`)).toBe(
      '    at fn (package) node_modules/x/index.js:3:9',
    );
    expect(own(`    at async fn (${ROOT}/node_modules/x/index.js:3:9)`)).toBe(
      '    at async fn (package) node_modules/x/index.js:3:9',
    );
    expect(own(`    at file://${ROOT}/node_modules/x/index.js:1:7`)).toBe(
      '    at (package) node_modules/x/index.js:1:7',
    );
    // The user's own files keep their parentheses; a Python frame of the package is as it was.
    expect(own(`    at handler (file://${ROOT}/index.mjs:3:74)`)).toBe('    at handler (src/index.mjs:3:74)');
    expect(
      sourcePathRewriter(
        [ROOT],
        new Map([['x/api.py', '(package) x/api.py']]),
      )(`  File "${ROOT}/x/api.py", line 2, in get`),
    ).toBe('  File "(package) x/api.py", line 2, in get');
  });

  test("a Node.js frame of the user's file whose path starts with a parenthesis (a route group's folder) keeps its own", () => {
    const grouped = sourcePathRewriter(
      [ROOT],
      new Map([
        ['(shop)/index.mjs', '(shop)/index.mjs'],
        ['node_modules/x/index.js', '(package) node_modules/x/index.js'],
      ]),
    );
    expect(grouped(`    at handler (file://${ROOT}/(shop)/index.mjs:3:74)`)).toBe(
      '    at handler ((shop)/index.mjs:3:74)',
    );
    expect(grouped(`    at handler (${ROOT}/(shop)/index.mjs:3:74)`)).toBe(
      '    at handler ((shop)/index.mjs:3:74)',
    );
    expect(grouped(`    at fn (${ROOT}/node_modules/x/index.js:3:9)`)).toBe(
      '    at fn (package) node_modules/x/index.js:3:9',
    );
  });

  test("a folder of the dependencies (a layer, a slim package's tree): any file in it named in it, after its label", () => {
    const OPT = '/tmp/lambda-deploy-x/local-opt-abc';
    const SLIM = '/tmp/lambda-deploy-x/local-tmp-abc/lambda-deploy-slim/0123abcd';
    const trees = [
      { dir: `${OPT}/python`, shown: '(layer) ' },
      { dir: `${OPT}/python/lib/python3.12/site-packages`, shown: '(layer) ' },
      { dir: SLIM, shown: '(package) ' },
    ];
    const deps = sourcePathRewriter([ROOT], shown, trees);
    expect(deps(`  File "${OPT}/python/requests/api.py", line 59, in request`)).toBe(
      '  File "(layer) requests/api.py", line 59, in request',
    );
    expect(deps(`  File "${OPT}/python/lib/python3.12/site-packages/requests/api.py", line 59, in get`)).toBe(
      '  File "(layer) requests/api.py", line 59, in get',
    );
    expect(deps(`  File "${SLIM}/flask/app.py", line 9, in wsgi_app`)).toBe(
      '  File "(package) flask/app.py", line 9, in wsgi_app',
    );
    expect(deps(`  File "${ROOT}/app.py", line 5, in handler`)).toBe(
      '  File "src/app.py", line 5, in handler',
    );
    // The folder itself, or one beside it that starts the same: no file in it.
    expect(deps(`sys.path: ${OPT}/python`)).toBe(`sys.path: ${OPT}/python`);
    expect(deps(`  File "${OPT}/python2/x.py", line 1`)).toBe(`  File "${OPT}/python2/x.py", line 1`);
    // With no file of the package's to map, the folders still are.
    expect(sourcePathRewriter([ROOT], new Map(), trees)(`${SLIM}/flask/app.py`)).toBe(
      '(package) flask/app.py',
    );
  });

  test('a file URL names its entry percent-encoded', () => {
    const spaced = sourcePathRewriter(['/tmp/a b'], new Map([['my app.mjs', 'my app.mjs']]));
    expect(spaced('    at h (file:///tmp/a%20b/my%20app.mjs:2:3)')).toBe('    at h (my app.mjs:2:3)');
    expect(spaced('    at h (/tmp/a b/my app.mjs:2:3)')).toBe('    at h (my app.mjs:2:3)');
  });

  test('with nothing to map, text is returned as it is', () => {
    expect(sourcePathRewriter([ROOT], new Map())(`${ROOT}/app.py`)).toBe(`${ROOT}/app.py`);
  });
});

describe('shownSourcePaths', () => {
  test("the package's other entries (installed, generated) are named in the package, not as the user's", () => {
    const files = new Map([['app.py', '/home/ada/shop/src/app.py']]);
    const entries = ['app.py', 'fastapi/routing.py', '_lambda_deploy_adapter.py'];
    expect(shownSourcePaths(files, '/home/ada/shop', entries)).toEqual(
      new Map([
        ['app.py', 'src/app.py'],
        ['fastapi/routing.py', '(package) fastapi/routing.py'],
        ['_lambda_deploy_adapter.py', '(package) _lambda_deploy_adapter.py'],
      ]),
    );
    const rewrite = sourcePathRewriter([ROOT], shownSourcePaths(files, '/home/ada/shop', entries));
    expect(rewrite(`  File "${ROOT}/fastapi/routing.py", line 301, in app`)).toBe(
      '  File "(package) fastapi/routing.py", line 301, in app',
    );
  });

  test('relative to the current directory inside it, else absolute', () => {
    const files = new Map([
      ['app.py', '/home/ada/shop/src/app.py'],
      ['lib/x.py', '/home/ada/other/lib/x.py'],
    ]);
    expect(shownSourcePaths(files, '/home/ada/shop')).toEqual(
      new Map([
        ['app.py', 'src/app.py'],
        ['lib/x.py', '/home/ada/other/lib/x.py'],
      ]),
    );
  });
});
