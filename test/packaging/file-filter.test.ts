import { describe, expect, it } from '@jest/globals';
import { createFileFilter, type FilterOptions } from '../../src/packaging/file-filter.js';

const py: FilterOptions = { runtime: 'python3.12' };
const node: FilterOptions = { runtime: 'nodejs22.x' };

describe('createFileFilter: files', () => {
  const cases: [string, FilterOptions, string, boolean][] = [
    ['plain code', py, 'app.py', true],
    ['nested code', py, 'pkg/sub/mod.py', true],
    ['tests are user code', py, 'tests/test_app.py', true],
    ['dot files in general', py, '.config/settings.toml', true],
    ['.gitignore is harmless', py, '.gitignore', true],
    ['git folder', py, '.git/HEAD', false],
    ['nested git folder', py, 'vendor/lib/.git/config', false],
    ['hg', py, '.hg/store/data', false],
    ['svn', py, 'a/.svn/entries', false],
    ['__pycache__', py, 'pkg/__pycache__/mod.cpython-312.pyc', false],
    ['stray .pyc', py, 'pkg/mod.pyc', false],
    ['.pyo', py, 'mod.pyo', false],
    ['.venv', py, '.venv/lib/python3.12/site-packages/x.py', false],
    ['venv', py, 'venv/bin/python', false],
    ['.github', py, '.github/workflows/deploy.yml', false],
    ['.idea', py, '.idea/workspace.xml', false],
    ['.vscode', py, '.vscode/settings.json', false],
    ['.DS_Store anywhere', py, 'pkg/.DS_Store', false],
    ['Thumbs.db', py, 'img/Thumbs.db', false],
    ['pytest cache', py, '.pytest_cache/v/cache/nodeids', false],
    ['mypy cache', py, '.mypy_cache/3.12/x.json', false],
    ['ruff cache', py, '.ruff_cache/content', false],
    ['tox', py, '.tox/py312/log', false],
    ['coverage data', py, '.coverage', false],
    ['coverage shard', py, '.coverage.host.123', false],
    ['vim swap', py, 'app.py.swp', false],
    ['.env holds secrets', py, '.env', false],
    ['.env.local too', py, 'config/.env.local', false],
    // Files that hold credentials on a developer's machine and nothing a function reads at run time.
    ['.npmrc (a registry token)', node, '.npmrc', false],
    ['.pypirc (index passwords)', py, '.pypirc', false],
    ['.envrc (direnv)', py, '.envrc', false],
    ['.netrc', py, 'config/.netrc', false],
    ["a dependency's own .npmrc goes too", node, 'node_modules/some-lib/.npmrc', false],
    ['.npmrc kept on request', { ...node, exclude: ['!.npmrc'] }, '.npmrc', true],
    ['environment.py is code', py, 'environment.py', true],
    ['a folder named env without pyvenv.cfg is code', py, 'env/settings.py', true],
    ['python: node_modules dropped', py, 'node_modules/left-pad/index.js', false],
    ['node: node_modules kept', node, 'node_modules/left-pad/index.js', true],
    ['node: node_modules/.cache dropped', node, 'node_modules/.cache/babel/x.json', false],
    ['node: nested .cache in node_modules dropped', node, 'node_modules/pkg/.cache/x', false],
    ['node: .git still dropped', node, '.git/HEAD', false],
    ['user exclude by name, any depth', { ...py, exclude: ['tests'] }, 'pkg/tests/test_x.py', false],
    ['user exclude glob', { ...py, exclude: ['*.md'] }, 'docs/README.md', false],
    ['user exclude anchored', { ...py, exclude: ['/docs'] }, 'docs/index.md', false],
    ['anchored exclude spares nested', { ...py, exclude: ['/docs'] }, 'pkg/docs/index.md', true],
    ['user exclude path glob', { ...py, exclude: ['data/**/*.csv'] }, 'data/a/b.csv', false],
    ['user exclude path glob keeps others', { ...py, exclude: ['data/**/*.csv'] }, 'data/a/b.json', true],
    ['include limits', { ...py, include: ['src/**'] }, 'README.md', false],
    ['include keeps matches', { ...py, include: ['src/**'] }, 'src/app.py', true],
    ['include folder name covers its files', { ...py, include: ['src'] }, 'src/pkg/mod.py', true],
    [
      'include does not beat default excludes',
      { ...py, include: ['src/**'] },
      'src/__pycache__/a.pyc',
      false,
    ],
    [
      'exclude beats include',
      { ...py, include: ['src/**'], exclude: ['src/secret.py'] },
      'src/secret.py',
      false,
    ],
    [
      'negation keeps a default-excluded file',
      { ...py, exclude: ['!.env.production'] },
      '.env.production',
      true,
    ],
    ['negation is narrow', { ...py, exclude: ['!.env.production'] }, '.env', false],
    [
      'negation inside an excluded folder',
      { ...py, exclude: ['!.vscode/launch.json'] },
      '.vscode/launch.json',
      true,
    ],
    // As in .gitignore, `*` and `**` match names that start with a dot; the default exclusions still win.
    [
      'include **/*.txt takes a dot-folder\u2019s file',
      { ...py, include: ['**/*.txt'] },
      '.data/a.txt',
      true,
    ],
    ['include *.txt takes a dotfile at any depth', { ...py, include: ['*.txt'] }, 'data/.a.txt', true],
    ['include data/* takes a dotfile in data', { ...py, include: ['data/*'] }, 'data/.settings', true],
    [
      'exclude **/*.txt drops a dot-folder\u2019s file',
      { ...py, exclude: ['**/*.txt'] },
      '.data/a.txt',
      false,
    ],
    ['exclude data/* drops a dotfile in data', { ...py, exclude: ['data/*'] }, 'data/.settings', false],
    ['include ** keeps .env out', { ...py, include: ['**'] }, '.env', false],
    ['include **/* keeps .npmrc out', { ...node, include: ['**/*'] }, 'app/.npmrc', false],
    [
      'include naming .env keeps it out too (exclude "!.env" keeps it)',
      { ...py, include: ['.env'] },
      '.env',
      false,
    ],
    // TypeScript sources: Lambda's Node.js runtimes run the built JavaScript (dist/index.handler).
    ['node: a TypeScript source dropped', node, 'src/index.ts', false],
    ['node: .mts dropped', node, 'src/lib.mts', false],
    ['node: .cts dropped', node, 'lib.cts', false],
    ['node: .tsx dropped', node, 'src/page.tsx', false],
    ["node: tsc's declarations dropped", node, 'dist/index.d.ts', false],
    ['node: tsconfig.json dropped', node, 'tsconfig.json', false],
    ['node: tsconfig.build.json dropped', node, 'packages/api/tsconfig.build.json', false],
    ['node: the built JavaScript kept', node, 'dist/index.js', true],
    ['node: its source map kept', node, 'dist/index.js.map', true],
    ['node: a name that only holds ts kept', node, 'src/ts/notes.ts.txt', true],
    ['node: another json kept', node, 'config/mytsconfig.json', true],
    ["node: a package's declarations kept", node, 'node_modules/left-pad/index.d.ts', true],
    ["node: a package's own tsconfig kept", node, 'node_modules/@scope/lib/tsconfig.json', true],
    ['node: a nested package kept', node, 'node_modules/a/node_modules/b/src/x.ts', true],
    ['python: a .ts file kept', py, 'static/app.ts', true],
    ['python: tsconfig.json kept', py, 'tsconfig.json', true],
    ['include naming TypeScript keeps it', { ...node, include: ['src/**/*.ts'] }, 'src/index.ts', true],
    ['include naming a .ts file keeps it', { ...node, include: ['schema.ts'] }, 'schema.ts', true],
    ['include naming tsconfig keeps it', { ...node, include: ['tsconfig*.json'] }, 'tsconfig.json', true],
    [
      'include naming TypeScript in braces keeps it',
      { ...node, include: ['src/**/*.{js,ts}'] },
      'src/index.ts',
      true,
    ],
    ['include ** does not bring TypeScript back', { ...node, include: ['**'] }, 'src/index.ts', false],
    ['include src does not bring TypeScript back', { ...node, include: ['src'] }, 'src/index.ts', false],
    ['exclude "!*.ts" keeps TypeScript', { ...node, exclude: ['!*.ts'] }, 'src/index.ts', true],
    ['exclude "!*.ts" is narrow', { ...node, exclude: ['!*.ts'] }, 'tsconfig.json', false],
    ['defaults off keeps TypeScript', { ...node, defaults: false }, 'src/index.ts', true],
    ['output folder', { ...py, excludeDirs: ['dist/out'] }, 'dist/out/app-123.zip', false],
    ['output folder sibling kept', { ...py, excludeDirs: ['dist/out'] }, 'dist/outside.py', true],
    ['defaults off (installed deps)', { ...py, defaults: false }, 'pkg/.env', true],
  ];
  it.each(cases)('%s', (_what, options, path, expected) => {
    expect(createFileFilter(options).includeFile(path)).toBe(expected);
  });
});

