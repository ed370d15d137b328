import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localContext } from '../../../src/entry/cli/local-context.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(): { dir: string; git: (...args: string[]) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cli-branch-'));
  dirs.push(dir);
  const git = (...args: string[]) =>
    void execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      stdio: 'ignore',
    });
  return { dir, git };
}

describe('localContext: the branch a stage is derived from', () => {
  it('a new repository before its first commit is on its branch', () => {
    const { dir, git } = repo();
    git('init', '-q', '-b', 'main');
    expect(localContext({}, dir).ref).toBe('refs/heads/main');
  });

  it('a checkout on a branch, and no branch when HEAD is detached or there is no repository', () => {
    const { dir, git } = repo();
    git('init', '-q', '-b', 'feature/x');
    writeFileSync(join(dir, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'a');
    expect(localContext({}, dir).ref).toBe('refs/heads/feature/x');
    git('checkout', '-q', '--detach');
    expect(localContext({}, dir).ref).toBe('');
    expect(localContext({}, repo().dir).ref).toBe('');
  });
});
