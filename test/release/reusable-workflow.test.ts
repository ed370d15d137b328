/**
 * The reusable workflow against the action it calls: every input it passes
 * exists in action.yml, every job runs only on its events, with its own
 * minimal permissions and a concurrency group that never cancels a run.
 * (actionlint checks the syntax and expressions: see the lint script.)
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readActionYml } from '../support/action-yml.js';
import { condition } from '../support/workflow-expressions.js';
import {
  readReusableWorkflow,
  REPO_ROOT,
  ROUTE_ON_MAIN,
  reusableWorkflowActionInputs,
  reusableWorkflowInputs,
} from '../support/workflow-snippets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const workflow = readFileSync(`${root}.github/workflows/deploy.yml`, 'utf8');
const actionYml = readFileSync(`${root}action.yml`, 'utf8');

/** Keys indented by `indent` spaces inside the block that starts at `header` (a line). */
function blockKeys(text: string, header: RegExp, indent: number): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) return [];
  const headerIndent = (lines[start] ?? '').search(/\S/);
  const keys: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const lineIndent = line.search(/\S/);
    if (lineIndent <= headerIndent) break;
    const m = new RegExp(`^ {${indent}}([A-Za-z0-9_-]+):`).exec(line);
    if (m?.[1]) keys.push(m[1]);
  }
  return keys;
}

/** Each job's text, by name. */
function jobs(): Map<string, string> {
  const body = workflow.slice(workflow.indexOf('\njobs:\n'));
  const parts = body.split(/\n(?= {2}[a-z-]+:\n)/).slice(1);
  return new Map(parts.map((p) => [/^ {2}([a-z-]+):/.exec(p)?.[1] ?? '', p]));
}

/** The `with:` keys of the lambda-deploy step of a job. */
function actionInputs(job: string): string[] {
  const at = job.indexOf('uses: org/lambda-deploy@v1');
  expect(at).toBeGreaterThan(0);
  return blockKeys(job.slice(at), /^\s+with:\s*$/, 10);
}

/** The jobs that run the action. */
const ACTION_JOBS = [
  'deploy',
  'preview',
  'preview-report',
  'undeploy-pull-request',
  'undeploy-branch',
  'prune',
] as const;

const declaredActionInputs = blockKeys(actionYml, /^inputs:\s*$/, 2);
const workflowInputs = blockKeys(workflow, /^ {4}inputs:\s*$/, 6);

