/**
 * The habits of a well-kept action: Dependabot for npm and the workflows'
 * actions, a release workflow that checks dist/ and moves the major tag, a
 * changelog, and `uses:` lines that name refs which exist as a pattern.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/workflow-snippets.js';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

interface Workflow {
  on: Record<string, { types?: string[] } | null>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    {
      permissions?: Record<string, string>;
      steps?: { uses?: string; run?: string; name?: string; if?: string }[];
    }
  >;
}

describe('Dependabot', () => {
  test('updates the npm dependencies and the workflows\u2019 actions', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string } }[];
    };
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => [u['package-ecosystem'], u.directory])).toEqual([
      ['npm', '/'],
      ['github-actions', '/'],
    ]);
  });
});

describe('the release workflow', () => {
  const workflow = parse(read('.github/workflows/release.yml')) as Workflow;
  const job = workflow.jobs['major-tag']!;
  const steps = job.steps ?? [];
  const runs = steps.map((s) => s.run ?? '').join('\n');

  test('runs on a published release, writing only the tag, and one release at a time', () => {
    expect(workflow.on).toEqual({ release: { types: ['published'] } });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'write' });
  });

  test('refuses a tag that is not vX.Y.Z, checks dist/ against a build of the tag, then moves the major tag', () => {
    expect(runs).toContain('^v([0-9]+)\\.[0-9]+\\.[0-9]+$');
    const order = [
      'npm ci',
      'npm run check-dist',
      'git tag --force "$MAJOR"',
      'git push --force origin "refs/tags/$MAJOR"',
    ];
    const at = order.map((line) => runs.indexOf(line));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))).toMatchObject({
      with: { ref: '${{ github.event.release.tag_name }}' },
    });
    // A prerelease does not move the tag everyone uses.
    expect(steps.find((s) => (s.run ?? '').includes('git tag --force'))?.if).toBe(
      '${{ !github.event.release.prerelease }}',
    );
  });
});

describe('the ci workflow', () => {
  test('runs the tests on the action\u2019s Node (action.yml runs.using) and on the oldest major the CLI supports (engines)', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as {
      jobs: Record<string, { strategy?: { matrix?: { node?: number[] } }; steps: { with?: object }[] }>;
    };
    const using = (parse(read('action.yml')) as { runs: { using: string } }).runs.using;
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const oldest = Number(/^>=(\d+)\./.exec(engines)?.[1]);
    const test = ci.jobs.test!;
    expect([...(test.strategy?.matrix?.node ?? [])].sort()).toEqual(
      [Number(using.replace(/^node/, '')), oldest].sort(),
    );
    expect(test.steps.find((s) => s.with && 'node-version' in s.with)?.with).toMatchObject({
      'node-version': '${{ matrix.node }}',
    });
  });
});

describe('CHANGELOG.md', () => {
  test('has a section for the current version and an Unreleased one, with what to change when upgrading', () => {
    const changelog = read('CHANGELOG.md');
    const { version } = JSON.parse(read('package.json')) as { version: string };
    expect(changelog).toMatch(new RegExp(`^## ${version.replace(/\./g, '\\.')}$`, 'm'));
    expect(changelog).toMatch(/^## Unreleased$/m);
    expect(changelog).toMatch(/^### Upgrading$/m);
  });
});

describe('uses: lines', () => {
  const files = [
    'README.md',
    ...readdirSync(join(REPO_ROOT, '.github/workflows')).map((f) => `.github/workflows/${f}`),
    ...(existsSync(join(REPO_ROOT, 'examples'))
      ? (readdirSync(join(REPO_ROOT, 'examples'), { recursive: true }) as string[])
          .filter((f) => /\.(md|ya?ml)$/.test(f))
          .map((f) => `examples/${f}`)
      : []),
  ];
  const uses = files.flatMap((file) =>
    [...read(file).matchAll(/^\s*-?\s*uses:\s*([^\s#]+)/gm)]
      .map((m) => [file, m[1] as string] as const)
      // A local action (./path) has no ref.
      .filter(([, ref]) => !ref.startsWith('./')),
  );

  test('there are some, of this action and of others', () => {
    expect(uses.some(([, u]) => /\/lambda-deploy@/.test(u))).toBe(true);
    expect(uses.some(([, u]) => u.startsWith('actions/checkout@'))).toBe(true);
  });

  test.each(uses.map(([file, ref]) => [ref, file]))(
    '%s (in %s) names a version tag or a commit SHA',
    (ref) => {
      // A branch (@main) moves under the user; a version tag or a full commit SHA is what GitHub resolves and pins.
      expect(ref).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    },
  );

  test('this action and its reusable workflow are used at the major tag the release workflow moves', () => {
    const own = uses.filter(([, u]) => /^[\w.-]+\/lambda-deploy[@/]/.test(u)).map(([, u]) => u.split('@')[1]);
    expect(new Set(own)).toEqual(new Set(['v1']));
  });
});
