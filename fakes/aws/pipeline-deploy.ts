/**
 * The whole AWS deploy pipeline (runPipeline: package, sign in, upload, role,
 * function, front door, keep-warm, the deploying mark) run in this process
 * against the fake AWS, as a push to a branch: for tests and the bench that
 * look at the requests a deploy makes and how long it waits for them.
 *
 *   const aws = await startFakeAws();
 *   aws.faults.latency('*', 50, { real: true });
 *   const app = appFolder();                       // a copy of examples/handler
 *   await deployApp(aws, app);                     // first deploy
 *   aws.calls.clear();
 *   changeCode(app);
 *   const run = await deployApp(aws, app);         // a code change
 *   aws.calls.roundTrips();
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from './index.js';
import type { GitHubContext } from '../../src/model/github-context.js';
import type { DeployReport } from '../../src/model/outcome.js';
import type { GitHubApi } from '../../src/reporting/github-api.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import type { RuntimeClock } from '../../src/settings/runtime-schedule-check.js';
import { RecordingLogger } from '../../src/util/logger.js';
import type { Surface } from '../../src/model/surface.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');

/** A copy of examples/handler in a temp folder; remove it with removeApp. */
export function appFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-path-'));
  cpSync(EXAMPLE, join(dir, 'app'), { recursive: true });
  return dir;
}

export function removeApp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

let edits = 0;
/** A code change: a new line in the handler's file, so the package's CodeSha256 changes. */
export function changeCode(dir: string): void {
  appendFileSync(join(dir, 'app', 'app.py'), `\n# change ${++edits} ${Date.now()}\n`);
}

export interface PipelineDeploy {
  report: DeployReport;
  logger: RecordingLogger;
  failure?: string;
}

/**
 * Deploys `dir/app` as stage `main` of project `shop` (a push to main,
 * static credentials, the default HTTP API front door, no smoke test: only
 * AWS requests). `sequential`: the deploy sends its AWS requests one at a
 * time (the baseline the bench compares with).
 */
export async function deployApp(
  aws: FakeAws,
  dir: string,
  options: {
    sequential?: boolean;
    inputs?: Record<string, string>;
    /** The advice after a denied call (the CLI passes its own); the deploy role's when left out. */
    needs?: (permission: string) => string;
    /** The GitHub API the reports use (a recorder); with inputs comment/deployment 'true'. */
    github?: GitHubApi;
    /** The event instead of a push to main (a pull request: stage pr-{number}). */
    ctx?: Partial<GitHubContext>;
    /** The day and deprecation schedule the runtime is judged by (none judged when left out). */
    runtimeClock?: RuntimeClock;
    /** Who reads the messages: the CLI's deploy passes 'terminal' (the action's inputs when left out). */
    surface?: Surface;
    /** More of the process environment the deploy reads (e.g. LAMBDA_DEPLOY_WAIT_SCALE). */
    env?: Record<string, string>;
  } = {},
): Promise<PipelineDeploy> {
  const inputs: Record<string, string> = {
    name: 'shop',
    command: 'deploy',
    path: 'app',
    'aws-region': aws.region,
    'smoke-test': 'false',
    comment: 'false',
    deployment: 'false',
    ...options.inputs,
  };
  const env: NodeJS.ProcessEnv = {
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: join(dir, 'runner-temp'),
    ...aws.env(),
    ...aws.staticCredentialsEnv(),
    ...options.env,
  };
  const ctx: GitHubContext = {
    eventName: 'push',
    payload: {},
    ref: 'refs/heads/main',
    sha: '0123456789abcdef0123456789abcdef01234567',
    repository: 'octo/shop',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    runId: '42',
    runAttempt: '1',
    runUrl: 'https://github.com/octo/shop/actions/runs/42',
    ...options.ctx,
  };
  const settings = readSettings((name) => inputs[name], env, 'action', options.runtimeClock);
  const logger = new RecordingLogger();
  // The SDK reads its endpoint and the ambient key from process.env: set for this run only.
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const run = await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env,
      awsClients: createAwsClients,
      sleep: aws.clock.sleep,
      now: () => aws.clock.now(),
      outDir: join(dir, 'out'),
      sequentialAws: options.sequential,
      ...(options.needs && { needs: options.needs }),
      ...(options.github && { github: options.github }),
      ...(options.surface && { surface: options.surface }),
    });
    if (run.result.kind !== 'deploy') throw new Error(`expected a deploy, got ${run.result.kind}`);
    return { report: run.result.outcome as DeployReport, logger, failure: run.failure };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
