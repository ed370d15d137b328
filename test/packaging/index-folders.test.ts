import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexOutside } from '../../src/packaging/index-folders.js';

describe('indexOutside', () => {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'index-folders-')));
  const repo = join(top, 'repo');
  const orders = join(repo, 'services', 'orders');
  mkdirSync(orders, { recursive: true });
  mkdirSync(join(repo, 'wheels'));
  mkdirSync(join(orders, 'wheels'));
  mkdirSync(join(top, 'elsewhere'));
  symlinkSync(join(top, 'elsewhere'), join(repo, 'linked'));
  const file = join(orders, 'requirements.txt');
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  const check = (text: string, cwd = orders) => indexOutside([{ file, text }], cwd, repo);

  it('lets folders inside the repository and http(s) indexes through', () => {
    expect(
      check(
        '-f wheels\n--find-links=../../wheels\n--index-url https://pypi.org/simple\n--extra-index-url http://127.0.0.1:9/simple\n-i file:../../wheels\n' +
          `--extra-index-url file://${repo}/wheels\nfastapi\n-r ../base.txt\n`,
      ),
    ).toBeUndefined();
  });

  it.each([
    ['-f ../../../elsewhere', join(top, 'elsewhere')],
    ['--find-links=../../../elsewhere', join(top, 'elsewhere')],
    ['--find-links file:///etc', '/etc'],
    ['--index-url file:///opt/hostedtoolcache', '/opt/hostedtoolcache'],
    ['--extra-index /etc', '/etc'],
    ['-i../../../elsewhere', join(top, 'elsewhere')],
    ['-f ../../linked', join(top, 'elsewhere')],
  ])('refuses %s, naming the file, the line, the value and the form expected', (line, leads) => {
    expect(check(`fastapi\n${line}\n`)).toBe(
      `${file} line 2: "${line}" reads packages from ${leads}, outside the repository (${repo}). ` +
        `lambda-deploy reads a folder of packages or an index on disk named in a requirements file only inside the repository, so that a pull request cannot package the runner's other files: ` +
        `give a folder inside ${repo} (such as "--find-links wheels/", from the requirements file's folder) or an https:// index.`,
    );
  });

  it("reads a --find-links from the file's folder when it is there, else from pip's folder, as pip does; an index from pip's", () => {
    // From services/orders, ../../wheels is repo/wheels; from pip's folder (above the repository) it would be outside.
    expect(check('-f ../../wheels\n', top)).toBeUndefined();
    expect(check('-f ../../nowhere\n', top)).toMatch(
      /line 1: "-f \.\.\/\.\.\/nowhere" reads packages from \S+\/nowhere, outside/,
    );
    expect(check('-i ../../wheels\n', top)).toMatch(/line 1: "-i \.\.\/\.\.\/wheels" reads packages/);
  });

  it("names an included file's line; package paths and -c files are not its business", () => {
    const base = join(repo, 'libs', 'base.txt');
    expect(
      indexOutside(
        [
          { file, text: '-r ../../libs/base.txt\n../../../elsewhere\n-c /etc/c.txt\n' },
          { file: base, text: 'x\n\n--extra-index-url=/etc\n' },
        ],
        orders,
        repo,
      ),
    ).toMatch(new RegExp(`^${base} line 3: "--extra-index-url=/etc" reads packages from /etc, outside`));
  });

  it("reads a quoted value as pip's shlex does, and a file: URL's path from pip's folder only (pip looks beside the file for the value as written)", () => {
    mkdirSync(join(repo, 'elsewhere'));
    expect(check(`-f '../../../elsewhere'\n`)).toMatch(
      /line 1: .* reads packages from \S+\/elsewhere, outside/,
    );
    expect(check(`--find-links "../../../else"'where'\n`)).toMatch(
      /reads packages from \S+\/elsewhere, outside/,
    );
    expect(check(`-f ../../../else\\ where\n`)).toMatch(/reads packages from \S+\/else where, outside/);
    // pip in services: file:../../elsewhere is above the repository; from the file's folder it would be repo/elsewhere.
    const services = join(repo, 'services');
    expect(check('-f file:../../elsewhere\n', services)).toEqual(
      expect.stringMatching(
        `^${file} line 1: "-f file:../../elsewhere" reads packages from ${top}/elsewhere, outside`,
      ),
    );
    expect(check('-f ../../elsewhere\n', services)).toBeUndefined();
  });
});
