import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cutText, isSecretName, isShortSecret, redact, streamRedactor } from '../util/redact.js';
import type { Logger } from '../util/logger.js';
import { runtimeAssetsDir } from '../util/assets.js';
import { pythonExecutable } from '../packaging/python-command.js';
import { lambdaEnvironment, localRegion, type LambdaEnvironmentInput } from './lambda-environment.js';
import { Deadline } from './deadline.js';
import { HOST_SITE_PACKAGES_ENV, HOST_SITE_PACKAGES_LAYERS, hostModuleWarning } from './host-modules.js';
import { LogBuffer, type LogStream } from './log-buffer.js';
import { sourcePathRewriter, type SourceTree } from './source-paths.js';
import { errorLines, PrintedError } from './error-lines.js';
import { importHint, type ImportHintContext } from '../failure-hints/import-hints.js';
import type { StreamedResponse } from './response-stream.js';
import {
  MAX_RESPONSE_BYTES,
  RuntimeApiServer,
  type InvocationOutcome,
  type LambdaError,
} from './runtime-api-server.js';

export interface LocalFunctionOptions {
  /** The unpacked package: the function's LAMBDA_TASK_ROOT. */
  codeDir: string;
  /** A Lambda runtime name: python3.x or nodejsNN.x. */
  runtime: string;
  /** `module.function` (Python) or `file.export` (Node.js). */
  handler: string;
  environment: Record<string, string>;
  /** Seconds, as Lambda's function timeout. */
  timeout: number;
  /** MB; reported to the function, not enforced. */
  memory: number;
  functionName: string;
  /** The region the function sees; default the caller's AWS_REGION, else us-east-1. */
  region?: string;
  /** Credentials the function gets as its execution role's (a local S3 stand-in's, for slim packages). */
  credentials?: LambdaEnvironmentInput['credentials'];
  /** The unpacked layers, the function's /opt (the dependencies layer). */
  optDir?: string;
  /**
   * The path to show for a packaged file (zip entry -> path), in the function's log lines and
   * errors instead of its path in codeDir: the user's own file, which an editor opens.
   */
  sourcePaths?: ReadonlyMap<string, string>;
  /** Folders of dependencies outside codeDir (a layer, a slim tree): their files shown labelled, not by their paths. */
  sourceTrees?: readonly SourceTree[];
  /** What the hint on a failed import of a Python module knows of the package (its requirements). */
  importHint?: ImportHintContext;
  /**
   * Python: the function may import what the package lacks from this machine's site-packages,
   * each such module warned about (attached layers it cannot see into may hold it on Lambda).
   * Default (and unless the parent's HOST_SITE_PACKAGES_ENV is 1): hidden, as Lambda has none of them.
   */
  hostSitePackages?: boolean;
}

export interface LocalFunctionDeps {
  logger: Logger;
  /** Default pythonExecutable: LAMBDA_DEPLOY_PYTHON of `env`, else python3 (python on Windows). */
  pythonCommand?: string;
  /** Default the running Node (`process.execPath`). */
  nodeCommand?: string;
  /** Receives each log line of the function, whole and as written; without it lines go to logger.debug. */
  onLog?: (line: string, stream: LogStream) => void;
  /** The parent environment the allow-listed variables come from; default process.env. */
  env?: Record<string, string | undefined>;
  /** Lines kept by logs(); default 2000. */
  maxLogLines?: number;
  now?: () => number;
}

export type InvokeResult = (
  | { ok: true; payload: unknown; requestId: string }
  | { ok: false; errorType: string; errorMessage: string; stackTrace?: string[]; requestId?: string }
) & {
  /**
   * The invocation's error to show beside its request, its paths the user's files, not yet
   * redacted, at most MAX_ERROR_LINES: a failed one's traceback or stack as the runtime
   * reported it; else the last one the function printed during it (an app that answered an
   * exception with a 500); none when there is neither.
   */
  errorLines?: string[];
};

