/** The npm, pnpm or yarn workspace a Node.js function's folder is a member of, found from the folder up (findNodeWorkspace). */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { unparsableNote } from '../../src/setup/workspace-build-notes.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  enclosingNodeWorkspace,
  findNodeWorkspace,
  isMember,
  managerFacts,
  pnpmWorkspacePackages,
} from '../../src/setup/node-workspace.js';

const tmp = mkdtempSync(join(tmpdir(), 'node-workspace-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A repository folder with `files`; package.json values given as objects are written as JSON. */
function repo(name: string, files: Record<string, string | object>): string {
  const dir = join(tmp, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const api = { 'services/api/package.json': { name: 'api', dependencies: { pg: '^8' } } };

describe('findNodeWorkspace', () => {
  it("a pnpm workspace: pnpm-workspace.yaml's packages and pnpm-lock.yaml at the root", () => {
    const dir = repo('pnpm', {
      ...api,
      'package.json': { name: 'root', private: true },
      'pnpm-workspace.yaml': 'packages:\n  - \'services/*\'\n  - "libs/**" # shared\n',
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
    });
    expect(findNodeWorkspace(join(dir, 'services/api'), dir)).toEqual({
      kind: 'pnpm',
      at: '.',
      member: 'services/api',
      lockfile: 'pnpm',
      lockfileName: 'pnpm-lock.yaml',
    });
  });

  it("an npm workspace (package.json's workspaces, package-lock.json) and a Yarn one ({ packages }, yarn.lock), below the repository's root", () => {
    const npm = repo('npm', {
      'apps/package.json': { workspaces: ['services/*'] },
      'apps/package-lock.json': '{}',
      'apps/services/api/package.json': {},
    });
    expect(findNodeWorkspace(join(npm, 'apps/services/api'), npm)).toMatchObject({
      kind: 'package.json',
      at: 'apps',
      member: 'services/api',
      lockfile: 'npm',
      lockfileName: 'package-lock.json',
    });
    const yarn = repo('yarn', {
      ...api,
      'package.json': { workspaces: { packages: ['services/api'] } },
      'yarn.lock': '__metadata:\n  version: 8\n',
    });
    expect(findNodeWorkspace(join(yarn, 'services/api'), yarn)).toMatchObject({ lockfile: 'yarn-berry' });
  });

  it('the same workspace through a symbolic link to the repository (a folder named two ways)', () => {
    const dir = repo('linked', {
      ...api,
      'package.json': { workspaces: ['services/*'] },
      'package-lock.json': '{}',
    });
    symlinkSync(dir, join(tmp, 'link'));
    expect(findNodeWorkspace(join(tmp, 'link', 'services/api'), dir)).toMatchObject({
      at: '.',
      member: 'services/api',
    });
  });

  it('a root without a lockfile is still the workspace (no lockfile said)', () => {
    const dir = repo('nolock', { ...api, 'package.json': { workspaces: ['services/*'] } });
    const ws = findNodeWorkspace(join(dir, 'services/api'), dir);
    expect(ws).toEqual({ kind: 'package.json', at: '.', member: 'services/api' });
  });

  it('none: a folder the globs leave out, one with its own lockfile, the root itself, or a workspace above the repository', () => {
    const out = repo('out', { ...api, 'package.json': { workspaces: ['packages/*', '!services/*'] } });
    expect(findNodeWorkspace(join(out, 'services/api'), out)).toBeUndefined();
    const own = repo('own', {
      ...api,
      'services/api/package-lock.json': '{}',
      'package.json': { workspaces: ['services/*'] },
      'package-lock.json': '{}',
    });
    expect(findNodeWorkspace(join(own, 'services/api'), own)).toBeUndefined();
    expect(findNodeWorkspace(own, own)).toBeUndefined();
    // The walk ends at the repository's folder: a workspace above it is someone else's.
    const above = repo('above', {
      'package.json': { workspaces: ['**'] },
      'package-lock.json': '{}',
      'repo/services/api/package.json': {},
    });
    expect(findNodeWorkspace(join(above, 'repo/services/api'), join(above, 'repo'))).toBeUndefined();
    // The nearest workspace root decides: a nested one that leaves the folder out hides the outer one.
    const nested = repo('nested', {
      'package.json': { workspaces: ['**'] },
      'package-lock.json': '{}',
      'apps/package.json': { workspaces: ['web'] },
      'apps/api/package.json': {},
    });
    expect(findNodeWorkspace(join(nested, 'apps/api'), nested)).toBeUndefined();
  });
});

describe('a workspace root package.json that does not parse', () => {
  it('is told (its path, the line and column and the JSON error), not taken silently for no workspace; a missing one is not', () => {
    const dir = repo('unparsable', { 'apps/package.json': '{ "workspaces": ["services/*"], }', ...api });
    mkdirSync(join(dir, 'apps/services/api'), { recursive: true });
    const told: [string, string][] = [];
    const found = enclosingNodeWorkspace(join(dir, 'apps/services/api'), dir, (path, error) =>
      told.push([path, error]),
    );
    expect(found).toBeUndefined();
    expect(told).toEqual([
      [
        join(realpathSync(dir), 'apps/package.json'),
        'line 1, column 33: Expected double-quoted property name',
      ],
    ]);
    expect(unparsableNote('apps/package.json', 'Unexpected token')).toBe(
      'apps/package.json does not parse as JSON (Unexpected token): init took apps for no workspace; fix it, then run init again with --force.',
    );
  });
});

describe('a workspace root package.json with a byte-order mark', () => {
  it('is read as npm reads it (the mark skipped), not told as one that does not parse', () => {
    const dir = repo('bom', { ...api, 'package.json': '\uFEFF{"workspaces": ["services/*"]}' });
    const told: string[] = [];
    expect(enclosingNodeWorkspace(join(dir, 'services/api'), dir, (path) => told.push(path))).toMatchObject({
      kind: 'package.json',
      member: 'services/api',
    });
    expect(told).toEqual([]);
  });
});

describe('workspace globs', () => {
  it("reads pnpm-workspace.yaml's packages list, quoted or not, with comments", () => {
    expect(
      pnpmWorkspacePackages(
        '# the monorepo\npackages:\n  - \'apps/*\'\n\n  - packages/** # all\n  - "!**/test/**"\ncatalog:\n  pg: ^8\n',
      ),
    ).toEqual(['apps/*', 'packages/**', '!**/test/**']);
    expect(pnpmWorkspacePackages('catalog:\n  pg: ^8\n')).toEqual([]);
  });

  it('reads the other forms YAML allows: items not indented, a comment after the key, a flow sequence', () => {
    expect(pnpmWorkspacePackages('packages:\n- apps/*\n- "libs/**"\ncatalog:\n  pg: ^8\n')).toEqual([
      'apps/*',
      'libs/**',
    ]);
    expect(pnpmWorkspacePackages('packages: # members\n  - apps/*\n')).toEqual(['apps/*']);
    expect(pnpmWorkspacePackages('packages: [\'apps/*\', "libs/**", tools] # all\n')).toEqual([
      'apps/*',
      'libs/**',
      'tools',
    ]);
    expect(
      pnpmWorkspacePackages("packages: [\n  'apps/*', # web\n  '!apps/legacy',\n  'libs/{a,b}'\n]\nx: 1\n"),
    ).toEqual(['apps/*', '!apps/legacy', 'libs/{a,b}']);
  });

  it('takes a member by glob, ./ and trailing slashes aside; a ! glob leaves it out', () => {
    expect(isMember(['./services/*/'], 'services/api')).toBe(true);
    expect(isMember(['libs/**'], 'libs/a/b')).toBe(true);
    expect(isMember(['services/*'], 'services/api/v2')).toBe(false);
    expect(isMember(['**', '!services/legacy'], 'services/legacy')).toBe(false);
  });
});

describe('managerFacts', () => {
  it("the nearest packageManager from the folder up, as corepack looks for it; pnpm-lock.yaml's lockfileVersion; .yarnrc.yml's yarnPath", () => {
    const dir = repo('facts', {
      'package.json': { packageManager: 'pnpm@9.12.0' },
      'pnpm-lock.yaml': "---\nlockfileVersion: '6.0'\n",
      '.yarnrc.yml': 'yarnPath: .yarn/releases/yarn-4.5.0.cjs\n',
      'services/api/package.json': { name: 'api' },
    });
    expect(managerFacts(join(dir, 'services/api'), dir, dir)).toEqual({
      packageManager: 'pnpm@9.12.0',
      lockfileVersion: '6.0',
      yarnPath: true,
    });
    // Not above the repository's folder; the member's own field first.
    expect(
      managerFacts(join(dir, 'services/api'), join(dir, 'services/api'), join(dir, 'services/api')),
    ).toEqual({});
    writeFileSync(join(dir, 'services/api/package.json'), JSON.stringify({ packageManager: 'pnpm@8.15.0' }));
    expect(managerFacts(join(dir, 'services/api'), dir, dir).packageManager).toBe('pnpm@8.15.0');
  });

  it("devEngines.packageManager ({ name, version }) as corepack 0.31+ reads it: packageManager wins, else the topmost package.json's", () => {
    const yarn4 = { devEngines: { packageManager: { name: 'yarn', version: '^4.5.0' } } };
    const dir = repo('dev-engines', { 'package.json': yarn4, 'services/api/package.json': { name: 'api' } });
    const facts = () => managerFacts(join(dir, 'services/api'), dir, dir);
    expect(facts()).toEqual({ packageManager: 'yarn@^4.5.0', pinnedBy: 'devEngines.packageManager' });
    // No version: any release of that manager (corepack's `*`).
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ devEngines: { packageManager: { name: 'pnpm' } } }),
    );
    expect(facts().packageManager).toBe('pnpm@*');
    // packageManager wins in the same file, and a nearer one wins over a root's devEngines.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...yarn4, packageManager: 'yarn@4.6.0' }));
    expect(facts()).toEqual({ packageManager: 'yarn@4.6.0' });
    writeFileSync(join(dir, 'package.json'), JSON.stringify(yarn4));
    writeFileSync(join(dir, 'services/api/package.json'), JSON.stringify({ packageManager: 'yarn@4.1.0' }));
    expect(facts()).toEqual({ packageManager: 'yarn@4.1.0' });
    // What corepack ignores: a string, a list, a name with an @.
    for (const packageManager of ['yarn@4.5.0', [{ name: 'yarn' }], { name: 'yarn@4' }]) {
      writeFileSync(join(dir, 'services/api/package.json'), JSON.stringify({ name: 'api' }));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ devEngines: { packageManager } }));
      expect(facts()).toEqual({});
    }
  });
});
