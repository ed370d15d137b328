import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startFrontDoor,
  startLocalFunction,
  type FrontDoor,
  type InvokeOptions,
  type InvokeResult,
  type LocalFunction,
  dependencyTrees,
  shownSourcePaths,
  runtimeFamily,
} from '../../local-runtime/index.js';
import { restStageName } from '../../resources/front-door/urls.js';
import { isProtectedStage } from '../../model/protected-stages.js';
import { localRegion } from '../../local-runtime/lambda-environment.js';
import { prepareLocalSlim, type LocalSlim } from './local-slim.js';
import { defaultOutDir } from '../../packaging/build-package.js';
import { InstallReuse } from '../../packaging/install-reuse.js';
import { pythonExecutable } from '../../packaging/python-command.js';
import { extractZip, listZip } from '../../packaging/zip-reader.js';
import type { Plan } from '../../model/plan.js';
import type { DeployReport } from '../../model/outcome.js';
import { secretValues } from '../../settings/secret-values.js';
import { isPythonRuntime } from '../../settings/runtimes.js';
import { type Settings } from '../../model/settings.js';
import { localFunctionLogs } from '../../resources/logs/function-logs.js';
import { runSmokeTest } from '../../smoke/smoke-test.js';
import { errorMessage } from '../../util/retry.js';
import { boundLogger, type Logger } from '../../util/logger.js';
import { realSleep } from '../../util/sleep.js';
import { packageFacts, packageStep } from '../package-pipeline.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { startFailureText } from './watch-changes.js';
import { importFix } from '../../failure-hints/import-hints.js';
import { importHintContext } from '../../failure-hints/import-hint-context.js';

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

/** Read by runtime/python/_lambda_deploy_adapter.py (IMPORT_AT_INIT_ENV). */
export const IMPORT_AT_INIT = 'LAMBDA_DEPLOY_IMPORT_AT_INIT';

/** A running local stage, for the CLI's serve. */
export interface LocalStage {
  url: string;
  /** The function serving now (a reload replaces it). */
  readonly fn: LocalFunction;
  /**
   * Builds the package again and, once its function has started, sends the
   * next requests to it at the same URL; the previous one stops when its
   * requests have finished. A build or start that fails throws, and the
   * previous function keeps serving.
   */
  reload(): Promise<void>;
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
  // serve: the installs are kept for its rebuilds, which reuse them while the dependencies' inputs are unchanged.
  const installs = deps.keepLocalRunning ? new InstallReuse() : undefined;
  const pkg = await packageStep(settings, deps, 0, installs).catch(async (error: unknown) => {
    await installs?.clear();
    throw error;
  });
  const stage = plan.stage || 'local';
  const hidden = secretValues(settings, plan);
  const report = initialReport(settings, plan, pkg, stage);
  const running: Running = {
    starting: await newBuild(deps),
    installs,
    serving: false,
    stopped: false,
    reloads: new Set(),
  };
  const stop = async () => {
    running.stopped = true;
    await running.door?.close();
    // What serves stops at once; a reload under way then stops what it started (its package step is
    // not cut short: an install it keeps is removed with the others below). Nothing it started may
    // outlive stop(): a runtime left running would hold the process open.
    for (const build of new Set([running.current, running.starting])) if (build) await stopBuild(build);
    await Promise.allSettled(running.reloads);
    await installs?.clear();
  };
  try {
    await unpack(running.starting!, pkg, deps);
    const door = await startStage(running, { settings, pkg, stage, report, hidden }, deps);
    if (settings.smokeTest) report.smoke = await smokeLocally(settings, door.url, hidden, deps);
    if (report.smoke.status === 'failed')
      report.error = deps.keepLocalRunning
        ? `${settings.name} started, but its start-up request failed: ${report.smoke.detail}`
        : `Smoke test failed: ${report.smoke.detail}`;
    else report.status = 'success';
  } catch (error) {
    report.error = errorMessage(error);
    if (error instanceof StartError && error.hint) report.hint = error.hint;
    // Said once, as the step's failure (which carries it); where it happened shows with debug (--verbose).
    logger.debug(report.error);
  }
  const fn = running.current?.fn;
  if (report.status === 'failure' && fn) {
    // serve: its start-up request's traceback once, among the lines (the errors section
    // only when they have scrolled out of the last lines).
    const logs = localFunctionLogs(fn.logs(), { secrets: hidden, errorsOnlyWhenCut: deps.keepLocalRunning });
    report.logs = logs.text;
    report.logsNote = logs.note;
    // serve, a function that could not start: its traceback once, as a reload prints it.
    const shown = deps.keepLocalRunning && fn.initError() ? startFailureText(fn.logs(), hidden) : logs.text;
    if (shown) await logger.group('Function logs', async () => logger.untrusted(shown));
  }
  report.durationMs = now() - started;
  if (deps.keepLocalRunning && report.status === 'success' && fn) {
    running.starting = undefined;
    running.serving = true;
    const reload = () => {
      if (running.stopped) return Promise.reject(new Error(`${report.functionName} was stopped`));
      const reloading = reloadStage(running, { settings, stage, report, hidden }, deps);
      running.reloads.add(reloading);
      const settled = () => running.reloads.delete(reloading);
      reloading.then(settled, settled);
      return reloading;
    };
    return {
      report,
      stage: {
        url: report.url,
        get fn() {
          return running.current!.fn!;
        },
        reload,
        stop,
      },
    };
  }
  await stop();
  return { report };
}