export interface InvokeOptions {
  /**
   * Called when the handler streams its response (awslambda.streamifyResponse), as soon as
   * it starts: the caller reads the stream as it comes. Without it the stream is read whole
   * into the payload (up to 6 MB), as the Invoke API returns it. The invocation settles when
   * the stream ends.
   */
  onStream?: (stream: StreamedResponse) => void;
}

export interface LocalFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly runtime: string;
  /** Runs one invocation; concurrent calls wait their turn, as on one Lambda instance. */
  invoke(event: unknown, options?: InvokeOptions): Promise<InvokeResult>;
  /** The function's log lines (its stdout and stderr, plus START/END/REPORT), timestamped. */
  logs(): string[];
  /** The error of the last failed init, cleared once a runtime starts cleanly. */
  initError(): LambdaError | undefined;
  stop(): Promise<void>;
}

/** Lambda gives a function's init phase 10 s, more when the timeout is longer. */
const MIN_INIT_SECONDS = 10;
/** A longer line of the function's is cut (kept and shown): a chatty handler cannot exhaust memory. */
const MAX_LINE_CHARS = 16 * 1024;

type Family = 'python' | 'node';

export function runtimeFamily(runtime: string): Family {
  if (/^python3(\.\d+)?$/.test(runtime)) return 'python';
  if (/^nodejs(\d+\.x)?$/.test(runtime)) return 'node';
  throw new Error(
    `runtime '${runtime}' cannot run locally: the local runtime runs python3.x and nodejsNN.x (e.g. python3.12, nodejs22.x)`,
  );
}

/**
 * Starts a Lambda-compatible runtime for an unpacked package: a child process
 * running our Python or Node.js bootstrap against a Runtime API served here.
 * Resolves once the first init is over, also when it failed: as on Lambda,
 * the failure is what each invocation then reports (and init is retried).
 */
export async function startLocalFunction(
  options: LocalFunctionOptions,
  deps: LocalFunctionDeps,
): Promise<LocalFunction> {
  const family = runtimeFamily(options.runtime);
  if (!(options.timeout > 0))
    throw new Error(`timeout must be a positive number of seconds, got ${options.timeout}`);
  const codeDir = resolve(options.codeDir);
  const info = await stat(codeDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`local runtime: the package folder ${codeDir} does not exist`);

  // Node.js names a module by its real path, Python by the path it was given.
  const roots = [codeDir, await realpath(codeDir)];
  const fn = new LocalFunctionImpl({ ...options, codeDir }, deps, family, roots);
  await fn.warmUp();
  return fn;
}

