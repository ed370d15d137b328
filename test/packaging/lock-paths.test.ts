import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkLocalPaths } from '../../src/packaging/lock-paths.js';
import { tempDir } from './helpers.js';

const { dir, cleanup } = tempDir('lock-paths');
afterAll(cleanup);

describe('checkLocalPaths', () => {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'libs', 'a'), { recursive: true });
  mkdirSync(join(dir, 'repo-sibling'), { recursive: true });
  symlinkSync(join(repo, 'libs', 'a'), join(repo, 'inner-link'));
  const url = (path: string) => pathToFileURL(path).href;

  it('takes index, git and URL lines, and local paths inside the repository (links resolved, any fragment)', () => {
    expect(() =>
      checkLocalPaths(
        [
          'requests==2.31.0 --hash=sha256:' + 'ab'.repeat(32),
          'mylib @ git+file:///elsewhere/repo@' + 'a'.repeat(40),
          'wheel @ https://files.example.com/wheel-1.0-py3-none-any.whl',
          `a[x] @ ${url(join(repo, 'libs', 'a'))}#subdirectory=pkg ; sys_platform == 'linux'`,
          `b @ ${url(join(repo, 'inner-link'))}`,
          `c @ ${url(join(repo, 'libs', 'missing.whl'))} --hash=sha256:${'cd'.repeat(32)}`,
        ],
        'Pipfile.lock',
        repo,
      ),
    ).not.toThrow();
  });

  it('refuses one outside it, a folder whose name only starts like it included', () => {
    expect(() => checkLocalPaths([`s @ ${url(join(dir, 'repo-sibling'))}`], '/x/uv.lock', repo)).toThrow(
      `/x/uv.lock: package s installs from ${realpathSync(join(dir, 'repo-sibling'))}, outside the repository (${realpathSync(repo)})`,
    );
    expect(() => checkLocalPaths(['h @ file://server/share/h.whl'], 'Pipfile.lock', repo)).toThrow(
      'Pipfile.lock: package h installs from file://server/share/h.whl, outside the repository',
    );
  });
});