type Package = Awaited<ReturnType<typeof packageStep>>;

/** One build's running parts: a reload starts another beside it, then stops this one. */
interface Build {
  /** The unpacked package: the function's code. */
  codeDir: string;
  /** The function zip's file entries, as unpacked into codeDir. */
  entries?: readonly string[];
  /** The dependencies layer, unpacked: the function's /opt. */
  optDir?: string;
  slim?: LocalSlim;
  fn?: LocalFunction;
  /** Requests it is answering; `idle` is called when they are done. */
  inFlight: number;
  idle?: () => void;
}

/** What a local stage has started so far, for stopping it whatever happened. */
interface Running {
  door?: FrontDoor;
  /** The build the front door sends requests to. */
  current?: Build;
  /** The first build, while it starts (a reload's is its own to stop). */
  starting?: Build;
  /** The dependencies installed for the builds, kept for a reload while their inputs are unchanged. */
  installs?: InstallReuse;
  /** Past its start-up check: a failing request's traceback is the user's to see (a failed start prints the logs). */
  serving: boolean;
  /** stop() was called: a reload under way starts nothing more, and none starts. */
  stopped: boolean;
  /** Reloads under way, which stop() waits for. */
  reloads: Set<Promise<void>>;
}

/** What a stage's builds share. */
interface StageFacts {
  settings: Settings;
  stage: string;
  report: DeployReport;
}

const tempParent = (deps: PipelineDeps) => deps.outDir ?? defaultOutDir(deps.env);

async function newBuild(deps: PipelineDeps): Promise<Build> {
  return { codeDir: await mkdtemp(join(tempParent(deps), 'local-')), inFlight: 0 };
}

async function unpack(build: Build, pkg: Package, deps: PipelineDeps): Promise<void> {
  await extractZip(pkg.zipPath, build.codeDir);
  build.entries = (await listZip(pkg.zipPath)).filter((e) => !e.isDirectory).map((e) => e.name);
  // dependencies-layer: the requirements are in the layer's zip, which Lambda unpacks into /opt.
  if (pkg.dependencies) {
    build.optDir = await mkdtemp(join(tempParent(deps), 'local-opt-'));
    await extractZip(pkg.dependencies.zipPath, build.optDir);
  }
}

async function stopBuild(build: Build): Promise<void> {
  await build.fn?.stop();
  await rm(build.codeDir, { recursive: true, force: true });
  if (build.optDir) await rm(build.optDir, { recursive: true, force: true });
  await build.slim?.cleanup();
}

/** Sends a request to `build`'s function, counting it until it is answered (a stream: until it ends). */
function invokeOn(build: Build, event: unknown, options?: InvokeOptions): Promise<InvokeResult> {
  build.inFlight++;
  const done = () => {
    if (--build.inFlight === 0) build.idle?.();
  };
  const answer = build.fn!.invoke(event, options);
  answer.then(done, done);
  return answer;
}

/** Resolves once `build` answers no request. */
function drained(build: Build): Promise<void> {
  return build.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (build.idle = resolve));
}

