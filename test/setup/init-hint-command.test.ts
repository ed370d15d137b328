/**
 * The setup command init prints for the workflow it writes is the one a
 * deploy of that workflow prints (the placeholder role ARN's hint): both
 * from the workflow's protected-stages, through productionBranches.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main } from '../../src/entry/cli/cli.js';
import { readSettings, SettingsError } from '../../src/settings/settings.js';
import { callerWorkflow, nextSteps } from '../../src/setup/init-workflow.js';
import { testIo } from '../entry/cli/io.js';
import { reusableWorkflowActionInputs } from '../support/workflow-snippets.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** init in a fresh checkout of octo/shop: the workflow's `with:` and the setup command of its next steps. */
async function init(flags: string[]): Promise<{ with: Record<string, string>; command: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-init-hint-'));
  dirs.push(dir);
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'git@github.com:octo/shop.git']);
  const io = testIo({ ...process.env, GITHUB_WORKSPACE: dir });
  const code = await main(['init', '--name=shop', '--aws-region=eu-west-1', `--dir=${dir}`, ...flags], io);
  expect({ code, stderr: code ? io.stderr() : '' }).toEqual({ code: 0, stderr: '' });
  const workflow = parse(readFileSync(join(dir, '.github/workflows/lambda-deploy.yml'), 'utf8')) as {
    jobs: { lambda: { with: Record<string, string> } };
  };
  const command = /^ {5}(npx \S+ setup .*)$/m.exec(io.stdout())?.[1];
  return { with: workflow.jobs.lambda.with, command: command ?? `no setup command in: ${io.stdout()}` };
}

/** The setup command a deploy of that workflow prints: its role ARNs are init's placeholders. */
function hint(callerWith: Record<string, string>, job: 'deploy' | 'preview'): string {
  const inputs = reusableWorkflowActionInputs(callerWith, job);
  try {
    readSettings((name) => inputs[name], { GITHUB_WORKSPACE: process.cwd(), GITHUB_REPOSITORY: 'octo/shop' });
  } catch (error) {
    const said = (error as SettingsError).problems?.join('\n') ?? String(error);
    const command = /run "(npx \S+ setup [^"]*)" once/.exec(said)?.[1];
    if (command) return command;
    throw error;
  }
  throw new Error('no hint: the placeholder role ARN was accepted');
}

describe('init and a deploy print the same setup command for the same workflow', () => {
  it.each([
    ['no lists', []],
    ['prod alone', ['--protected-stages=prod']],
    ['a custom stage', ['--protected-stages=main,staging,prod']],
    ['case and a slash', ['--protected-stages=Main,release/1.x']],
    ['blanks', ['--protected-stages=main, staging']],
    ['protected branches alone', ['--protected-branches=main,release/1.x']],
    ['both, agreeing', ['--protected-branches=main,release', '--protected-stages=main,release,prod']],
  ])('%s %j', async (_, flags) => {
    const written = await init(flags);
    expect(written.command).toMatch(/^npx github:org\/lambda-deploy setup --name shop /);
    expect(hint(written.with, 'deploy')).toBe(written.command);
    expect(hint(written.with, 'preview')).toBe(written.command);
  });

  it('the command names no --protected-branches: setup works them out of --protected-stages', async () => {
    const { command, with: w } = await init(['--protected-stages=main,staging,prod']);
    expect(w['protected-stages']).toBe('main,staging,prod');
    expect(command).toBe(
      'npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/shop --protected-stages main,staging,prod',
    );
    // As written: Main protects its branch's stage too (the route job reads it as main).
    const cased = await init(['--protected-stages=Main,release/1.x']);
    expect(cased.with['protected-stages']).toBe('Main,release/1.x');
    expect(cased.command).toMatch(/ --protected-stages Main,release\/1\.x$/);
    // prod alone stays prod alone: main is then a preview, as the route job deploys it.
    expect((await init(['--protected-stages=prod'])).with['protected-stages']).toBe('prod');
    // The branches given stand in for main, master: the workflow names no other branch.
    expect((await init(['--protected-branches=main,release/1.x'])).with['protected-stages']).toBe(
      'main,prod,production,release/1.x',
    );
  });
});

describe('init with protected-stages naming no branch', () => {
  it('says no push deploys production, in the workflow and the next steps, and what that leaves prune', () => {
    const o = { name: 'shop', awsRegion: 'eu-west-1', protectedStages: ['prod'] };
    expect(callerWorkflow(o)).toMatch(
      /^# Written by lambda-deploy init\. No push deploys production: protected-stages names\n# no branch/,
    );
    const steps = nextSteps(o, 'lambda-deploy.yml');
    expect(steps[2]).toMatch(
      /^3\. protected-stages \(prod\) names no branch: every push deploys a preview, with the preview role, and none reaches the production job; prune and branch deletions/,
    );
    // No environment to limit to branches that are not there.
    expect(steps.join('\n')).not.toContain('deployment branches limited to exactly');
  });
});
