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
      needs?: string | string[];
      if?: string;
      steps?: { uses?: string; run?: string; name?: string; if?: string; shell?: string; with?: object }[];
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
  const jobs = Object.entries(workflow.jobs);
  const runsOf = (job: { steps?: { run?: string }[] }) =>
    (job.steps ?? []).map((s) => s.run ?? '').join('\n');
  const [tagName, tagJob] = jobs.find(([, job]) => runsOf(job).includes('git push')) ?? [];
  const [verifyName, verify] = jobs.find(([, job]) => runsOf(job).includes('npm test')) ?? [];

  test('runs on a published release; no permission by default, each job asks for its own', () => {
    expect(workflow.on).toEqual({ release: { types: ['published'] } });
    expect(workflow.permissions ?? {}).toEqual({});
  });

  test('the tag moves only after the tests (npm test: types, lint, unit, Python, dist check) pass on the tag', () => {
    expect(verify).toBeDefined();
    expect(tagJob).toBeDefined();
    expect(verifyName).not.toBe(tagName);
    // `needs`: a failed or cancelled verify job skips the tag job.
    expect([tagJob?.needs].flat()).toContain(verifyName);
    const runs = runsOf(verify ?? {});
    expect(runs).toContain('^v([0-9]+)\\.[0-9]+\\.[0-9]+$');
    const at = ['npm ci', 'npm test', 'npm run check-dist'].map((line) => runs.indexOf(line));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(verify?.steps?.find((s) => s.uses?.startsWith('actions/checkout@'))).toMatchObject({
      with: { ref: '${{ github.event.release.tag_name }}', 'persist-credentials': false },
    });
  });

  test('the code that installs and builds never holds a token that writes: only the tag job does, and it runs no npm', () => {
    expect(verify?.permissions).toEqual({ contents: 'read' });
    expect(tagJob?.permissions).toEqual({ contents: 'write' });
    const tagRuns = runsOf(tagJob ?? {});
    expect(tagRuns).not.toMatch(/\bnpm\b|\bnode\b/);
    expect(tagJob?.steps?.some((s) => s.uses?.startsWith('actions/setup-node@'))).toBe(false);
    // The commit the tests passed on is the one tagged, even if the release tag moved meanwhile.
    const order = ['git tag --force "$MAJOR" "$SHA"', 'git push --force origin "refs/tags/$MAJOR"'];
    const at = order.map((line) => tagRuns.indexOf(line));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(JSON.stringify(tagJob?.steps)).toContain(`needs.${verifyName}.outputs.sha`);
    // A prerelease does not move the tag everyone uses.
    expect(tagJob?.if).toBe('${{ !github.event.release.prerelease }}');
  });
});

describe('every workflow', () => {
  const files = readdirSync(join(REPO_ROOT, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));
  const steps = files.flatMap((file) =>
    Object.entries((parse(read(`.github/workflows/${file}`)) as Workflow).jobs).flatMap(([job, j]) =>
      (j.steps ?? []).map(
        (step) => [`${file} ${job} ${step.name ?? step.run?.split('\n')[0]}`, step] as const,
      ),
    ),
  );
  const runSteps = steps.filter(([, step]) => step.run !== undefined);

  test.each(runSteps)('%s runs in bash (-e -o pipefail)', (_, step) => {
    expect(step.shell).toBe('bash');
  });

  test.each(runSteps)('%s puts no ${{ }} expression in its script (env: instead)', (_, step) => {
    expect(step.run).not.toContain('${{');
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