/** A logger for a rebuild: its warnings and errors, the rest (groups, progress) only with --verbose. */
function quietLogger(logger: Logger): Logger {
  return {
    ...boundLogger(logger),
    info: (m) => logger.debug(m),
    group: (title, fn) => {
      logger.debug(title);
      return fn();
    },
  };
}

/**
 * `logger` with its warnings held until `release`: said then (`say`) or
 * dropped (a start that failed, whose error is said once by the caller);
 * after it, warnings pass straight through.
 */
function heldWarnings(logger: Logger): { logger: Logger; release(say: boolean): void } {
  let held: string[] | undefined = [];
  return {
    logger: { ...boundLogger(logger), warning: (m) => (held ? held.push(m) : logger.warning(m)) },
    release(say) {
      const said = held ?? [];
      held = undefined;
      if (say) for (const m of said) logger.warning(m);
    },
  };
}

/**
 * serve --watch: the package built again and started beside the running one;
 * the front door switches to it once it has started, and the previous one
 * stops after its requests. On a failure the new one is removed and the
 * error thrown, its function's logs (the traceback) printed first.
 */
async function reloadStage(
  running: Running,
  facts: StageFacts & { hidden: string[] },
  deps: PipelineDeps,
): Promise<void> {
  const { settings } = facts;
  // stop() meanwhile: what this reload made is removed, and no function of it left running.
  const stopped = () => new Error(`${facts.report.functionName} was stopped: the reload was left unfinished`);
  const pkg = await packageStep(settings, { ...deps, logger: quietLogger(deps.logger) }, 0, running.installs);
  if (running.stopped) throw stopped();
  // Not `running.starting`: this reload stops its own build, once stopped or failed.
  const next = await newBuild(deps);
  const starting = heldWarnings(deps.logger);
  try {
    await unpack(next, pkg, deps);
    await prepareSlim(next, { ...facts, pkg }, deps);
    await startFunction(next, { ...facts, pkg }, { ...deps, logger: starting.logger }, true);
    if (running.stopped) throw stopped();
    starting.release(true);
  } catch (error) {
    // Said once: the traceback here, the error in the line the watcher prints.
    starting.release(false);
    const text = next.fn ? startFailureText(next.fn.logs(), facts.hidden) : '';
    if (text) await deps.logger.group('Function logs', async () => deps.logger.untrusted(text));
    await stopBuild(next);
    throw error;
  }
  const previous = running.current!;
  running.current = next;
  await drained(previous);
  await stopBuild(previous);
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

/** The slim archive's stand-in, when the package has one. */
async function prepareSlim(
  build: Build,
  { settings, pkg, stage, report }: StageFacts & { pkg: Package },
  deps: PipelineDeps,
): Promise<void> {
  if (!pkg.slim) return;
  const { logger } = deps;
  build.slim = await logger.group('Dependencies archive to the local S3 stand-in', () =>
    prepareLocalSlim(
      pkg.slim!,
      {
        project: settings.name,
        bucket: settings.s3Bucket,
        region: localRegion(settings.awsRegion, deps.env),
        protectedStage: isProtectedStage(stage, settings.protectedStages),
        tempParent: tempParent(deps),
        env: deps.env,
      },
      { logger, sleep: deps.sleep ?? realSleep },
    ),
  );
  report.slim = build.slim.outcome;
}

/**
 * Starts `build`'s function; one that cannot start fails here, its traceback
 * in its logs. `importAtInit` (serve): the adapter imports the app while the
 * runtime starts, not at the first request as on Lambda, so a build whose app
 * cannot be imported fails here rather than on a user's request.
 */
async function startFunction(
  build: Build,
  { settings, pkg, report }: StageFacts & { pkg: Package },
  deps: PipelineDeps,
  importAtInit = false,
): Promise<LocalFunction> {
  const hintContext = importHintContext(settings, 'local', deps.surface);
  const fn = await startLocalFunction(
    {
      codeDir: build.codeDir,
      runtime: settings.runtime,
      handler: pkg.handler,
      environment: {
        ...settings.environment,
        ...build.slim?.environment,
        ...(importAtInit && { [IMPORT_AT_INIT]: '1' }),
      },
      credentials: build.slim?.credentials,
      ...(build.optDir && { optDir: build.optDir }),
      // Tracebacks name the user's files, relative to where they run the command, not the unpacked copies;
      // the package's other files, (package) name.
      ...(pkg.sourceFiles && {
        sourcePaths: shownSourcePaths(pkg.sourceFiles, process.cwd(), build.entries),
      }),
      // And the dependencies unpacked outside the package (the layer, a slim tree): in it, not a temporary path.
      sourceTrees: dependencyTrees(settings.runtime, { optDir: build.optDir, slimTree: build.slim?.tree }),
      timeout: settings.timeout,
      memory: settings.memory,
      functionName: report.functionName,
      region: settings.awsRegion,
      importHint: hintContext,
      // The attached layers are not here: what they would provide may come from this machine's Python.
      hostSitePackages: settings.layers.length > 0,
    },
    { logger: deps.logger, pythonCommand: pythonExecutable(deps.env), env: deps.env },
  );
  build.fn = fn;
  // A function that cannot start fails now, its traceback in the logs: no smoke test
  // retrying it for smoke-timeout.
  const initError = fn.initError();
  if (initError)
    throw new StartError(
      `The function could not start: ${initError.errorType}: ${initError.errorMessage} (its traceback is in the function's logs).`,
      importFix(runtimeFamily(settings.runtime), initError, hintContext),
    );
  return fn;
}

/** A function that could not start, with what to do about it when that is known (the report's hint). */
class StartError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StartError';
  }
}

