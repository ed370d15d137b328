/**
 * The deploy roles setup makes trust what the reusable workflow's route job
 * does with a push, for the same protected-stages: the preview job's pushes
 * are admitted by the preview role and not by the production role; the
 * production job's are the production role's and shut out of the preview
 * role. The route job is the real one (.github/workflows/deploy.yml, run in
 * bash); the roles are setup's, given --protected-stages and nothing more.
 */
import { describe, expect, it } from '@jest/globals';
import { main } from '../../src/entry/cli/cli.js';
import { GITHUB_OIDC_HOST } from '../../src/iam/trust-policy.js';
import type { PolicyDocument } from '../../src/model/policy-document.js';
import { testIo } from '../entry/cli/io.js';
import { conditionsHold } from '../support/policy-check.js';
import { deployingJobs, githubContext, runWorkflow, type Event } from '../support/workflow-runner.js';
import { REPO_ROOT, reusableWorkflowActionInputs } from '../support/workflow-snippets.js';

const env = { ...process.env, AWS_REGION: 'eu-west-1' } as NodeJS.ProcessEnv;
let warnings = '';

/** The two deploy roles' trust policies setup would make (its template: no AWS, GitHub out of reach). */
async function deployRoleTrust(
  stages: string | undefined,
): Promise<Record<'production' | 'preview', PolicyDocument>> {
  const io = testIo(env);
  const argv = [
    'setup',
    '--name=shop',
    '--repository=octo/shop',
    '--cloudformation',
    '--account=123456789012',
  ];
  const code = await main(stages === undefined ? argv : [...argv, `--protected-stages=${stages}`], io);
  expect({ code, stderr: code ? io.stderr() : '' }).toEqual({ code: 0, stderr: '' });
  warnings = io.stderr();
  const template = JSON.parse(io.stdout()) as {
    Resources: Record<
      string,
      { Type: string; Properties: { RoleName?: string; AssumeRolePolicyDocument?: PolicyDocument } }
    >;
  };
  const trust = (name: string) =>
    Object.values(template.Resources).find((r) => r.Properties.RoleName === name)?.Properties
      .AssumeRolePolicyDocument as PolicyDocument;
  return { production: trust('shop-deploy-production'), preview: trust('shop-deploy-preview') };
}

