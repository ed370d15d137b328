/**
 * Which jobs of the reusable workflow run for an event: the `if:` of every job
 * evaluated as GitHub does (strings compared ignoring case, `contains` on a
 * string a substring test, a job skipped when a job it needs did not succeed
 * unless its `if` checks a status), and jobs made only of `run:` steps (the
 * routing decision) actually run in bash, their outputs read by the jobs that
 * need them. The point: only a stage exactly in protected-stages reaches the
 * production job; `Main`, `master,prod` or `ain` are previews.
 */
import { describe, expect, it } from '@jest/globals';
import { INPUT_DEFAULTS } from '../../src/settings/names.js';
import { condition, interpolate, type Contexts } from '../support/workflow-expressions.js';
import {
  readReusableWorkflow,
  reusableWorkflowInputs,
  type WorkflowJob,
  type WorkflowStep,
} from '../support/workflow-snippets.js';
import {
  deployingJobs,
  githubContext,
  needsOf,
  runJob,
  runRunSteps,
  runWorkflow,
  type Event,
  type JobRun,
} from '../support/workflow-runner.js';

describe('the reusable workflow routes a push to production only for a protected stage, exactly', () => {
  it.each([
    ['main', 'deploy'],
    ['master', 'deploy'],
    // They name stages, not production branches: the route job fails (test/iam/trust-routing.test.ts).
    ['prod', null],
    ['production', null],
    // Expressions compare ignoring case; git and branch protection do not: `Main` is another
    // branch (its stage is main-<hash>), not main.
    ['Main', 'preview'],
    ['MASTER', 'preview'],
    // A comma in a branch name: substring tests on the comma-separated list matched these.
    ['master,prod', 'preview'],
    ['main,master', 'preview'],
    ['prod,production', 'preview'],
    [',main', 'preview'],
    // Parts and extensions of a protected stage.
    ['ain', 'preview'],
    ['mai', 'preview'],
    ['main2', 'preview'],
    ['feature/x', 'preview'],
    ['feature/main', 'preview'],
    // Data, not code: the branch reaches the script through env.
    ['main$(exit 1)', 'preview'],
    ['x";production="true', 'preview'],
  ])('push of %j: %s', (branch, job) => {
    expect(deployingJobs({ name: 'push', branch })).toEqual(job ? [job] : []);
    expect(deployingJobs({ name: 'workflow_dispatch', branch })).toEqual(job ? [job] : []);
  });

  it.each([
    // The action reads protected-stages as comma- or line-separated, trimmed, lower-cased.
    ['main, release', 'release', 'deploy'],
    ['main, release', 'main', 'deploy'],
    ['main, release', 'prod', 'preview'],
    ['main,Release', 'release', 'deploy'],
    // An entry with capitals can only be a branch's name (the action protects its stage, release-<hash>,
    // which the preview role may not touch): that branch, exactly, is production (README: case included).
    ['main,Release', 'Release', 'deploy'],
    ['main,Release/1.x', 'Release/1.x', 'deploy'],
    // Lower-cased, Release/1.x is no stage (the action protects none so named): its twin branch is a preview,
    // which the production environment, limited to Release/1.x, would refuse.
    ['main,Release/1.x', 'release/1.x', 'preview'],
    ['main,Release-2', 'release-2', 'deploy'],
    ['main,Release', 'RELEASE', 'preview'],
    ['main,Release', 'Release2', 'preview'],
    ['main\nstaging\n', 'staging', 'deploy'],
    // Blank (an unset variable, `${{ vars.PROTECTED_STAGES }}`): the action's default list, as it reads it.
    ['', 'main', 'deploy'],
    // Entries, though none left: no default, nothing protected (the action's list is empty too).
    ['# main', 'main', 'preview'],
  ])('protected-stages %j, push of %j: %s', (stages, branch, job) => {
    expect(deployingJobs({ name: 'push', branch }, { 'protected-stages': stages })).toEqual([job]);
  });

  // The action reads a blank protected-stages (JavaScript's trim: Unicode blanks too) as its
  // default list: so does the route job, or main would be a preview the action refuses, and a
  // pull request's `stage: prod` would queue in production's concurrency group.
  describe.each(['', ' ', '\n', ' \t\r\n', '\u00a0', '\u3000\n\ufeff', '\u2028'])(
    'a blank protected-stages %j is the default list',
    (blank) => {
      const stages = { 'protected-stages': blank };
      it('a push or manual run of main or master deploys production; of prod, production or Main, not', () => {
        for (const name of ['push', 'workflow_dispatch'] as const) {
          expect(deployingJobs({ name, branch: 'main' }, stages)).toEqual(['deploy']);
          expect(deployingJobs({ name, branch: 'master' }, stages)).toEqual(['deploy']);
          expect(deployingJobs({ name, branch: 'prod' }, stages)).toEqual([]);
          expect(deployingJobs({ name, branch: 'production' }, stages)).toEqual([]);
          expect(deployingJobs({ name, branch: 'Main' }, stages)).toEqual(['preview']);
          expect(deployingJobs({ name, branch: 'feature/x' }, stages)).toEqual(['preview']);
        }
      });

      it('the stage input prod: production from main, refused from another branch', () => {
        expect(deployingJobs({ name: 'push', branch: 'main' }, { ...stages, stage: 'prod' })).toEqual([
          'deploy',
        ]);
        const runs = runWorkflow({ name: 'push', branch: 'feature/x' }, { ...stages, stage: 'prod' });
        expect(runs.get('route')?.result).toBe('failure');
        expect(runs.get('route')?.log).toContain('(protected-stages: main,master,prod,production)');
        expect(
          deployingJobs({ name: 'push', branch: 'feature/x' }, { ...stages, stage: 'prod' }, runs),
        ).toEqual([]);
      });

      it('a branch delete and a schedule on main sign in as a production branch', () => {
        const said = (event: Event) => runWorkflow(event, stages).get('route')?.outputs['branch-production'];
        expect(said({ name: 'delete', branch: 'feature/x' })).toBe('true');
        expect(said({ name: 'schedule' })).toBe('true');
        expect(said({ name: 'schedule', defaultBranch: 'develop' })).toBe('false');
      });

      it("a pull request with stage input prod groups as pr-N, never in production's group", () => {
        for (const stage of ['prod', 'Production', ' main\n']) {
          const runs = runWorkflow({ name: 'pull_request', action: 'opened' }, { ...stages, stage });
          expect(runs.get('route')?.outputs).toMatchObject({ stage: 'pr-7', production: '' });
          expect(deployingJobs({ name: 'pull_request', action: 'opened' }, {}, runs)).toEqual(['preview']);
        }
      });
    },
  );

  it('the stage input decides in place of the branch, production only from a production branch', () => {
    expect(deployingJobs({ name: 'workflow_dispatch', branch: 'main' }, { stage: 'production' })).toEqual([
      'deploy',
    ]);
    expect(
      deployingJobs({ name: 'workflow_dispatch', branch: 'feature/x' }, { stage: 'production' }),
    ).toEqual([]);
    expect(deployingJobs({ name: 'push', branch: 'main' }, { stage: 'staging' })).toEqual(['preview']);
    expect(deployingJobs({ name: 'push', branch: 'main' }, { stage: 'Production' })).toEqual(['preview']);
  });

  it.each(['main', 'production', 'v1.2.0', 'feature/x'])(
    'a manual run from tag %j deploys nothing: the route job fails, saying runs start from a branch',
    (tag) => {
      const runs = runWorkflow({ name: 'workflow_dispatch', tag });
      expect(runs.get('route')?.result).toBe('failure');
      expect(deployingJobs({ name: 'workflow_dispatch', tag })).toEqual([]);
      // The stage input does not open the way either: the run's code is still the tag's.
      expect(deployingJobs({ name: 'workflow_dispatch', tag }, { stage: 'main' })).toEqual([]);
    },
  );

  it('the deploy and preview jobs check the ref themselves: a route that said production for a tag is not enough', () => {
    const workflow = readReusableWorkflow();
    const said = (production: string): JobRun => ({ result: 'success', outputs: { production } });
    for (const [name, production] of [
      ['deploy', 'true'],
      ['preview', 'false'],
    ] as const) {
      const contexts: Contexts = {
        github: githubContext({ name: 'workflow_dispatch', tag: 'main' }),
        inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1' }, workflow),
        secrets: {},
        needs: { route: said(production) },
      };
      expect(runJob(workflow.jobs[name] ?? {}, contexts, [said(production)]).result).toBe('skipped');
    }
  });

  it('other events: pull requests preview, forks get a notice, closes and deletes undeploy, schedules prune', () => {
    for (const action of ['opened', 'synchronize', 'reopened'])
      expect(deployingJobs({ name: 'pull_request', action })).toEqual(['preview']);
    expect(deployingJobs({ name: 'pull_request', action: 'opened', fork: true })).toEqual([]);
    expect(
      runWorkflow({ name: 'pull_request', action: 'opened', fork: true }).get('fork-notice')?.result,
    ).toBe('success');
    expect(deployingJobs({ name: 'pull_request', action: 'labeled' })).toEqual([]);
    expect(deployingJobs({ name: 'pull_request', action: 'closed' })).toEqual(['undeploy-pull-request']);
    expect(deployingJobs({ name: 'delete', branch: 'feature/x' })).toEqual(['undeploy-branch']);
    expect(deployingJobs({ name: 'schedule' })).toEqual(['prune']);
  });

  it.each(['', 'demo', ' prod'])(
    'a pull request with stage input %j: the preview and its report run, whether the route job ran or not',
    (stage) => {
      const ran = (runs: Map<string, JobRun>) =>
        [...runs].filter(([, run]) => run.result === 'success').map(([name]) => name);
      for (const action of ['opened', 'synchronize', 'reopened'])
        expect(ran(runWorkflow({ name: 'pull_request', action }, { stage }))).toEqual([
          ...(stage ? ['route'] : []),
          'preview',
          'preview-report',
        ]);
      expect(ran(runWorkflow({ name: 'pull_request', action: 'closed' }, { stage }))).toEqual([
        'undeploy-pull-request',
      ]);
      // A fork's pull request gets no preview, so no group to name: no runner for the route job.
      expect(ran(runWorkflow({ name: 'pull_request', action: 'opened', fork: true }, { stage }))).toEqual([
        'fork-notice',
      ]);
    },
  );

  describe('a closed pull request whose preview went to the stage input', () => {
    const closed = (stage: string, more: Record<string, string> = {}) => {
      const job = readReusableWorkflow().jobs['undeploy-pull-request'] ?? {};
      const contexts: Contexts = {
        github: githubContext({ name: 'pull_request', action: 'closed' }),
        inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1', stage, ...more }),
        secrets: {},
      };
      return runRunSteps(job, contexts);
    };

    it('says the stage stays (other pull requests and branches may deploy it) and that only pr-N is removed', () => {
      const { ran, log } = closed(' demo\n');
      expect(ran).toBe(1);
      expect(log).toContain(
        '::notice title=lambda-deploy stage kept::Pull request #7 deployed its preview to stage demo (the stage input), which other pull requests and branches may deploy too: closing it leaves stage demo in place.',
      );
      expect(log).toContain("This job removes only the pull request's own stage, pr-7, if one was deployed.");
      expect(log).toContain('command: undeploy and stage: demo');
      // decidePrune keeps a stage a branch derives while that branch exists (a `staging` branch).
      expect(log).toContain(
        'The scheduled prune removes demo once the pull request it was last deployed for is closed, unless a branch whose stage is demo exists;',
      );
    });

    it('a protected stage input: no preview went there (a pull request never deploys one), and it stays', () => {
      const { log } = closed('prod');
      expect(log).toContain(
        '::notice title=lambda-deploy stage kept::Stage prod (the stage input) is listed in protected-stages: a pull request never deploys it',
      );
      expect(log).not.toContain('command: undeploy');
    });

    // The action reads a blank protected-stages (JavaScript's trim) as its default list, and refuses
    // prod on a pull request.
    it.each([' ', '\n\t', '\u00a0', '\u3000\ufeff'])(
      'a blank protected-stages input (%j) is the default list: stage prod is still protected, no undeploy advised',
      (blank) => {
        const { log } = closed('prod', { 'protected-stages': blank });
        expect(log).toContain('Stage prod (the stage input) is listed in protected-stages');
        expect(log).not.toContain('command: undeploy');
      },
    );

    // Entries trimmed as the action trims them (Unicode blanks too), not run together.
    it.each([
      ['\u00a0prod\u00a0,main', true],
      ['main,\tProd\r\n', true],
      ['main,p rod', false],
    ])('protected-stages %j: stage prod protected %s', (stages, protectedStage) => {
      const { log } = closed('prod', { 'protected-stages': stages });
      expect(log.includes('Stage prod (the stage input) is listed in protected-stages')).toBe(protectedStage);
    });

    // The action trims the whole input (JavaScript's trim), not each line of it.
    it('a stage input with a line break before it is that stage, as the action reads it', () => {
      expect(closed('\n demo').log).toContain('to stage demo (the stage input)');
    });

    // The action refuses a stage input that is no stage's name on every run: no preview went there,
    // and a value that is no name is never written into a workflow command or the summary.
    it.each(['Demo', 'de mo', 'demo::warning::x', 'demo%0A::error::x', 'demo\n::error::x', 'a'.repeat(41)])(
      'a stage input that is no stage (%j): nothing said',
      (stage) => {
        expect(closed(stage).log).toBe('');
      },
    );

    it("no stage input (or a blank one): nothing said, the pull request's own stage is its stage", () => {
      expect(closed('').ran).toBe(0);
      expect(closed(' \n').log).toBe('');
    });
  });
});

