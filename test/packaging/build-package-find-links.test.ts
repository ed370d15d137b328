/** buildPackage of a Python function installed offline from a folder of wheels inside `path`: the folder stays out of the zip. */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { splitList } from '../../src/settings/input-lists.js';
import { parse } from 'yaml';
import { buildWheel } from './helpers.js';
import { buildWorkspace, names } from './build-workspace.js';

const { project, options } = buildWorkspace();

describe("a Python function's --find-links folder inside path", () => {
  const tree = {
    'app.py': 'import greetlib\n\ndef handler(e, c):\n    return greetlib.hello()\n',
    'requirements.txt': 'greetlib==1.2.0\n',
    // A wheel elsewhere in the tree is the user's business: it stays.
    'assets/extra-0.1-py3-none-any.whl': 'not read',
  };
  const installed = [
    'greetlib-1.2.0.dist-info/INSTALLER',
    'greetlib-1.2.0.dist-info/METADATA',
    'greetlib-1.2.0.dist-info/RECORD',
    'greetlib-1.2.0.dist-info/REQUESTED',
    'greetlib-1.2.0.dist-info/WHEEL',
    'greetlib/__init__.py',
  ];
  const code = ['app.py', 'assets/extra-0.1-py3-none-any.whl', 'requirements.txt'];

  async function build(
    name: string,
    files: Record<string, string>,
    wheelsAt: string,
    overrides: (path: string) => Partial<BuildPackageOptions>,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const path = project(name, files);
    mkdirSync(join(path, wheelsAt), { recursive: true });
    await buildWheel(join(path, wheelsAt), 'greetlib', '1.2.0', 'def hello():\n    return "hello"\n');
    const logger = new RecordingLogger();
    const result = await buildPackage(
      options(path, { requirements: join(path, 'requirements.txt'), ...overrides(path) }),
      { logger, env },
    );
    const entries = await names(result.zipPath);
    return { entries, log: logger.text('info'), path };
  }

  it('pip-args --find-links, relative to the working directory: the folder is left out, said once, with how to keep it', async () => {
    const { entries, log } = await build('pip-args', tree, 'wheels', (path) => ({
      pipArgs: ['--no-index', '--find-links', `${relative(process.cwd(), join(path, 'wheels'))}/`],
    }));
    expect(entries).toEqual([...installed, ...code].sort());
    const lines = log.split('\n').filter((l) => l.startsWith('Left out'));
    expect(lines).toEqual([
      "Left out wheels/ (pip's --find-links folder: wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only): pip installed from it, and nothing reads it at run time; " +
        'package it anyway with exclude: "!wheels".',
    ]);
  });

  it('-f in a requirements file, and --find-links= in one it includes, read from its folder as pip reads them', async () => {
    const files = {
      ...tree,
      'requirements.txt': '-r reqs/base.txt\n-f deps/wheels\n',
      'reqs/base.txt': '--find-links=../more\ngreetlib==1.2.0\n',
      'more/README': 'no wheels here',
    };
    const { entries, log } = await build('requirements-file', files, 'deps/wheels', () => ({
      pipArgs: ['--no-index'],
    }));
    expect(entries).toEqual([...installed, ...code, 'reqs/base.txt'].sort());
    expect(log).toContain(
      "Left out deps/wheels/ and more/ (pip's --find-links folders: wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only): pip installed from them, and nothing reads them at run time; " +
        'package them anyway with exclude: "!deps/wheels\\n!more".',
    );
  });

  it('PIP_FIND_LINKS, from the working directory', async () => {
    const { entries, log } = await build('environment', tree, 'wheels', () => ({ pipArgs: ['--no-index'] }), {
      ...process.env,
      PIP_FIND_LINKS: relative(process.cwd(), join(project('environment', {}), 'wheels')),
    });
    expect(entries).toEqual([...installed, ...code].sort());
    expect(log).toContain(
      "Left out wheels/ (pip's --find-links folder: wheels, sdists, link pages, requirement and checksum lists, notes and dotfiles only)",
    );
  });

  it('keeps it where a !pattern of exclude or include names it', async () => {
    const wheel = 'wheels/greetlib-1.2.0-py3-none-any.whl';
    const negated = await build('negated', tree, 'wheels', (path) => ({
      pipArgs: ['--no-index', '--find-links', join(path, 'wheels')],
      exclude: ['!wheels'],
    }));
    expect(negated.entries).toEqual([...installed, ...code, wheel].sort());
    expect(negated.log).not.toContain('--find-links folder');
    const included = await build('included', tree, 'wheels', (path) => ({
      pipArgs: ['--no-index', '--find-links', join(path, 'wheels')],
      include: ['app.py', 'wheels/'],
    }));
    expect(included.entries).toEqual([...installed, 'app.py', wheel].sort());
    expect(included.log).not.toContain('--find-links folder');
    // Wheels named by their kind, as the TypeScript rule takes `*.ts`: shipped on purpose (installed at run time).
    for (const [name, over] of <[string, Partial<BuildPackageOptions>][]>[
      ['glob-included', { include: ['app.py', '*.whl'] }],
      ['glob-negated', { exclude: ['!**/*.whl'] }],
    ]) {
      const globbed = await build(name, tree, 'wheels', (path) => ({
        pipArgs: ['--no-index', '--find-links', join(path, 'wheels')],
        ...over,
      }));
      expect(globbed.entries).toContain(wheel);
      expect(globbed.log).not.toContain('--find-links folder');
    }
  });

  it('two folders left out with include set: the include line it gives, pasted, keeps both', async () => {
    const files = { ...tree, 'deps/wheels/other-0.1-py3-none-any.whl': 'not read' };
    const both = (path: string) => [
      '--no-index',
      '--find-links',
      join(path, 'wheels'),
      '--find-links',
      join(path, 'deps/wheels'),
    ];
    const first = await build('two-included', files, 'wheels', (path) => ({
      pipArgs: both(path),
      include: ['app.py'],
    }));
    expect(first.entries).toEqual([...installed, 'app.py'].sort());
    const setting = /by naming them in include \((include: .*)\)\.$/m.exec(first.log)?.[1] ?? '';
    const include = splitList((parse(setting) as { include: string }).include);
    expect(include).toEqual(['app.py', 'deps/wheels/', 'wheels/']);
    const pasted = await build('two-pasted', files, 'wheels', (path) => ({ pipArgs: both(path), include }));
    expect(pasted.entries).toEqual(
      [
        ...installed,
        'app.py',
        'deps/wheels/other-0.1-py3-none-any.whl',
        'wheels/greetlib-1.2.0-py3-none-any.whl',
      ].sort(),
    );
    expect(pasted.log).not.toContain('--find-links folder');
  });

  it("with exclude set: the exclude line it gives, pasted in place of the user's, keeps the folder and the user's exclude", async () => {
    const files = { ...tree, 'tests/test_app.py': 'def test(): pass\n' };
    const pipArgs = (path: string) => ['--no-index', '--find-links', join(path, 'wheels')];
    const first = await build('excluded', files, 'wheels', (path) => ({
      pipArgs: pipArgs(path),
      exclude: ['tests/'],
    }));
    expect(first.entries).toEqual([...installed, ...code].sort());
    const setting = /package it anyway with (exclude: .*)\.$/m.exec(first.log)?.[1] ?? '';
    const exclude = splitList((parse(setting) as { exclude: string }).exclude);
    expect(exclude).toEqual(['tests/', '!wheels']);
    const pasted = await build('excluded-pasted', files, 'wheels', (path) => ({
      pipArgs: pipArgs(path),
      exclude,
    }));
    expect(pasted.entries).toEqual([...installed, ...code, 'wheels/greetlib-1.2.0-py3-none-any.whl'].sort());
    expect(pasted.log).not.toContain('--find-links folder');
  });

  it('a folder that also holds code (the handler, a data file) is packaged whole, with no line', async () => {
    const files = {
      'src/app.py': tree['app.py'],
      'src/settings.json': '{}',
      'requirements.txt': tree['requirements.txt'],
    };
    const { entries, log } = await build('code-folder', files, 'src', (path) => ({
      pipArgs: ['--no-index', '--find-links', join(path, 'src')],
      handler: 'src/app.handler',
    }));
    const kept = [
      'requirements.txt',
      'src/app.py',
      'src/greetlib-1.2.0-py3-none-any.whl',
      'src/settings.json',
    ];
    expect(entries).toEqual([...installed, ...kept].sort());
    expect(log).not.toContain('--find-links folder');
  });

  it("-f . in a sub-package's requirements file: the sub-package stays", async () => {
    const files = {
      'app.py': 'from lib import tool\n\ndef handler(e, c):\n    return tool.go()\n',
      'lib/__init__.py': '',
      'lib/tool.py': 'import greetlib\n\ndef go():\n    return greetlib.hello()\n',
      'lib/requirements.txt': '-f .\ngreetlib==1.2.0\n',
      'requirements.txt': '-r lib/requirements.txt\n',
    };
    const { entries, log } = await build('sub-package', files, 'lib', () => ({ pipArgs: ['--no-index'] }));
    expect(entries).toEqual(
      expect.arrayContaining(['lib/__init__.py', 'lib/tool.py', 'lib/greetlib-1.2.0-py3-none-any.whl']),
    );
    expect(log).not.toContain('--find-links folder');
  });

  it('a folder outside path, or path itself, is not touched', async () => {
    const { entries, log } = await build('itself', tree, '.', (path) => ({
      pipArgs: ['--no-index', '--find-links', path],
    }));
    expect(entries).toEqual([...installed, ...code, 'greetlib-1.2.0-py3-none-any.whl'].sort());
    expect(log).not.toContain('--find-links folder');
  });
});
