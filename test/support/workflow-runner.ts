/**
 * The reusable workflow run as GitHub runs it, for the tests that ask which
 * jobs an event starts: the `if:` of every job evaluated as GitHub does
 * (strings compared ignoring case, `contains` on a string a substring test, a
 * job skipped when a job it needs did not succeed unless its `if` checks a
 * status), and jobs made only of `run:` steps (the route job) actually run in
 * bash, their outputs read by the jobs that need them.
 */
import { afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  condition,
  hasStatusCheck,
  interpolate,
  type Contexts,
  type Status,
} from './workflow-expressions.js';
import {
  readReusableWorkflow,
  reusableWorkflowInputs,
  type WorkflowJob,
  type WorkflowStep,
} from './workflow-snippets.js';

export const REPOSITORY = 'octo/shop';
const tmp = mkdtempSync(join(tmpdir(), 'lambda-deploy-routing-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

export type Event =
  | { name: 'push' | 'workflow_dispatch'; branch: string; defaultBranch?: string }
  // A manual run started from a tag ("Use workflow from: Tags"): GITHUB_REF is refs/tags/{tag}.
  | { name: 'workflow_dispatch'; tag: string }
  | { name: 'pull_request'; action: string; fork?: boolean }
  // Both run on the default branch (main unless given): GITHUB_REF is refs/heads/{default}.
  | { name: 'delete'; branch: string; defaultBranch?: string }
  | { name: 'schedule'; defaultBranch?: string };

export function githubContext(event: Event): Record<string, unknown> {
  const base = { event_name: event.name, repository: REPOSITORY };
  switch (event.name) {
    case 'push':
    case 'workflow_dispatch':
      return 'tag' in event
        ? { ...base, ref: `refs/tags/${event.tag}`, ref_name: event.tag, event: {} }
        : {
            ...base,
            ref: `refs/heads/${event.branch}`,
            ref_name: event.branch,
            // Push and workflow_dispatch payloads carry the repository, with its default branch.
            event: { repository: { default_branch: event.defaultBranch ?? 'main' } },
          };
    case 'pull_request':
      return {
        ...base,
        ref: 'refs/pull/7/merge',
        ref_name: '7/merge',
        event: {
          action: event.action,
          pull_request: {
            number: 7,
            head: { repo: { full_name: event.fork ? 'someone/shop' : REPOSITORY } },
          },
        },
      };
    case 'delete': {
      // Runs on the default branch; the deleted one is the event's ref.
      const defaultBranch = event.defaultBranch ?? 'main';
      return {
        ...base,
        ref: `refs/heads/${defaultBranch}`,
        ref_name: defaultBranch,
        event: { ref: event.branch, ref_type: 'branch', repository: { default_branch: defaultBranch } },
      };
    }
    case 'schedule': {
      // A schedule's payload names no repository: only the ref says which branch is the default.
      const defaultBranch = event.defaultBranch ?? 'main';
      return { ...base, ref: `refs/heads/${defaultBranch}`, ref_name: defaultBranch, event: {} };
    }
  }
}

export interface JobRun {
  result: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  /** What its run: steps printed (workflow commands like ::error included). */
  log?: string;
}

/** The runner's own environment, below a step's `env:`: GitHub's ubuntu images set LANG=C.UTF-8. */
let runnerEnvironment: Record<string, string> = { LANG: 'C.UTF-8' };

/** `run()` with every step started from `environment` instead (a self-hosted runner's locale). */
export function onRunner<T>(environment: Record<string, string>, run: () => T): T {
  const hosted = runnerEnvironment;
  runnerEnvironment = environment;
  try {
    return run();
  } finally {
    runnerEnvironment = hosted;
  }
}

let scripts = 0;
/** A `run:` step as the runner runs it with `shell: bash`: env from `env:`, outputs from GITHUB_OUTPUT. */
function runStep(
  step: WorkflowStep,
  contexts: Contexts,
): { ok: boolean; outputs: Record<string, string>; log: string } {
  const n = ++scripts;
  const script = join(tmp, `step-${n}.sh`);
  const output = join(tmp, `output-${n}`);
  writeFileSync(script, step.run ?? '');
  writeFileSync(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...runnerEnvironment,
    GITHUB_OUTPUT: output,
  };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(String(v), contexts);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    env,
    encoding: 'utf8',
  });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(output, 'utf8').split('\n').filter(Boolean)) {
    const m = /^([\w-]+)=(.*)$/.exec(line);
    if (!m) throw new Error(`GITHUB_OUTPUT line not understood: ${line}`);
    outputs[m[1] as string] = m[2] as string;
  }
  return { ok: r.status === 0, outputs, log: `${r.stdout}${r.stderr}` };
}

