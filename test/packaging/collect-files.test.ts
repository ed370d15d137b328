import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it("tells the filter where it found each regular file: the path it collects (a linked folder's real one)", async () => {
    const project = join(root, 'found-at');
    write(project, { 'lib/real.py': 'x = 1\n', 'top.py': '', 'shared/config.json': '{}' });
    symlinkSync('lib', join(project, 'alias'));
    symlinkSync('shared/config.json', join(project, 'config.json'));
    const told: [string, string | undefined][] = [];
    const files = await collectFiles(project, {
      walkDir: () => true,
      includeFile: (relPath, absPath) => {
        told.push([relPath, absPath]);
        return true;
      },
    });
    const real = realpathSync(project);
    const byPath = new Map(told);
    expect(byPath.get('top.py')).toBe(join(real, 'top.py'));
    expect(byPath.get('alias/real.py')).toBe(join(real, 'lib/real.py'));
    // A link to a file is asked about before its target is known.
    expect(byPath.get('config.json')).toBeUndefined();
    for (const f of files.filter((f) => f.path !== 'config.json')) expect(byPath.get(f.path)).toBe(f.absPath);
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

  it('an in-workspace link is followed and an outside link refused (monorepo: common -> ../../libs/common)', async () => {
    const workspace = join(root, 'monorepo');
    write(workspace, {
      'services/api/app.py': 'import common',
      'libs/common/__init__.py': 'X = 1',
      'libs/common/util.py': 'def f(): pass',
    });
    const app = join(workspace, 'services/api');
    symlinkSync('../../libs/common', join(app, 'common'));
    const files = await collectFiles(app, { runtime: 'python3.12' }, undefined, workspace);
    // Stored as regular files under the link's name.
    expect(files.map((f) => f.path)).toEqual(['app.py', 'common/__init__.py', 'common/util.py']);
    expect(files[1]?.absPath).toBe(join(realpathSync(workspace), 'libs/common/__init__.py'));
    // Without the workspace as boundary the same link leaves the package folder.
    await expect(collectFiles(app, { runtime: 'python3.12' })).rejects.toThrow(
      /common is a symbolic link to .*libs\/common, outside the package folder/,
    );

    // A link out of the workspace (the runner's files) is refused with the same message.
    const secret = join(root, 'runner-secret.txt');
    writeFileSync(secret, 'secret');
    symlinkSync(secret, join(app, 'leak.txt'));
    await expect(collectFiles(app, { runtime: 'python3.12' }, undefined, workspace)).rejects.toThrow(
      /leak\.txt is a symbolic link to .*runner-secret\.txt, outside the workspace .*monorepo; the package would depend on the machine that built it/,
    );
  });

  it('refuses links that lead back into a folder being walked', async () => {
    const workspace = join(root, 'cross');
    write(workspace, { 'app/app.py': '', 'lib/x.py': '' });
    symlinkSync('../lib', join(workspace, 'app', 'lib'));
    symlinkSync('../app', join(workspace, 'lib', 'back'));
    await expect(
      collectFiles(join(workspace, 'app'), { runtime: 'python3.12' }, undefined, workspace),
    ).rejects.toThrow(/lib\/back is a symbolic link to a folder that contains it .*: a loop/);
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

describe('a file name that is not UTF-8', () => {
  // Latin-1 "café": Node.js reads the name as "caf\uFFFD" and can then open no file by it.
  const latin1 = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);
  const cafe = Buffer.from([0x63, 0x61, 0x66, 0xe9]);

  it('fails naming the file, what is wrong and what to do, not with ENOENT', async () => {
    const project = join(root, 'latin1');
    write(project, { 'app.py': 'x = 1\n' });
    mkdirSync(join(project, 'data'));
    writeFileSync(latin1(join(project, 'data'), Buffer.concat([cafe, Buffer.from('.txt')])), 'x');
    await expect(collectFiles(project, { runtime: 'python3.12' })).rejects.toThrow(
      'data/caf\uFFFD.txt: its name is not valid UTF-8, so it cannot go into a zip for Lambda; rename it (e.g. convmv -f latin1 -t utf8 --notest), or leave it out with exclude (e.g. "data/caf*.txt").',
    );
  });

  it('a folder too; and an excluded one is left out without a word', async () => {
    const project = join(root, 'latin1-folder');
    write(project, { 'app.py': 'x = 1\n' });
    mkdirSync(latin1(project, cafe));
    writeFileSync(Buffer.concat([latin1(project, cafe), Buffer.from('/menu.txt')]), 'x');
    await expect(collectFiles(project, { runtime: 'python3.12' })).rejects.toThrow(
      /^caf\uFFFD: its name is not valid UTF-8/,
    );
    const files = await collectFiles(project, { runtime: 'python3.12', exclude: ['caf*'] });
    expect(files.map((f) => f.path)).toEqual(['app.py']);
  });
});

describe('collectFiles on Windows (no execute bits on its file systems)', () => {
  it('marks a script (#!) or an ELF program executable by its first bytes, so Lambda can run bootstrap and bin/ files', async () => {
    const project = join(root, 'windows-modes');
    write(project, {
      bootstrap: '#!/bin/sh\nexec python3 -m app\n',
      'bin/tool': '\x7fELF\x02\x01\x01\0rest of the header',
      'app.py': 'def handler(event, context):\n    return 1\n',
      'lib/native.so': '\x7fEL', // shorter than the magic: not ELF
      empty: '',
    });
    // What a Windows checkout looks like to a Unix-minded reader: read-write, never executable.
    for (const f of ['bootstrap', 'bin/tool', 'app.py', 'lib/native.so', 'empty'])
      chmodSync(join(project, f), 0o644);
    const executable = async (platform: NodeJS.Platform) =>
      Object.fromEntries(
        (await collectFiles(project, { runtime: 'python3.12' }, undefined, project, platform)).map((f) => [
          f.path,
          f.executable,
        ]),
      );
    expect(await executable('win32')).toEqual({
      'app.py': false,
      bootstrap: true,
      'bin/tool': true,
      empty: false,
      'lib/native.so': false,
    });
    // Elsewhere the mode on disk decides, as chmod left it.
    expect(Object.values(await executable('linux')).some(Boolean)).toBe(false);
  });
});
