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
import { deployingJobs } from '../support/workflow-runner.js';

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
      // prod and production name stages: a branch so named reaches the production job, whose
      // environment admits only the production branches; the production role does not trust its push
      // (whether the preview role would does not matter: the workflow never sends it there).
      const stageOnly = job[0] === 'deploy' && ['prod', 'production'].includes(branch);
      const expected =
        job[0] === 'preview'
          ? { production: false, preview: true }
          : stageOnly
            ? { production: false, preview: trusted.preview }
            : { production: true, preview: false };
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
    'Prune and branch deletions run on the default branch with the production role and cannot sign in unless it is among them; ' +
      'expected it there, like --protected-stages main,prod (and the same protected-stages in the workflow).',
  );
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
