/**
 * The reusable workflow's `build` input: a shell command run in the
 * function's folder, in the deploy and preview jobs only, after the checkout
 * and before the action, on the runtime's Node.js or Python. Its steps'
 * scripts are run in bash as the runner runs them (env from `env:`, outputs
 * from GITHUB_OUTPUT, the checkout as the working folder).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_RUNTIMES, PYTHON_RUNTIMES } from '../../src/settings/runtimes.js';
import { condition, interpolate, type Contexts } from '../support/workflow-expressions.js';
import {
  readReusableWorkflow,
  reusableWorkflowInputs,
  type WorkflowStep,
} from '../support/workflow-snippets.js';

const workflow = readReusableWorkflow();
const tmp = mkdtempSync(join(tmpdir(), 'lambda-deploy-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SECRETS = {
  'environment-secrets': 'DB_PASSWORD=production-only-9f3k',
  'preview-environment-secrets': 'DB_PASSWORD=staging-only-2m7q',
};

function contexts(callerWith: Record<string, string>, steps: Contexts['steps'] = {}): Contexts {
  return {
    inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1', ...callerWith }, workflow),
    secrets: SECRETS,
    github: { event_name: 'push', ref_name: 'main' },
    needs: { route: { result: 'success', outputs: { 'default-branch-protected': 'true' } } },
    steps,
  };
}

const stepsOf = (job: string): WorkflowStep[] => workflow.jobs[job]?.steps ?? [];
const find = (job: string, test: (s: WorkflowStep) => boolean): number => stepsOf(job).findIndex(test);
const isBuild = (s: WorkflowStep) => s.name === 'Build';
const isToolchain = (s: WorkflowStep) => s.id === 'toolchain';

let scripts = 0;
/** A `run:` step as the runner runs it (`shell: bash`): in the checkout, env from `env:`, outputs from GITHUB_OUTPUT. */
function runStep(step: WorkflowStep, ctx: Contexts, workspace: string) {
  const n = ++scripts;
  const script = join(tmp, `step-${n}.sh`);
  const output = join(tmp, `output-${n}`);
  writeFileSync(script, step.run ?? '');
  writeFileSync(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GITHUB_OUTPUT: output,
    GITHUB_WORKSPACE: workspace,
  };
  for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(String(v), ctx);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    env,
    cwd: workspace,
    encoding: 'utf8',
  });
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  return { status: r.status, stdout: r.stdout, outputs };
}

/** A checkout with the function in `folder`. */
function checkout(name: string, folder: string): string {
  const workspace = join(tmp, name);
  mkdirSync(join(workspace, folder), { recursive: true });
  return workspace;
}

