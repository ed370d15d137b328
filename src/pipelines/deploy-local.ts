import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startFrontDoor,
  startLocalFunction,
  type FrontDoor,
  type LocalFunction,
} from '../local-runtime/index.js';
import { restStageName } from '../resources/front-door/urls.js';
import { isProtectedStage } from './undeploy.js';
import { localRegion } from '../local-runtime/lambda-environment.js';
import { prepareLocalSlim, type LocalSlim } from './local-slim.js';
import { defaultOutDir } from '../packaging/build-package.js';
import { pythonExecutable } from '../packaging/python-command.js';
import { extractZip } from '../packaging/zip-reader.js';
import type { Plan } from '../model/plan.js';
import type { DeployReport } from '../model/outcome.js';
import { secretValues } from '../settings/secret-values.js';
import { isPythonRuntime } from '../settings/settings.js';
import { type Settings } from '../model/settings.js';
import { localFunctionLogs } from '../resources/logs/function-logs.js';
import { runSmokeTest } from '../smoke/smoke-test.js';
import { errorMessage } from '../util/retry.js';
import { realSleep } from '../util/sleep.js';
import { packageFacts, packageStep } from './package-pipeline.js';
import type { PipelineDeps } from './pipeline-deps.js';

/**
 * A warning when the local Python is not the runtime's version (pure): the
 * local runtime uses whatever Python is installed, Lambda uses exactly the
 * runtime's.
 */
export function pythonVersionWarning(
  runtime: string,
  localVersion: string | undefined,
  command: string,
): string | undefined {
  const wanted = /^python(\d+\.\d+)$/.exec(runtime)?.[1];
  if (!wanted || !localVersion || localVersion === wanted) return undefined;
  return `runtime ${runtime} runs locally on Python ${localVersion} (${command}); Lambda runs ${wanted}. Set LAMBDA_DEPLOY_PYTHON to a python${wanted} to match it.`;
}

/**
 * A warning when the Node that runs lambda-deploy (and so the local function)
 * is not the runtime's major version (pure).
 */
export function nodeVersionWarning(runtime: string, localVersion: string): string | undefined {
  const wanted = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const local = /^v?(\d+)\./.exec(localVersion)?.[1];
  if (!wanted || !local || local === wanted) return undefined;
  return `runtime ${runtime} runs locally on Node.js ${localVersion.replace(/^v/, '')} (the Node that runs lambda-deploy); Lambda runs Node.js ${wanted}. Run it with a Node.js ${wanted} to match it.`;
}

