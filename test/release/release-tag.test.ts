/**
 * The release workflow's step that moves the major tag, run in bash as the
 * runner runs it, against a `git` that answers `ls-remote` with the tags the
 * repository has and records what else it is asked: a release older than the
 * newest of its major (a backport, v1.1.5 after v1.2.0) leaves v1 where it is,
 * so `uses: org/lambda-deploy@v1` never goes back to an older minor.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { interpolate } from '../support/workflow-expressions.js';
import { REPO_ROOT } from '../support/workflow-snippets.js';

interface Step {
  run?: string;
  env?: Record<string, string>;
  shell?: string;
}
const workflow = parse(readFileSync(join(REPO_ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  jobs: Record<string, { needs?: string | string[]; steps?: Step[] }>;
};
const [, tagJob] = Object.entries(workflow.jobs).find(([, j]) =>
  (j.steps ?? []).some((s) => s.run?.includes('git push')),
)!;
const moveStep = tagJob.steps!.find((s) => s.run?.includes('git push'))!;
const verifyJob = [tagJob.needs].flat()[0] as string;

const tmp = mkdtempSync(join(tmpdir(), 'lambda-deploy-release-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SHA = '0123456789abcdef0123456789abcdef01234567';
let n = 0;

/** Runs the step for a release of `tag` in a repository whose tags are `existing`; what git was asked to change. */
function release(
  tag: string,
  existing: string[] | 'unreachable',
): { ok: boolean; changes: string[]; summary: string } {
  const dir = join(tmp, String(++n));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const calls = join(dir, 'calls');
  const refs = existing === 'unreachable' ? [] : existing.map((t) => `${'f'.repeat(40)}\trefs/tags/${t}`);
  writeFileSync(join(dir, 'refs'), `${refs.join('\n')}\n`);
  const lsRemote =
    existing === 'unreachable' ? 'exit 128' : `cat ${JSON.stringify(join(dir, 'refs'))}; exit 0`;
  const git = join(dir, 'bin', 'git');
  writeFileSync(
    git,
    [
      '#!/bin/bash',
      `if [[ "$1" == ls-remote ]]; then ${lsRemote}; fi`,
      `echo "$*" >> ${JSON.stringify(calls)}`,
      '',
    ].join('\n'),
  );
  chmodSync(git, 0o755);
  const summary = join(dir, 'summary');
  writeFileSync(summary, '');
  const contexts = {
    github: { event: { release: { tag_name: tag, prerelease: false } } },
    needs: { [verifyJob]: { outputs: { major: `v${/^v(\d+)/.exec(tag)?.[1]}`, sha: SHA } } },
  };
  const env: Record<string, string> = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    GITHUB_STEP_SUMMARY: summary,
  };
  for (const [k, v] of Object.entries(moveStep.env ?? {})) env[k] = interpolate(String(v), contexts);
  const script = join(dir, 'step.sh');
  writeFileSync(script, moveStep.run ?? '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    env,
    encoding: 'utf8',
  });
  const changes = existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [];
  return { ok: r.status === 0, changes, summary: readFileSync(summary, 'utf8') };
}

describe('moving the major tag', () => {
  it('the newest release of the major moves it to the commit that passed the tests', () => {
    const r = release('v1.3.0', ['v1', 'v1.2.0', 'v1.2.1', 'v1.3.0', 'v2.0.0']);
    expect(r.ok).toBe(true);
    expect(r.changes).toEqual([`tag --force v1 ${SHA}`, 'push --force origin refs/tags/v1']);
  });

  it('the first release of a major makes the tag', () => {
    const r = release('v2.0.0', ['v1', 'v1.9.0', 'v2.0.0']);
    expect(r.changes).toEqual([`tag --force v2 ${SHA}`, 'push --force origin refs/tags/v2']);
  });

  it.each([
    ['v1.1.5', ['v1', 'v1.1.4', 'v1.1.5', 'v1.2.0']],
    ['v1.9.1', ['v1', 'v1.9.1', 'v1.10.0']],
  ])('a backport (%s) leaves it on the newest release, and says so', (tag, existing) => {
    const r = release(tag, existing);
    expect(r.ok).toBe(true);
    expect(r.changes).toEqual([]);
    expect(r.summary).toContain(`v1 stays at ${existing.at(-1)}`);
  });

  it('a remote it cannot read fails the step rather than move the tag blind', () => {
    const r = release('v1.0.1', 'unreachable');
    expect(r.ok).toBe(false);
    expect(r.changes).toEqual([]);
  });
});