/**
 * The slim archive's stand-in (when there is one), the function and its
 * front door, each put in `running` as it starts; a function that cannot
 * start fails here, its traceback in its logs.
 */
async function startStage(
  running: Running,
  stage: StageFacts & { pkg: Package; hidden: string[] },
  deps: PipelineDeps,
): Promise<FrontDoor> {
  const { settings, report } = stage;
  const { logger } = deps;
  const first = running.starting!;
  await prepareSlim(first, stage, deps);
  const python = pythonExecutable(deps.env);
  const warning = isPythonRuntime(settings.runtime)
    ? pythonVersionWarning(settings.runtime, localPythonVersion(python), python)
    : nodeVersionWarning(settings.runtime, process.version);
  if (warning) logger.warning(warning);
  // The port is taken before the function starts: a busy one fails first, with no function logs before it.
  let ready!: (build: Build) => void;
  const started = new Promise<Build>((resolve) => (ready = resolve));
  const door = await startFrontDoor(
    {
      // Once it runs, a request goes straight to the function, without a wait for `started`.
      invoke: (event, options) =>
        running.current
          ? invokeOn(running.current, event, options)
          : started.then((build) => invokeOn(build, event, options)),
    },
    {
      logger,
      port: deps.localPort ?? 0,
      gateway: settings.gateway,
      stage: restStageName(stage.stage),
      invokeMode: settings.invokeMode === 'response-stream' ? 'RESPONSE_STREAM' : 'BUFFERED',
      showErrors: () => running.serving && deps.localErrors === true,
      secrets: stage.hidden,
    },
  );
  running.door = door;
  // serve imports an app at start, as its reloads do: an app that cannot be imported
  // stops it there, naming the file and line, rather than failing its first request.
  const serving = deps.keepLocalRunning === true;
  const starting = serving ? heldWarnings(logger) : undefined;
  try {
    await startFunction(first, stage, { ...deps, logger: starting?.logger ?? logger }, serving);
    starting?.release(true);
  } catch (error) {
    // Said once: the error, its traceback in the function logs printed after it.
    starting?.release(false);
    throw error;
  } finally {
    if (first.fn) {
      running.current = first;
      ready(first);
    }
  }
  report.functionArn = first.fn!.functionArn;
  report.url = door.url;
  // serve says its URL itself, once, on stdout; deploy --target local says it here.
  if (!serving) logger.info(`Local stage ${stage.stage} of ${settings.name} is serving at ${door.url}`);
  return door;
}

function smokeLocally(settings: Settings, url: string, hidden: string[], deps: PipelineDeps) {
  // serve's check is that the function started and answers, not a smoke test: it says so.
  const startUp = deps.keepLocalRunning === true;
  return deps.logger.group(startUp ? 'Start-up request' : 'Smoke test', () =>
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
        ...(startUp && { startUpOf: settings.name }),
      },
      {
        logger: deps.logger,
        sleep: deps.sleep ?? realSleep,
        surface: deps.surface,
        waitScale: deps.waitScale,
      },
    ),
  );
}