describe('the routing decision', () => {
  const workflow = readReusableWorkflow();

  // One default list: action.yml's (INPUT_DEFAULTS), given to every script that reads the input
  // through env, never written into a script where it could drift from the action's.
  it("reads a blank protected-stages as the action's default list, from one env value equal to INPUT_DEFAULTS", () => {
    const readers = Object.entries(workflow.jobs).flatMap(([job, { steps = [] }]) =>
      steps
        .filter((s) => s.run !== undefined && JSON.stringify(s.env ?? {}).includes('inputs.protected-stages'))
        .map((s) => ({ job, step: s })),
    );
    expect(readers.map(({ job }) => job)).toEqual(['route', 'undeploy-pull-request']);
    for (const { job, step } of readers) {
      expect({ job, default: step.env?.DEFAULT_PROTECTED_STAGES }).toEqual({
        job,
        default: INPUT_DEFAULTS['protected-stages'],
      });
      expect(step.run).toContain('$DEFAULT_PROTECTED_STAGES');
      expect(step.run).not.toContain(INPUT_DEFAULTS['protected-stages']);
    }
    expect(workflow.on.workflow_call.inputs['protected-stages']?.default).toBe(
      INPUT_DEFAULTS['protected-stages'],
    );
  });

  // Both read blanks as the action's trim() does (JavaScript's): one trim(), its blanks every
  // character String.prototype.trim removes, and no other.
  it('trims as JavaScript does, with the same trim() in both', () => {
    const trimOf = (run = '') => /^blanks=\([\s\S]*?\n\}\n/m.exec(run.replace(/^ +/gm, ''))?.[0];
    const [route, notice] = ['route', 'undeploy-pull-request'].map((job) =>
      trimOf(workflow.jobs[job]?.steps?.find((s) => s.env?.DEFAULT_PROTECTED_STAGES !== undefined)?.run),
    );
    expect(route).toBeDefined();
    expect(notice).toBe(route);
    const words = /^blanks=\(([\s\S]*?)\)\n/.exec(route ?? '')?.[1]?.match(/' '|\$'[^']*'/g) ?? [];
    const escapes: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
    const decoded = words.map((w) => {
      if (w === "' '") return ' ';
      const bytes = [...w.slice(2, -1).matchAll(/\\(x([0-9a-f]{2})|[tnvfr])/g)].map((m) =>
        m[2] ? parseInt(m[2], 16) : (escapes[m[1] as string] as number),
      );
      return Buffer.from(bytes).toString('utf8');
    });
    const javascript: string[] = [];
    for (let c = 0; c <= 0x10ffff; c++)
      if (String.fromCodePoint(c).trim() === '') javascript.push(String.fromCodePoint(c));
    expect([...decoded].sort()).toEqual(javascript.sort());
  });

  it('is not made by expressions, which compare strings ignoring case', () => {
    for (const [name, job] of Object.entries(workflow.jobs))
      expect({ name, if: job.if ?? '' }).toEqual({
        name,
        if: expect.not.stringContaining('protected-stages'),
      });
  });

  it('is made by a job with no permissions whose scripts read every value from env, never through ${{ }}', () => {
    const reads = (s: WorkflowStep) => JSON.stringify(s.env ?? {}).includes('inputs.protected-stages');
    // A step with an id gives outputs other jobs act on: a decision. The closed pull request's
    // notice reads the list too, only to word its message, as safely (env, never ${{ }}).
    const routing = Object.entries(workflow.jobs).filter(([, job]) =>
      (job.steps ?? []).some((s) => reads(s) && s.id !== undefined),
    );
    expect(routing.map(([name]) => name)).toEqual(['route']);
    const notices = Object.values(workflow.jobs).flatMap(({ steps = [] }) =>
      steps.filter((s) => reads(s) && s.id === undefined),
    );
    expect(notices).not.toHaveLength(0);
    for (const step of notices) expect([step.shell, step.run?.includes('${{')]).toEqual(['bash', false]);
    const [, job] = routing[0] as [string, WorkflowJob];
    expect(job.permissions).toEqual({});
    for (const step of job.steps ?? []) {
      // bash on every runner (a Windows runner's default shell is PowerShell).
      expect(step.shell).toBe('bash');
      expect(step.uses).toBeUndefined();
      expect(step.run).not.toContain('${{');
    }
    for (const name of ['deploy', 'preview']) expect(needsOf(workflow.jobs[name] ?? {})).toEqual(['route']);
  });

  it('every run: step says shell: bash (runs-on may name a Windows runner, whose default is PowerShell)', () => {
    const runSteps = Object.entries(workflow.jobs).flatMap(([job, { steps = [] }]) =>
      steps.filter((s) => s.run !== undefined).map((s) => ({ job, step: s.name ?? s.id, shell: s.shell })),
    );
    expect(runSteps.length).toBeGreaterThan(3);
    expect(runSteps.filter((s) => s.shell !== 'bash')).toEqual([]);
  });

  it('a failed routing job deploys nothing', () => {
    const failed: JobRun = { result: 'failure', outputs: {} };
    const contexts: Contexts = {
      github: githubContext({ name: 'push', branch: 'main' }),
      inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1' }, workflow),
      secrets: {},
      needs: { route: failed },
    };
    for (const name of ['deploy', 'preview'])
      expect(runJob(workflow.jobs[name] ?? {}, contexts, [failed]).result).toBe('skipped');
  });
});

