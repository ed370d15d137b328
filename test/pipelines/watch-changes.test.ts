import { describe, expect, test } from '@jest/globals';
import {
  ChangeBatch,
  changeFilter,
  folderFilter,
  reloadedLine,
  reloadFailedLine,
  startFailureText,
} from '../../src/pipelines/local-deploy/watch-changes.js';

const scope = (over: Partial<Parameters<typeof changeFilter>[0]> = {}) => ({
  path: '/src/app',
  runtime: 'python3.12',
  include: [],
  exclude: [],
  outputs: [],
  ...over,
});

describe('changeFilter: a change rebuilds when the package would hold the file', () => {
  test.each<[string, boolean]>([
    ['app.py', true],
    ['lib/util.py', true],
    ['templates/index.html', true],
    // The default exclusions of packaging, at any depth.
    ['__pycache__/app.cpython-312.pyc', false],
    ['lib/__pycache__/util.cpython-312.pyc', false],
    ['app.pyc', false],
    ['.git/index', false],
    ['.git/refs/heads/main', false],
    ['.venv/lib/python3.12/site-packages/x.py', false],
    ['.env', false],
    ['app.py.swp', false],
    ['app.py~', false],
    // A Python function's node_modules is never packaged.
    ['node_modules/x/index.js', false],
    // Requirements and lockfiles decide what is installed.
    ['requirements.txt', true],
    ['uv.lock', true],
  ])('python: %s -> %s', (path, expected) => {
    expect(changeFilter(scope())(path)).toBe(expected);
  });

  test('include, exclude and the build output as packaging has them; requirements always count', () => {
    const relevant = changeFilter(
      scope({
        include: ['app.py', 'lib'],
        exclude: ['lib/fixtures'],
        requirements: '/src/app/deps/requirements-prod.txt',
        outputs: ['/src/app/.build', '/elsewhere/cache'],
      }),
    );
    expect(
      [
        'app.py',
        'lib/a.py',
        'lib/fixtures/big.json',
        'README.md',
        'deps/requirements-prod.txt',
        '.build/x.zip',
      ].map(relevant),
    ).toEqual([true, true, false, false, true, false]);
  });

  test('node: node_modules counts, its .cache does not', () => {
    const relevant = changeFilter(scope({ runtime: 'nodejs22.x' }));
    expect(
      ['index.mjs', 'node_modules/x/index.js', 'node_modules/.cache/babel/x', 'package-lock.json'].map(
        relevant,
      ),
    ).toEqual([true, true, false, true]);
  });

  test('a !__pycache__ exclude (packaged) still is no reason to rebuild', () => {
    expect(changeFilter(scope({ exclude: ['!__pycache__'] }))('__pycache__/x.pyc')).toBe(false);
  });
});

describe('ChangeBatch: one rebuild per burst', () => {
  test('due only once quiet for quietMs after the last change; each path once, sorted', () => {
    const batch = new ChangeBatch(150);
    expect(batch.take(0)).toBeUndefined();
    expect(batch.add('b.py', 1000)).toBe(1150);
    expect(batch.add('a.py', 1100)).toBe(1250);
    expect(batch.add('b.py', 1120)).toBe(1270);
    expect(batch.take(1150)).toBeUndefined();
    expect(batch.take(1269)).toBeUndefined();
    expect(batch.take(1270)).toEqual(['a.py', 'b.py']);
    // Emptied: nothing more until the next change.
    expect(batch.take(5000)).toBeUndefined();
    batch.add('c.py', 6000);
    expect(batch.take(6150)).toEqual(['c.py']);
  });
});

describe('the reload lines', () => {
  test.each<[string[], string]>([
    [['app.py'], 'Reloaded after app.py changed (0.3 s)'],
    [['a.py', 'b.py'], 'Reloaded after a.py and b.py changed (0.3 s)'],
    [['a.py', 'b.py', 'c.py'], 'Reloaded after a.py and 2 more files changed (0.3 s)'],
  ])('%j', (paths, line) => {
    expect(reloadedLine(paths, 312)).toBe(line);
  });

  test('a failure says the last good build keeps serving', () => {
    expect(reloadFailedLine(['app.py'], 'boom')).toBe(
      'Reload after app.py changed failed: boom. The server is still serving the last good build; the next change tries again.',
    );
  });
});

test('a build that could not start: its traceback, without times, INIT_ lines or the [ERROR] line the failure line repeats; redacted', () => {
  const lines = [
    '2026-12-06T05:06:00.100Z INIT_START Runtime: python3.12 (python3)',
    'loading settings for s3cr3t-token-value',
    '2026-12-06T05:06:00.256Z [ERROR] StartupError: could not import the app "app:app": RuntimeError: boom (app.py, line 1)',
    '2026-12-06T05:06:00.256Z Traceback (most recent call last):',
    '2026-12-06T05:06:00.256Z   File "/tmp/local-x/app.py", line 1, in <module>',
    '2026-12-06T05:06:00.257Z RuntimeError: boom',
    '2026-12-06T05:06:00.262Z INIT_REPORT Init Duration: 82 ms Phase: init Status: error Error Type: StartupError',
  ];
  expect(startFailureText(lines, ['s3cr3t-token-value'])).toBe(
    [
      'loading settings for ***',
      'Traceback (most recent call last):',
      '  File "/tmp/local-x/app.py", line 1, in <module>',
      'RuntimeError: boom',
    ].join('\n'),
  );
});

describe('folderFilter: the folders worth a watch', () => {
  test.each<[string, string, boolean]>([
    ['python3.12', '', true],
    ['python3.12', 'pkg/sub', true],
    ['python3.12', '.venv', false],
    ['python3.12', '.venv/lib/python3.12/site-packages', false],
    ['python3.12', 'venv', false],
    ['python3.12', '.git/objects', false],
    ['python3.12', 'pkg/__pycache__', false],
    ['python3.12', 'node_modules', false],
    ['python3.12', 'out', false],
    ['nodejs22.x', 'node_modules/express', true],
    ['nodejs22.x', 'node_modules/.cache', false],
  ])('%s: %j -> %s', (runtime, relDir, expected) => {
    expect(folderFilter(scope({ runtime, outputs: ['/src/app/out'] }))(relDir)).toBe(expected);
  });
});
