/** Editable installs found in a finished pip install: which ones leave their code out of the package. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { editableLines, editableMessage, editableOutside } from '../../src/packaging/editable-installs.js';
import { requirementFiles } from '../../src/packaging/requirement-files.js';

const root = mkdtempSync(join(tmpdir(), 'editable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A pip target folder with one editable install of the project in `folder`, as pip writes it. */
function installedEditable(name: string, folder: string): string {
  const target = mkdtempSync(join(root, 'target-'));
  const info = join(target, `${name}-0.1.dist-info`);
  mkdirSync(info);
  writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: 0.1\n`);
  const url = pathToFileURL(folder).href;
  writeFileSync(join(info, 'direct_url.json'), JSON.stringify({ url, dir_info: { editable: true } }));
  return target;
}

describe('editableOutside', () => {
  const fn = join(root, 'fn');

  it('`-e .`: the function folder itself, its modules at the root of the package: left alone', async () => {
    expect(await editableOutside(installedEditable('svc', fn), fn)).toEqual([]);
  });

  // Its files are packaged under lib/, but Lambda imports from the root and never reads the .pth
  // that would add lib/: `import libmod` fails on Lambda, and under serve.
  it('`-e ./lib`: a project in a subfolder of the function is found, to be installed without -e', async () => {
    const lib = join(fn, 'lib');
    expect(await editableOutside(installedEditable('lib', lib), fn)).toEqual([
      { name: 'lib', version: '0.1', folder: lib, under: 'lib' },
    ]);
  });

  it('`-e ../../libs/common`: a project outside the function is found', async () => {
    const common = join(root, 'libs', 'common');
    expect(await editableOutside(installedEditable('common', common), fn)).toEqual([
      { name: 'common', version: '0.1', folder: common },
    ]);
  });

  // pip records the folder as its getcwd() gives it, links resolved: path reached through a link is still `-e .`.
  it('`-e .` with path reached through a symbolic link: left alone', async () => {
    const real = join(root, 'real-fn');
    mkdirSync(real, { recursive: true });
    symlinkSync(real, join(root, 'linked-fn'));
    expect(await editableOutside(installedEditable('svc', real), join(root, 'linked-fn'))).toEqual([]);
  });

  // The subfolder's files are in the package: the message says where they are, not that they are missing.
  it('the message for `-e ./lib` says its files are packaged under lib/, where imports do not look', () => {
    const message = editableMessage([{ name: 'lib', version: '0.1', folder: '/repo/fn/lib', under: 'lib' }], {
      requirements: '/repo/fn/requirements.txt',
    });
    expect(message).not.toContain('the code is not in the package');
    expect(message).toContain(
      "  - lib 0.1 is installed editable (-e) from /repo/fn/lib, whose files are packaged under lib/, where Lambda's imports do not look: write its line in /repo/fn/requirements.txt without -e, as ./lib",
    );
    const outside = editableMessage([{ name: 'common', version: '0.1', folder: '/repo/libs/common' }], {
      requirements: '/repo/fn/requirements.txt',
    });
    expect(outside).toContain('so the code is not in the package');
  });

  // pip reads a package path in an included file from its own folder (pypa/pip#8765), not from that file's.
  it('a -e line in a file the requirements include (-r): the message names that file and its line, with the path from the folder pip runs in', async () => {
    const repo = mkdtempSync(join(root, 'nested-'));
    const fn = join(repo, 'services', 'fn');
    mkdirSync(join(fn, 'reqs'), { recursive: true });
    mkdirSync(join(repo, 'libs', 'common'), { recursive: true });
    writeFileSync(join(fn, 'requirements.txt'), 'requests\n-r reqs/local.txt\n');
    writeFileSync(join(fn, 'reqs', 'local.txt'), '# shared code\n-e ../../libs/common\n');
    const lines = await editableLines(requirementFiles(join(fn, 'requirements.txt')), fn);
    const message = editableMessage(
      [{ name: 'common', version: '0.1', folder: join(repo, 'libs', 'common') }],
      { requirements: join(fn, 'requirements.txt'), lines, pipDir: fn },
    );
    expect(message).toContain(
      `  - common 0.1 is installed editable (-e) from ${join(repo, 'libs', 'common')}: write its line in ${join(fn, 'reqs', 'local.txt')} (line 2, included by ${join(fn, 'requirements.txt')}) without -e, as ../../libs/common (pip reads a path in an included file from the folder it runs in, ${fn}, not from that file's folder)`,
    );
    expect(message).not.toContain(`write its line in ${join(fn, 'requirements.txt')} without -e`);
    // In the top file: as before.
    writeFileSync(join(fn, 'requirements.txt'), '-e ../../libs/common\n');
    const top = editableMessage([{ name: 'common', version: '0.1', folder: join(repo, 'libs', 'common') }], {
      requirements: join(fn, 'requirements.txt'),
      lines: await editableLines(requirementFiles(join(fn, 'requirements.txt')), fn),
      pipDir: fn,
    });
    expect(top).toContain(
      `write its line in ${join(fn, 'requirements.txt')} without -e, as ../../libs/common\n`,
    );
  });

  it('a -e line in an included file beside the requirements (-r dev.txt): named there, with no word of another folder', async () => {
    const repo = mkdtempSync(join(root, 'beside-'));
    const fn = join(repo, 'fn');
    mkdirSync(fn, { recursive: true });
    mkdirSync(join(repo, 'libs', 'common'), { recursive: true });
    writeFileSync(join(fn, 'requirements.txt'), 'requests\n-r dev.txt\n');
    writeFileSync(join(fn, 'dev.txt'), '-e ../libs/common\n');
    const message = editableMessage(
      [{ name: 'common', version: '0.1', folder: join(repo, 'libs', 'common') }],
      {
        requirements: join(fn, 'requirements.txt'),
        lines: await editableLines(requirementFiles(join(fn, 'requirements.txt')), fn),
        pipDir: fn,
      },
    );
    expect(message).toContain(
      `write its line in ${join(fn, 'dev.txt')} (line 1, included by ${join(fn, 'requirements.txt')}) without -e, as ../libs/common\n`,
    );
    expect(message).not.toContain("not from that file's folder");
  });
});