describe('the reusable workflow: the build input', () => {
  it('is a string input, empty by default (no build)', () => {
    expect(workflow.on.workflow_call.inputs.build).toMatchObject({ type: 'string', default: '' });
  });

  it.each(['deploy', 'preview'])(
    '%s: checkout, toolchain, setup-node or setup-python, build, then the action; only when build is set',
    (job) => {
      const at = {
        checkout: find(job, (s) => s.uses?.startsWith('actions/checkout@') ?? false),
        toolchain: find(job, isToolchain),
        node: find(job, (s) => s.uses === 'actions/setup-node@v6'),
        python: find(job, (s) => s.uses === 'actions/setup-python@v6'),
        build: find(job, isBuild),
        action: find(job, (s) => s.uses === 'org/lambda-deploy@v1'),
      };
      expect(Object.values(at).every((i) => i >= 0)).toBe(true);
      expect(at.checkout).toBeLessThan(at.toolchain);
      expect(at.toolchain).toBeLessThan(Math.min(at.node, at.python));
      expect(Math.max(at.node, at.python)).toBeLessThan(at.build);
      expect(at.build).toBeLessThan(at.action);
      const build = stepsOf(job)[at.build]!;
      expect(build.shell).toBe('bash');
      // The command reaches bash as a variable, never spliced into the script.
      expect(build.run).not.toContain('${{');
      expect(build.env).toEqual({ FUNCTION_PATH: '${{ inputs.path }}', BUILD: '${{ inputs.build }}' });
      // Nothing runs without a build: not the toolchain, nor either setup.
      for (const i of [at.toolchain, at.node, at.python, at.build]) {
        const step = stepsOf(job)[i]!;
        expect(condition(step.if ?? 'true', contexts({}))).toBe(false);
      }
      expect(condition(build.if ?? 'true', contexts({ build: 'npm run build' }))).toBe(true);
      // Pinned to a major tag; the runner's npm cache is not restored into production's build.
      expect(stepsOf(job)[at.node]!.with).toEqual({
        'node-version': '${{ steps.toolchain.outputs.node }}',
        'package-manager-cache': false,
      });
      expect(stepsOf(job)[at.python]!.with).toEqual({
        'python-version': '${{ steps.toolchain.outputs.python }}',
      });
    },
  );

  it.each(['deploy', 'preview'])('%s: the secrets go to the action step only, never to the build', (job) => {
    const withSecrets = stepsOf(job).filter((s) => JSON.stringify(s).includes('secrets.'));
    expect(withSecrets.map((s) => s.uses)).toEqual(['org/lambda-deploy@v1']);
    // And run as the runner runs it, the build's environment holds none of their values.
    const workspace = checkout(`secrets-${job}`, 'api');
    const build = stepsOf(job).find(isBuild)!;
    const r = runStep(build, contexts({ path: 'api', build: 'env > env.txt' }), workspace);
    expect(r.status).toBe(0);
    const env = readFileSync(join(workspace, 'api/env.txt'), 'utf8');
    expect(env).not.toContain('production-only-9f3k');
    expect(env).not.toContain('staging-only-2m7q');
    expect(env).toContain('BUILD=env > env.txt');
  });

  it.each(['undeploy-pull-request', 'undeploy-branch', 'prune', 'route', 'fork-notice'])(
    '%s runs no build and sets up no toolchain',
    (job) => {
      const text = JSON.stringify(workflow.jobs[job]);
      expect(text).not.toContain('inputs.build');
      expect(text).not.toMatch(/setup-node|setup-python|toolchain/);
    },
  );

  it.each(['deploy', 'preview'])(
    "%s: the build runs the caller's command as written, in inputs.path, and fails the job when it fails",
    (job) => {
      const build = stepsOf(job).find(isBuild)!;
      // Quotes, $, backticks and several lines: what a script splice would break or run early.
      const command = [
        `printf '%s\\n' "it's \\"built\\"" '$HOME' '\`id\`' > out.txt`,
        'mkdir -p dist && echo "exports.handler = 1" > dist/handler.js',
      ].join('\n');
      const workspace = checkout(`runs-${job}`, 'services/api');
      const ok = runStep(build, contexts({ path: 'services/api', build: command }), workspace);
      expect(ok.status).toBe(0);
      expect(readFileSync(join(workspace, 'services/api/out.txt'), 'utf8')).toBe(
        'it\'s "built"\n$HOME\n`id`\n',
      );
      expect(existsSync(join(workspace, 'services/api/dist/handler.js'))).toBe(true);
      expect(existsSync(join(workspace, 'out.txt'))).toBe(false);
      // A failing line fails the step, even one before the last.
      const failing = runStep(
        build,
        contexts({ path: 'services/api', build: 'false\necho after > after.txt' }),
        workspace,
      );
      expect(failing.status).not.toBe(0);
      expect(existsSync(join(workspace, 'services/api/after.txt'))).toBe(false);
      // A path that is no folder of the checkout is named, with what is expected.
      const missing = runStep(build, contexts({ path: 'nope', build: 'true' }), workspace);
      expect(missing.status).not.toBe(0);
      expect(missing.stdout).toContain('path: "nope" is not a folder of the checkout; expected');
    },
  );

  it('production and previews build alike: the same steps, toolchain to build', () => {
    const buildSteps = (job: string) => stepsOf(job).slice(find(job, isToolchain), find(job, isBuild) + 1);
    expect(buildSteps('deploy')).toHaveLength(4);
    expect(buildSteps('preview')).toEqual(buildSteps('deploy'));
  });

  it("the toolchain is the runtime's: its Node.js major or Python version", () => {
    const toolchain = stepsOf('preview').find(isToolchain)!;
    const run = (runtime: string) =>
      runStep(toolchain, contexts({ runtime, build: 'true' }), checkout(`toolchain-${runtime}`, '.'));
    for (const runtime of NODE_RUNTIMES)
      expect(run(runtime).outputs).toEqual({ node: /^nodejs(\d+)\.x$/.exec(runtime)![1] });
    for (const runtime of PYTHON_RUNTIMES)
      expect(run(runtime).outputs).toEqual({ python: runtime.replace(/^python/, '') });
    const bad = run('nodejs18');
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('runtime: "nodejs18" is not valid; expected');
    // Only the runtimes the action takes: no Node.js 18 or Python 3.8 set up and built on, for the action to refuse after.
    for (const runtime of ['nodejs18.x', 'nodejs26.x', 'python3.8', 'python3.15']) {
      const r = run(runtime);
      expect({ status: r.status, outputs: r.outputs }).toEqual({ status: 1, outputs: {} });
      expect(r.stdout).toContain(`runtime: "${runtime}" is not valid; expected`);
    }
    // Trimmed, as the action reads it.
    expect(run(' nodejs22.x ').outputs).toEqual({ node: '22' });
    // The setups follow the toolchain's outputs.
    const node = stepsOf('preview').find((s) => s.uses === 'actions/setup-node@v6')!;
    const python = stepsOf('preview').find((s) => s.uses === 'actions/setup-python@v6')!;
    const after = (outputs: Record<string, string>) =>
      contexts({ build: 'true' }, { toolchain: { outputs } });
    expect([
      condition(node.if!, after({ node: '22' })),
      condition(python.if!, after({ node: '22' })),
    ]).toEqual([true, false]);
    expect([
      condition(node.if!, after({ python: '3.12' })),
      condition(python.if!, after({ python: '3.12' })),
    ]).toEqual([false, true]);
  });
});