describe('.github/workflows/deploy.yml', () => {
  it('is a reusable workflow and never runs pull request code with secrets', () => {
    expect(workflow).toMatch(/^on:\n {2}workflow_call:/m);
    expect(workflow).not.toContain('pull_request_target');
    expect(workflow).toMatch(/^permissions: \{\}$/m);
  });

  it('has the jobs, each gated on its events', () => {
    const j = jobs();
    expect([...j.keys()]).toEqual([
      'fork-notice',
      'route',
      'deploy',
      'preview',
      'preview-report',
      'undeploy-pull-request',
      'undeploy-branch',
      'prune',
    ]);
    expect(j.get('preview')).toContain(
      `contains(fromJSON('["opened", "synchronize", "reopened"]'), github.event.action)`,
    );
    expect(j.get('preview')).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    // Only pushes (and manual runs) reach the production job, and only for a protected stage:
    // the route job decides that exactly (see workflow-routing.test.ts).
    expect(j.get('deploy')).not.toContain('pull_request');
    expect(j.get('deploy')).toContain("needs.route.outputs.production == 'true' &&");
    expect(j.get('preview')).toContain("needs.route.outputs.production == 'false' &&");
    expect(j.get('undeploy-pull-request')).toContain("github.event.action == 'closed'");
    expect(j.get('undeploy-pull-request')).not.toContain("'delete'");
    expect(j.get('undeploy-branch')).toContain(
      "if: github.event_name == 'delete' && github.event.ref_type == 'branch'",
    );
    expect(j.get('prune')).toContain("if: github.event_name == 'schedule'");
    expect(j.get('fork-notice')).toContain(
      'github.event.pull_request.head.repo.full_name != github.repository',
    );
    expect(j.get('fork-notice')).toContain('::notice title=lambda-deploy skipped::');
  });

  it.each([
    ['fork-notice', {}],
    ['route', {}],
    // Pushes and manual runs only: no pull request to comment on, so no pull-requests permission.
    ['deploy', { 'id-token': 'write', contents: 'read', deployments: 'write' }],
    // It runs the pull request's code, which can read the action step's token: nothing that writes to GitHub.
    ['preview', { 'id-token': 'write', contents: 'read' }],
    // Posts the preview's comment and Deployment; runs no code of the repository, signs in to nothing.
    ['preview-report', { 'pull-requests': 'write', deployments: 'write' }],
    [
      'undeploy-pull-request',
      { 'id-token': 'write', contents: 'read', 'pull-requests': 'write', deployments: 'write' },
    ],
    // A deleted branch has no pull request to comment on.
    ['undeploy-branch', { 'id-token': 'write', contents: 'read', deployments: 'write' }],
    ['prune', { 'id-token': 'write', contents: 'read', 'pull-requests': 'read' }],
  ])('%s asks for exactly its permissions', (name, expected) => {
    const job = jobs().get(name) ?? '';
    const inline = /\n {4}permissions: \{\}/.test(job);
    const perms = Object.fromEntries(
      [...(job.split(/\n {4}permissions:\n/)[1] ?? '').matchAll(/^ {6}([a-z-]+): (read|write)$/gm)].map(
        (m) => [m[1], m[2]],
      ),
    );
    expect(inline ? {} : perms).toEqual(expected);
  });

  it.each(ACTION_JOBS)('%s: one run per project and stage, never cancelled', (name) => {
    const job = jobs().get(name) ?? '';
    expect(job).toMatch(/concurrency:\n {6}group: (>-\n {8})?lambda-deploy-\$\{\{ inputs\.name \}\}-/);
    expect(job).toContain('cancel-in-progress: false');
  });

  it("the report job's group is never a deploy's or a preview's: it ends in `:report`, and git refuses `:` in a branch name (a stage has none)", () => {
    const group = (name: string) =>
      /concurrency:\n {6}group: >-\n([\s\S]*?)\n {6}cancel-in-progress/.exec(jobs().get(name) ?? '')?.[1] ??
      '';
    expect(group('preview-report')).toMatch(/\}\}:report$/);
    for (const name of ['deploy', 'preview']) expect(group(name)).not.toContain(':');
  });

  it('preview and undeploy agree on the stage of a pull request', () => {
    for (const name of ['preview', 'undeploy-pull-request'])
      expect(jobs().get(name)).toContain("format('pr-{0}', github.event.pull_request.number)");
    // The deleted branch is the event's ref, not GITHUB_REF (the default branch).
    expect(jobs().get('undeploy-branch')).toContain(
      'group: lambda-deploy-${{ inputs.name }}-${{ github.event.ref }}',
    );
  });

  it.each(ACTION_JOBS)('%s passes only inputs the action declares, and the required ones', (name) => {
    const passed = actionInputs(jobs().get(name) ?? '');
    expect(declaredActionInputs.length).toBeGreaterThan(20);
    expect(passed.filter((i) => !declaredActionInputs.includes(i))).toEqual([]);
    // preview-report signs in to nothing: no role. Its region is the one the report's URL must be of.
    const required =
      name === 'preview-report'
        ? ['command', 'name', 'aws-region']
        : ['command', 'name', 'aws-region', 'role-to-assume'];
    expect(passed).toEqual(expect.arrayContaining(required));
  });

  it('every workflow input reaches the action in some job, except the runner label and the roles', () => {
    const passed = new Set(ACTION_JOBS.flatMap((n) => actionInputs(jobs().get(n) ?? '')));
    // The two roles become role-to-assume; the environment is the production job's; build is a step of its own.
    const jobLevel = ['runs-on', 'production-role', 'preview-role', 'production-environment', 'build'];
    expect(workflowInputs.filter((i) => !passed.has(i) && !jobLevel.includes(i))).toEqual([]);
  });

  it('the preview job (pull requests and branch stages) is never given provisioned concurrency nor keep-warm; production is', () => {
    const caller = { name: 'shop', 'provisioned-concurrency': '3', 'keep-warm': 'rate(5 minutes)' };
    const pr = reusableWorkflowActionInputs(caller, 'preview', REPO_ROOT, { event_name: 'pull_request' });
    // Billed every hour for each open pull request; taking the input out removes what an earlier deploy set.
    expect(pr['provisioned-concurrency']).toBe('');
    // No keep-warm rule either: the preview role may not create EventBridge rules or targets.
    expect(pr['keep-warm']).toBe('');
    const branch = reusableWorkflowActionInputs(caller, 'preview', REPO_ROOT, { event_name: 'push' });
    // Nor a branch stage: the preview role may not set provisioned concurrency (it would throttle production).
    expect(branch['provisioned-concurrency']).toBe('');
    expect(branch['keep-warm']).toBe('');
    expect(reusableWorkflowActionInputs(caller, 'deploy', REPO_ROOT, { event_name: 'push' })).toMatchObject({
      'keep-warm': 'rate(5 minutes)',
    });
    expect(reusableWorkflowActionInputs(caller, 'deploy', REPO_ROOT, { event_name: 'push' })).toMatchObject({
      'provisioned-concurrency': '3',
    });
  });

  it('the preview job passes api-key on, so the action refuses a keyed pull request instead of opening it silently', () => {
    const caller = { name: 'shop', gateway: 'rest-api', 'api-key': 'true', quota: '1000/day' };
    for (const event_name of ['pull_request', 'push']) {
      const preview = reusableWorkflowActionInputs(caller, 'preview', REPO_ROOT, { event_name });
      expect([preview['api-key'], preview.quota]).toEqual(['true', '1000/day']);
    }
    expect(reusableWorkflowActionInputs(caller, 'deploy', REPO_ROOT, { event_name: 'push' })).toMatchObject({
      'api-key': 'true',
      quota: '1000/day',
    });
  });

  it("offers every input of the action's deploy, with the action's defaults, except those it decides itself", () => {
    const action = readActionYml().inputs;
    const declared = readReusableWorkflow().on.workflow_call.inputs;
    // command and target: each job's own; github-token: the job's token; policy-statements: setup
    // grants production's (a preview may not change IAM); adopt: a one-off take-over, made by hand.
    // report: preview-report's, the preview job's output.
    // report-url and report-result: its stand-ins, the preview job's url output and result.
    const decided = [
      'command',
      'target',
      'github-token',
      'policy-statements',
      'adopt',
      'report',
      'report-url',
      'report-result',
    ];
    expect(Object.keys(action).filter((name) => !(name in declared) && !decided.includes(name))).toEqual([]);
    // A caller who sets nothing gets what a step of the action would: package-cache alone is a
    // switch here (the workflow picks the folder) and a path in the action.
    const inputs = reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1' });
    const differing = Object.keys(action).filter(
      (name) => name in declared && String(inputs[name]) !== (action[name]?.default ?? ''),
    );
    expect(differing.sort()).toEqual(['aws-region', 'name', 'package-cache']);
  });

  it("handler: the workflow's description gives the action's defaults (package.json's \"main\" on Node.js too)", () => {
    const defaults = (description = '') => /Empty: .*unless app is set\./.exec(description)?.[0];
    const action = defaults(readActionYml().inputs.handler?.description);
    expect(action).toContain('"main"');
    expect(defaults(readReusableWorkflow().on.workflow_call.inputs.handler?.description)).toBe(action);
  });

  it('previews pass the same action inputs as production deploys, the package cache included', () => {
    const j = jobs();
    // And github-token, empty, for the job that runs the pull request's code (preview-report posts).
    const sorted = (names: string[]) => [...names].sort();
    expect(sorted(actionInputs(j.get('preview') ?? ''))).toEqual(
      sorted([...actionInputs(j.get('deploy') ?? ''), 'github-token']),
    );
    const caller = { name: 'shop', 'package-cache': 'true' };
    for (const [job, event_name] of [
      ['deploy', 'push'],
      ['preview', 'push'],
      ['preview', 'pull_request'],
    ] as const) {
      expect(reusableWorkflowActionInputs(caller, job, REPO_ROOT, { event_name })['package-cache']).toBe(
        '.lambda-deploy-cache',
      );
      // The folder the action reads is the one actions/cache restores and saves.
      expect(j.get(job)).toMatch(/uses: actions\/cache@v4\n {8}with:\n {10}path: \.lambda-deploy-cache\n/);
    }
    expect(reusableWorkflowActionInputs({ name: 'shop' }, 'preview')['package-cache']).toBe('');
    // Not for production when the default branch, whose caches every branch restores, is a preview's
    // (workflow-routing.test.ts runs the route job that says so).
    const developDefault = { route: { result: 'success', outputs: { 'default-branch-protected': 'false' } } };
    expect(
      reusableWorkflowActionInputs(caller, 'deploy', REPO_ROOT, { event_name: 'push' }, developDefault)[
        'package-cache'
      ],
    ).toBe('');
  });

  it('production deploys with the production role in its GitHub environment; previews with the preview role', () => {
    const j = jobs();
    expect(j.get('deploy')).toContain('environment: ${{ inputs.production-environment }}');
    expect(j.get('deploy')).toContain(
      'role-to-assume: ${{ inputs.production-role || inputs.role-to-assume }}',
    );
    expect(j.get('preview')).not.toMatch(/\n {4}environment:/);
    expect(j.get('preview')).toContain('role-to-assume: ${{ inputs.preview-role || inputs.role-to-assume }}');
    // On a production branch as default (trust-routing.test.ts runs the route job for the others).
    expect(
      reusableWorkflowActionInputs(
        { name: 'shop', 'production-role': 'arn:prod', 'preview-role': 'arn:preview' },
        'prune',
        REPO_ROOT,
        {
          event_name: 'schedule',
        },
      )['role-to-assume'],
    ).toBe('arn:prod');
    // A branch delete runs on the default branch: production's trust; a closed pull request: the preview role.
    const role = (caller: Record<string, string>, job: 'undeploy-pull-request' | 'undeploy-branch') =>
      reusableWorkflowActionInputs({ name: 'shop', ...caller }, job, REPO_ROOT, {
        event_name: job === 'undeploy-branch' ? 'delete' : 'pull_request',
      })['role-to-assume'];
    const both = { 'production-role': 'arn:prod', 'preview-role': 'arn:preview' };
    expect(role(both, 'undeploy-pull-request')).toBe('arn:preview');
    expect(role(both, 'undeploy-branch')).toBe('arn:prod');
    for (const job of ['undeploy-pull-request', 'undeploy-branch'] as const) {
      expect(role({ 'role-to-assume': 'arn:one' }, job)).toBe('arn:one');
      // Only a preview role given: a deleted branch's stage is a preview's, as before.
      expect(role({ 'preview-role': 'arn:preview' }, job)).toBe('arn:preview');
    }
    for (const name of ['deploy', 'preview'])
      expect(actionInputs(j.get(name) ?? '')).toContain('protected-stages');
  });

  it('one role for everything still works, with a warning in the job summary', () => {
    const preview = jobs().get('preview') ?? '';
    expect(preview).toContain("if: inputs.preview-role == '' && inputs.role-to-assume != ''");
    expect(preview).toMatch(/Previews share production's power.*\n(.*\n)*.*>> "\$GITHUB_STEP_SUMMARY"/);
    expect(workflow).toMatch(/ {6}role-to-assume:\n(.*\n)? {8}required: false/);
  });

  it("previews never get production's secret environment variables: each job its own secret", () => {
    const secrets = {
      'environment-secrets': 'DB_PASSWORD=production-only-9f3k',
      'preview-environment-secrets': 'DB_PASSWORD=staging-only-2m7q',
    };
    const caller = { name: 'shop', environment: 'LOG_LEVEL=info' };
    const env = (job: 'deploy' | 'preview', event_name: string) =>
      reusableWorkflowActionInputs(caller, job, REPO_ROOT, { event_name }, ROUTE_ON_MAIN, secrets)
        .environment;
    // Pull request code (its packaging and the function) reads every value the preview job deploys.
    for (const event_name of ['pull_request', 'push']) {
      expect(env('preview', event_name)).toContain('DB_PASSWORD=staging-only-2m7q');
      expect(env('preview', event_name)).not.toContain('production-only-9f3k');
      expect(env('preview', event_name)).toContain('LOG_LEVEL=info');
    }
    expect(env('deploy', 'push')).toContain('DB_PASSWORD=production-only-9f3k');
    expect(env('deploy', 'push')).not.toContain('staging-only-2m7q');
    const declared = readReusableWorkflow().on.workflow_call as { secrets?: Record<string, unknown> };
    expect(Object.keys(declared.secrets ?? {})).toEqual([
      'environment-secrets',
      'preview-environment-secrets',
    ]);
  });

  it('prune looks for unused slim archives in the bucket the deploys use', () => {
    expect(jobs().get('prune')).toContain('s3-bucket: ${{ inputs.s3-bucket }}');
  });

  it('undeploy and prune do not pass build inputs (no checkout there: a path would not exist)', () => {
    for (const name of ['undeploy-pull-request', 'undeploy-branch', 'prune']) {
      const job = jobs().get(name) ?? '';
      expect(job).not.toContain('actions/checkout');
      expect(actionInputs(job)).not.toEqual(expect.arrayContaining(['path']));
      expect(actionInputs(job)).not.toContain('requirements');
    }
  });

  it("the job that runs the pull request's code gets no token that writes to GitHub; preview-report posts", () => {
    const pr = { event_name: 'pull_request', event: { action: 'opened', pull_request: { number: 7 } } };
    const preview = reusableWorkflowActionInputs({ name: 'shop' }, 'preview', REPO_ROOT, pr);
    expect([preview['github-token'], preview.comment, preview.deployment]).toEqual(['', 'false', 'false']);
    const job = jobs().get('preview') ?? '';
    expect(job).toContain('      report: ${{ steps.lambda.outputs.report }}');
    expect(job).not.toMatch(/pull-requests: write|deployments: write/);
    // What the comment and the Deployment show, as the caller asked, goes to preview-report.
    const report = reusableWorkflowActionInputs(
      { name: 'shop', comment: 'false', 'aws-region': 'eu-west-1' },
      'preview-report',
      REPO_ROOT,
      pr,
      {
        preview: { result: 'success', outputs: { report: '{"v":"1"}', url: 'https://u' } },
      },
    );
    expect(report).toEqual(
      expect.objectContaining({
        command: 'report',
        name: 'shop',
        // The region the preview deployed to: the report's URL must be of it.
        'aws-region': 'eu-west-1',
        report: '{"v":"1"}',
        // What stands in for report when GitHub drops it: the url output (dropped on its own) and the job's result.
        'report-url': 'https://u',
        'report-result': 'success',
        comment: 'false',
        deployment: 'true',
      }),
    );
    expect(report).not.toHaveProperty('github-token');
  });

  it('preview-report checks out nothing and runs nothing of the repository: the action alone, after the preview', () => {
    const job = jobs().get('preview-report') ?? '';
    const workflowJob = readReusableWorkflow().jobs['preview-report'];
    // The route job (no permissions, none of the repository's code) only for its group's stage.
    expect(job).toContain('    needs: [route, preview]\n');
    expect(job).not.toContain('actions/checkout');
    expect(job).not.toMatch(/^\s+(- )?run:/m);
    expect(job).not.toContain('id-token');
    // One step: the action, with command report.
    expect(workflowJob?.steps?.map((s) => s.uses)).toEqual(['org/lambda-deploy@v1']);
    expect(job).toContain('command: report');
    // Same-repository pull requests (a fork's has no report) and branch stages with a Deployment.
    expect(job).toContain('github.event.pull_request.head.repo.full_name == github.repository');
  });

  it('preview-report runs after every preview that ran, also when GitHub dropped its report output (a masked value in it), and after no other', () => {
    const ifOf = readReusableWorkflow().jobs['preview-report']?.if ?? '';
    const inputs = reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1' });
    const pr = {
      event_name: 'pull_request',
      repository: 'octo/svc',
      event: { action: 'opened', pull_request: { number: 7, head: { repo: { full_name: 'octo/svc' } } } },
    };
    const runsAfter = (result: string, report: string) =>
      condition(ifOf, { github: pr, inputs, needs: { preview: { result, outputs: { report } } } });
    expect(runsAfter('success', '{"v":"1"}')).toBe(true);
    expect(runsAfter('failure', '{"v":"1"}')).toBe(true);
    // "Skip output 'report' since it may contain secret": the report job still comments, from the result.
    expect(runsAfter('success', '')).toBe(true);
    expect(runsAfter('failure', '')).toBe(true);
    // A preview that did not run (a production push, a closed pull request) has nothing to report.
    expect(runsAfter('skipped', '')).toBe(false);
    // Cancelled (a newer push's preview took its place in the queue): the newer one reports.
    expect(runsAfter('cancelled', '')).toBe(false);
    // A fork's pull request: its preview is skipped, and nothing of it is reported whatever its result.
    const fork = {
      ...pr,
      event: { ...pr.event, pull_request: { number: 7, head: { repo: { full_name: 'mallory/svc' } } } },
    };
    for (const result of ['success', 'failure', 'skipped'])
      expect(
        condition(ifOf, { github: fork, inputs, needs: { preview: { result, outputs: { report: '' } } } }),
      ).toBe(false);
  });
});
