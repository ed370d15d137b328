import { describe, expect, it } from '@jest/globals';
import picomatch from 'picomatch';
import {
  createFileFilter,
  defaultExcludes,
  DEFAULT_EXCLUDED_DIRS,
  DEFAULT_EXCLUDED_FILES,
  simpleSource,
  type FilterOptions,
} from '../../src/packaging/file-filter.js';

/** Every pair of these (and each alone): names a pattern may or may not match, edge cases included. */
const PIECES = [
  '',
  '.',
  '..',
  'a',
  'b',
  '.a',
  'a.',
  '~',
  '-',
  '_',
  '.git',
  'git',
  '.pyc',
  'pyc',
  '.coverage',
  '.env',
  'local',
  'Thumbs.db',
  'node_modules',
  '.cache',
  'x-y',
  '__pycache__',
  '.aws-sam',
];
const NAMES = [...new Set(PIECES.flatMap((p) => PIECES.map((q) => p + q)))];

/** Paths of one to four of these segments. */
const SEGMENTS = ['node_modules', '.cache', 'a', 'b', '.', '..', '', '.x', 'app.py'];
const PATHS: string[] = [];
const addPaths = (prefix: string, depth: number): void => {
  for (const s of SEGMENTS) {
    const path = prefix === '' && depth === 0 ? s : `${prefix}/${s}`;
    PATHS.push(path);
    if (depth < 3) addPaths(path, depth + 1);
  }
};
addPaths('', 0);

/** Every pattern of one to `length` tokens over `alphabet`, joined by `join`. */
function allPatterns(alphabet: readonly string[], length: number, join: string): string[] {
  const out: string[] = [];
  const grow = (prefix: string, left: number): void => {
    if (prefix) out.push(prefix);
    if (left > 0) for (const token of alphabet) grow(prefix ? prefix + join + token : token, left - 1);
  };
  grow('', length);
  return out;
}

const NAME_PATTERNS = [
  ...DEFAULT_EXCLUDED_DIRS,
  'node_modules',
  ...DEFAULT_EXCLUDED_FILES,
  ...allPatterns(['a', '.', '*', '~', '-'], 4, '').filter((p) => simpleSource(p, true) !== undefined),
];
const PATH_PATTERNS = [
  'node_modules/.cache',
  'node_modules/**/.cache',
  ...allPatterns(['a', '.x', '**', 'app.py', '*'], 4, '/').filter(
    (p) => simpleSource(p, false) !== undefined,
  ),
];

