import { describe, expect, test } from '@jest/globals';
import { guessRuntime } from '../../../src/entry/cli/runtime-inference.js';

const folder =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

describe('guessRuntime: a folder without --runtime', () => {
  test.each<[string, string | undefined, string[], ReturnType<typeof guessRuntime>]>([
    [
      'index.mjs and package.json: Node.js, index.handler',
      undefined,
      ['index.mjs', 'package.json'],
      { kind: 'node', runtime: 'nodejs22.x', handler: 'index.handler', file: 'index.mjs' },
    ],
    [
      'app.cjs: Node.js, the default handler kept',
      undefined,
      ['app.cjs'],
      { kind: 'node', runtime: 'nodejs22.x', handler: 'app.handler', file: 'app.cjs' },
    ],
    [
      'a --handler naming a .js file in a subfolder',
      'src/main.run',
      ['src/main.js', 'tools.py'],
      { kind: 'node', runtime: 'nodejs22.x', handler: 'src/main.run', file: 'src/main.js' },
    ],
    ['app.py: Python, the default (undefined)', undefined, ['app.py', 'package.json'], undefined],
    ['a package app/__init__.py: Python', undefined, ['app/__init__.py'], undefined],
    ['a --handler naming a .py module', 'service.main.handler', ['service/main.py', 'index.js'], undefined],
    ['nothing to go by: Python, the default', undefined, ['README.md'], undefined],
    // A Python app with a front-end index.js beside it deployed as Python before: it still does.
    ['app.py and index.js: Python, the default (undefined)', undefined, ['app.py', 'index.js'], undefined],
    ['app/__init__.py and index.mjs: Python', undefined, ['app/__init__.py', 'index.mjs'], undefined],
    [
      'app.py and app.js, the default handler in both languages: both',
      undefined,
      ['app.py', 'app.js', 'index.js'],
      { kind: 'both', python: 'app.py', node: 'app.js' },
    ],
    [
      'a --handler whose module is there as .py and .mjs: both',
      'api.handler',
      ['api.py', 'api.mjs'],
      { kind: 'both', python: 'api.py', node: 'api.mjs' },
    ],
  ])('%s', (_, handler, files, expected) => {
    expect(guessRuntime(handler, folder(...files))).toEqual(expected);
  });
});
