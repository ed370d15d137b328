/**
 * The route job and the closed pull request's notice on any runner's locale: GitHub's ubuntu
 * images set LANG=C.UTF-8, a self-hosted runner often en_US.UTF-8 (where bash's `[a-z]` matches
 * `é`) or none (C). Their bash decides the same in each, as the action (JavaScript) does.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contexts } from '../support/workflow-expressions.js';
import { readReusableWorkflow, reusableWorkflowInputs } from '../support/workflow-snippets.js';
import {
  deployingJobs,
  githubContext,
  onRunner,
  runRunSteps,
  runWorkflow,
  type Event,
} from '../support/workflow-runner.js';

const tmp = mkdtempSync(join(tmpdir(), 'lambda-deploy-locale-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** en_US.UTF-8 as a runner would have it: the system's, else built here; undefined when neither can be. */
function english(): Record<string, string> | undefined {
  const listed = spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '';
  if (/^en_US\.utf-?8$/im.test(listed)) return { LANG: 'en_US.UTF-8' };
  const dir = join(tmp, 'locales');
  mkdirSync(dir);
  const built = spawnSync('localedef', ['-i', 'en_US', '-f', 'UTF-8', join(dir, 'en_US.UTF-8')]);
  return built.status === 0 ? { LANG: 'en_US.UTF-8', LOCPATH: dir } : undefined;
}

const ENGLISH = english();
const LOCALES: [string, Record<string, string>][] = [
  ['C.UTF-8', { LANG: 'C.UTF-8' }],
  ['C', {}],
  ...(ENGLISH ? [['en_US.UTF-8', ENGLISH] as [string, Record<string, string>]] : []),
];
const ROLES = { 'production-role': 'arn:production', 'preview-role': 'arn:preview' };

/** The notice a closed pull request gives about its stage input's stage. */
function notice(stage: string, more: Record<string, string>): string {
  const contexts: Contexts = {
    github: githubContext({ name: 'pull_request', action: 'closed' }),
    inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1', stage, ...more }),
    secrets: {},
  };
  return runRunSteps(readReusableWorkflow().jobs['undeploy-pull-request'] ?? {}, contexts).log;
}

describe("the route job and the closed pull request's notice, in any runner's locale", () => {
  it('en_US.UTF-8 is there to try (the system has it, or localedef builds it)', () => {
    expect(ENGLISH).toBeDefined();
  });

  // An entry with a capital and a letter beyond ASCII: its lower case is no stage's form, so the
  // branch rélease is another branch (the production role trusts Rélease only).
  it.each(LOCALES)('%s: a push of rélease, with protected-stages main,Rélease, is a preview', (_, runner) => {
    const stages = { ...ROLES, 'protected-stages': 'main,Rélease' };
    onRunner(runner, () => {
      expect(deployingJobs({ name: 'push', branch: 'rélease' }, stages)).toEqual(['preview']);
      expect(deployingJobs({ name: 'push', branch: 'Rélease' }, stages)).toEqual(['deploy']);
      const said = runWorkflow({ name: 'schedule', defaultBranch: 'rélease' }, stages).get('route');
      expect(said?.outputs['branch-production']).toBe('false');
    });
  });

  const CASES: [Event, Record<string, string>][] = [
    [{ name: 'push', branch: 'main' }, { 'protected-stages': '\u00a0\u3000\n' }],
    [
      { name: 'push', branch: 'feature/x' },
      { 'protected-stages': '\u2028', stage: '\ufeffprod\u00a0' },
    ],
    [{ name: 'push', branch: 'staging' }, { 'protected-stages': 'main,\u00a0Staging\u3000' }],
    [{ name: 'push', branch: 'développement' }, { 'protected-stages': 'main,Développement' }],
    [{ name: 'push', branch: 'Éte' }, { 'protected-stages': 'main,Éte' }],
    [
      { name: 'pull_request', action: 'opened' },
      { 'protected-stages': ' ', stage: 'Prod\u00a0' },
    ],
    [
      { name: 'pull_request', action: 'opened' },
      { 'protected-stages': 'main,Éte', stage: 'éte' },
    ],
    [{ name: 'delete', branch: 'x', defaultBranch: 'rélease' }, { 'protected-stages': 'Rélease' }],
  ];

  it('decides every case as on a hosted runner, and says so alike', () => {
    const run = (runner: Record<string, string>) =>
      onRunner(runner, () =>
        CASES.map(([event, inputs]) => {
          const route = runWorkflow(event, { ...ROLES, ...inputs }).get('route');
          const said = notice(inputs.stage ?? 'prod', inputs);
          return { event, inputs, route, jobs: deployingJobs(event, { ...ROLES, ...inputs }), said };
        }),
      );
    const hosted = run({ LANG: 'C.UTF-8' });
    for (const [name, runner] of LOCALES) expect({ name, runs: run(runner) }).toEqual({ name, runs: hosted });
  });

  // Bash's ranges ([a-z]), tr's classes and its trim of UTF-8 blanks read bytes as C does on every runner.
  it('pins the locale to C in each step that reads protected-stages', () => {
    const workflow = readReusableWorkflow();
    const readers = Object.entries(workflow.jobs).flatMap(([job, { steps = [] }]) =>
      steps
        .filter((s) => s.run !== undefined && JSON.stringify(s.env ?? {}).includes('inputs.protected-stages'))
        .map((s) => ({ job, LC_ALL: s.env?.LC_ALL })),
    );
    expect(readers).toEqual([
      { job: 'route', LC_ALL: 'C' },
      { job: 'undeploy-pull-request', LC_ALL: 'C' },
    ]);
  });
});
