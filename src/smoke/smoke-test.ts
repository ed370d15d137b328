import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SmokeResult } from '../model/outcome.js';
import { cutText, redact } from '../util/redact.js';
import type { StatusRanges } from '../model/settings.js';
import { INPUT_DEFAULTS, Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import { parseStatusRanges, statusAccepted } from '../settings/smoke-and-rollback.js';
import type { Logger } from '../util/logger.js';
import { errorMessage, errorName, isTransient, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';
import { scaledWait } from '../util/wait-scale.js';
import { LIVE_ALIAS } from '../model/live-alias.js';
import {
  bodyExcerpt,
  fetchErrorCode,
  fetchErrorMessage,
  formatStatusRanges,
  joinUrl,
  judgeProbe,
  redirectNote,
  bodyNeed,
  type BodyNeed,
  type ProbeOutcome,
  type SmokeExpectation,
} from './smoke-rules.js';

export interface SmokeInput {
  /** The stage's URL; a REST API's stage path (`/pr-12`) is kept. */
  url: string;
  path: string;
  expectStatus: StatusRanges;
  contains?: string;
  timeoutSeconds: number;
  /** Sent as `x-api-key` (REST API with `api-key: true`); never shown. */
  apiKey?: string;
  /** See SmokeExpectation.frontDoorChanged. */
  frontDoorChanged?: boolean;
  /** Values the answer must not show (environment values, tokens). */
  secrets?: readonly string[];
  /** See SmokeExpectation: false for a local runtime, whose 5xx is final. */
  serverErrorsSettle?: boolean;
  /**
   * serve's start-up request, not a smoke test: its lines name the function
   * (`demo started: GET … answered 200`), with no smoke-test wording or range.
   */
  startUpOf?: string;
}

export interface SmokeDeps {
  logger: Logger;
  sleep: Sleep;
  now?: () => number;
  fetch?: typeof fetch;
  /** Jitter source; tests pass `() => 1` for exact delays. */
  random?: () => number;
  /** Who reads the failure: smoke-timeout is the action's input, --smoke-timeout the CLI's flag. */
  surface?: Surface;
  /** LAMBDA_DEPLOY_WAIT_SCALE: shorter pauses between attempts, the same smoke-timeout (wait-scale.ts). */
  waitScale?: number;
}

/**
 * "within smoke-timeout 60 s", the timeout named as the reader sets it; serve's
 * start-up request has no such flag, so there only the seconds.
 */
function withinTimeout(seconds: number, surface: Surface = 'action', startUp = false): string {
  return `within ${timeout(seconds, surface, startUp)}`;
}

/** The time the attempts had: `smoke-timeout 60 s` (a start-up request's has no input: `60 s`). */
function timeout(seconds: number, surface: Surface = 'action', startUp = false): string {
  return startUp ? `${seconds} s` : `${inputName(surface, Inputs.SmokeTimeout)} ${seconds} s`;
}

/** Backoff of the smoke test: 1 s, 2 s, 4 s, then every 8 s until the timeout (the last wait cut to end there); shorter by waitScale. */
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 8_000;
/** One request never waits longer than this, so a hanging attempt leaves time for others. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Enough body to look for `smoke-contains` in; the rest is not read. */
const MAX_BODY_BYTES = 1024 * 1024;

class ProbeFailed extends Error {
  constructor(
    readonly retry: boolean,
    readonly reason: string,
    readonly outcome: ProbeOutcome,
  ) {
    super(reason);
  }
}

/** What was read of a body, and whether reading stopped before its end (`open`: a stream, still going). */
interface BodyRead {
  text: string;
  open: boolean;
}

/**
 * Reads a body incrementally, as far as `need` asks (see bodyNeed), at most
 * `maxBytes`, then cancels the rest: an unending stream's connection is closed,
 * not held until the timeout. The text is decoded as it comes, so a character
 * split over two chunks is whole, and smoke-contains is looked for in all of
 * it, so it is found across a chunk boundary too.
 */
async function readBody(
  response: Response,
  need: BodyNeed,
  contains: string | undefined,
  maxBytes: number,
): Promise<BodyRead> {
  if (!response.body) return { text: '', open: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true }); // a BOM stays in the excerpt, as before
  let text = '';
  let size = 0;
  const enough = (searchFrom: number): boolean => {
    if (size >= maxBytes) return true;
    if (need === 'none') return true;
    if (need === 'first-bytes') return size > 0;
    if (need === 'until-contains' && contains) return text.includes(contains, searchFrom);
    return false;
  };
  let open = true;
  try {
    for (let full = enough(0); !full;) {
      const { done, value } = await reader.read();
      if (done) {
        text += decoder.decode();
        open = false;
        break;
      }
      const part = value.subarray(0, maxBytes - size);
      size += part.byteLength;
      const before = text.length;
      text += decoder.decode(part, { stream: true });
      // Only the new text and a needle's length before it can hold a new match.
      full = enough(Math.max(0, before - (contains?.length ?? 0)));
    }
  } catch (error) {
    // A stream still open when the request timed out: judged on what came. Other errors are the answer's.
    if (need === 'all' || !['TimeoutError', 'AbortError'].includes(fetchErrorCode(error))) throw error;
  } finally {
    if (open) await reader.cancel().catch(() => undefined);
  }
  return { text, open };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** One GET of the target, `x-api-key` sent when there is a key: its answer, or why there was none. */
async function probeOnce(
  doFetch: typeof fetch,
  target: string,
  apiKey: string | undefined,
  timeoutMs: number,
  expect: Pick<SmokeExpectation, 'status' | 'contains'>,
): Promise<ProbeOutcome> {
  const headers: Record<string, string> = { 'user-agent': 'lambda-deploy-smoke-test', accept: '*/*' };
  if (apiKey) headers['x-api-key'] = apiKey;
  try {
    const response = await doFetch(target, {
      method: 'GET',
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const need = bodyNeed(
      response.status,
      {
        contentLength: response.headers.get('content-length'),
        contentType: response.headers.get('content-type'),
      },
      expect,
    );
    const body = await readBody(response, need, expect.contains, MAX_BODY_BYTES);
    return {
      kind: 'response',
      status: response.status,
      body: body.text,
      streamOpen: need !== 'all' && body.open ? true : undefined,
      gatewayError: response.headers.get('x-amzn-errortype') ?? undefined,
      location: response.headers.get('location') ?? undefined,
    };
  } catch (error) {
    return { kind: 'error', code: fetchErrorCode(error), message: fetchErrorMessage(error) };
  }
}

/**
 * GETs url + path until it answers as expected or the timeout runs out.
 * Retries only what settles by itself (no connection or DNS yet, 5xx, API
 * Gateway refusing a key it does not know yet); a
 * wrong 2xx/3xx/4xx or a body without `contains` fails at once.
 */
export async function runSmokeTest(input: SmokeInput, deps: SmokeDeps): Promise<SmokeResult> {
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  const target = joinUrl(input.url, input.path);
  const secrets = [...(input.secrets ?? []), ...(input.apiKey ? [input.apiKey] : [])];
  if (input.apiKey) deps.logger.mask(input.apiKey);
  const start = now();
  const budgetMs = Math.max(0, input.timeoutSeconds * 1000);
  const deadline = start + budgetMs;
  const expect = {
    status: input.expectStatus,
    contains: input.contains,
    serverErrorsSettle: input.serverErrorsSettle,
    apiKeySent: Boolean(input.apiKey),
    frontDoorChanged: input.frontDoorChanged,
    startUp: input.startUpOf !== undefined,
  };
  const label = input.startUpOf === undefined ? 'Smoke test' : 'Start-up request';
  let attempts = 0;
  let last: ProbeOutcome | undefined;

  const probe = () =>
    probeOnce(
      doFetch,
      target,
      input.apiKey,
      Math.max(1_000, Math.min(REQUEST_TIMEOUT_MS, deadline - now())),
      expect,
    );

  const result = (status: SmokeResult['status'], detail: string): SmokeResult => ({
    status,
    target,
    attempts,
    lastStatus: last?.kind === 'response' ? last.status : undefined,
    bodyExcerpt: last?.kind === 'response' ? bodyExcerpt(last.body, secrets) : undefined,
    detail,
    expected: input.expectStatus,
    durationMs: now() - start,
  });

  try {
    await withRetry(
      async (attempt) => {
        attempts = attempt;
        last = await probe();
        const verdict = judgeProbe(last, expect);
        if (verdict.verdict !== 'pass')
          throw new ProbeFailed(verdict.verdict === 'retry', verdict.reason, last);
      },
      {
        attempts: Number.MAX_SAFE_INTEGER,
        baseDelayMs: scaledWait(BASE_DELAY_MS, deps.waitScale),
        maxDelayMs: scaledWait(MAX_DELAY_MS, deps.waitScale),
        maxWaitMs: budgetMs,
        // The last wait ends at the deadline, where one more attempt is made: all of smoke-timeout is used.
        delayFor: (_error, backoff) => Math.min(backoff, Math.max(0, deadline - now())),
        random: deps.random,
        sleep: deps.sleep,
        // The wait budget alone ignores the time the requests themselves took.
        retryable: (error) => error instanceof ProbeFailed && error.retry && now() < deadline,
        onRetry: (error, attempt, delayMs) =>
          deps.logger.info(
            `${label} attempt ${attempt}: GET ${target} ${(error as ProbeFailed).reason}; trying again in ${seconds(delayMs)}.`,
          ),
      },
    );
  } catch (error) {
    if (!(error instanceof ProbeFailed)) throw error;
    const detail = failedDetail(error, { label, target, attempts, startUp: expect.startUp }, input, deps);
    return result('failed', detail);
  }
  const status = last?.kind === 'response' ? last.status : 0;
  const redirect = last?.kind === 'response' ? redirectNote(status, last.location, secrets) : '';
  const detail = passedDetail(input, { target, status, attempts, ms: now() - start }) + redirect;
  deps.logger.info(
    input.startUpOf === undefined ? `Smoke test passed: ${detail}` : `${input.startUpOf} started: ${detail}`,
  );
  return result('passed', detail);
}

/** What a passed check saw; serve's start-up request names no range it never asked for. */
function passedDetail(
  input: SmokeInput,
  seen: { target: string; status: number; attempts: number; ms: number },
): string {
  const { target, status, attempts, ms } = seen;
  if (input.startUpOf !== undefined)
    return `GET ${target} answered ${status}${attempts === 1 ? '' : ` after ${attempts} attempts`} in ${seconds(ms)}.`;
  return `GET ${target} answered ${status} (expected ${formatStatusRanges(input.expectStatus)}${
    input.contains ? ` and found ${JSON.stringify(input.contains)}` : ''
  }) after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds(ms)}.`;
}

export interface InvokeSmokeDeps {
  logger: Logger;
  sleep: Sleep;
  now?: () => number;
  random?: () => number;
  surface?: Surface;
  /** As SmokeDeps.waitScale. */
  waitScale?: number;
}

export interface InvokeSmokeOptions {
  /** Path of the synthetic GET; `/` by default. */
  path?: string;
  /** smoke-status: an HTTP-shaped answer's statusCode must be in it (the input's default when absent). */
  expectStatus?: StatusRanges;
  contains?: string;
  /** The alias to invoke; `live` by default. */
  qualifier?: string;
  /** Values the answer must not show (environment values, tokens). */
  secrets?: readonly string[];
  /** See SmokeExpectation: false for a local runtime, whose 5xx is final. */
  serverErrorsSettle?: boolean;
  /** smoke-timeout: how long a version Lambda is still getting ready is waited for (the input's default when absent). */
  timeoutSeconds?: number;
}

/** A minimal API Gateway HTTP API (payload 2.0) GET event, what an app adapter expects. */
export function smokeEvent(path: string, now: number): Record<string, unknown> {
  const [rawPath = '/', rawQueryString = ''] = (path.startsWith('/') ? path : `/${path}`).split('?', 2);
  const headers = { accept: '*/*', host: 'lambda-deploy.invalid', 'user-agent': 'lambda-deploy-smoke-test' };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'lambda-deploy',
      domainName: 'lambda-deploy.invalid',
      domainPrefix: 'lambda-deploy',
      http: {
        method: 'GET',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'],
      },
      requestId: `smoke-${now}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

/** Lambda is briefly unwilling right after an alias or code change; those settle. */
function invokeRetryable(error: unknown): boolean {
  const name = errorName(error);
  return isTransient(error) || name === 'ResourceConflictException' || name === 'ResourceNotReadyException';
}

/**
 * A failed URL smoke test's detail. The last attempt gets its line as the
 * retried ones did, so the log counts as the error does; the failure itself is
 * said once, as the deploy's error (which carries it), here only with debug.
 */
function failedDetail(
  error: ProbeFailed,
  seen: { label: string; target: string; attempts: number; startUp: boolean },
  input: SmokeInput,
  deps: SmokeDeps,
): string {
  const { label, target, attempts, startUp } = seen;
  if (error.retry && attempts > 1)
    deps.logger.info(
      `${label} attempt ${attempts}: GET ${target} ${error.reason}; no time left (${timeout(input.timeoutSeconds, deps.surface, startUp)}).`,
    );
  const detail = error.retry
    ? `GET ${target} ${error.reason} after ${attempts} attempt${attempts === 1 ? '' : 's'} ${withinTimeout(input.timeoutSeconds, deps.surface, startUp)}.`
    : `GET ${target} ${error.reason}.`;
  deps.logger.debug(`${label} failed: ${detail}`);
  return detail;
}

/** One smoke invocation, tried again while Lambda is not ready yet (see invokeRetryable); `onAttempt` counts. */
function invokeWithRetries(
  lambda: LambdaClient,
  functionName: string,
  qualifier: string,
  path: string,
  deps: InvokeSmokeDeps,
  deadline: number,
  onAttempt: (attempt: number) => void,
) {
  const now = deps.now ?? Date.now;
  return withRetry(
    (attempt) => {
      onAttempt(attempt);
      return lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          Qualifier: qualifier,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(smokeEvent(path, now()))),
        }),
      );
    },
    {
      // Until smoke-timeout, as the URL smoke test: a version may stay Pending longer than a fixed count of tries.
      attempts: Number.MAX_SAFE_INTEGER,
      baseDelayMs: scaledWait(BASE_DELAY_MS, deps.waitScale),
      maxDelayMs: scaledWait(MAX_DELAY_MS, deps.waitScale),
      delayFor: (_error, backoff) => Math.min(backoff, Math.max(0, deadline - now())),
      random: deps.random,
      sleep: deps.sleep,
      retryable: (error) => invokeRetryable(error) && now() < deadline,
      onRetry: (error, attempt, delayMs) =>
        deps.logger.info(
          `Smoke test: invoking ${functionName}:${qualifier} (attempt ${attempt}) failed with ${errorName(error) || errorMessage(error)}; trying again in ${seconds(delayMs)}.`,
        ),
    },
  );
}

/**
 * The most of a function's error message the detail quotes: it goes to the
 * step's failure, the summary, the PR comment (65536 characters at most) and
 * the Deployment, and an error may quote a whole document (Lambda answers up
 * to 6 MB). The body excerpt has the start of the rest.
 */
const MAX_ERROR_TEXT_CHARS = 1_000;

/** The error a function raised, in its own words (secrets redacted, then cut); '' when its payload is not JSON. */
function functionErrorText(payload: string, secrets?: readonly string[]): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    const text = [parsed.errorType, parsed.errorMessage].filter(Boolean).join(': ');
    return cutText(redact(text, secrets), MAX_ERROR_TEXT_CHARS, secrets);
  } catch {
    return ''; // not JSON: the excerpt shows it
  }
}

/**
 * A function's result as a front door would read it: a statusCode and its
 * body (base64 decoded) when it has that shape; else the payload itself,
 * with no status (a plain function may return any text: only errors and
 * 5xx fail).
 */
function proxyResult(payload: string): { statusCode?: number; body: string; location?: string } {
  try {
    const parsed = JSON.parse(payload) as {
      statusCode?: unknown;
      body?: unknown;
      isBase64Encoded?: unknown;
      headers?: unknown;
    };
    if (!parsed || typeof parsed !== 'object' || typeof parsed.statusCode !== 'number')
      return { body: payload };
    const headers = parsed.headers && typeof parsed.headers === 'object' ? parsed.headers : {};
    const location = Object.entries(headers).find(
      ([k, v]) => k.toLowerCase() === 'location' && typeof v === 'string',
    );
    const head = { statusCode: parsed.statusCode, location: location?.[1] as string | undefined };
    const b = parsed.body;
    if (typeof b !== 'string') return { ...head, body: payload };
    const body = parsed.isBase64Encoded === true ? Buffer.from(b, 'base64').toString('utf8') : b;
    return { ...head, body };
  } catch {
    return { body: payload };
  }
}

/** smoke-status's default, parsed once: the same range a URL smoke test gets. */
const DEFAULT_STATUS = parseStatusRanges(INPUT_DEFAULTS['smoke-status']) as StatusRanges;

/** Why the smoke invocation failed: the permission to grant, or that Lambda was not ready within smoke-timeout. */
function invokeFailure(
  target: string,
  error: unknown,
  attempts: number,
  timeoutSeconds: number,
  surface?: Surface,
): string {
  const name = errorName(error);
  const hint = /AccessDenied/i.test(name)
    ? ' (the deploy role needs lambda:InvokeFunction on the function)'
    : '';
  const within = invokeRetryable(error)
    ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'} ${withinTimeout(timeoutSeconds, surface)}`
    : '';
  return `Invoke ${target} failed${within}: ${name ? `${name}: ` : ''}${errorMessage(error)}${hint}.`;
}

/**
 * `gateway: none`: invokes the alias with a GET / event instead of a URL.
 * A FunctionError fails; so does an HTTP-shaped answer whose statusCode is
 * outside smoke-status, judged as a front door's answer would be (a plain
 * function's answer has no status: only its errors fail).
 */
export async function invokeSmokeTest(
  lambda: LambdaClient,
  functionName: string,
  deps: InvokeSmokeDeps,
  options: InvokeSmokeOptions = {},
): Promise<SmokeResult> {
  const now = deps.now ?? Date.now;
  const qualifier = options.qualifier ?? LIVE_ALIAS;
  const target = `invoke ${functionName}:${qualifier}`;
  const start = now();
  const timeoutSeconds = options.timeoutSeconds ?? Number(INPUT_DEFAULTS['smoke-timeout']);
  const deadline = start + Math.max(0, timeoutSeconds * 1000);
  let attempts = 0;
  const result = (
    status: SmokeResult['status'],
    detail: string,
    extra: Partial<SmokeResult> = {},
  ): SmokeResult => ({
    status,
    target,
    attempts,
    detail,
    durationMs: now() - start,
    ...extra,
  });

  let response;
  try {
    response = await invokeWithRetries(
      lambda,
      functionName,
      qualifier,
      options.path ?? '/',
      deps,
      deadline,
      (attempt) => {
        attempts = attempt;
      },
    );
  } catch (error) {
    // The last attempt gets its line as the retried ones did, so the log counts as the error does.
    if (attempts > 1 && invokeRetryable(error))
      deps.logger.info(
        `Smoke test: invoking ${functionName}:${qualifier} (attempt ${attempts}) failed with ${errorName(error) || errorMessage(error)}; no time left (${timeout(timeoutSeconds, deps.surface)}).`,
      );
    return result(
      'failed',
      invokeFailure(`${functionName}:${qualifier}`, error, attempts, timeoutSeconds, deps.surface),
    );
  }

  const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  const excerpt = bodyExcerpt(payload, options.secrets);
  if (response.FunctionError) {
    const errorText = functionErrorText(payload, options.secrets);
    return result(
      'failed',
      `Invoke ${functionName}:${qualifier} raised an error (${response.FunctionError})${errorText ? `: ${errorText}` : ''}.`,
      { bodyExcerpt: excerpt },
    );
  }

  const { statusCode, body, location } = proxyResult(payload);
  const expected = options.expectStatus ?? DEFAULT_STATUS;
  const extra = { lastStatus: statusCode, bodyExcerpt: bodyExcerpt(body, options.secrets), expected };
  if (statusCode !== undefined && !statusAccepted(statusCode, expected)) {
    return result(
      'failed',
      `Invoke ${functionName}:${qualifier} answered statusCode ${statusCode}, expected ${formatStatusRanges(expected)}.`,
      extra,
    );
  }
  if (options.contains && !body.includes(options.contains)) {
    return result(
      'failed',
      `Invoke ${functionName}:${qualifier} answered but the body does not contain ${JSON.stringify(options.contains)}.`,
      extra,
    );
  }
  const redirect = statusCode !== undefined ? redirectNote(statusCode, location, options.secrets) : '';
  const detail = `Invoke ${functionName}:${qualifier} answered${statusCode !== undefined ? ` statusCode ${statusCode}` : ''} after ${attempts} attempt${attempts === 1 ? '' : 's'}.${redirect}`;
  deps.logger.info(`Smoke test passed: ${detail}`);
  return result('passed', detail, extra);
}
