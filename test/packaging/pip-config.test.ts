import { describe, expect, it } from '@jest/globals';
import { devNull } from 'node:os';
import { configEntries, relativeConfigEntries } from '../../src/packaging/pip-config.js';

describe('configEntries', () => {
  it("reads [global] and [install] over it, pip's key names, continued lines, comments", () => {
    expect(
      Object.fromEntries(
        configEntries(
          '# mine\n[global]\nfind-links = wheels\n  more-wheels\ntimeout: 60\nINDEX_URL=https://x/simple\n; note\n[install]\n--index-url = ./simple\n[freeze]\nfind-links = other\n',
        ),
      ),
    ).toEqual({ 'find-links': 'wheels\nmore-wheels', timeout: '60', 'index-url': './simple' });
  });
});

describe('relativeConfigEntries', () => {
  const files =
    (byPath: Record<string, string>) =>
    (path: string): string => {
      if (!(path in byPath)) throw new Error(`ENOENT ${path}`);
      return byPath[path]!;
    };
  const env = { HOME: '/home/u', XDG_CONFIG_DIRS: '/etc/xdg', PIP_CONFIG_FILE: '/repo/pip.conf' };

  it('gives the relative path entries of the files pip reads as its variables, a later file over an earlier one', () => {
    expect(
      relativeConfigEntries(
        env,
        files({
          '/etc/pip.conf': '[global]\nconstraint = /etc/c.txt\nfind-links = global-wheels\n',
          '/etc/xdg/pip/pip.conf': '[global]\nindex-url = https://x/simple\nextra-index-url = local/simple\n',
          '/repo/pip.conf': '[install]\nfind-links = wheels https://x/links\n  /abs/w\n',
        }),
      ),
    ).toEqual({ PIP_FIND_LINKS: 'wheels https://x/links /abs/w', PIP_EXTRA_INDEX_URL: 'local/simple' });
  });

  it('nothing for absolute paths and URLs, nor when PIP_CONFIG_FILE turns the files off', () => {
    const read = files({ '/repo/pip.conf': '[global]\nfind-links = /abs file:///x https://x\n' });
    expect(relativeConfigEntries(env, read)).toEqual({});
    expect(
      relativeConfigEntries(
        { ...env, PIP_CONFIG_FILE: devNull },
        files({ '/etc/pip.conf': '[global]\nfind-links = w\n' }),
      ),
    ).toEqual({});
  });

  it("reads the user's files only when PIP_CONFIG_FILE names no file, as pip does (configuration.py)", () => {
    const user = { '/home/u/.config/pip/pip.conf': '[global]\nfind-links = user-wheels\n' };
    expect(
      relativeConfigEntries(env, files({ ...user, '/repo/pip.conf': '[global]\ntimeout = 9\n' })),
    ).toEqual({});
    expect(relativeConfigEntries(env, files(user))).toEqual({ PIP_FIND_LINKS: 'user-wheels' });
    expect(relativeConfigEntries({ HOME: '/home/u' }, files(user))).toEqual({
      PIP_FIND_LINKS: 'user-wheels',
    });
  });
});
