/**
 * Every workflow snippet of README.md and examples/ (read from the files, so
 * this follows the README when it changes), run through the bundled action
 * the way the runner runs it: its `with:` block, every other input at its
 * action.yml default, a push to main, against the fake AWS on 127.0.0.1, the
 * local OIDC token endpoint and the GitHub API recorder. A reusable-workflow
 * snippet goes through the workflow's own deploy step, its expressions
 * evaluated as the runner would.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGION, type FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startOidcServer, type OidcServer } from '../support/oidc-server.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { condition, interpolate, type Contexts } from '../support/workflow-expressions.js';
import {
  commentsInBlockScalars,
  readReusableWorkflow,
  readSnippets,
  REPO_ROOT,
  reusableWorkflowActionInputs,
  type Snippet,
} from '../support/workflow-snippets.js';

/**
 * The repository a snippet deploys: app.py at the top with both a plain
 * handler and a WSGI app (so `handler:` and `app: app:app` snippets both find
 * theirs), and examples/ for snippets that point `path` there.
 */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'readme-ws-'));
  writeFileSync(
    join(dir, 'app.py'),
    [
      'def handler(event, context):',
      '    return {"statusCode": 200, "body": "hello from a handler"}',
      '',
      '',
      'def app(environ, start_response):',
      '    start_response("200 OK", [("Content-Type", "text/plain")])',
      '    return [b"hello from a WSGI app"]',
      '',
    ].join('\n'),
  );
  cpSync(join(REPO_ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  return dir;
}

/** The action's `with:` for a snippet. */
function actionInputs(snippet: Snippet): Record<string, string> {
  switch (snippet.kind) {
    case 'reusable':
      return reusableWorkflowActionInputs(snippet.with);
    case 'fragment':
      // Shown on its own in the README: added to a step that names the project. A REST
      // API's URL is built by the action (https://{id}.execute-api...) and a function
      // URL is AWS's (https://{id}.lambda-url...): no local server can answer for them,
      // so their smoke test is left out here.
      return {
        name: 'shop',
        ...snippet.with,
        ...(snippet.with.gateway === 'rest-api' || snippet.with.gateway === 'function-url'
          ? { 'smoke-test': 'false' }
          : {}),
      };
    case 'action':
      return snippet.with;
  }
}

function details(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

const snippets = readSnippets();

/** A job that posts another job's `report` output (command: report): it deploys nothing itself. */
const isReportJob = (s: Snippet) => s.kind === 'action' && s.with.command === 'report';

/** A push to `branch` of this repository, as the runner's github context has it. */
const pushTo = (branch: string) => ({
  event_name: 'push',
  event: {},
  ref: `refs/heads/${branch}`,
  ref_name: branch,
  repository: 'octo/svc',
});

/** The snippets a push starts (any branch): not a report job, nor a job for closed pull requests only. */
const deploysOnPush = (s: Snippet) =>
  s.kind !== 'action' ||
  (!isReportJob(s) && (!s.if || ['main', 'feature'].some((b) => condition(s.if!, { github: pushTo(b) }))));

/**
 * A report as a real deploy writes it: the fake AWS serves each stage on the local smoke target
 * (http://127.0.0.1:PORT/...), where AWS gives https://{api-id}.execute-api.{region}.amazonaws.com,
 * the only shape command: report accepts.
 */
function asDeployed(report: string, run: ActionRun): string {
  if (!report) return report;
  const apiId = run.outputs['api-id'] || 'a1b2c3d4e5';
  return JSON.stringify({
    ...(JSON.parse(report) as Record<string, unknown>),
    url: `https://${apiId}.execute-api.${REGION}.amazonaws.com`,
  });
}

/** `README.md:232 jobs.preview` -> `preview`. */
const jobName = (s: Snippet) => s.where.split(' jobs.')[1] as string;

describe('README.md and examples/ snippets can be copied as they are', () => {
  test('no block scalar input (environment: |) carries a "# comment" after a value: YAML keeps it in the value', () => {
    expect(snippets.flatMap(commentsInBlockScalars)).toEqual([]);
  });

  test('a command line in the README runs as written: never the bare name lambda-deploy, which is not the CLI', () => {
    // `npx lambda-deploy` is an unrelated npm package, and the installed CLI is lambda-stage-deploy.
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const bare = [
      ...readme.matchAll(
        /`(lambda-deploy (?:serve|package|deploy|undeploy|logs|status|policy|setup|init) --[^`]*)`/g,
      ),
    ];
    expect(bare.map((m) => m[1])).toEqual([]);
  });

  test('the check finds such a comment (the README once had these), and only there', () => {
    const root = mkdtempSync(join(tmpdir(), 'readme-comments-'));
    mkdirSync(join(root, 'examples'));
    const fence = '`'.repeat(3);
    writeFileSync(
      join(root, 'README.md'),
      [
        `${fence}yaml`,
        'environment: |',
        '  # a comment on a line of its own is skipped by the action',
        '  LAMBDA_DEPLOY_LIFESPAN=auto            # ASGI lifespan: auto (default), on or off',
        '  LAMBDA_DEPLOY_BASE_PATH=api',
        'app: app:app   # a YAML comment: not part of the value',
        fence,
        '',
      ].join('\n'),
    );
    try {
      const found = readSnippets(root);
      expect(found.map((s) => [s.kind, s.blockScalars])).toEqual([['fragment', ['environment']]]);
      expect(found.flatMap(commentsInBlockScalars)).toEqual([
        'README.md:2 environment: LAMBDA_DEPLOY_LIFESPAN=auto            # ASGI lifespan: auto (default), on or off',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('README.md and examples/ workflows on a tag push (on: push takes tags too)', () => {
  const tagPush = {
    event_name: 'push',
    event: {},
    ref: 'refs/tags/v1.2.0',
    ref_name: 'v1.2.0',
    repository: 'octo/svc',
  };
  const blocks = [...new Set(snippets.filter((s) => s.kind === 'action').map((s) => s.where.split(' ')[0]))];

  test.each(blocks)(
    '%s: no job runs: the action deploys no tag, and a report job run on that skip fails (a tag has no stage)',
    (block) => {
      const jobs = snippets.filter((s) => s.kind === 'action' && s.where.startsWith(`${block} `));
      const started = jobs.filter((j) => !isReportJob(j) && (!j.if || condition(j.if, { github: tagPush })));
      const needs = Object.fromEntries(
        jobs.map((j) => [jobName(j), { result: started.includes(j) ? 'success' : 'skipped', outputs: {} }]),
      );
      const reports = jobs.filter(
        (j) => isReportJob(j) && (!j.if || condition(j.if, { github: tagPush, needs })),
      );
      expect([...started, ...reports].map(jobName)).toEqual([]);
    },
  );
});

describe('README.md and examples/ workflow snippets, run as the runner runs them', () => {
  let oidc: OidcServer;
  let smoke: SmokeTarget;
  let github: GitHubRecorder;
  const dirs: string[] = [];

  beforeAll(async () => {
    [oidc, smoke, github] = await Promise.all([startOidcServer(), startSmokeTarget(), startGitHubRecorder()]);
  });
  afterAll(async () => {
    await Promise.all([oidc?.close(), smoke?.close(), github?.close()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('there are snippets of each kind the README shows', () => {
    const kinds = new Set(snippets.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(['action', 'fragment', 'reusable']);
  });

  test.each(snippets.filter(deploysOnPush).map((s) => [`${s.where} (${s.kind})`, s] as const))(
    '%s deploys on a push to main',
    async (_, snippet) => {
      // The fake AWS is one account in one region: a snippet's aws-region (eu-west-1) is moved there.
      const inputs: Record<string, string> = { ...actionInputs(snippet) };
      if (inputs['aws-region']) inputs['aws-region'] = REGION;
      const ws = workspace();
      // A fresh account per snippet: each deploys from scratch, as a new user's first run does.
      const aws: FakeAws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
      // `lambda-deploy setup` ran for the project: the execution roles' boundary, the preview
      // execution role, and the deploy role the snippet names, trusting this repository's tokens.
      aws.seed.setup(inputs.name!);
      const deployRole = /:role\/(.+)$/.exec(inputs['role-to-assume'] ?? '')?.[1];
      if (deployRole) aws.seed.githubDeployRole(deployRole, ['repo:octo/svc:*']);
      const run = await runAction({
        inputs,
        workspace: ws,
        env: {
          ...aws.env(),
          // With role-to-assume the job signs in through OIDC; without, the ambient credentials.
          ...(inputs['role-to-assume'] ? oidc.env() : aws.staticCredentialsEnv()),
          GITHUB_API_URL: github.url,
        },
        timeoutMs: 80_000,
      }).finally(() => aws.close());
      dirs.push(ws, run.dir);
      expect({ code: run.code, log: run.code === 0 ? '' : details(run) }).toEqual({ code: 0, log: '' });
      expect(run.stdout).not.toContain('::error::');
      expect(run.outputs.stage).toBe('main');
      expect(run.outputs['function-name']).toBe(`${inputs.name}-main`);
      expect(run.outputs.url).toMatch(/^(http:\/\/127\.0\.0\.1:\d+|https:\/\/)/);
      expect(run.summary).toContain(`deployed to \`main\``);
      // The function runs what the snippet asked for: the adapter for an app, else its handler.
      const fn = aws.account.functions.get(`${inputs.name}-main`);
      // The defaults the runner filled in are in effect: a GitHub Deployment for the stage (deployment: true, github.token).
      expect(github.deployments.map((d) => d.environment)).toContain(`${inputs.name}/main`);
      expect(fn?.latest.Handler).toBe(
        inputs.app ? '_lambda_deploy_adapter.handler' : inputs.handler || 'app.handler',
      );
    },
    90_000,
  );

  /** A pull request of this repository (octo/svc, as run-action's GITHUB_REPOSITORY), opened or closed. */
  const pullRequest = (action: 'opened' | 'closed') => ({
    action,
    number: 42,
    pull_request: {
      number: 42,
      state: action === 'closed' ? 'closed' : 'open',
      head: {
        ref: 'feature',
        sha: '0123456789abcdef0123456789abcdef01234567',
        repo: { full_name: 'octo/svc' },
      },
      base: { ref: 'main', repo: { full_name: 'octo/svc' } },
    },
    repository: { full_name: 'octo/svc', private: false },
  });

  /** The README's workflows, one entry per ```yaml block: its jobs that run the action, or call the reusable workflow. */
  const workflows: [string, Snippet[]][] = [];
  for (const s of snippets.filter((s) => s.kind !== 'fragment')) {
    const block = s.where.split(' ')[0] as string;
    const entry = workflows.find(([where]) => where === block);
    if (entry) entry[1].push(s);
    else workflows.push([block, [s]]);
  }

  test.each(workflows)(
    '%s on a pull request: opened deploys stage pr-42 with the preview role, closed removes it',
    async (_, jobs) => {
      const ws = workspace();
      const aws: FakeAws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
      const names = new Set(jobs.map((j) => j.with.name!));
      for (const name of names) aws.seed.setup(name);
      const runs: Record<string, ActionRun> = {};
      const reports: Record<string, ActionRun> = {};
      try {
        for (const action of ['opened', 'closed'] as const) {
          const payload = pullRequest(action);
          const context = {
            event_name: 'pull_request',
            event: payload,
            ref: 'refs/pull/42/merge',
            ref_name: '42/merge',
            repository: 'octo/svc',
          };
          // The jobs the runner starts on this event: their `if:` (the reusable workflow's own, for a call to it).
          const started = jobs.flatMap((job) => {
            if (isReportJob(job) || (job.if && !condition(job.if, { github: context }))) return [];
            if (job.kind === 'action') return [job.with];
            const reusable = readReusableWorkflow().jobs;
            const called = (['preview', 'undeploy-pull-request'] as const).filter((name) =>
              condition(reusable[name]?.if ?? 'false', {
                github: context,
                inputs: {},
                // The route job runs on pushes only: skipped here, it has no outputs.
                needs: { route: { outputs: { production: '' } } },
              }),
            );
            return called.map((name) => reusableWorkflowActionInputs(job.with, name, undefined, context));
          });
          expect(started).toHaveLength(1);
          const deployJob = jobs.find((job) => job.with === started[0]);
          const inputs = { ...started[0]! };
          if (inputs['aws-region']) inputs['aws-region'] = REGION;
          const role = /:role\/(.+)$/.exec(inputs['role-to-assume'] ?? '')?.[1];
          // A pull request's job signs in with the preview role: never production's.
          expect(role).toMatch(/-deploy-preview$/);
          aws.seed.githubDeployRole(role!, ['repo:octo/svc:*']);
          const requestsBefore = github.requests.length;
          const run = await runAction({
            inputs,
            workspace: ws,
            eventName: 'pull_request',
            ref: 'refs/pull/42/merge',
            payload,
            env: { ...aws.env(), ...oidc.env(), GITHUB_API_URL: github.url },
            timeoutMs: 80_000,
          });
          dirs.push(run.dir);
          runs[action] = run;
          expect({ code: run.code, log: run.code === 0 ? '' : details(run) }).toEqual({ code: 0, log: '' });
          expect(run.outputs.stage).toBe('pr-42');
          // The job that deploys a pull request runs its code: it gets no token that writes to GitHub.
          if (action === 'opened') expect(inputs['github-token']).toBe('');
          // A job that runs the pull request's code with github-token '' writes nothing to GitHub.
          if (inputs['github-token'] === '')
            expect(github.requests.slice(requestsBefore).map((r) => r.path)).toEqual([]);
          // Its report job (command: report), started by its `if:` on the job's result, posts the comment.
          const report = asDeployed(run.outputs.report ?? '', run);
          const url = report ? (JSON.parse(report) as { url: string }).url : '';
          const needs = deployJob
            ? { [jobName(deployJob)]: { result: 'success', outputs: { report, url } } }
            : {};
          const reportContexts: Contexts = { github: context, needs };
          for (const job of jobs.filter(isReportJob)) {
            if (job.if && !condition(job.if, reportContexts)) continue;
            const reportInputs = Object.fromEntries(
              Object.entries(job.with).map(([k, v]) => [k, interpolate(v, reportContexts)]),
            );
            // The region the deploy ran in (the fake AWS's), as for the deploy job above.
            if (reportInputs['aws-region']) reportInputs['aws-region'] = REGION;
            const reported = await runAction({
              inputs: reportInputs,
              workspace: mkdtempSync(join(tmpdir(), 'readme-report-ws-')),
              eventName: 'pull_request',
              ref: 'refs/pull/42/merge',
              payload,
              env: { GITHUB_API_URL: github.url },
              timeoutMs: 30_000,
            });
            dirs.push(reported.dir);
            reports[action] = reported;
            expect({ code: reported.code, log: reported.code === 0 ? '' : details(reported) }).toEqual({
              code: 0,
              log: '',
            });
          }
        }
      } finally {
        dirs.push(ws);
        await aws.close();
      }
      const name = [...names][0]!;
      expect(runs.opened!.outputs['function-name']).toBe(`${name}-pr-42`);
      expect(runs.opened!.summary).toContain('deployed to `pr-42`');
      expect(runs.closed!.stdout).toContain(`Removed function ${name}-pr-42.`);
      expect(aws.account.functions.has(`${name}-pr-42`)).toBe(false);
      // A workflow whose deploy job has no token: its report job commented on the opened pull request only.
      if (jobs.some(isReportJob)) {
        expect(Object.keys(reports)).toEqual(['opened']);
        expect(reports.opened!.stdout).toMatch(/(Commented on|Updated the comment on) pull request #42 /);
        expect(reports.opened!.summary).toContain('deployed to `pr-42`');
      }
    },
    180_000,
  );
});