/** Whether a token with this `sub` may assume the role. */
function admits(trust: PolicyDocument, sub: string): boolean {
  const context = { [`${GITHUB_OIDC_HOST}:sub`]: sub, [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' };
  return trust.Statement.some((s) => s.Effect === 'Allow' && conditionsHold(s.Condition, context));
}

const BRANCHES = [
  'main',
  'master',
  'Main',
  'staging',
  'release/1.x',
  'Release/1.x',
  'prod',
  'production',
  'feature/x',
];

describe('the deploy roles trust each push where the route job sends it', () => {
  it.each([
    ['the default protected-stages', undefined],
    ['prod alone', 'prod'],
    ['a custom stage', 'main,staging,prod'],
    ['a custom stage without main', 'staging'],
    ['a branch with a slash', 'main,release/1.x'],
    ['case', 'Main,Release/1.x,PROD'],
  ])('%s (%j)', async (_, stages) => {
    const roles = await deployRoleTrust(stages);
    const routed: Record<string, string[]> = {};
    for (const branch of BRANCHES) {
      const job = deployingJobs(
        { name: 'push', branch },
        stages === undefined ? {} : { 'protected-stages': stages },
      );
      const sub = `repo:octo/shop:ref:refs/heads/${branch}`;
      const trusted = { production: admits(roles.production, sub), preview: admits(roles.preview, sub) };
      // prod and production name stages: a push of a branch so named (its stage protected, the branch
      // no production branch) fails in the route job; the production role does not trust it either
      // (whether the preview role would does not matter: the workflow sends it nowhere).
      if (job.length === 0) {
        expect({
          branch,
          stageOnly: ['prod', 'production'].includes(branch),
          trusted: trusted.production,
        }).toEqual({
          branch,
          stageOnly: true,
          trusted: false,
        });
        continue;
      }
      const expected =
        job[0] === 'preview' ? { production: false, preview: true } : { production: true, preview: false };
      expect({ branch, job, trusted }).toEqual({ branch, job, trusted: expected });
      (routed[job[0] ?? 'none'] ??= []).push(branch);
    }
    // The production job runs in its environment: the production role trusts it, the preview role never.
    expect(admits(roles.production, 'repo:octo/shop:environment:production')).toBe(true);
    expect(admits(roles.preview, 'repo:octo/shop:environment:production')).toBe(false);
    expect(admits(roles.preview, 'repo:octo/shop:pull_request')).toBe(true);
    expect(routed.preview).toContain('feature/x');
  });
});

it('setup says when protected-stages names neither main nor master: their pushes are previews, and what prune then needs', async () => {
  await deployRoleTrust('prod');
  expect(warnings).toContain(
    'warning: --protected-stages: prod names no branch (prod and production name stages), so the workflow deploys every push as a preview',
  );
  expect(warnings).toContain(
    'Prune and branch deletions run on the default branch: when it is none of them, the workflow signs them in with the preview role, ' +
      "which removes previews and branch stages but may not read a protected stage's function, so prune keeps every version of the " +
      'dependencies layer and every slim archive (it cannot tell which are in use); nor may it read a function lambda-deploy did not make, ' +
      "so it cannot check the project's log groups for a hand-made function's, which pull-request code may have " +
      'tagged to read its logs (prune warns, naming the groups it could not check). List the default branch for the production role ' +
      'to prune and check those too, like --protected-stages main,prod (and the same protected-stages in the workflow).',
  );
  expect(warnings).not.toContain('cannot sign in');
  await deployRoleTrust('staging');
  expect(warnings).toContain(
    'warning: --protected-stages: staging names neither main nor master, so the workflow deploys their pushes as previews and the production role trusts pushes to staging only.',
  );
  for (const stages of ['main,prod', 'master,staging', undefined]) {
    await deployRoleTrust(stages);
    expect(warnings).not.toContain('--protected-stages:');
  }
});

it('setup --configure-github with no production branch: refused (exit 2), nothing to limit the environment to', async () => {
  const io = testIo(env);
  const argv = [
    'setup',
    '--name=shop',
    '--repository=octo/shop',
    '--configure-github',
    '--protected-stages=prod',
  ];
  expect(await main(argv, io)).toBe(2);
  expect(io.stderr()).toContain(
    '--configure-github: no production branch to limit the environment to and protect (protected-stages names none)',
  );
});

it('policy prints the same preview trust as setup for the same protected-stages', async () => {
  for (const stages of ['prod', 'main,staging,prod']) {
    const io = testIo(env);
    const argv = [
      'policy',
      '--name=shop',
      '--account=123456789012',
      '--repository=octo/shop',
      '--role=preview',
    ];
    expect(await main([...argv, `--protected-stages=${stages}`, '--json'], io)).toBe(0);
    const printed = JSON.parse(io.stdout()) as { roles: { 'trust-policy': PolicyDocument }[] };
    const preview = printed.roles[0]!['trust-policy'];
    expect(preview.Statement[0]!.Condition).toEqual(
      (await deployRoleTrust(stages)).preview.Statement[0]!.Condition,
    );
  }
});

/** The route job's run and the jobs that call the action, for `event` and the caller's `with:`. */
function route(event: Event, callerWith: Record<string, string> = {}) {
  const runs = runWorkflow(event, callerWith);
  return { route: runs.get('route'), jobs: deployingJobs(event, callerWith, runs) };
}

/** The role the job's lambda-deploy step is given, the route job's outputs read as the runner would. */
function roleOf(job: 'undeploy-branch' | 'prune', event: Event, callerWith: Record<string, string>) {
  const runs = runWorkflow(event, callerWith);
  expect({ job, result: runs.get(job)?.result }).toEqual({ job, result: 'success' });
  return reusableWorkflowActionInputs(
    { name: 'shop', 'aws-region': 'eu-west-1', ...callerWith },
    job,
    REPO_ROOT,
    githubContext(event),
    { route: runs.get('route') },
  )['role-to-assume'];
}

const ROLES = { 'production-role': 'arn:production', 'preview-role': 'arn:preview' };

describe('a protected stage is production only when the pushed branch is a production branch', () => {
  it.each([
    ['a constant stage: prod', { stage: 'prod' }, 'prod'],
    ['stage: staging, protected', { stage: 'staging', 'protected-stages': 'main,staging' }, 'staging'],
    ['stage: main', { stage: 'main' }, 'main'],
  ])('%s: a push or manual run from another branch fails in the route job, saying why', (_, with_, value) => {
    for (const name of ['push', 'workflow_dispatch'] as const)
      for (const branch of ['feature/x', 'develop', 'Main', 'release/1.x']) {
        const run = route({ name, branch }, { ...ROLES, ...with_ });
        expect({ branch, result: run.route?.result, jobs: run.jobs }).toEqual({
          branch,
          result: 'failure',
          jobs: [],
        });
        expect(run.route?.log).toContain(
          `::error title=lambda-deploy::The stage input is "${value}", a protected stage`,
        );
        expect(run.route?.log).toContain(`this run is on branch ${branch}, not a production branch`);
        // What to do: set the input only where it belongs.
        expect(run.route?.log).toContain("stage: ${{ github.ref_name == 'main' &&");
      }
  });

  it.each([
    ['push', 'main', { stage: 'prod' }],
    // A manual rollback run from a production branch.
    ['workflow_dispatch', 'main', { stage: 'prod' }],
    ['workflow_dispatch', 'master', { stage: 'production' }],
    ['push', 'main', { stage: 'staging', 'protected-stages': 'main,staging' }],
    ['push', 'staging', { stage: 'staging', 'protected-stages': 'main,staging' }],
  ] as const)('%s of %s with %j: the production job', (name, branch, with_) => {
    expect(route({ name, branch }, { ...ROLES, ...with_ }).jobs).toEqual(['deploy']);
  });

  it('a branch named like a stage-only name (prod) fails in the route job: its stage is protected, it is no production branch', () => {
    for (const [branch, stages] of [
      ['prod', undefined],
      ['production', undefined],
      ['prod', 'main,PROD'],
    ] as const) {
      const run = route({ name: 'push', branch }, stages ? { 'protected-stages': stages } : {});
      expect({ branch, result: run.route?.result, jobs: run.jobs }).toEqual({
        branch,
        result: 'failure',
        jobs: [],
      });
      expect(run.route?.log).toContain(
        `::error title=lambda-deploy::Branch ${branch} is listed in protected-stages (${stages ?? 'main,master,prod,production'}), but prod and production name stages, not production branches`,
      );
      expect(run.route?.log).toContain(`&& '${branch}' || '' }}, or rename the branch.`);
    }
  });

  it('a stage input naming a stage that is not protected: a preview from other branches; from a production branch refused while the preview role cannot sign in there', () => {
    expect(route({ name: 'push', branch: 'feature/x' }, { ...ROLES, stage: 'staging' }).jobs).toEqual([
      'preview',
    ]);
    const run = route({ name: 'push', branch: 'main' }, { ...ROLES, stage: 'staging' });
    expect({ result: run.route?.result, jobs: run.jobs }).toEqual({ result: 'failure', jobs: [] });
    expect(run.route?.log).toContain(
      '::error title=lambda-deploy::The stage input is "staging", not a protected stage',
    );
    expect(run.route?.log).toContain('this run is on branch main, a production branch');
    // One role for everything trusts every branch: the preview job, as before.
    expect(
      route({ name: 'push', branch: 'main' }, { 'role-to-assume': 'arn:one', stage: 'staging' }).jobs,
    ).toEqual(['preview']);
  });

  it('pull requests are not routed: the preview job, whose action refuses a protected stage input', () => {
    expect(route({ name: 'pull_request', action: 'opened' }, { ...ROLES, stage: 'prod' }).jobs).toEqual([
      'preview',
    ]);
  });
});

describe('cleanup signs in with the role that trusts the default branch', () => {
  it.each([
    ['main', undefined, 'arn:production'],
    ['master', undefined, 'arn:production'],
    ['develop', undefined, 'arn:preview'],
    ['develop', 'main,develop', 'arn:production'],
    ['main', 'prod', 'arn:preview'],
    ['main', 'staging', 'arn:preview'],
    ['prod', undefined, 'arn:preview'],
  ])('default branch %s, protected-stages %j: %s', async (defaultBranch, stages, expected) => {
    const callerWith = { ...ROLES, ...(stages === undefined ? {} : { 'protected-stages': stages }) };
    const roles = await deployRoleTrust(stages);
    const sub = `repo:octo/shop:ref:refs/heads/${defaultBranch}`;
    for (const event of [
      { name: 'delete', branch: 'feature/x', defaultBranch },
      { name: 'schedule', defaultBranch },
    ] as const) {
      const role = roleOf(event.name === 'delete' ? 'undeploy-branch' : 'prune', event, callerWith);
      expect({ event: event.name, role }).toEqual({ event: event.name, role: expected });
      // The role chosen trusts the run's token: it runs on the default branch.
      const trust = role === 'arn:production' ? roles.production : roles.preview;
      expect({ event: event.name, role, admitted: admits(trust, sub) }).toEqual({
        event: event.name,
        role,
        admitted: true,
      });
    }
  });

  it('one role, or only one of the two, is used as before; a constant stage input does not stop cleanup', () => {
    const develop = { name: 'schedule', defaultBranch: 'develop' } as const;
    expect(roleOf('prune', develop, { 'role-to-assume': 'arn:one' })).toBe('arn:one');
    expect(roleOf('prune', { name: 'schedule' }, { 'role-to-assume': 'arn:one' })).toBe('arn:one');
    expect(roleOf('prune', { name: 'schedule' }, { 'preview-role': 'arn:preview' })).toBe('arn:preview');
    expect(roleOf('prune', develop, { ...ROLES, stage: 'prod' })).toBe('arn:preview');
    expect(
      roleOf(
        'undeploy-branch',
        { name: 'delete', branch: 'x', defaultBranch: 'develop' },
        { ...ROLES, stage: 'prod' },
      ),
    ).toBe('arn:preview');
  });
});

describe('the route job reads the stage input as the action does: trimmed', () => {
  // A dispatch input typed with a space, or a `stage: |` block's newline: the action deploys `prod`.
  it.each(['prod\n', ' prod ', '\tprod', 'prod\r\n', '\u00a0prod', 'prod\u3000'])(
    'stage %j from main: the production job, with either roles',
    (stage) => {
      expect(route({ name: 'push', branch: 'main' }, { ...ROLES, stage }).jobs).toEqual(['deploy']);
      // One role: never the preview job, whose preview secrets and no keep-warm would land on production.
      expect(route({ name: 'push', branch: 'main' }, { 'role-to-assume': 'arn:one', stage }).jobs).toEqual([
        'deploy',
      ]);
      const run = route({ name: 'push', branch: 'feature/x' }, { ...ROLES, stage });
      expect({ result: run.route?.result, jobs: run.jobs }).toEqual({ result: 'failure', jobs: [] });
      expect(run.route?.log).toContain(
        '::error title=lambda-deploy::The stage input is "prod", a protected stage',
      );
    },
  );

  it('a stage input of blanks is none: the branch names the stage', () => {
    for (const stage of ['\n', '  ', ' \r\n'])
      for (const with_ of [ROLES, { 'role-to-assume': 'arn:one' }]) {
        expect(route({ name: 'push', branch: 'main' }, { ...with_, stage }).jobs).toEqual(['deploy']);
        expect(route({ name: 'push', branch: 'feature/x' }, { ...with_, stage }).jobs).toEqual(['preview']);
      }
  });

  it('a stage input across lines is shown on one line: no line of it reads as a workflow command', () => {
    for (const [branch, stage, shown] of [
      ['main', 'staging\n::warning::x', '"staging%0A::warning::x", not a protected stage'],
      ['master', 'a 50%\r\n::warning::x', '"a 50%25%0D%0A::warning::x", not a protected stage'],
    ]) {
      const run = route({ name: 'workflow_dispatch', branch: branch! }, { ...ROLES, stage: stage! });
      expect(run.route?.result).toBe('failure');
      expect(run.route?.log).not.toMatch(/^::warning/m);
      expect(run.route?.log).toContain(`The stage input is ${shown}`);
    }
  });

  // An entry with a carriage return inside (the runner reads a lone \r as a line's end) is no
  // branch, but the production branches the message lists are shown escaped like the rest.
  it('a protected-stages entry with a line break inside is shown on one line in the message', () => {
    const stages = { ...ROLES, 'protected-stages': 'main\r::warning::x,prod' };
    const run = route({ name: 'push', branch: 'prod' }, stages);
    expect(run.route?.result).toBe('failure');
    expect(run.route?.log).not.toMatch(/^::warning/m);
    expect(run.route?.log).toContain('(production branches: main%0D::warning::x)');
  });
});

it('with no production branch (protected-stages: prod), the route job says to list one first: an input set for main alone is refused there too', () => {
  for (const [branch, stage] of [
    ['main', 'prod'],
    ['feature/x', 'prod'],
    ['prod', ''],
  ] as const) {
    const run = route({ name: 'push', branch }, { ...ROLES, 'protected-stages': 'prod', stage });
    expect({ branch, result: run.route?.result, jobs: run.jobs }).toEqual({
      branch,
      result: 'failure',
      jobs: [],
    });
    expect(run.route?.log).toContain('(production branches: none)');
    expect(run.route?.log).toContain(
      "Nothing was deployed. List a production branch in protected-stages first (and in setup's --protected-stages), " +
        "like protected-stages: main,prod, then set the stage input for it only, like stage: ${{ github.ref_name == 'main' && 'prod' || '' }}.",
    );
  }
});