describe('the package cache of a production deploy', () => {
  const workflow = readReusableWorkflow();
  const deploy = workflow.jobs.deploy ?? {};
  const cacheStep = (deploy.steps ?? []).find((s) => s.uses?.startsWith('actions/cache@'));
  const actionStep = (deploy.steps ?? []).find((s) => s.uses?.startsWith('org/lambda-deploy@'));

  /** Whether the deploy job restores the cache, and the folder it gives the action, for a push of `branch`. */
  function production(branch: string, defaultBranch: string, callerWith: Record<string, string> = {}) {
    const event: Event = { name: 'push', branch, defaultBranch };
    const withInputs = { 'package-cache': 'true', ...callerWith };
    const runs = runWorkflow(event, withInputs);
    expect(runs.get('deploy')?.result).toBe('success');
    const contexts: Contexts = {
      github: githubContext(event),
      inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1', ...withInputs }, workflow),
      secrets: {},
      needs: Object.fromEntries(needsOf(deploy).map((n) => [n, runs.get(n)])),
    };
    return {
      restores: condition(cacheStep?.if ?? 'true', contexts),
      folder: interpolate(String(actionStep?.with?.['package-cache'] ?? ''), contexts),
    };
  }

  it('uses it when the default branch is a protected stage: only production deploys write the caches it can restore', () => {
    expect(production('main', 'main')).toEqual({ restores: true, folder: '.lambda-deploy-cache' });
    expect(production('master', 'main')).toEqual({ restores: true, folder: '.lambda-deploy-cache' });
  });

  // GitHub lets a run restore the caches of its own branch and of the default branch. When the
  // default branch is not a protected stage, its pushes run the preview job, with code anyone with
  // write access may push, and whatever they save there a production run would restore and trust.
  it.each(['develop', 'trunk', 'Main'])(
    'leaves it off when the default branch %j is not a protected stage: whoever can push there could plant entries',
    (defaultBranch) => {
      expect(production('main', defaultBranch)).toEqual({ restores: false, folder: '' });
    },
  );

  it('reads protected-stages as the routing does', () => {
    const stages = { 'protected-stages': 'main, develop' };
    expect(production('main', 'develop', stages)).toEqual({ restores: true, folder: '.lambda-deploy-cache' });
    // A default branch with capitals, listed as it is.
    expect(production('main', 'Trunk', { 'protected-stages': 'main,Trunk' })).toEqual({
      restores: true,
      folder: '.lambda-deploy-cache',
    });
  });
});
