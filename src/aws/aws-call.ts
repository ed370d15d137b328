/**
 * The one way src/ calls AWS: backoff on transient errors (throttling, 5xx,
 * network: parallel jobs hit rate limits together) and one error grammar,
 *
 *   Could not <what>: <AWS's error>. The deploy role needs <permission>.
 *
 * (the last sentence only when AWS denied the call; another hint otherwise,
 * when the caller knows one). How long a call keeps trying is its patience:
 * most calls retry a few times quickly, API Gateway's control plane and the
 * removals wait out account-wide quotas.
 */
import { Inputs } from '../settings/names.js';
import type { Logger } from '../util/logger.js';
import type { Surface } from '../settings/surface.js';
import { errorMessage, errorName, isTransient, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';

/** What a retried AWS call needs besides its client: where to log and how to wait. */
export interface RetryDeps {
  logger: Logger;
  /** Injected so tests never wait; real sleeping when left out. */
  sleep?: Sleep;
  /** Jitter source for backoff; tests pass `() => 1` for exact delays. */
  random?: () => number;
  /** LAMBDA_DEPLOY_WAIT_SCALE: shortens the pauses of waits bounded by time (see wait-scale.ts); 1 unless given. */
  waitScale?: number;
  /**
   * The advice after a denied call, for whoever signed in: the deploy role
   * unless given (the CLI runs with the user's own credentials).
   */
  needs?: (permission: string) => string;
  /**
   * What to do when AWS finds no usable credentials, for whoever runs this:
   * the action's inputs unless given (actionCredentialsHint; the CLI names a
   * profile or keys, terminalCredentialsHint).
   */
  credentialsHint?: string;
  /** Who reads the advice in errors (how to set an input): the action's inputs unless given. */
  surface?: Surface;
  /**
   * The whole error message for a request whose credentials AWS refused
   * (wrong region, secret or key id, expired session), given what was sent;
   * undefined for any other error. Supplied from above (failure-hints).
   */
  credentialRefusal?: (error: unknown, sent: SentWith) => string | undefined;
}

/** What a refused request was sent with: never a secret, the key id only to tell its kind. */
export interface SentWith {
  /** Scheme, host and port the request went to. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
}

/** Errors with which AWS refuses the credentials themselves (not a permission): each protocol's name. */
const CREDENTIALS_REFUSED = [
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'AuthorizationHeaderMalformed',
  'ExpiredToken',
] as const;

/** What every AWS module takes besides its client: how to talk and how to wait. */
export interface AwsDeps extends RetryDeps {
  sleep: Sleep;
  /** Wall clock, for artifact age decisions; tests pin it. */
  now?: () => Date;
  /** Run independent requests one at a time (see together()); the bench's baseline. */
  sequential?: boolean;
}

/** How long a call keeps trying on transient errors: attempts in all, and the backoff between them. */
export interface Patience {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Gives up once this much time has been spent waiting. */
  maxWaitMs?: number;
}

export const PATIENCE = {
  /** Most calls: a few quick retries. */
  quick: { attempts: 5, baseDelayMs: 500, maxDelayMs: 8_000 },
  /**
   * API Gateway's control plane allows about one CreateRestApi per 3 s and one
   * CreateDeployment per 5 s per account, and parallel jobs share that.
   */
  apiGateway: { attempts: 8, baseDelayMs: 4_000, maxDelayMs: 30_000, maxWaitMs: 180_000 },
  /**
   * Removals: API Gateway allows about one DeleteRestApi per 30 s per account,
   * so a prune of several REST stages waits minutes before it fails.
   */
  removal: { attempts: 40, baseDelayMs: 2_000, maxDelayMs: 35_000, maxWaitMs: 15 * 60_000 },
} as const satisfies Record<string, Patience>;

/** One AWS call, described for its retries and its error; a Patience field given here overrides `patience`'s. */
export interface AwsCall extends Partial<Patience> {
  /** What the call does, completing "Could not …": `read function shop-main`. */
  what: string;
  /** The IAM action (and resource) the call needs, named when AWS denies it. */
  permission?: string;
  /** A hint for an error AWS gave that was not a denial (undefined: none). */
  hint?: (error: unknown) => string | undefined;
  /** Said after the permission when AWS denied the call: another reason a denial can have. */
  deniedHint?: string;
  /** PATIENCE.quick unless given. */
  patience?: Patience;
  /** Errors worth another attempt besides throttling, 5xx and network errors. */
  retryable?: (error: unknown, attempt: number) => boolean;
  /** Why an error is worth waiting out, said in the retry's line (undefined: its name alone). */
  retryReason?: (error: unknown) => string | undefined;
  /** Runs before attempt 2, 3, ...: e.g. wait for an update in progress to finish. */
  beforeRetry?: (error: unknown) => Promise<void>;
  /** Errors returned to the caller as they are (e.g. a conflict it resolves itself). */
  passThrough?: (error: unknown) => boolean;
  /** Error names that mean "not there": findAws answers undefined for them. */
  absent?: readonly string[];
}

/**
 * True when the error's name is one of `names`. The SDK names modelled errors
 * `FooException` while the wire code is `Foo` (STS, IAM), so both forms match.
 */
export function hasErrorName(error: unknown, ...names: readonly string[]): boolean {
  // A wrapped error keeps the SDK's name for later decisions.
  const raw = error instanceof AwsError ? error.awsErrorName : errorName(error);
  const name = raw.replace(/Exception$/, '');
  return names.some((n) => n.replace(/Exception$/, '') === name);
}

export function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * The caller lacks a permission (API Gateway says Unauthorized); a bad or
 * expired key is not that. A wrapped error is judged by the SDK error inside.
 */
export function isAccessDenied(error: unknown): boolean {
  if (error instanceof AwsError && error.cause !== undefined && isAccessDenied(error.cause)) return true;
  return (
    hasErrorName(error, 'AccessDenied', 'Unauthorized', 'UnauthorizedOperation', 'Forbidden') ||
    (httpStatus(error) === 403 && !hasErrorName(error, ...CREDENTIALS_REFUSED))
  );
}

/**
 * An AccessDenied that AWS words as anything but an explicit Deny in the role's
 * own (identity-based) policy: a missing Allow ("... because no identity-based
 * policy allows the lambda:GetFunction action"), or a Deny in a service control
 * policy, permissions boundary, session or resource policy. A permission to fix,
 * never the preview role's Deny statements doing their work ("... with an
 * explicit deny in an identity-based policy"). A message that says neither is
 * not taken as one.
 */
export function isNotRoleDeny(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if (
      /\bbecause no [\w -]+ allows the /i.test(e.message) ||
      /\bwith an explicit deny in an? (?!identity-based policy)\w/i.test(e.message)
    )
      return true;
  return false;
}

/** The names AWS gives a resource that is not there (Lambda, API Gateway, IAM, S3). */
export const NOT_FOUND = ['ResourceNotFoundException', 'NotFoundException', 'NoSuchEntity'] as const;

/**
 * An AWS call that failed, worded for the person reading the job log; `cause`
 * is the SDK's error and `awsErrorName` its name, for later decisions.
 */
export class AwsError extends Error {
  constructor(
    message: string,
    readonly awsErrorName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AwsError';
  }
}

/** "Name: message", the name left out where the message already starts with it. */
export function describeAwsError(error: unknown): string {
  const name = errorName(error);
  const message = errorMessage(error);
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/** The advice after a denial when the caller says nothing else: the action signs in as the deploy role. */
export const deployRoleNeeds = (permission: string): string => `The deploy role needs ${permission}.`;

/** The advice from a terminal: the CLI signs in with the user's own credentials (profile, environment). */
export const yourCredentialsNeed = (permission: string): string => `Your AWS credentials need ${permission}.`;

/** Where the action's credentials come from: its own input, or a step before it. */
export const actionCredentialsHint =
  'configure role-to-assume, or run aws-actions/configure-aws-credentials first';

/**
 * With AWS_PROFILE set the SDK's chain reads that profile alone, skipping a key
 * pair in the environment: what a profile that fails needs, in the files the
 * SDK reads (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE), or undefined.
 */
function profileHint(env: NodeJS.ProcessEnv): string | undefined {
  const profile = env.AWS_PROFILE;
  if (!profile) return undefined;
  const config = env.AWS_CONFIG_FILE || '~/.aws/config';
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials';
  return (
    `AWS_PROFILE is ${JSON.stringify(profile)}, and the AWS SDK then reads that profile alone (not AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): ` +
    `expected [profile ${profile}] in ${config} or [${profile}] in ${credentials} ` +
    `(aws configure --profile ${profile}, or aws sso login --profile ${profile}), or unset AWS_PROFILE`
  );
}

/** Where a terminal's credentials come from: a profile, or a key pair in the environment. */
export function terminalCredentialsHint(env: NodeJS.ProcessEnv): string {
  return (
    profileHint(env) ??
    'set AWS_PROFILE to a profile (from `aws configure`, or `aws sso login` first), or set ' +
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
  );
}

/**
 * What signing in says without a role to assume, in the words of whoever runs
 * it: the action has a `role-to-assume` input, a terminal has a profile and
 * the AWS credential chain.
 */
export interface SignInWords {
  /** Logged when no role is assumed: whose credentials are used instead. */
  ambient: string;
  /** Follows "No AWS credentials (why).": where credentials can come from. */
  expected: string;
}

export const actionSignIn: SignInWords = {
  ambient: `No ${Inputs.RoleToAssume}: using the AWS credentials of the environment`,
  expected:
    `Expected ${Inputs.RoleToAssume} (GitHub OIDC, with permissions: id-token: write), ` +
    'or credentials set up before this step (aws-actions/configure-aws-credentials, a runner role); ' +
    'from a terminal, a profile (AWS_PROFILE, after aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
};

/** A terminal's words: the credentials the SDK's chain will pick from `env` (AWS_PROFILE wins over keys). */
export function terminalSignIn(env: NodeJS.ProcessEnv): SignInWords {
  const ambient = env.AWS_PROFILE
    ? `AWS credentials: profile "${env.AWS_PROFILE}" (AWS_PROFILE)`
    : env.AWS_ACCESS_KEY_ID
      ? 'AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment'
      : 'AWS credentials: the default profile, or what else the AWS credential chain finds (SSO, a container or instance role); AWS_PROFILE picks a profile';
  const profile = profileHint(env);
  return {
    ambient,
    expected: profile
      ? `${profile}.`
      : 'Expected a profile (AWS_PROFILE, set up with `aws configure`, or `aws sso login` first) ' +
        'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.',
  };
}

/**
 * Wraps an SDK error in the one grammar: "Could not {what}: {AWS's words}."
 * then, on a denial, "The deploy role needs {permission}." (or `needs`'s
 * words) and the denied hint, else the hint.
 */
export function wrapAwsError(
  error: unknown,
  what: string,
  permission?: string,
  hint?: string,
  needs: (permission: string) => string = deployRoleNeeds,
  deniedHint?: string,
): AwsError {
  if (error instanceof AwsError) return error;
  const denied = permission && isAccessDenied(error);
  const advice = denied ? [needs(permission), deniedHint].filter(Boolean).join(' ') : hint;
  const cause = describeAwsError(error);
  const message = advice
    ? `Could not ${what}: ${/[.!?]$/.test(cause) ? cause : `${cause}.`} ${advice}`
    : `Could not ${what}: ${cause}`;
  return new AwsError(message, errorName(error), { cause: error });
}

/**
 * One AWS call with backoff on transient errors and a wrapped error when it
 * fails.
 */
export async function callAws<T>(deps: RetryDeps, call: AwsCall, fn: () => Promise<T>): Promise<T> {
  const patience: Patience = { ...(call.patience ?? PATIENCE.quick), ...defined(call) };
  let lastError: unknown;
  try {
    return await withRetry(
      async (attempt) => {
        if (attempt > 1 && call.beforeRetry) await call.beforeRetry(lastError);
        try {
          return await fn();
        } catch (error) {
          lastError = error;
          throw error;
        }
      },
      {
        attempts: patience.attempts,
        baseDelayMs: patience.baseDelayMs,
        maxDelayMs: patience.maxDelayMs,
        maxWaitMs: patience.maxWaitMs,
        random: deps.random,
        sleep: deps.sleep,
        retryable: (error, attempt) =>
          !call.passThrough?.(error) && (isTransient(error) || (call.retryable?.(error, attempt) ?? false)),
        onRetry: (error, attempt, delayMs) => {
          const reason = call.retryReason?.(error);
          const said = `${errorName(error) || errorMessage(error)}${reason ? ` (${reason})` : ''}`;
          const line = `AWS said ${said} while trying to ${call.what}; trying again in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1}).`;
          // A patient call waits long enough to be noticed: say why in the log.
          if (patience.baseDelayMs >= 1_000) deps.logger.info(line);
          else deps.logger.debug(line);
        },
      },
    );
  } catch (error) {
    if (call.passThrough?.(error) || error instanceof AwsError) throw error;
    // Refused credentials (a session that expired mid-run): no permission to name, the credentials to fix.
    const refused = deps.credentialRefusal?.(error, {});
    if (refused) throw new AwsError(`Could not ${call.what}: ${refused}`, errorName(error), { cause: error });
    throw wrapAwsError(error, call.what, call.permission, call.hint?.(error), deps.needs, call.deniedHint);
  }
}

/** The Patience fields a call sets itself. */
function defined(call: AwsCall): Partial<Patience> {
  const { attempts, baseDelayMs, maxDelayMs, maxWaitMs } = call;
  return Object.fromEntries(
    Object.entries({ attempts, baseDelayMs, maxDelayMs, maxWaitMs }).filter(([, v]) => v !== undefined),
  );
}

/** Like callAws, but an error named in `call.absent` (NOT_FOUND unless given) means "not there": undefined. */
export async function findAws<T>(
  deps: RetryDeps,
  call: AwsCall,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  const absent = call.absent ?? NOT_FOUND;
  try {
    return await callAws(
      deps,
      { ...call, passThrough: (e) => hasErrorName(e, ...absent) || !!call.passThrough?.(e) },
      fn,
    );
  } catch (error) {
    if (hasErrorName(error, ...absent)) return undefined;
    throw error;
  }
}
