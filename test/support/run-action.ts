/**
 * Runs the bundled action the way the runner does: `node dist/index.js` in a
 * temp folder, with EVERY input of action.yml as an INPUT_* variable (the
 * test's value, else the default, `${{ github.token }}` expanded: see
 * action-yml.ts), GITHUB_* variables, an event payload file, and the
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files it writes; and LAMBDA_DEPLOY_WAIT_SCALE, so its
 * waits make the same checks with shorter pauses between them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inputEnvName, runnerInputs } from './action-yml.js';

/** The bundle under test: built from the current sources by jest's global setup (scripts/build-cache.mjs). */
export const DIST_INDEX = resolve(bundleUnderTest('LAMBDA_DEPLOY_DIST'));
/** The CLI bundle built with it. */
export const DIST_CLI = resolve(bundleUnderTest('LAMBDA_DEPLOY_DIST_CLI'));
/**
 * The Node that runs DIST_INDEX: the runner's (action.yml's runs.using) once fetched, picked
 * by global setup. The CLI runs on jest's own (process.execPath), as a terminal's would.
 */
export const ACTION_NODE = bundleUnderTest('LAMBDA_DEPLOY_ACTION_NODE');

function bundleUnderTest(variable: string): string {
  const path = process.env[variable];
  if (!path)
    throw new Error(
      `${variable} is not set: run the tests through jest (its global setup builds the bundles)`,
    );
  return path;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The run's temp folder (RUNNER_TEMP, workspace parent). */
  dir: string;
  /** The environment the bundle ran with. */
  env: Record<string, string>;
  /** What it saved for its post step (GITHUB_STATE): the runner passes it back as STATE_* variables. */
  state: Record<string, string>;
}

export interface RunActionOptions {
  /** The step's `with:`; every other input gets its action.yml default, as on the runner. */
  inputs: Record<string, string>;
  /** GITHUB_EVENT_NAME; default push. */
  eventName?: string;
  payload?: Record<string, unknown>;
  /** GITHUB_REF; default refs/heads/main. */
  ref?: string;
  /** GITHUB_WORKSPACE; default the temp folder. */
  workspace?: string;
  /** Extra or overriding environment (e.g. AWS_ENDPOINT_URL, GITHUB_API_URL). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Once this settles, the run is killed (SIGKILL) as a cancelled job's step ends, before its post step. */
  cancel?: Promise<unknown>;
}

/** Parses the GITHUB_OUTPUT file: `name<<DELIMITER\nvalue\nDELIMITER` blocks and `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] as string);
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** The event of a same-repository pull request `number` of octo/svc being opened, as the runner gives it. */
export function pullRequestOpened(number: number): Pick<RunActionOptions, 'eventName' | 'ref' | 'payload'> {
  return {
    eventName: 'pull_request',
    ref: `refs/pull/${number}/merge`,
    payload: {
      action: 'opened',
      number,
      pull_request: {
        number,
        head: { sha: 'a'.repeat(40), repo: { full_name: 'octo/svc' } },
        base: { repo: { full_name: 'octo/svc' } },
      },
      repository: { full_name: 'octo/svc', private: false, visibility: 'public' },
    },
  };
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const outputFile = join(dir, 'github_output');
  const summaryFile = join(dir, 'step_summary');
  const stateFile = join(dir, 'github_state');
  const eventFile = join(dir, 'event.json');
  for (const file of [outputFile, summaryFile, stateFile]) writeFileSync(file, '');
  writeFileSync(eventFile, JSON.stringify(options.payload ?? {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    LANG: 'C.UTF-8',
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace ?? dir,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REF: options.ref ?? 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REPOSITORY: 'octo/svc',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9/',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: stateFile,
    // The documented setting for emulators (src/util/wait-scale.ts): a twentieth of each pause between
    // checks (polls for a function's state, smoke attempts). The fake's states move per request
    // (action-aws.ts), so the same checks see the same states; only the wall time between them is shorter.
    LAMBDA_DEPLOY_WAIT_SCALE: '0.05',
    // Node's on-disk cache of compiled code (Node 22.1+; the runner's Node 24 reads it): the 5 MB bundle,
    // started hundreds of times a run, is compiled once. In the run's temp folder, which teardown removes.
    NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache'),
  };
  for (const [name, value] of Object.entries(runnerInputs(options.inputs))) env[inputEnvName(name)] = value;
  Object.assign(env, options.env);
  // Python that the packager and the local runtime use (Debian's carries Flask in CI).
  if (process.env.LAMBDA_DEPLOY_TEST_PYTHON && !env.LAMBDA_DEPLOY_PYTHON)
    env.LAMBDA_DEPLOY_PYTHON = process.env.LAMBDA_DEPLOY_TEST_PYTHON;

  const { code, stdout, stderr } = await runBundle(dir, env, options.timeoutMs, options.cancel);
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    state: parseOutputFile(readFileSync(stateFile, 'utf8')),
    dir,
    env,
  };
}

/** `node dist/index.js` (on ACTION_NODE) in `dir` with `env`, to its end (or killed once `cancel` settles). */
async function runBundle(
  dir: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
  cancel?: Promise<unknown>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(ACTION_NODE, [DIST_INDEX], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  void cancel?.then(() => child.kill('SIGKILL'));
  const code = await new Promise<number>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node dist/index.js did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolvePromise(c ?? -1);
    });
  });
  return { code, stdout, stderr };
}

/**
 * The action's post step, as the runner runs it at the end of the job
 * (also after a cancelled step): the same environment, and what the main
 * step saved as STATE_* variables.
 */
export async function runActionPost(
  main: ActionRun,
  timeoutMs?: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...main.env };
  for (const [name, value] of Object.entries(main.state)) env[`STATE_${name}`] = value;
  return runBundle(main.dir, env, timeoutMs);
}
