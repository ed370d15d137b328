import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { superproject } from '../../src/util/repository-root.js';

describe('superproject', () => {
  const top = mkdtempSync(join(tmpdir(), 'superproject-'));
  afterAll(() => rmSync(top, { recursive: true, force: true }));
  const repo = join(top, 'repo');
  mkdirSync(join(repo, '.git', 'modules', 'a', 'modules', 'b'), { recursive: true });
  mkdirSync(join(repo, 'a', 'b'), { recursive: true });
  writeFileSync(join(repo, 'a', '.git'), 'gitdir: ../.git/modules/a\n');
  writeFileSync(join(repo, 'a', 'b', '.git'), 'gitdir: ../../.git/modules/a/modules/b\n');
  const linked = join(top, 'linked');
  mkdirSync(linked);
  writeFileSync(join(linked, '.git'), `gitdir: ${join(repo, '.git', 'worktrees', 'linked')}\n`);

  it("is the repository a submodule's checkout belongs to, through nested submodules", () => {
    expect(superproject(join(repo, 'a'))).toBe(repo);
    expect(superproject(join(repo, 'a', 'b'))).toBe(repo);
  });
  it('is the folder itself for a repository of its own: a .git folder, a worktree, no .git', () => {
    expect(superproject(repo)).toBe(repo);
    expect(superproject(linked)).toBe(linked);
    expect(superproject(top)).toBe(top);
  });
});
