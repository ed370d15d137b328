import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type {
  Architecture,
  Command,
  GatewayKind,
  Quota,
  Settings,
  SlimSetting,
  StatusRanges,
  Target,
} from '../model/settings.js';
import { INPUT_DEFAULTS, Inputs, type InputName } from './names.js';

/** Where raw input values come from: the action's inputs, or CLI flags. */
export type InputSource = (name: InputName) => string | undefined;

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `${problems.length} invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'SettingsError';
  }
}

export const PYTHON_RUNTIMES = [
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
] as const;
export const NODE_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'] as const;
export const RUNTIMES: readonly string[] = [...PYTHON_RUNTIMES, ...NODE_RUNTIMES];

export function isPythonRuntime(runtime: string): boolean {
  return runtime.startsWith('python');
}

/** Variables Lambda sets itself and refuses in a function's configuration. */
export const RESERVED_ENV_NAMES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

const DEFAULT_REQUIREMENTS = 'requirements.txt';
/** The handler when neither `handler` nor `app` is set. */
export const DEFAULT_HANDLER = 'app.handler';
const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const STAGE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const HANDLER = /^[A-Za-z_][\w./-]*\.[A-Za-z_$][\w$]*$/;
const APP = /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$/;
const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/;

/** Lines (or commas, where a list can never hold one) split, trimmed, blanks dropped. */
export function splitList(value: string, separators: RegExp = /\r?\n/): string[] {
  return value
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith('#'));
}

/** Splits `pip-args` like a POSIX shell would (quotes, no expansion). */
export function splitArgs(value: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let inArg = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < value.length) current += value[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === '\\' && i + 1 < value.length) {
      current += value[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} quote`);
  if (inArg) args.push(current);
  return args;
}

/** `200-399`, `200,204`, `200-299, 404`: inclusive ranges, or an error message. */
export function parseStatusRanges(value: string): StatusRanges | string {
  const ranges: [number, number][] = [];
  for (const part of splitList(value, /[,\s]+/)) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!m) return `"${part}" is neither a status code nor a range like 200-399`;
    const low = Number(m[1]);
    const high = m[2] ? Number(m[2]) : low;
    if (low < 100 || high > 599 || low > high) return `"${part}" is not a range within 100-599`;
    ranges.push([low, high]);
  }
  return ranges.length ? ranges : 'no status given';
}

export function statusAccepted(status: number, ranges: StatusRanges): boolean {
  return ranges.some(([low, high]) => status >= low && status <= high);
}

const QUOTA_PERIODS: Record<string, Quota['period']> = { day: 'DAY', week: 'WEEK', month: 'MONTH' };

export function parseQuota(value: string): Quota | undefined {
  const m = /^(\d+)\s*\/\s*(day|week|month)$/i.exec(value.trim());
  if (!m) return undefined;
  const limit = Number(m[1]);
  const period = QUOTA_PERIODS[(m[2] as string).toLowerCase()];
  return limit > 0 && period ? { limit, period } : undefined;
}

/** `auto`, `true` or `false` (and the spellings `bool` takes for the last two); undefined otherwise. */
export function slimSetting(value: string): SlimSetting | undefined {
  if (/^auto$/i.test(value)) return 'auto';
  if (/^(true|yes|on|1)$/i.test(value)) return 'true';
  if (/^(false|no|off|0)$/i.test(value)) return 'false';
  return undefined;
}

