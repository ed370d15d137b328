import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectFiles } from '../../src/packaging/collect-files.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('collect');
afterAll(cleanup);

function write(base: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(base, path, '..'), { recursive: true });
    writeFileSync(join(base, path), content);
  }
}

describe('collectFiles', () => {
  it('walks the tree with the default excludes, sorted by path bytes, with sizes and executable bits', async () => {
    const project = join(root, 'project');
    write(project, {
      'app.py': 'print(1)\n',
      'Zebra.py': 'z',
      'pkg/__init__.py': '',
      'pkg/__pycache__/x.cpython-312.pyc': 'bytecode',
      '.git/HEAD': 'ref',
      '.env': 'SECRET=1',
      'scripts/run.sh': '#!/bin/sh\n',
      'env/pyvenv.cfg': 'home = /usr/bin',
      'env/lib/site.py': 'venv',
      'environment/config.py': 'kept',
    });
    chmodSync(join(project, 'scripts/run.sh'), 0o755);
    const skipped: string[] = [];
    const files = await collectFiles(project, { runtime: 'python3.12' }, (m) => skipped.push(m));
    expect(files.map((f) => f.path)).toEqual([
      'Zebra.py',
      'app.py',
      'environment/config.py',
      'pkg/__init__.py',
      'scripts/run.sh',
    ]);
    expect(files.find((f) => f.path === 'app.py')).toMatchObject({ size: 9, executable: false });
    expect(files.find((f) => f.path === 'scripts/run.sh')!.executable).toBe(true);
    expect(skipped).toEqual(['env/ is a virtualenv (it holds pyvenv.cfg): not packaged']);
  });

  it('follows symlinks that stay inside the folder, under the link name', async () => {
    const project = join(root, 'links-inside');
    write(project, { 'shared/config.json': '{"a":1}', 'lib/real.py': 'x = 1\n' });
    symlinkSync('shared/config.json', join(project, 'config.json'));
    symlinkSync('lib', join(project, 'alias'));
    const files = await collectFiles(project, { runtime: 'python3.12' });
    expect(files.map((f) => f.path)).toEqual([
      'alias/real.py',
      'config.json',
      'lib/real.py',
      'shared/config.json',
    ]);
    expect(files.find((f) => f.path === 'config.json')).toMatchObject({
      absPath: join(project, 'shared/config.json'),
      size: 7,
    });
  });

  it('refuses a symlink pointing outside the folder, naming it', async () => {
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'secret');
    const project = join(root, 'links-outside');
    write(project, { 'app.py': '' });
    symlinkSync(outside, join(project, 'leak.txt'));
    await expect(collectFiles(project, { runtime: 'python3.12' })).rejects.toThrow(
      /leak\.txt is a symbolic link to .*outside\.txt, outside the package folder/,
    );
    // ...unless it is excluded
    const files = await collectFiles(project, { runtime: 'python3.12', exclude: ['leak.txt'] });
    expect(files.map((f) => f.path)).toEqual(['app.py']);
  });

  it('refuses dangling links and links to a folder above them', async () => {
    const dangling = join(root, 'dangling');
    write(dangling, { 'app.py': '' });
    symlinkSync('missing.py', join(dangling, 'gone.py'));
    await expect(collectFiles(dangling, { runtime: 'python3.12' })).rejects.toThrow(
      /gone\.py .*does not exist/,
    );

    const loop = join(root, 'loop');
    write(loop, { 'a/app.py': '' });
    symlinkSync('..', join(loop, 'a', 'up'));
    await expect(collectFiles(loop, { runtime: 'python3.12' })).rejects.toThrow(/a\/up .*a loop/);
  });

  it('honours include and exclude, and leaves out the output folder', async () => {
    const project = join(root, 'globs');
    write(project, {
      'src/app.py': '',
      'src/tests/test_app.py': '',
      'README.md': '',
      'build/out/pkg-1.zip': '',
    });
    const files = await collectFiles(project, {
      runtime: 'python3.12',
      include: ['src/**', 'build/**'],
      exclude: ['tests'],
      excludeDirs: ['build/out'],
    });
    expect(files.map((f) => f.path)).toEqual(['src/app.py']);
  });
});