/** Every job's outcome for `event`, in an order that puts each job after the jobs it needs. */
export function runWorkflow(event: Event, callerWith: Record<string, string> = {}): Map<string, JobRun> {
  const workflow = readReusableWorkflow();
  const base: Contexts = {
    github: githubContext(event),
    inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1', ...callerWith }, workflow),
    secrets: {},
  };
  const runs = new Map<string, JobRun>();
  const pending = Object.entries(workflow.jobs);
  while (pending.length) {
    const at = pending.findIndex(([, job]) => needsOf(job).every((n) => runs.has(n)));
    if (at < 0)
      throw new Error(`jobs that need a job that does not exist: ${pending.map(([n]) => n).join(', ')}`);
    const [name, job] = pending.splice(at, 1)[0] as [string, WorkflowJob];
    const needs = Object.fromEntries(needsOf(job).map((n) => [n, runs.get(n)]));
    runs.set(
      name,
      runJob(
        job,
        { ...base, needs },
        needsOf(job).map((n) => runs.get(n) as JobRun),
      ),
    );
  }
  return runs;
}

export function needsOf(job: WorkflowJob): string[] {
  return job.needs === undefined ? [] : typeof job.needs === 'string' ? [job.needs] : job.needs;
}

export function runJob(job: WorkflowJob, contexts: Contexts, needed: JobRun[]): JobRun {
  const status: Status = {
    success: needed.every((j) => j.result === 'success'),
    failure: needed.some((j) => j.result === 'failure'),
    cancelled: false,
  };
  // Without a status function, a job's `if` is `success() && (if)`: a skipped or failed need skips it.
  const cond = job.if ?? '';
  const runs = cond
    ? (hasStatusCheck(cond) || status.success) && condition(cond, contexts, status)
    : status.success;
  if (!runs) return { result: 'skipped', outputs: {} };
  const steps = job.steps ?? [];
  // Jobs that call actions are not run: that they start is what these tests look at.
  if (steps.some((s) => s.uses !== undefined || s.run === undefined))
    return { result: 'success', outputs: {} };
  const stepOutputs: Record<string, { outputs: Record<string, string> }> = {};
  let log = '';
  for (const step of steps) {
    const withSteps = { ...contexts, steps: stepOutputs };
    if (step.if !== undefined && !condition(step.if, withSteps)) continue;
    const r = runStep(step, withSteps);
    log += r.log;
    if (!r.ok) return { result: 'failure', outputs: {}, log };
    if (step.id) stepOutputs[step.id] = { outputs: r.outputs };
  }
  const outputs = Object.fromEntries(
    Object.entries(job.outputs ?? {}).map(([k, v]) => [
      k,
      interpolate(v, { ...contexts, steps: stepOutputs }),
    ]),
  );
  return { result: 'success', outputs, log };
}

/**
 * The `run:` steps of a job whose steps call actions too (runJob runs none of it): each whose
 * `if:` holds, in order, as the runner would before and after the action. How many ran, and
 * what they printed.
 */
export function runRunSteps(job: WorkflowJob, contexts: Contexts): { ran: number; log: string } {
  let ran = 0;
  let log = '';
  for (const step of job.steps ?? []) {
    if (step.run === undefined || (step.if !== undefined && !condition(step.if, contexts))) continue;
    const r = runStep(step, contexts);
    if (!r.ok) throw new Error(`step ${step.name ?? ''} failed: ${r.log}`);
    ran++;
    log += r.log;
  }
  return { ran, log };
}

/**
 * The jobs that ran and call lambda-deploy to deploy or remove: which role and environment the event
 * gets. Not preview-report (command: report), which signs in to nothing and follows every preview.
 */
export function deployingJobs(
  event: Event,
  callerWith?: Record<string, string>,
  /** runWorkflow's answer for the same event and inputs, when the caller has it already. */
  runs: Map<string, JobRun> = runWorkflow(event, callerWith),
): string[] {
  const workflow = readReusableWorkflow();
  return [...runs]
    .filter(([name, run]) => {
      const steps = workflow.jobs[name]?.steps ?? [];
      const deploys = (s: WorkflowStep) =>
        s.uses?.startsWith('org/lambda-deploy@') && String(s.with?.command ?? '') !== 'report';
      return run.result === 'success' && steps.some(deploys);
    })
    .map(([name]) => name);
}