function localPythonVersion(command: string): string | undefined {
  try {
    return execFileSync(command, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined; // the runtime start reports a missing interpreter clearly
  }
}

/** A running local stage, for the CLI's serve. */
export interface LocalStage {
  url: string;
  fn: LocalFunction;
  stop(): Promise<void>;
}

/**
 * `target: local`: the same package, unzipped and run under a Lambda-compatible
 * runtime on this machine behind a local HTTP front door that sends the
 * events of the chosen gateway (payload 2.0; 1.0 under `/{stage}` for
 * rest-api), then smoke-tested like a real stage. No AWS account involved.
 */
export async function deployLocally(
  settings: Settings,
  plan: Plan,
  deps: PipelineDeps,
): Promise<{ report: DeployReport; stage?: LocalStage }> {
  const now = deps.now ?? Date.now;
  const started = now();
  const { logger } = deps;
  const pkg = await packageStep(settings, deps);
  const stage = plan.stage || 'local';
  const hidden = secretValues(settings, plan);
  const report = initialReport(settings, plan, pkg, stage);
  const codeDir = await mkdtemp(join(deps.outDir ?? defaultOutDir(deps.env), 'local-'));
  const running: Running = {};
  const stop = async () => {
    await running.door?.close();
    await running.fn?.stop();
    await rm(codeDir, { recursive: true, force: true });
    if (running.optDir) await rm(running.optDir, { recursive: true, force: true });
    await running.slim?.cleanup();
  };
  try {
    await extractZip(pkg.zipPath, codeDir);
    // dependencies-layer: the requirements are in the layer's zip, which Lambda unpacks into /opt.
    if (pkg.dependencies) {
      running.optDir = await mkdtemp(join(deps.outDir ?? defaultOutDir(deps.env), 'local-opt-'));
      await extractZip(pkg.dependencies.zipPath, running.optDir);
    }
    const door = await startStage(running, { settings, pkg, codeDir, stage, report }, deps);
    if (settings.smokeTest) report.smoke = await smokeLocally(settings, door.url, hidden, deps);
    if (report.smoke.status === 'failed') report.error = `Smoke test failed: ${report.smoke.detail}`;
    else report.status = 'success';
  } catch (error) {
    report.error = errorMessage(error);
    // Said once, as the step's failure (which carries it); where it happened shows with debug (--verbose).
    logger.debug(report.error);
  }
  const fn = running.fn;
  if (report.status === 'failure' && fn) {
    const logs = localFunctionLogs(fn.logs(), { secrets: hidden });
    report.logs = logs.text;
    report.logsNote = logs.note;
    if (logs.text) await logger.group('Function logs', async () => logger.untrusted(logs.text));
  }
  report.durationMs = now() - started;
  if (deps.keepLocalRunning && report.status === 'success' && fn)
    return { report, stage: { url: report.url, fn, stop } };
  await stop();
  return { report };
}

type Package = Awaited<ReturnType<typeof packageStep>>;

/** What a local stage has started so far, for stopping it whatever happened. */
interface Running {
  fn?: LocalFunction;
  door?: FrontDoor;
  slim?: LocalSlim;
  /** The dependencies layer, unpacked: the function's /opt. */
  optDir?: string;
}

/** The report before anything runs: a failure until the stage answers its smoke test. */
function initialReport(settings: Settings, plan: Plan, pkg: Package, stage: string): DeployReport {
  return {
    status: 'failure',
    project: settings.name,
    stage,
    functionName: plan.functionName || `${settings.name}-${stage}`,
    functionArn: '',
    version: '$LATEST',
    previousVersion: '',
    url: '',
    ...packageFacts(pkg),
    changed: true,
    rolledBack: false,
    smoke: {
      status: 'skipped',
      target: '',
      attempts: 0,
      detail: settings.smokeTest ? 'not reached' : 'smoke-test: false',
      durationMs: 0,
    },
    sha: plan.sha,
    durationMs: 0,
    target: 'local',
  };
}

/**
 * The slim archive's stand-in (when there is one), the function and its
 * front door, each put in `running` as it starts; a function that cannot
 * start fails here, its traceback in its logs.
 */
async function startStage(
  running: Running,
  stage: { settings: Settings; pkg: Package; codeDir: string; stage: string; report: DeployReport },
  deps: PipelineDeps,
): Promise<FrontDoor> {
  const { settings, pkg, report } = stage;
  const { logger } = deps;
  if (pkg.slim) {
    running.slim = await logger.group('Dependencies archive to the local S3 stand-in', () =>
      prepareLocalSlim(
        pkg.slim!,
        {
          project: settings.name,
          bucket: settings.s3Bucket,
          region: localRegion(settings.awsRegion, deps.env),
          protectedStage: isProtectedStage(stage.stage, settings.protectedStages),
          tempParent: deps.outDir ?? defaultOutDir(deps.env),
          env: deps.env,
        },
        { logger, sleep: deps.sleep ?? realSleep },
      ),
    );
    report.slim = running.slim.outcome;
  }
  const python = pythonExecutable(deps.env);
  const warning = isPythonRuntime(settings.runtime)
    ? pythonVersionWarning(settings.runtime, localPythonVersion(python), python)
    : nodeVersionWarning(settings.runtime, process.version);
  if (warning) logger.warning(warning);
  // The port is taken before the function starts: a busy one fails first, with no function logs before it.
  let ready!: (fn: LocalFunction) => void;
  const started = new Promise<LocalFunction>((resolve) => (ready = resolve));
  const door = await startFrontDoor(
    {
      // Once it runs, a request goes straight to the function, without a wait for `started`.
      invoke: (event, options) =>
        running.fn ? running.fn.invoke(event, options) : started.then((fn) => fn.invoke(event, options)),
    },
    {
      logger,
      port: deps.localPort ?? 0,
      gateway: settings.gateway,
      stage: restStageName(stage.stage),
      invokeMode: settings.invokeMode === 'response-stream' ? 'RESPONSE_STREAM' : 'BUFFERED',
    },
  );
  running.door = door;
  const fn = await startLocalFunction(
    {
      codeDir: stage.codeDir,
      runtime: settings.runtime,
      handler: pkg.handler,
      environment: { ...settings.environment, ...running.slim?.environment },
      credentials: running.slim?.credentials,
      ...(running.optDir && { optDir: running.optDir }),
      timeout: settings.timeout,
      memory: settings.memory,
      functionName: report.functionName,
      region: settings.awsRegion,
    },
    { logger, pythonCommand: python, env: deps.env },
  );
  running.fn = fn;
  ready(fn);
  // A function that cannot start fails now, its traceback in the logs below: no smoke test
  // retrying it for smoke-timeout.
  const initError = fn.initError();
  if (initError)
    throw new Error(
      `The function could not start: ${initError.errorType}: ${initError.errorMessage} (its traceback is in the function's logs).`,
    );
  report.functionArn = fn.functionArn;
  report.url = door.url;
  logger.info(`Local stage ${stage.stage} of ${settings.name} is serving at ${door.url}`);
  return door;
}

function smokeLocally(settings: Settings, url: string, hidden: string[], deps: PipelineDeps) {
  return deps.logger.group('Smoke test', () =>
    runSmokeTest(
      {
        url,
        path: settings.smokePath,
        expectStatus: settings.smokeStatus,
        contains: settings.smokeContains,
        timeoutSeconds: settings.smokeTimeout,
        secrets: hidden,
        // Up before the first request: a 5xx is the function's answer, not a front door settling.
        serverErrorsSettle: false,
      },
      { logger: deps.logger, sleep: deps.sleep ?? realSleep },
    ),
  );
}