class LocalFunctionImpl implements LocalFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly runtime: string;
  private readonly now: () => number;
  private readonly buffer: LogBuffer;
  private readonly region: string;
  private readonly logStreamName: string;
  private process: RuntimeProcess | undefined;
  private lastInitError: LambdaError | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Tasks queued or running. */
  private queued = 0;
  /** The timeout of the invocation running. */
  private readonly deadline = new Deadline();
  private stopped = false;
  private warnedReserved = false;
  /** The package's paths in a text shown as the user's files. */
  private readonly shown: (text: string) => string;
  /** The last error the function printed during the invocation running. */
  private printed: PrintedError | undefined;

  constructor(
    private readonly options: LocalFunctionOptions,
    private readonly deps: LocalFunctionDeps,
    private readonly family: Family,
    roots: readonly string[],
  ) {
    this.now = deps.now ?? Date.now;
    const parentEnv = deps.env ?? process.env;
    this.region = localRegion(options.region, parentEnv);
    this.functionName = options.functionName;
    this.functionArn = `arn:aws:lambda:${this.region}:000000000000:function:${options.functionName}`;
    this.runtime = options.runtime;
    const day = new Date(this.now()).toISOString().slice(0, 10).replace(/-/g, '/');
    this.logStreamName = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
    // The function's live output (debug): its environment values and secret shapes hidden, line by
    // line, before a long line is cut (a value cut in half would match nothing). A short value only
    // when its name makes it a secret (DB_PASSWORD=k3y9; not LEVEL=info), as secretValues keeps them.
    const secrets = Object.entries(options.environment).flatMap(([name, value]) =>
      isShortSecret(value) && !isSecretName(name) ? [] : [value],
    );
    // Each stream's own: a PEM block or a `Signature:` label open in stderr is not closed by a stdout line.
    const clean = streamRedactor(secrets);
    const shown = (line: string, stream: LogStream, own: boolean) =>
      cutText(own ? line : clean(line, stream), MAX_LINE_CHARS, secrets, () => ' [truncated]');
    const sink =
      deps.onLog ??
      ((line: string, stream: LogStream, own: boolean) =>
        deps.logger.debug(`[${options.functionName}] ${shown(line, stream, own)}`));
    this.shown = sourcePathRewriter(roots, options.sourcePaths ?? new Map(), options.sourceTrees);
    const warned = new Set<string>();
    const watched = (line: string, stream: LogStream, own: boolean) => {
      if (!own) this.printed?.add(line);
      sink(line, stream, own);
      const warning = stream === 'stderr' && !own ? hostModuleWarning(line) : undefined;
      if (warning && !warned.has(warning)) {
        warned.add(warning);
        deps.logger.warning(`${options.functionName}: ${redact(warning, secrets)}`);
      }
    };
    this.buffer = new LogBuffer(this.now, deps.maxLogLines ?? 2000, MAX_LINE_CHARS, watched, this.shown);
  }

  /** The error with the package's paths in its message and stack trace shown as the user's files. */
  private shownError(error: LambdaError): LambdaError {
    return {
      ...error,
      errorMessage: this.shown(error.errorMessage),
      ...(error.stackTrace && { stackTrace: error.stackTrace.map(this.shown) }),
    };
  }

  logs(): string[] {
    return this.buffer.snapshot();
  }

  initError(): LambdaError | undefined {
    return this.lastInitError;
  }

  async warmUp(): Promise<void> {
    await this.serialized(() => this.ensureRuntime());
  }

  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    return this.serialized(() => this.invokeNow(event, options));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deadline.stop();
    const running = this.process;
    this.process = undefined;
    await running?.kill();
    await this.queue.catch(() => undefined);
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    // Nothing before it: the task starts now, not a promise turn later, and its own promise is the answer.
    const run = this.queued === 0 ? task() : this.queue.then(task, task);
    this.queued++;
    const settled = () => {
      this.queued--;
    };
    this.queue = run.then(settled, settled);
    return run;
  }

  private hostSitePackages(): boolean {
    return !!this.options.hostSitePackages || (this.deps.env ?? process.env)[HOST_SITE_PACKAGES_ENV] === '1';
  }

  /** A live runtime past its init, or the init's error. */
  private async ensureRuntime(): Promise<RuntimeProcess | LambdaError> {
    if (this.stopped)
      return { errorType: 'Runtime.Stopped', errorMessage: `${this.functionName} was stopped` };
    if (this.process && !this.process.exited) return this.process;
    if (this.process) await this.process.kill();
    this.process = undefined;

    const command =
      this.family === 'python'
        ? (this.deps.pythonCommand ?? pythonExecutable(this.deps.env))
        : (this.deps.nodeCommand ?? process.execPath);
    const runtimeDir = join(runtimeAssetsDir(), this.family);
    const script = join(runtimeDir, this.family === 'python' ? 'bootstrap.py' : 'bootstrap.mjs');
    const args = this.family === 'python' ? ['-u', script] : [script];
    const initSeconds = Math.max(MIN_INIT_SECONDS, this.options.timeout);

    this.buffer.add('runtime', `INIT_START Runtime: ${this.runtime} (${command})`);
    const started = this.now();
    const proc = await RuntimeProcess.start(
      command,
      args,
      this.options.codeDir,
      this.buffer,
      (runtimeApi) => {
        const { env, ignored } = lambdaEnvironment({
          parentEnv: this.deps.env ?? process.env,
          userEnv: this.options.environment,
          runtime: this.runtime,
          runtimeApi,
          handler: this.options.handler,
          taskRoot: this.options.codeDir,
          runtimeDir,
          functionName: this.functionName,
          memory: this.options.memory,
          region: this.region,
          logStreamName: this.logStreamName,
          credentials: this.options.credentials,
          ...(this.options.optDir && { optDir: this.options.optDir }),
        });
        if (this.family === 'python' && this.hostSitePackages())
          env[HOST_SITE_PACKAGES_ENV] = this.options.hostSitePackages ? HOST_SITE_PACKAGES_LAYERS : '1';
        if (ignored.length > 0 && !this.warnedReserved) {
          this.warnedReserved = true;
          this.deps.logger.warning(
            `${this.functionName}: environment variables ${ignored.join(', ')} are reserved by Lambda and were not set`,
          );
        }
        return env;
      },
    );
    // Known before init ends, so stop() can kill a runtime that hangs in init.
    this.process = proc;
    const posted = this.stopped ? undefined : await proc.waitForInit(initSeconds * 1000);
    const failure = posted && this.shownError(posted);
    if (this.stopped) {
      await proc.kill();
      return { errorType: 'Runtime.Stopped', errorMessage: `${this.functionName} was stopped` };
    }
    if (failure) {
      this.process = undefined;
      await proc.kill();
      this.lastInitError = failure;
      this.buffer.add(
        'runtime',
        `INIT_REPORT Init Duration: ${this.now() - started} ms Phase: init Status: error Error Type: ${failure.errorType}`,
      );
      this.deps.logger.warning(
        `${this.functionName}: init failed: ${failure.errorType}: ${failure.errorMessage}${importHint(this.family, failure, this.options.importHint)}`,
      );
      return failure;
    }
    this.lastInitError = undefined;
    return proc;
  }

  private async invokeNow(event: unknown, options: InvokeOptions): Promise<InvokeResult> {
    for (let attempt = 1; ; attempt++) {
      // A live runtime (the usual case) without a wait for ensureRuntime's promise.
      const live = this.process && !this.process.exited && !this.stopped ? this.process : undefined;
      const proc = live ?? (await this.ensureRuntime());
      if (!(proc instanceof RuntimeProcess)) return { ok: false, ...proc };
      const result = await this.invokeOn(proc, event, attempt < 2, options);
      // A runtime that exited before it took the event (say, right after an
      // uncaught exception ended the previous invocation) never saw it: the
      // event goes to a fresh runtime, as Lambda would send it to a new sandbox.
      if (result !== 'undelivered') return result;
    }
  }

  private async invokeOn(
    proc: RuntimeProcess,
    event: unknown,
    mayRetry: boolean,
    options: InvokeOptions,
  ): Promise<InvokeResult | 'undelivered'> {
    const timeoutMs = this.options.timeout * 1000;
    const started = this.now();
    const invocation = proc.server.enqueue(event, {
      deadlineMs: started + timeoutMs,
      functionArn: this.functionArn,
    });
    const { requestId } = invocation;
    this.buffer.add('runtime', `START RequestId: ${requestId} Version: $LATEST`, true);
    const printed = (this.printed = new PrintedError());

    const initial = await firstOf(invocation.outcome, timeoutMs, proc, this.deadline);
    const stream = initial.kind === 'stream' ? initial.stream : undefined;
    if (stream) options.onStream?.(stream);
    // A streamed response: the invocation lasts until the stream ends, within the same timeout.
    const first =
      initial.kind === 'stream'
        ? await firstOf(
            streamOutcome(initial.stream),
            timeoutMs - (this.now() - started),
            proc,
            this.deadline,
          )
        : initial;

    let result: InvokeResult;
    if (first.kind === 'response') {
      const lines = printed.lines();
      result = {
        ok: true,
        payload: parsePayload(first.body),
        requestId,
        ...(lines.length > 0 && { errorLines: lines }),
      };
    } else if (first.kind === 'error') {
      const error = this.shownError(first.error);
      result = { ok: false, ...error, requestId, errorLines: errorLines(this.family, error) };
    } else {
      proc.server.abandon(requestId);
      if (this.process === proc) this.process = undefined;
      if (first.kind === 'exit' && mayRetry && !invocation.delivered() && !this.stopped) {
        this.buffer.add(
          'runtime',
          `${requestId} The runtime exited (${first.detail}) before taking the event; retrying on a fresh runtime`,
        );
        await proc.kill();
        return 'undelivered';
      }
      if (first.kind === 'timeout') {
        const seconds = this.options.timeout.toFixed(2);
        this.buffer.add('runtime', `${requestId} Task timed out after ${seconds} seconds`);
        result = {
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${seconds} seconds`,
          requestId,
        };
      } else {
        const errorMessage = `RequestId: ${requestId} Error: Runtime exited with error: ${first.detail}`;
        this.buffer.add('runtime', errorMessage);
        result = { ok: false, errorType: 'Runtime.ExitError', errorMessage, requestId };
      }
      // The sandbox is reset: the next invocation gets a fresh runtime.
      await proc.kill();
    }
    this.printed = undefined;
    // A stream cut short (timeout, exit): its reader's connection is cut too.
    if (!result.ok) stream?.end({ errorType: result.errorType, errorMessage: result.errorMessage });
    const duration = this.now() - started;
    this.buffer.add('runtime', `END RequestId: ${requestId}`, true);
    this.buffer.add(
      'runtime',
      `REPORT RequestId: ${requestId} Duration: ${duration} ms Memory Size: ${this.options.memory} MB${result.ok ? '' : ` Status: ${result.errorType}`}`,
      result.ok,
    );
    return result;
  }
}

/** The payload as the runtime sent it: JSON almost always, raw text otherwise. */
function parsePayload(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** How a streamed response ended: the unread body as the payload, or the stream's error. */
async function streamOutcome(
  stream: StreamedResponse,
): Promise<Exclude<InvocationOutcome, { kind: 'stream' }>> {
  const error = await stream.finished;
  if (error) return { kind: 'error', error };
  const body = stream.collected();
  if (body) return { kind: 'response', body };
  return {
    kind: 'error',
    error: {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
    },
  };
}

/**
 * The outcome, the timeout or the runtime's exit, whichever comes first. Not a
 * Promise.race with `proc.exit`: every race would leave a reaction (holding its
 * result) on that promise for as long as the runtime lives.
 *
 * An end of the invocation (anything but the start of a stream) settles one turn of
 * the loop later: the runtime wrote its log lines before it posted the result, but
 * the pipe may be read a moment after the socket (one kept-alive connection answers
 * fast); that turn reads them.
 */
function firstOf<T extends InvocationOutcome>(
  outcome: Promise<T>,
  timeoutMs: number,
  proc: RuntimeProcess,
  deadline: Deadline,
): Promise<T | { kind: 'timeout' } | { kind: 'exit'; detail: string }> {
  return new Promise((done) => {
    let settled = false;
    let unwatch = (): unknown => undefined;
    const finish = (first: T | { kind: 'timeout' } | { kind: 'exit'; detail: string }) => {
      if (settled) return;
      settled = true;
      deadline.disarm();
      unwatch();
      if (first.kind === 'stream') done(first);
      else setImmediate(done, first);
    };
    deadline.arm(timeoutMs, () => finish({ kind: 'timeout' }));
    unwatch = proc.onExit((detail) => finish({ kind: 'exit', detail }));
    void outcome.then(finish);
  });
}

/** One runtime process with its own Runtime API server. */
class RuntimeProcess {
  exited = false;
  /** Settles with "exit status N" / "signal: X" when the process is gone. */
  readonly exit: Promise<string>;
  private exitDetail: string | undefined;
  private readonly exitWatchers = new Set<(detail: string) => void>();
  private readonly closed: Promise<void>;
  private ready: (() => void) | undefined;
  private initFailed: ((error: LambdaError) => void) | undefined;
  private readonly detached = process.platform !== 'win32';

  private constructor(
    readonly server: RuntimeApiServer,
    private readonly child: ChildProcess,
    buffer: LogBuffer,
    command: string,
  ) {
    this.exit = new Promise<string>((done) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        done(code !== null ? `exit status ${code}` : `signal: ${signal ?? 'unknown'}`);
      });
      child.once('error', (error) => {
        this.exited = true;
        done(`could not start ${command}: ${error.message}`);
      });
    });
    void this.exit.then((detail) => {
      this.exitDetail = detail;
      for (const watcher of this.exitWatchers) watcher(detail);
      this.exitWatchers.clear();
    });
    this.closed = new Promise<void>((done) => child.once('close', () => done()));
    const pipe = (stream: 'stdout' | 'stderr') => {
      const source = child[stream];
      if (!source) return;
      source.setEncoding('utf8');
      source.on('data', (chunk: string) => buffer.write(stream, chunk));
      source.on('end', () => buffer.end(stream));
    };
    pipe('stdout');
    pipe('stderr');
  }

  static async start(
    command: string,
    args: string[],
    cwd: string,
    buffer: LogBuffer,
    environment: (runtimeApi: string) => Record<string, string>,
  ): Promise<RuntimeProcess> {
    const self: { proc?: RuntimeProcess } = {};
    const server = await RuntimeApiServer.start({
      onNext: () => self.proc?.ready?.(),
      onInitError: (error) => self.proc?.initFailed?.(error),
    });
    const child = spawn(command, args, {
      cwd,
      env: environment(server.address),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a kill also takes whatever the handler started.
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    self.proc = new RuntimeProcess(server, child, buffer, command);
    return self.proc;
  }

  /** Calls `watcher` once the process is gone (at once if it is); returns the way to stop watching. */
  onExit(watcher: (detail: string) => void): () => void {
    if (this.exitDetail !== undefined) {
      watcher(this.exitDetail);
      return () => undefined;
    }
    this.exitWatchers.add(watcher);
    return () => this.exitWatchers.delete(watcher);
  }

  /** Undefined once the runtime polls for its first invocation; the failure otherwise. */
  waitForInit(limitMs: number): Promise<LambdaError | undefined> {
    return new Promise<LambdaError | undefined>((done) => {
      const timer = setTimeout(
        () =>
          done({
            errorType: 'Runtime.InitTimeout',
            errorMessage: `Init timed out after ${(limitMs / 1000).toFixed(2)} seconds`,
          }),
        limitMs,
      );
      const finish = (value: LambdaError | undefined) => {
        clearTimeout(timer);
        // Every poll calls ready: after the first, it has nothing left to do.
        this.ready = undefined;
        this.initFailed = undefined;
        done(value);
      };
      this.ready = () => finish(undefined);
      this.initFailed = (error) => finish(error);
      void this.exit.then((detail) => {
        // An init error posted just before the exit is the better explanation.
        finish(
          this.server.initError ?? {
            errorType: detail.startsWith('could not start')
              ? 'Runtime.InvalidEntrypoint'
              : 'Runtime.ExitError',
            errorMessage: detail.startsWith('could not start')
              ? `${detail} (is it installed and on PATH? set pythonCommand/nodeCommand otherwise)`
              : `Runtime exited with error: ${detail}`,
          },
        );
      });
    });
  }

  /** Kills the process group, waits for its output to end, closes the server. */
  async kill(): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined) {
      try {
        if (this.detached) process.kill(-pid, 'SIGKILL');
        else this.child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await this.closed;
    await this.server.close();
  }
}