/** The real path (links resolved) when it exists, else the path as given. */
function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function show(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * Reads and validates every input. All problems are collected and thrown
 * together as a SettingsError, so a user fixes them in one run.
 *
 * @param read  raw inputs (empty or undefined means "not set")
 * @param env   process environment, for AWS_REGION and the workspace
 */
export function readSettings(read: InputSource, env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const raw = (name: InputName): string => (read(name) ?? '').trim();
  const given = (name: InputName): boolean => raw(name) !== '';
  const value = (name: InputName): string => {
    const v = raw(name);
    if (v !== '') return v;
    const d = INPUT_DEFAULTS[name];
    return d.startsWith('${{') ? '' : d;
  };
  const bad = (name: InputName, expected: string, shown: string = value(name)): void => {
    problems.push(`${name}: ${show(shown)} is not valid; expected ${expected}.`);
  };
  const oneOf = <T extends string>(name: InputName, allowed: readonly T[]): T => {
    const v = value(name);
    if (!(allowed as readonly string[]).includes(v)) bad(name, `one of ${allowed.join(', ')}`);
    return v as T;
  };
  const bool = (name: InputName): boolean => {
    const v = value(name);
    if (/^(true|yes|on|1)$/i.test(v)) return true;
    if (/^(false|no|off|0)$/i.test(v)) return false;
    bad(name, 'true or false');
    return false;
  };
  const integer = (name: InputName, min: number, max: number, unit = ''): number | undefined => {
    const v = value(name);
    if (v === '') return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      bad(name, `a whole number from ${min} to ${max}${unit}`);
      return undefined;
    }
    return n;
  };

  const command = oneOf<Command>(Inputs.Command, ['auto', 'deploy', 'undeploy', 'package', 'prune']);

  const name = value(Inputs.Name);
  if (!name) problems.push(`${Inputs.Name}: is required; expected a project name like "my-service".`);
  else if (!PROJECT_NAME.test(name))
    bad(Inputs.Name, 'a letter followed by up to 39 letters, digits or hyphens, like "my-service"');

  const stage = value(Inputs.Stage) || undefined;
  if (stage !== undefined && !STAGE.test(stage))
    bad(Inputs.Stage, 'up to 40 lower-case letters, digits and inner hyphens, like "staging" or "pr-42"');

  // The checkout: what the workflow may package. `path: /etc` or `../..` would package the runner.
  const workspace = realOrResolved(env.GITHUB_WORKSPACE || process.cwd());
  const path = resolve(workspace, value(Inputs.Path));
  const pathIsDir = existsSync(path) && statSync(path).isDirectory();
  const pathInside = isInside(workspace, realOrResolved(path));
  // Listed rather than probed by name: keeps the bundler from treating the name as an asset.
  const listing = pathIsDir && pathInside ? readdirSync(path) : [];
  if (!pathInside)
    bad(Inputs.Path, `a folder inside the workspace ${workspace} (resolved to ${realOrResolved(path)})`);
  else if (!pathIsDir) bad(Inputs.Path, `an existing folder (resolved to ${path})`);

  const runtime = value(Inputs.Runtime);
  if (!RUNTIMES.includes(runtime)) bad(Inputs.Runtime, `one of ${RUNTIMES.join(', ')}`);
  const python = isPythonRuntime(runtime);

  const app = value(Inputs.App) || undefined;
  // No default in action.yml: the runner would pass it next to `app` (DESIGN.md).
  const handler = app ? '' : value(Inputs.Handler) || DEFAULT_HANDLER;
  if (app) {
    if (given(Inputs.Handler))
      problems.push(
        `${Inputs.App}, ${Inputs.Handler}: both are set (${show(app)}, ${show(raw(Inputs.Handler))}); expected only one: app for a WSGI/ASGI app, handler for a plain function.`,
      );
    if (!APP.test(app)) bad(Inputs.App, 'module:attribute, like "app:app" or "service.main:api"');
    if (!python)
      bad(Inputs.App, `a Python runtime to serve a WSGI/ASGI app (runtime is ${show(runtime)})`, app);
  } else if (!HANDLER.test(handler)) {
    bad(Inputs.Handler, 'module.function, like "app.handler" or "src/index.handler"');
  }

  const architecture = oneOf<Architecture>(Inputs.Architecture, ['x86_64', 'arm64']);
  const memory = integer(Inputs.Memory, 128, 10240, ' (MB)') ?? 256;
  const timeout = integer(Inputs.Timeout, 1, 900, ' (seconds)') ?? 30;

  const environment: Record<string, string> = {};
  // Numbered as written (blank and comment lines count), so the message can point at a line it does not quote.
  for (const [index, raw] of value(Inputs.Environment).split(/\r?\n/).entries()) {
    // trim() also drops the \r of a CRLF file.
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      // Not quoted: a line without `=` may be a secret pasted on its own.
      problems.push(
        `${Inputs.Environment}: line ${index + 1} (not shown: it may hold a secret) has no KEY=VALUE form; expected one KEY=VALUE per line.`,
      );
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!ENV_KEY.test(key))
      bad(Inputs.Environment, 'keys of letters, digits and underscores, starting with a letter', key);
    else if (RESERVED_ENV_NAMES.includes(key))
      problems.push(
        `${Inputs.Environment}: ${show(key)} is reserved by Lambda and cannot be set; expected another name.`,
      );
    else environment[key] = line.slice(eq + 1);
  }

  const layers = splitList(value(Inputs.Layers));
  for (const layer of layers)
    if (!LAYER_ARN.test(layer))
      bad(Inputs.Layers, 'layer version ARNs like arn:aws:lambda:us-east-1:123456789012:layer:name:3', layer);
  if (layers.length > 5)
    problems.push(`${Inputs.Layers}: ${layers.length} layers given; Lambda allows at most 5.`);

  let requirements: string | undefined;
  if (python && pathIsDir && pathInside) {
    const file = value(Inputs.Requirements);
    if (file) {
      requirements = isAbsolute(file) ? file : resolve(path, file);
      if (!existsSync(requirements))
        bad(Inputs.Requirements, `a file relative to path (resolved to ${requirements})`);
      else if (!isInside(workspace, realOrResolved(requirements)))
        bad(
          Inputs.Requirements,
          `a file inside the workspace ${workspace} (resolved to ${realOrResolved(requirements)})`,
        );
    } else {
      const found = listing.find((f) => f === DEFAULT_REQUIREMENTS);
      if (found) requirements = resolve(path, found);
    }
  } else if (!python && given(Inputs.Requirements)) {
    bad(
      Inputs.Requirements,
      `a Python runtime (runtime is ${show(runtime)}; Node.js packages are taken as they are)`,
    );
  }

  let pipArgs: string[] = [];
  try {
    pipArgs = splitArgs(value(Inputs.PipArgs));
  } catch (e) {
    bad(Inputs.PipArgs, `shell-like arguments (${(e as Error).message})`);
  }

  let packageCache: string | undefined;
  if (given(Inputs.PackageCache)) {
    packageCache = resolve(workspace, value(Inputs.PackageCache));
    if (existsSync(packageCache) && !statSync(packageCache).isDirectory())
      bad(Inputs.PackageCache, `a folder, or a path where one can be created (${packageCache} is a file)`);
  }

  const awsRegion = value(Inputs.AwsRegion) || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (awsRegion && !REGION.test(awsRegion)) bad(Inputs.AwsRegion, 'a region like us-east-1', awsRegion);

  const roleToAssume = value(Inputs.RoleToAssume) || undefined;
  if (roleToAssume && !ROLE_ARN.test(roleToAssume))
    bad(Inputs.RoleToAssume, 'an IAM role ARN like arn:aws:iam::123456789012:role/deploy');
  const executionRoleArn = value(Inputs.ExecutionRoleArn) || undefined;
  if (executionRoleArn && !ROLE_ARN.test(executionRoleArn))
    bad(Inputs.ExecutionRoleArn, 'an IAM role ARN like arn:aws:iam::123456789012:role/my-function');

  let policyStatements: object[] | undefined;
  if (given(Inputs.PolicyStatements)) {
    try {
      const parsed: unknown = JSON.parse(value(Inputs.PolicyStatements));
      const list = Array.isArray(parsed) ? parsed : [parsed];
      if (!list.every((s) => s && typeof s === 'object' && 'Effect' in s && 'Action' in s))
        throw new Error('');
      policyStatements = list as object[];
      if (executionRoleArn)
        problems.push(
          `${Inputs.PolicyStatements}: only applies to the role the action manages, but execution-role-arn is set; expected one of the two.`,
        );
    } catch {
      bad(
        Inputs.PolicyStatements,
        'a JSON IAM statement or array of statements, each with Effect, Action and Resource',
      );
    }
  }

  const s3Bucket = value(Inputs.S3Bucket) || undefined;
  if (s3Bucket && !BUCKET.test(s3Bucket))
    bad(Inputs.S3Bucket, 'an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens');

  const gateway = oneOf<GatewayKind>(Inputs.Gateway, ['http-api', 'rest-api', 'function-url', 'none']);

  let throttleRate: number | undefined;
  if (given(Inputs.ThrottleRate)) {
    throttleRate = Number(value(Inputs.ThrottleRate));
    if (!Number.isFinite(throttleRate) || throttleRate <= 0)
      bad(Inputs.ThrottleRate, 'requests per second, a number above 0');
  }
  const throttleBurst = integer(Inputs.ThrottleBurst, 0, 5000);
  const apiKey = bool(Inputs.ApiKey);
  let quota: Quota | undefined;
  if (given(Inputs.Quota)) {
    quota = parseQuota(value(Inputs.Quota));
    if (!quota) bad(Inputs.Quota, 'N/day, N/week or N/month, like 10000/day');
  }
  if (gateway !== 'rest-api' && apiKey) bad(Inputs.ApiKey, `gateway: rest-api (gateway is ${show(gateway)})`);
  if (quota && !apiKey)
    problems.push(
      `${Inputs.Quota}: applies to an API key's usage plan; expected api-key: true with gateway: rest-api.`,
    );
  if (
    (throttleRate !== undefined || throttleBurst !== undefined) &&
    (gateway === 'function-url' || gateway === 'none')
  )
    problems.push(
      `${Inputs.ThrottleRate}/${Inputs.ThrottleBurst}: need an API Gateway front door; expected gateway: http-api or rest-api (gateway is ${show(gateway)}).`,
    );

  const smokeTest = bool(Inputs.SmokeTest);
  const smokePath = value(Inputs.SmokePath);
  if (!smokePath.startsWith('/')) bad(Inputs.SmokePath, 'a path starting with "/", like "/health"');
  const parsedStatus = parseStatusRanges(value(Inputs.SmokeStatus));
  if (typeof parsedStatus === 'string')
    bad(Inputs.SmokeStatus, `a status range like 200-399 or a list like 200,204 (${parsedStatus})`);
  const smokeContains = raw(Inputs.SmokeContains) || undefined;
  const smokeTimeout = integer(Inputs.SmokeTimeout, 1, 900, ' (seconds)') ?? 60;
  const rollback = bool(Inputs.Rollback);
  const keepVersions = integer(Inputs.KeepVersions, 1, 100) ?? 5;

  const githubToken = value(Inputs.GithubToken) || env.GITHUB_TOKEN || '';
  const comment = bool(Inputs.Comment);
  const publicCommentLogs = bool(Inputs.PublicCommentLogs);
  const deployment = bool(Inputs.Deployment);
  const protectedStages = splitList(value(Inputs.ProtectedStages), /[,\n]/).map((s) => s.toLowerCase());
  const previewTtl = integer(Inputs.PreviewTtl, 1, 3650, ' (days)');
  const removeLogs = bool(Inputs.RemoveLogs);
  const target = oneOf<Target>(Inputs.Target, ['aws', 'local']);
  const dryRun = bool(Inputs.DryRun);

  const keepWarm = value(Inputs.KeepWarm) || undefined;
  if (keepWarm && !SCHEDULE.test(keepWarm))
    bad(Inputs.KeepWarm, 'an EventBridge schedule like rate(5 minutes) or cron(0/5 * * * ? *)');
  const provisionedConcurrency = integer(Inputs.ProvisionedConcurrency, 0, 10000);
  const dependenciesLayer = bool(Inputs.DependenciesLayer);
  const adopt = bool(Inputs.Adopt);
  const include = splitList(value(Inputs.Include));
  for (const pattern of include)
    if (pattern.split(/[\\/]/).includes('..'))
      bad(
        Inputs.Include,
        'globs of files inside path, without ".." (to package shared code from elsewhere in the repository, link it into path with a symbolic link)',
        pattern,
      );
  if (dependenciesLayer && !python)
    bad(Inputs.DependenciesLayer, `a Python runtime (runtime is ${show(runtime)})`, 'true');
  const slim = slimSetting(value(Inputs.Slim));
  if (!slim) bad(Inputs.Slim, 'auto, true or false');
  else if (slim === 'true' && !python)
    bad(
      Inputs.Slim,
      `a Python runtime (runtime is ${show(runtime)}); for Node.js, bundle the code and its dependencies instead (see README)`,
    );
  else if (slim === 'true' && dependenciesLayer)
    problems.push(
      `${Inputs.Slim}, ${Inputs.DependenciesLayer}: both are true; expected one: slim fetches the requirements into /tmp at cold start, dependencies-layer puts them in a layer (counted in the 250 MB limit).`,
    );

  if (problems.length) throw new SettingsError(problems);

  return {
    command,
    name,
    stage,
    path,
    workspace,
    runtime,
    handler,
    app,
    architecture,
    memory,
    timeout,
    environment,
    layers,
    requirements,
    pipArgs,
    include,
    exclude: splitList(value(Inputs.Exclude)),
    packageCache,
    awsRegion,
    roleToAssume,
    audience: value(Inputs.Audience),
    executionRoleArn,
    policyStatements,
    s3Bucket,
    gateway,
    throttleRate,
    throttleBurst,
    apiKey,
    quota,
    smokeTest,
    smokePath,
    smokeStatus: parsedStatus as StatusRanges,
    smokeContains,
    smokeTimeout,
    rollback,
    keepVersions,
    githubToken,
    comment,
    publicCommentLogs,
    deployment,
    protectedStages,
    previewTtl,
    removeLogs,
    target,
    dryRun,
    keepWarm,
    provisionedConcurrency,
    dependenciesLayer,
    slim: slim ?? 'auto',
    adopt,
  };
}