describe('createFileFilter: TypeScript sources left out', () => {
  it('tells onTypeScript each file it leaves out, not the ones it keeps', () => {
    const told: string[] = [];
    const filter = createFileFilter({ ...node, onTypeScript: (p) => told.push(p) });
    for (const p of ['src/index.ts', 'dist/index.js', 'tsconfig.json', 'node_modules/x/index.d.ts', '.env'])
      filter.includeFile(p);
    expect(told).toEqual(['src/index.ts', 'tsconfig.json']);
  });

  it('walks every folder: the files go one by one', () => {
    const filter = createFileFilter(node);
    expect(['src', 'dist', 'types'].map((d) => filter.walkDir(d))).toEqual([true, true, true]);
  });
});

describe('createFileFilter: folders to walk', () => {
  const cases: [string, FilterOptions, string, boolean][] = [
    ['code folder', py, 'pkg', true],
    ['.git skipped', py, '.git', false],
    ['node_modules skipped for python', py, 'node_modules', false],
    ['node_modules walked for node', node, 'node_modules', true],
    ['user-excluded folder skipped', { ...py, exclude: ['tests'] }, 'tests', false],
    ['include does not stop the walk', { ...py, include: ['src/**'] }, 'other', true],
    ['negation opens an excluded folder', { ...py, exclude: ['!.vscode/launch.json'] }, '.vscode', true],
    ['unrelated negation keeps .git closed', { ...py, exclude: ['!.env.production'] }, '.git', false],
    ['output folder skipped', { ...py, excludeDirs: ['build'] }, 'build', false],
  ];
  it.each(cases)('%s', (_what, options, path, expected) => {
    expect(createFileFilter(options).walkDir(path)).toBe(expected);
  });
});
