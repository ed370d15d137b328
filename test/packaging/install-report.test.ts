import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  localSourcePaths,
  reportedSources,
  reportOutside,
  trustedFolders,
} from '../../src/packaging/install-report.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('install-report');
afterAll(cleanup);

/** A pip installation report (format 1) of these entries. */
function report(...install: object[]): string {
  return JSON.stringify({ version: '1', pip_version: '23.0.1', install, environment: {} });
}
const item = (name: string, version: string, download_info: object) => ({
  download_info,
  is_direct: false,
  requested: true,
  metadata: { metadata_version: '2.1', name, version },
});

describe('reportedSources', () => {
  it('reads each installed distribution, its URL and kind (PEP 610: archive_info, dir_info, vcs_info)', () => {
    const text = report(
      item('greetlib', '1.2.0', {
        url: 'file:///w/greetlib-1.2.0-py3-none-any.whl',
        archive_info: { hashes: {} },
      }),
      item('local', '0.1', { url: 'file:///w/local', dir_info: {} }),
      item('tool', '2.0', { url: 'git+file:///w/tool', vcs_info: { vcs: 'git', commit_id: 'abc' } }),
      item('requests', '2.31.0', { url: 'https://files.example/requests.whl', archive_info: {} }),
      { metadata: { name: 'odd', version: '1' } },
    );
    expect(reportedSources(text)).toEqual([
      {
        name: 'greetlib',
        version: '1.2.0',
        url: 'file:///w/greetlib-1.2.0-py3-none-any.whl',
        kind: 'archive',
      },
      { name: 'local', version: '0.1', url: 'file:///w/local', kind: 'dir' },
      { name: 'tool', version: '2.0', url: 'git+file:///w/tool', kind: 'vcs' },
      { name: 'requests', version: '2.31.0', url: 'https://files.example/requests.whl', kind: 'archive' },
    ]);
  });

  it('throws on text that is no report', () => {
    expect(() => reportedSources('{"version": "1"}')).toThrow('no "install" list');
    expect(() => reportedSources('not json')).toThrow();
  });
});

describe('reportOutside', () => {
  const repo = join(root, 'repo');
  const outside = join(root, 'outside');
  mkdirSync(join(repo, 'wheels'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'x-1-py3-none-any.whl'), '');
  writeFileSync(join(repo, 'wheels', 'y-1-py3-none-any.whl'), '');
  symlinkSync(join(outside, 'x-1-py3-none-any.whl'), join(repo, 'wheels', 'x-1-py3-none-any.whl'));
  const source = (path: string, name = 'x') => ({
    name,
    version: '1',
    url: pathToFileURL(path).href,
    kind: 'archive' as const,
  });

  it('refuses a file: URL outside the repository, naming name==version, the URL, the real path and the way out', () => {
    const message = reportOutside([source(join(outside, 'x-1-py3-none-any.whl'))], repo);
    expect(message).toBe(
      `x==1 was installed from ${pathToFileURL(join(outside, 'x-1-py3-none-any.whl')).href} (${realpathSync(outside)}/x-1-py3-none-any.whl), outside the repository (${realpathSync(repo)}): ` +
        `a --find-links page, an index on disk or a folder of wheels inside the repository led pip to a file elsewhere on this machine, which lambda-deploy does not package, so that a pull request cannot package the runner's other files. ` +
        `Put the wheel inside ${realpathSync(repo)} (such as wheels/x-1-py3-none-any.whl with "--find-links wheels/") with no link leading out, or install it from an https:// index.`,
    );
  });

  it('follows links: a wheel inside the repository that links out is outside', () => {
    expect(reportOutside([source(join(repo, 'wheels', 'x-1-py3-none-any.whl'))], repo)).toContain(
      `(${realpathSync(outside)}/x-1-py3-none-any.whl), outside the repository`,
    );
  });

  it('accepts files inside the repository, http(s) downloads, and folders the workflow itself names', () => {
    const inside = source(join(repo, 'wheels', 'y-1-py3-none-any.whl'), 'y');
    const web = { name: 'r', version: '2', url: 'https://files.example/r.whl', kind: 'archive' as const };
    expect(reportOutside([inside, web], repo)).toBeUndefined();
    const trusted = trustedFolders([join(outside, 'x-1-py3-none-any.whl')], repo);
    expect(trusted).toEqual([realpathSync(outside)]);
    expect(reportOutside([source(join(outside, 'x-1-py3-none-any.whl'))], repo, trusted)).toBeUndefined();
  });

  it("trusts no folder for a path inside the repository, where the pull request's link may lead out", () => {
    expect(
      trustedFolders([join(repo, 'wheels', 'x-1-py3-none-any.whl'), join(repo, 'wheels')], repo),
    ).toEqual([]);
  });
});

describe('localSourcePaths', () => {
  it("reads pip-args' and pip's environment's local sources from pip's folder, URLs to disk included, web ones left out", () => {
    const paths = localSourcePaths(
      [
        '--no-index',
        '--find-links',
        'wheels',
        '-i',
        'file:///srv/index',
        '--extra-index-url=https://x/simple',
        './a.whl',
      ],
      { PIP_FIND_LINKS: '/opt/w  https://y/links', PIP_INDEX_URL: '' },
      '/work',
    );
    expect(paths).toEqual(['/work/wheels', '/srv/index', '/work/a.whl', '/opt/w']);
  });
});
