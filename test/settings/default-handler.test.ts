import { describe, expect, test } from '@jest/globals';
import { defaultHandler, mainHandler } from '../../src/settings/runtimes.js';

describe('defaultHandler: the handler when neither handler nor app is set (the action and the CLI)', () => {
  test.each<
    [
      string,
      string,
      string[],
      string | undefined,
      { handler: string; main?: string; passedOver?: [string, string] },
    ]
  >([
    [
      'Python: app.handler, whatever package.json says',
      'python3.12',
      ['app.py'],
      'dist/handler.js',
      { handler: 'app.handler' },
    ],
    [
      'Node.js with index.js: index.handler',
      'nodejs22.x',
      ['index.js', 'package.json'],
      'dist/handler.js',
      { handler: 'index.handler', passedOver: ['index.js', 'dist/handler.handler'] },
    ],
    [
      'Node.js with index.cjs: index.handler',
      'nodejs22.x',
      ['index.cjs'],
      'dist/handler.js',
      { handler: 'index.handler', passedOver: ['index.cjs', 'dist/handler.handler'] },
    ],
    [
      'Node.js with app.mjs: app.handler',
      'nodejs20.x',
      ['app.mjs'],
      'dist/handler.js',
      { handler: 'app.handler', passedOver: ['app.mjs', 'dist/handler.handler'] },
    ],
    // "main" naming the chosen module itself: they agree, nothing passed over.
    [
      'index.js and "main" index.mjs agree',
      'nodejs22.x',
      ['index.js'],
      'index.mjs',
      { handler: 'index.handler' },
    ],
    [
      'app.js and "main" app.js agree',
      'nodejs22.x',
      ['app.js', 'index.js'],
      'app.js',
      { handler: 'app.handler' },
    ],
    [
      'Node.js with neither, "main" dist/handler.js',
      'nodejs22.x',
      ['package.json', 'src'],
      'dist/handler.js',
      { handler: 'dist/handler.handler', main: 'dist/handler.js' },
    ],
    [
      'Node.js with neither, "main" lib/entry.mjs',
      'nodejs24.x',
      ['package.json', 'lib'],
      'lib/entry.mjs',
      { handler: 'lib/entry.handler', main: 'lib/entry.mjs' },
    ],
    [
      'Node.js with neither and no "main": index.handler',
      'nodejs22.x',
      ['package.json'],
      undefined,
      { handler: 'index.handler' },
    ],
    // Lambda's handler string ends the file at its first dot: my.lambda.js cannot be named.
    [
      'a "main" Lambda cannot name: index.handler',
      'nodejs22.x',
      ['package.json'],
      'dist/my.lambda.js',
      { handler: 'index.handler' },
    ],
    // The handler input's form (settings' entry point): a "main" outside it would fail the
    // settings with an error on a handler input nobody gave.
    [
      'a "main" the handler input cannot hold (a space): index.handler',
      'nodejs22.x',
      ['package.json'],
      'dist/my handler.js',
      { handler: 'index.handler' },
    ],
    [
      'a "main" the handler input cannot hold (a leading digit): index.handler',
      'nodejs22.x',
      ['package.json'],
      '1st.js',
      { handler: 'index.handler' },
    ],
    [
      'a "main" that is no JavaScript file: index.handler',
      'nodejs22.x',
      ['package.json'],
      'data.json',
      { handler: 'index.handler' },
    ],
    // Lambda's file system tells case: Index.js is not index.js.
    [
      'Index.js is not index.js',
      'nodejs22.x',
      ['Index.js', 'package.json'],
      'dist/handler.js',
      { handler: 'dist/handler.handler', main: 'dist/handler.js' },
    ],
    [
      'index.ts is no handler file',
      'nodejs22.x',
      ['index.ts', 'package.json'],
      'dist/index.js',
      { handler: 'dist/index.handler', main: 'dist/index.js' },
    ],
  ])('%s', (_, runtime, listing, main, expected) => {
    // package.json's "main" as packageEntry() gives it.
    const entry = (file: string) => ({ file, said: `package.json's "main" is ${file}`, guessed: false });
    expect(defaultHandler(runtime, listing, main === undefined ? undefined : entry(main))).toEqual({
      ...expected,
      ...(expected.main && { main: entry(expected.main) }),
      ...(expected.passedOver && {
        passedOver: { file: expected.passedOver[0], main: entry(main!), handler: expected.passedOver[1] },
      }),
    });
  });

  test('mainHandler: the module before .js, .mjs or .cjs, and .handler', () => {
    expect(mainHandler('dist/handler.js')).toBe('dist/handler.handler');
    expect(mainHandler('dist/index.cjs')).toBe('dist/index.handler');
    expect(mainHandler('handler.mjs')).toBe('handler.handler');
    expect(mainHandler('dist/my.lambda.js')).toBeUndefined();
    expect(mainHandler('dist/handler.ts')).toBeUndefined();
    expect(mainHandler('dist/@scope/handler.js')).toBeUndefined();
    expect(mainHandler('dist/v1.0/handler.js')).toBe('dist/v1.0/handler.handler');
    expect(mainHandler(undefined)).toBeUndefined();
  });
});