describe('simpleSource: the filter patterns written without picomatch', () => {
  it('covers every default exclusion of both runtimes, and hundreds of other patterns', () => {
    expect(NAME_PATTERNS.length).toBeGreaterThan(500);
    expect(PATH_PATTERNS.length).toBeGreaterThan(100);
    for (const runtime of ['python3.12', 'nodejs22.x'])
      for (const pattern of defaultExcludes(runtime))
        expect([pattern, simpleSource(pattern, !pattern.includes('/'))]).toEqual([
          pattern,
          expect.any(String),
        ]);
  });

  /**
   * Where simpleSource and picomatch disagree over `inputs`, and any pattern
   * that matches every input or not an example of its own (`example`).
   */
  const disagreements = (
    patterns: readonly string[],
    inputs: readonly string[],
    name: boolean,
    example: (pattern: string) => string,
  ): string[] => {
    const differ: string[] = [];
    for (const pattern of patterns) {
      const ours = new RegExp(simpleSource(pattern, name)!);
      const theirs = picomatch.makeRe(pattern, { dot: true });
      for (const input of inputs)
        if (ours.test(input) !== theirs.test(input)) differ.push(`${pattern} ${input}`);
      if (!ours.test(example(pattern)) || inputs.every((input) => ours.test(input))) differ.push(pattern);
    }
    return differ;
  };

  it('matches exactly the names picomatch matches, for every name pattern', () => {
    expect(disagreements(NAME_PATTERNS, NAMES, true, (p) => p.replace(/\*/g, 'z'))).toEqual([]);
  });

  it('matches exactly the paths picomatch matches, for every path pattern', () => {
    expect(disagreements(PATH_PATTERNS, PATHS, false, (p) => p.replace(/\/\*\*\//g, '/a/b/'))).toEqual([]);
  });

  it('matches `**` as zero or more folders, never `.` or `..`', () => {
    const re = new RegExp(simpleSource('node_modules/**/.cache', false)!);
    expect(re.test('node_modules/.cache')).toBe(true);
    expect(re.test('node_modules/a/b/.cache')).toBe(true);
    expect(re.test('node_modules/.x/.cache')).toBe(true);
    expect(re.test('node_modules/../.cache')).toBe(false);
    expect(re.test('node_modules/./.cache')).toBe(false);
    expect(re.test('x/node_modules/.cache')).toBe(false);
  });

  it.each([
    ['*.{js,ts}', true],
    ['?.py', true],
    ['[ab].py', true],
    ['a**', true],
    ['.*', true],
    ['*.*', true],
    ['**', true],
    ['.', true],
    ['..', true],
    ['a b', true],
    ['+(a|b)', true],
    ['src/*.py', false],
    ['**/x', false],
    ['x/**', false],
    ['a/**/**/b', false],
    ['a//b', false],
    ['./a', false],
  ])('leaves %s to picomatch', (pattern, name) => {
    expect(simpleSource(pattern, name)).toBeUndefined();
  });
});

/**
 * The filter as it was written before simpleSource, literal names and
 * folder answers: every pattern through picomatch, every level checked.
 */
function referenceFilter(options: FilterOptions): {
  walkDir(p: string): boolean;
  includeFile(p: string): boolean;
} {
  const compileAll = (patterns: readonly string[]) => {
    const res = patterns
      .map((raw) => raw.trim().replace(/\/+$/, ''))
      .filter((p) => p !== '')
      .map((p) => {
        const anchored = p.startsWith('/');
        const pattern = anchored ? p.replace(/^\/+/, '') : p;
        return { name: !anchored && !pattern.includes('/'), re: picomatch.makeRe(pattern, { dot: true }) };
      });
    return (path: string) =>
      res.some(({ name, re }) => re.test(name ? path.slice(path.lastIndexOf('/') + 1) : path));
  };
  const anyLevelOf = (match: (p: string) => boolean) => (path: string) => {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
      if (match(p)) return true;
      if (p.lastIndexOf('/') <= 0) return false;
    }
  };
  const userExclude = options.exclude ?? [];
  const negated = userExclude.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const excluded = anyLevelOf(compileAll(userExclude.filter((p) => !p.startsWith('!'))));
  const kept = anyLevelOf(compileAll(negated));
  const defaults =
    options.defaults === false ? () => false : anyLevelOf(compileAll(defaultExcludes(options.runtime)));
  const outDirs = (options.excludeDirs ?? []).filter((d) => d !== '' && d !== '.');
  const inOutDir = (p: string) => outDirs.some((d) => p === d || p.startsWith(`${d}/`));
  const include = options.include ?? [];
  const included = include.length ? anyLevelOf(compileAll(include)) : () => true;
  return {
    walkDir: (p) =>
      !inOutDir(p) &&
      !excluded(p) &&
      (!defaults(p) || kept(p) || negated.some((n) => n.replace(/^\/+/, '').startsWith(`${p}/`))),
    includeFile: (p) => !inOutDir(p) && !excluded(p) && (!defaults(p) || kept(p)) && included(p),
  };
}

/** Paths of one to three segments of these names: folders and files the defaults and the options below touch. */
const TREE_NAMES = [
  'app.py',
  'src',
  'node_modules',
  '.cache',
  '.git',
  'venv',
  '.vscode',
  'settings.json',
  'x.pyc',
  '.env',
  '.env.local',
  '.env.example',
  'README.md',
  'docs',
  'build',
  'a~',
  '.coverage.1',
];
const TREE_PATHS: string[] = [];
const addTreePaths = (prefix: string, depth: number): void => {
  for (const n of TREE_NAMES) {
    const path = prefix ? `${prefix}/${n}` : n;
    TREE_PATHS.push(path);
    if (depth < 2) addTreePaths(path, depth + 1);
  }
};
addTreePaths('', 0);

describe('createFileFilter decides as the all-picomatch filter did', () => {
  it.each<[string, FilterOptions]>([
    ['python defaults', { runtime: 'python3.12' }],
    ['node defaults', { runtime: 'nodejs22.x' }],
    [
      'no defaults, dependency exclusions',
      { runtime: 'python3.12', defaults: false, exclude: ['__pycache__', '*.pyc', '*.pyo'] },
    ],
    [
      'user patterns of every kind',
      {
        runtime: 'nodejs22.x',
        exclude: [
          '*.md',
          '/build',
          'docs/**/README.md',
          'src/*.json',
          '!.env.example',
          '!.vscode/settings.json',
          '!venv',
        ],
        include: ['src', '*.py', '.env*', 'node_modules', '.vscode'],
        excludeDirs: ['build', 'src/.cache'],
      },
    ],
  ])('%s', (_label, options) => {
    const ours = createFileFilter(options);
    const reference = referenceFilter(options);
    const differ = TREE_PATHS.filter(
      (p) => ours.walkDir(p) !== reference.walkDir(p) || ours.includeFile(p) !== reference.includeFile(p),
    );
    expect(differ).toEqual([]);
    // Both answers occur.
    const kept = TREE_PATHS.filter((p) => ours.includeFile(p)).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(TREE_PATHS.length);
  });
});

describe('createFileFilter with the patterns written directly', () => {
  it('decides as picomatch would for user patterns of both kinds', () => {
    const filter = createFileFilter({
      runtime: 'nodejs22.x',
      exclude: ['*.md', 'docs/**/draft.txt', 'src/*.test.js', '!.env.example'],
      include: ['src', '*.json', 'docs', '.env.*'],
    });
    const decisions = [
      'src/app.js',
      'src/app.test.js',
      'src/lib/app.test.js',
      'README.md',
      'src/notes.md',
      'package.json',
      'docs/a/b/draft.txt',
      'docs/draft.txt',
      'docs/final.txt',
      '.env.example',
      '.env.local',
      'node_modules/x/.cache/y.js',
      'node_modules/.cache/y.js',
      'other/file.js',
    ].filter((p) => filter.includeFile(p));
    expect(decisions).toEqual([
      'src/app.js',
      'src/lib/app.test.js',
      'package.json',
      'docs/final.txt',
      '.env.example',
    ]);
  });
});
