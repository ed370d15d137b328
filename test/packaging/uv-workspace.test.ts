import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot, uvWorkspaceOf, workspaceCovers } from '../../src/packaging/uv-workspace.js';
import { tempDir } from './helpers.js';

describe('workspaceCovers', () => {
  const root = (members: string, exclude = '') =>
    `[project]\nname = "root"\n\n[tool.uv.workspace]\nmembers = ${members}\n${exclude ? `exclude = ${exclude}\n` : ''}\n[tool.uv.sources]\nlib = { workspace = true }\n`;

  it('takes the members its globs name, less the excluded ones', () => {
    const text = root('[\n    "packages/*",\n    "./services/api/", # the API\n]', '["packages/legacy*"]');
    expect(workspaceCovers(text, 'packages/api')).toBe(true);
    expect(workspaceCovers(text, 'services/api')).toBe(true);
    expect(workspaceCovers(text, 'packages/legacy-v1')).toBe(false);
    expect(workspaceCovers(text, 'packages/api/nested')).toBe(false);
    expect(workspaceCovers(text, 'tools/cli')).toBe(false);
    expect(workspaceCovers(root('["libs/**"]'), 'libs/a/b')).toBe(true);
  });

  it.each([
    ['an inline table in [tool.uv]', '[tool.uv]\nworkspace = { members = ["packages/*"] }\n'],
    ['dotted keys', '[tool.uv]\nworkspace.members = [\n  "packages/*",\n]\n'],
    ['a header with spaces and quotes', '[ tool."uv".workspace ]  # members\nmembers = [\'packages/*\']\n'],
    [
      'the header inside a multi-line string first',
      '[tool.x]\nnote = """\n[tool.uv.workspace]\nmembers = ["tools/*"]\n"""\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n',
    ],
  ])('reads the members as TOML 1.0 writes them: %s', (_what, text) => {
    expect(workspaceCovers(text, 'packages/api')).toBe(true);
    expect(workspaceCovers(text, 'tools/cli')).toBe(false);
  });

  it('takes nothing without [tool.uv.workspace] members', () => {
    expect(workspaceCovers('[project]\nname = "x"\n', 'packages/api')).toBe(false);
    expect(workspaceCovers('[tool.uv.workspace]\nexclude = ["x"]\n', 'packages/api')).toBe(false);
  });
});

describe('uvWorkspaceOf', () => {
  it('finds the nearest workspace root with a uv.lock, never above the repository nor the GitHub workspace', () => {
    const { dir, cleanup } = tempDir('uv-workspace');
    try {
      const write = (path: string, text: string) => {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), text);
      };
      write('repo/pyproject.toml', '[tool.uv.workspace]\nmembers = ["packages/*"]\n');
      write('repo/uv.lock', 'version = 1\n');
      write('repo/packages/api/pyproject.toml', '[project]\nname = "api"\n');
      const api = join(dir, 'repo', 'packages', 'api');
      expect(uvWorkspaceOf(api)).toEqual({ root: join(dir, 'repo'), member: 'packages/api' });
      expect(uvWorkspaceOf(api, join(dir, 'repo'))).toEqual({
        root: join(dir, 'repo'),
        member: 'packages/api',
      });
      expect(uvWorkspaceOf(api, join(dir, 'repo', 'packages'))).toBeUndefined();
      // Declared as TOML allows: a dotted key in [tool.uv].
      write('repo/pyproject.toml', '[tool.uv]\nworkspace.members = ["packages/*"]\n');
      expect(uvWorkspaceOf(api)).toEqual({ root: join(dir, 'repo'), member: 'packages/api' });
      // A workspace root that is not TOML: uv refuses it, and so does the build, naming the file and line.
      write('repo/pyproject.toml', '[tool.uv.workspace]\nmembers = ["packages/*"\n');
      expect(() => uvWorkspaceOf(api)).toThrow(`${join(dir, 'repo', 'pyproject.toml')} line 3: `);
      mkdirSync(join(dir, 'repo', 'packages', '.git'));
      expect(uvWorkspaceOf(api)).toBeUndefined();
    } finally {
      cleanup();
    }
  });
});

describe('repositoryRoot', () => {
  it('is the nearest folder holding .git, else the GitHub workspace holding path, else none', () => {
    const { dir, cleanup } = tempDir('repository-root');
    try {
      mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
      mkdirSync(join(dir, 'repo', 'services', 'api'), { recursive: true });
      mkdirSync(join(dir, 'plain', 'svc'), { recursive: true });
      expect(repositoryRoot(join(dir, 'repo', 'services', 'api'), join(dir, 'repo'))).toBe(join(dir, 'repo'));
      expect(repositoryRoot(join(dir, 'repo', 'services', 'api'))).toBe(join(dir, 'repo'));
      expect(repositoryRoot(join(dir, 'plain', 'svc'), join(dir, 'plain'))).toBe(join(dir, 'plain'));
      expect(repositoryRoot(join(dir, 'plain', 'svc'), join(dir, 'repo'))).toBeUndefined();
    } finally {
      cleanup();
    }
  });
});
