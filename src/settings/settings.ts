import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type {
  Architecture,
  Command,
  GatewayKind,
  InvokeMode,
  Quota,
  Settings,
  SlimSetting,
  StatusRanges,
  Target,
} from '../model/settings.js';
import { branchStage } from '../model/stage-name.js';
import { setupCommandFor, type SetupSettings } from '../model/setup-command.js';
import { binaryOverride } from './pip-binary-options.js';
import { placementOverride } from './pip-options.js';
import { isInside } from '../util/paths.js';
import { enclosingRepository } from '../util/repository-root.js';
import { homedir } from 'node:os';
import { redact } from '../util/redact.js';
import { adapterSettingExpected, APP, reservedSettingProblem } from './adapter-settings.js';
import { InputReader, show, type InputSource } from './input-reader.js';
import { Inputs } from './names.js';
import {
  createRefusal,
  LAMBDA_RUNTIME_SCHEDULE,
  runtimeRefusal,
  runtimeStanding,
  runtimeWarning,
  type RuntimeSchedule,
} from './runtime-schedule.js';
import { inputName, settingOf, type Surface } from './surface.js';
import { parsePolicyStatements, POLICY_STATEMENTS_EXPECTED } from './policy-statements.js';

export type { InputSource } from './input-reader.js';

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
/** The CLI's runtime for a Node.js folder when none is given: the one the README's Node.js examples name. */
export const DEFAULT_NODE_RUNTIME: (typeof NODE_RUNTIMES)[number] = 'nodejs22.x';
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
/** The handler when neither `handler` nor `app` is set (Python; Node.js: see defaultHandler). */
export const DEFAULT_HANDLER = 'app.handler';
/** Node.js's usual entry point, index.js (or .mjs, .cjs) exporting `handler`. */
export const NODE_DEFAULT_HANDLER = 'index.handler';
/** The Node.js modules DEFAULT_HANDLER means. */
const DEFAULT_HANDLER_NODE_FILE = /^app\.[cm]?js$/;

/**
 * The handler when neither `handler` nor `app` is set: app.handler for
 * Python; for Node.js index.handler, but app.handler where `path` holds an
 * app.js, .mjs or .cjs (the default before, so those deploy as they did).
 */
export function defaultHandler(runtime: string, listing: readonly string[]): string {
  if (isPythonRuntime(runtime) || listing.some((f) => DEFAULT_HANDLER_NODE_FILE.test(f)))
    return DEFAULT_HANDLER;
  return NODE_DEFAULT_HANDLER;
}
const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** The account in the role ARNs `init` writes until setup has printed the real ones. */
export const PLACEHOLDER_ACCOUNT = 'ACCOUNT_ID';
const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const STAGE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const HANDLER = /^[A-Za-z_][\w./-]*\.[A-Za-z_$][\w$]*$/;
/**
 * EventBridge's schedules: `rate(1 unit)` or `rate(N units)` (a value of 1
 * takes the singular, more the plural, 0 none), or `cron(...)` with six
 * fields, one of day-of-month and day-of-week `?`.
 */
const SCHEDULE =
  /^(rate\(1 (minute|hour|day)\)|rate\([1-9]\d* (minutes|hours|days)\)|cron\(\S+ \S+ (\?|\S+) \S+ (\?|\S+) \S+\))$/;

function isSchedule(value: string): boolean {
  if (!SCHEDULE.test(value)) return false;
  if (value.startsWith('rate(')) return !/^rate\(1 \w+s\)$/.test(value);
  const fields = value.slice(5, -1).split(' ');
  return fields[2] === '?' || fields[4] === '?';
}

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

/** API Gateway holds a usage plan's quota limit as a 32-bit integer: a larger one fails CreateUsagePlan. */
export const QUOTA_MAX_LIMIT = 2_147_483_647;

const QUOTA = /^(\d+)\s*\/\s*(day|week|month)$/i;

export function parseQuota(value: string): Quota | undefined {
  const m = QUOTA.exec(value.trim());
  if (!m) return undefined;
  const limit = Number(m[1]);
  const period = QUOTA_PERIODS[(m[2] as string).toLowerCase()];
  return limit > 0 && limit <= QUOTA_MAX_LIMIT && period ? { limit, period } : undefined;
}

/** What a quota input is expected to be; `value` decides whether the limit is the problem. */
function quotaExpected(value: string): string {
  const m = QUOTA.exec(value.trim());
  return m && Number(m[1]) > QUOTA_MAX_LIMIT
    ? `N/day, N/week or N/month with N at most ${QUOTA_MAX_LIMIT} (API Gateway's limit), like 10000/day`
    : 'N/day, N/week or N/month, like 10000/day';
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

type Checked<K extends keyof Settings> = Pick<Settings, K>;

/** What to run, for which project and stage. */
function readProject(r: InputReader): Checked<'command' | 'name' | 'stage'> {
  const command = r.oneOf<Command>(Inputs.Command, ['auto', 'deploy', 'undeploy', 'package', 'prune']);
  const name = r.value(Inputs.Name);
  if (!name) r.problem(`${Inputs.Name}: is required; expected a project name like "my-service".`);
  else if (!PROJECT_NAME.test(name))
    r.bad(Inputs.Name, 'a letter followed by up to 39 letters, digits or hyphens, like "my-service"');
  const stage = r.value(Inputs.Stage) || undefined;
  if (stage !== undefined && !STAGE.test(stage))
    r.bad(Inputs.Stage, 'up to 40 lower-case letters, digits and inner hyphens, like "staging" or "pr-42"');
  return { command, name, stage };
}

/** The source folder, checked to be inside the checkout, and what it holds. */
interface Source extends Checked<'path' | 'workspace'> {
  /** Where relative inputs start: GITHUB_WORKSPACE, or the CLI's current directory. */
  base: string;
  /** A folder inside the workspace: the only case its files are looked at. */
  usable: boolean;
  listing: string[];
}

function readSource(r: InputReader, env: NodeJS.ProcessEnv): Source {
  // Relative inputs start from the checkout, or the CLI's current directory.
  const base = realOrResolved(env.GITHUB_WORKSPACE || process.cwd());
  // The checkout: what the workflow may package. `path: /etc` or `../..` would package the runner.
  // The CLI's is the enclosing repository: run from a uv workspace member, the uv.lock is above.
  const workspace = env.GITHUB_WORKSPACE ? base : (enclosingRepository(base, env.HOME || homedir()) ?? base);
  const path = resolve(base, r.value(Inputs.Path));
  const pathIsDir = existsSync(path) && statSync(path).isDirectory();
  const pathInside = isInside(workspace, realOrResolved(path));
  // Listed rather than probed by name: keeps the bundler from treating the name as an asset.
  const listing = pathIsDir && pathInside ? readdirSync(path) : [];
  // The CLI's workspace is no word its user knows: say which folder it is and what to do.
  const where = env.GITHUB_WORKSPACE
    ? `the workspace ${workspace}`
    : `${workspace}, the folder the command runs in (or its git repository): run it from your project's folder`;
  if (!pathInside) r.bad(Inputs.Path, `a folder inside ${where} (resolved to ${realOrResolved(path)})`);
  else if (!pathIsDir && existsSync(path)) {
    // The handler's file given as the path: the folder that holds it was meant.
    const raw = r.value(Inputs.Path);
    r.bad(Inputs.Path, `the folder that holds the code, like ${show(dirname(raw))} (${raw} is a file)`);
  } else if (!pathIsDir) r.bad(Inputs.Path, `an existing folder (resolved to ${path})`);
  return { path, workspace, base, usable: pathIsDir && pathInside, listing };
}

/** The runtime and the entry point: a handler, or a WSGI/ASGI app on Python. */
function readEntryPoint(r: InputReader, source: Source): Checked<'runtime' | 'handler' | 'app'> {
  const runtime = r.value(Inputs.Runtime);
  if (!RUNTIMES.includes(runtime)) r.bad(Inputs.Runtime, `one of ${RUNTIMES.join(', ')}`);
  const app = r.value(Inputs.App) || undefined;
  // No default in action.yml: the runner would pass it next to `app` (DESIGN.md), and it follows the runtime.
  const handler = app ? '' : r.value(Inputs.Handler) || defaultHandler(runtime, source.listing);
  if (app) {
    if (r.given(Inputs.Handler))
      r.problem(
        `${Inputs.App}, ${Inputs.Handler}: both are set (${show(app)}, ${show(r.raw(Inputs.Handler))}); expected only one: app for a WSGI/ASGI app, handler for a plain function.`,
      );
    if (!APP.test(app)) r.bad(Inputs.App, entryPointExpected(app, ':', pythonModuleIn(source)));
    if (!isPythonRuntime(runtime))
      r.bad(Inputs.App, `a Python runtime to serve a WSGI/ASGI app (runtime is ${show(runtime)})`, app);
  } else if (!HANDLER.test(handler)) {
    r.bad(Inputs.Handler, entryPointExpected(handler, '.'));
  }
  return { runtime, handler, app };
}

/** The file of a dotted Python module in the source folder (main.py, service/main.py, a package's __init__.py), when it is there. */
function pythonModuleIn(source: Source): (module: string) => string | undefined {
  return (module) => {
    if (!source.usable || !/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(module)) return undefined;
    const base = module.split('.').join('/');
    return [`${base}.py`, `${base}/__init__.py`].find((file) => existsSync(join(source.path, file)));
  };
}

/**
 * The expected form of an app (`module:attribute`) or a handler
 * (`module.function`); the value as it was meant when it has the other
 * separator before its last name (`main.app`, `index:handler`), or when it
 * names only a module that is there (`main`: `main:app`).
 */
function entryPointExpected(
  value: string,
  separator: ':' | '.',
  moduleFile: (module: string) => string | undefined = () => undefined,
): string {
  const app = separator === ':';
  // Django's project module: its object is `application`, not the module's last name.
  const django = app ? /^([A-Za-z_][\w.]*\.[wa]sgi)$/.exec(value) : null;
  if (django)
    return `module:attribute, here ${show(`${django[1]}:application`)} (Django's ${django[1]!.split('.').pop()}.py defines the app object application)`;
  // Only the module (gunicorn's and uvicorn's form wants its object too): app is Flask's and FastAPI's usual name.
  const module = app ? moduleFile(value) : undefined;
  if (module)
    return `module:attribute, here ${show(`${value}:app`)} (${module}'s app object after a colon; its own name if it is not app)`;
  // A file path (`mysite/wsgi.py:application`): Python imports the module dotted.
  const file = app ? /^([A-Za-z_][\w/.]*?)(?:\.py)?:([A-Za-z_][\w.]*(?:\(\))?)$/.exec(value) : null;
  if (file && /[/]|\.py:/.test(value))
    return `module:attribute, here ${show(`${file[1]!.replace(/\//g, '.')}:${file[2]}`)} (the module dotted, as Python imports it, not a file path)`;
  const other = app ? /^([A-Za-z_][\w.]*)\.([A-Za-z_]\w*)$/ : /^([A-Za-z_][\w./-]*):([A-Za-z_$][\w$]*)$/;
  const meant = other.exec(value);
  if (meant)
    return app
      ? `module:attribute, here ${show(`${meant[1]}:${meant[2]}`)} (a colon, not a dot, before the app object)`
      : `module.function, here ${show(`${meant[1]}.${meant[2]}`)} (a dot, not a colon, before the function)`;
  return app
    ? 'module:attribute, like "app:app" or "service.main:api"'
    : 'module.function, like "app.handler" or "src/index.handler"';
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** 16 or more letters and digits, both cases and a digit, no underscore: a key's body, not a variable's name. */
function secretShaped(name: string): boolean {
  return (
    name.length >= 16 && /[a-z]/.test(name) && /[A-Z]/.test(name) && /\d/.test(name) && !name.includes('_')
  );
}

/**
 * KEY=VALUE lines; a bad line is pointed at by number, never quoted (it may hold a secret):
 * its line in the action's input, or which --environment flag in a terminal (one line each).
 * The adapter's own LAMBDA_DEPLOY_* settings are checked too, and a bad value is quoted:
 * they name modes, media types and paths, never a secret.
 */
function readEnvironment(r: InputReader): Record<string, string> {
  const environment: Record<string, string> = {};
  const lines: Record<string, number> = {};
  const terminal = r.surface === 'terminal';
  // Pointed at, not quoted: "line 3" of the action's input; "the 3rd value" of a terminal's repeated flag.
  const at = (index: number) => (terminal ? `the ${ordinal(index + 1)} value` : `line ${index + 1}`);
  // Numbered as written (blank and comment lines count), so the message can point at a line it does not quote.
  for (const [index, raw] of r.value(Inputs.Environment).split(/\r?\n/).entries()) {
    // trim() also drops the \r of a CRLF file.
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      // Not quoted: a line without `=` may be a secret pasted on its own.
      r.problem(
        terminal
          ? `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) has no "="; expected KEY=VALUE, one variable per ${inputName(r.surface, Inputs.Environment)}, like ${settingOf(r.surface, Inputs.Environment, 'LOG_LEVEL=debug')}.`
          : `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) has no KEY=VALUE form; expected one KEY=VALUE per line.`,
      );
      continue;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    // Not quoted either: a padded base64 secret pasted alone ("q8J+f/…==") splits at its first "=".
    if (!ENV_KEY.test(key))
      r.problem(
        `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) does not start with a valid name; expected KEY=VALUE, the KEY of letters, digits and underscores, starting with a letter.`,
      );
    // A "name" followed by padding only is the body of a base64 secret: it would become a variable name, and a tag.
    else if (/^=+$/.test(value) || (value === '' && secretShaped(key)))
      r.problem(
        `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) has ${value ? 'only "="' : 'nothing'} after a name that looks like a base64 value pasted without KEY=; expected KEY=VALUE.`,
      );
    else if (RESERVED_ENV_NAMES.includes(key))
      r.problem(
        `${Inputs.Environment}: ${show(key)} is reserved by Lambda and cannot be set; expected another name.`,
      );
    else if (reservedSettingProblem(key)) r.problem(`${Inputs.Environment}: ${reservedSettingProblem(key)}.`);
    else if (Object.hasOwn(lines, key))
      // The later line would win unseen: one of the two is a mistake (a pasted block, a merge).
      r.problem(
        `${Inputs.Environment}: ${show(key)} is set ${terminal ? `by the ${ordinal(lines[key]! + 1)} and the ${ordinal(index + 1)} value` : `on lines ${lines[key]! + 1} and ${index + 1}`}; expected each name once.`,
      );
    else {
      lines[key] = index;
      const expected = adapterSettingExpected(key, value);
      if (expected) r.problem(`${Inputs.Environment}: ${key} is ${show(value)}; expected ${expected}.`);
      else environment[key] = value;
    }
  }
  return environment;
}

/** The function's configuration: size, time, environment, layers. */
function readFunctionConfig(
  r: InputReader,
): Checked<'architecture' | 'memory' | 'timeout' | 'environment' | 'layers'> {
  const architecture = r.oneOf<Architecture>(Inputs.Architecture, ['x86_64', 'arm64']);
  const memory = r.integer(Inputs.Memory, 128, 10240, ' (MB)') ?? 256;
  const timeout = r.integer(Inputs.Timeout, 1, 900, ' (seconds)') ?? 30;
  const environment = readEnvironment(r);
  const layers = splitList(r.value(Inputs.Layers));
  for (const layer of layers)
    if (!LAYER_ARN.test(layer))
      r.bad(
        Inputs.Layers,
        'layer version ARNs like arn:aws:lambda:us-east-1:123456789012:layer:name:3',
        layer,
      );
  if (layers.length > 5)
    r.problem(`${Inputs.Layers}: ${layers.length} layers given; Lambda allows at most 5.`);
  return { architecture, memory, timeout, environment, layers };
}

/**
 * What Lambda refuses of the layers together, only when it updates the
 * function (after the upload and the dependencies layer's publishing): more
 * than 5 with lambda-deploy's own, two versions of one layer, a layer of
 * another region. Another account's layer is fine (AWS's, a vendor's).
 */
function checkLayersTogether(
  r: InputReader,
  layers: readonly string[],
  dependenciesLayer: boolean,
  region: string | undefined,
): void {
  if (dependenciesLayer && layers.length + 1 > 5 && layers.length <= 5)
    r.problem(
      `${Inputs.Layers}: ${layers.length} layers given, and ${Inputs.DependenciesLayer}: true adds the dependencies layer: ${layers.length + 1}; Lambda allows at most 5, so give at most 4.`,
    );
  const seen = new Map<string, string>();
  for (const layer of layers) {
    if (!LAYER_ARN.test(layer)) continue;
    const unversioned = layer.slice(0, layer.lastIndexOf(':'));
    const earlier = seen.get(unversioned);
    if (earlier !== undefined)
      r.bad(Inputs.Layers, `one version of each layer (${earlier} is given too)`, layer);
    else seen.set(unversioned, layer);
    const layerRegion = layer.split(':')[3];
    if (region && layerRegion !== region)
      r.bad(
        Inputs.Layers,
        `a layer of the function's region ${region} (${Inputs.AwsRegion}); Lambda attaches no layer of another region`,
        layer,
      );
  }
}

/** The Python requirements file: given (inside the workspace) or requirements.txt found in path. */
function readRequirements(r: InputReader, source: Source, runtime: string): string | undefined {
  const python = isPythonRuntime(runtime);
  if (!python) {
    if (r.given(Inputs.Requirements))
      r.bad(
        Inputs.Requirements,
        `a Python runtime (runtime is ${show(runtime)}; Node.js packages are taken as they are)`,
      );
    return undefined;
  }
  if (!source.usable) return undefined;
  const file = r.value(Inputs.Requirements);
  if (!file) {
    const found = source.listing.find((f) => f === DEFAULT_REQUIREMENTS);
    return found ? resolve(source.path, found) : undefined;
  }
  const requirements = isAbsolute(file) ? file : resolve(source.path, file);
  if (!existsSync(requirements))
    r.bad(Inputs.Requirements, `a file relative to path (resolved to ${requirements})`);
  else if (!isInside(source.workspace, realOrResolved(requirements)))
    r.bad(
      Inputs.Requirements,
      `a file inside the workspace ${source.workspace} (resolved to ${realOrResolved(requirements)})`,
    );
  return requirements;
}

/** How dependencies are installed and where built packages are cached. */
function readDependencies(
  r: InputReader,
  source: Source,
  runtime: string,
): Checked<'requirements' | 'pipArgs' | 'packageCache'> {
  const requirements = readRequirements(r, source, runtime);
  let pipArgs: string[] = [];
  try {
    pipArgs = splitArgs(r.value(Inputs.PipArgs));
  } catch (e) {
    // Shown redacted: an --index-url may carry a password, and no secret is masked yet.
    r.bad(Inputs.PipArgs, `shell-like arguments (${(e as Error).message})`, redact(r.value(Inputs.PipArgs)));
  }
  const override = binaryOverride(pipArgs);
  if (override)
    r.bad(
      Inputs.PipArgs,
      `no ${override}: lambda-deploy installs every package as a wheel for Lambda's platform (--only-binary=:all:); a source build is compiled for the machine pip runs on, and fails to import on Lambda`,
      redact(r.value(Inputs.PipArgs)),
    );
  const placement = placementOverride(pipArgs);
  if (placement)
    r.bad(
      Inputs.PipArgs,
      `no ${placement}: lambda-deploy installs the packages into the package it builds (--target)`,
      redact(r.value(Inputs.PipArgs)),
    );
  let packageCache: string | undefined;
  if (r.given(Inputs.PackageCache)) {
    packageCache = resolve(source.base, r.value(Inputs.PackageCache));
    if (existsSync(packageCache) && !statSync(packageCache).isDirectory())
      r.bad(Inputs.PackageCache, `a folder, or a path where one can be created (${packageCache} is a file)`);
  }
  return { requirements, pipArgs, packageCache };
}

/** Extra IAM statements for the managed execution role, checked as IAM would (policy-statements.ts). */
function readPolicyStatements(r: InputReader, executionRoleArn: string | undefined): object[] | undefined {
  if (!r.given(Inputs.PolicyStatements)) return undefined;
  if (executionRoleArn)
    r.problem(
      `${Inputs.PolicyStatements}: only applies to the role the action manages, but execution-role-arn is set; expected one of the two.`,
    );
  const result = parsePolicyStatements(r.value(Inputs.PolicyStatements));
  if ('statements' in result) return result.statements;
  // Not quoted whole (a policy can be long): each problem names its statement and quotes the part at fault.
  r.problem(
    `${Inputs.PolicyStatements}: ${result.problems.join('; ')}; expected ${POLICY_STATEMENTS_EXPECTED}.`,
  );
  return undefined;
}

/** What the setup command in the placeholder hint carries: the inputs as given (they are checked elsewhere). */
function placeholderSetup(r: InputReader, awsRegion: string | undefined): SetupSettings {
  return {
    name: r.value(Inputs.Name),
    awsRegion,
    protectedStages: readProtectedStages(r),
    s3Bucket: r.value(Inputs.S3Bucket) || undefined,
  };
}

/** Where in AWS, as whom, with which execution role and bucket. */
function readAws(
  r: InputReader,
  env: NodeJS.ProcessEnv,
): Checked<'awsRegion' | 'roleToAssume' | 'executionRoleArn' | 'policyStatements' | 's3Bucket'> {
  const awsRegion = r.value(Inputs.AwsRegion) || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (awsRegion && !REGION.test(awsRegion)) r.bad(Inputs.AwsRegion, 'a region like us-east-1', awsRegion);
  const roleToAssume = r.value(Inputs.RoleToAssume) || undefined;
  if (roleToAssume && !ROLE_ARN.test(roleToAssume))
    r.bad(
      Inputs.RoleToAssume,
      roleToAssume.includes(`::${PLACEHOLDER_ACCOUNT}:`)
        ? `the role ARN setup prints: ${PLACEHOLDER_ACCOUNT} is the placeholder lambda-deploy init writes (production-role and preview-role of the reusable workflow); run ${setupCommandFor(placeholderSetup(r, awsRegion), env.GITHUB_REPOSITORY)} once and put the two ARNs it ends with in the workflow`
        : 'an IAM role ARN like arn:aws:iam::123456789012:role/deploy',
    );
  const executionRoleArn = r.value(Inputs.ExecutionRoleArn) || undefined;
  if (executionRoleArn && !ROLE_ARN.test(executionRoleArn))
    r.bad(Inputs.ExecutionRoleArn, 'an IAM role ARN like arn:aws:iam::123456789012:role/my-function');
  const policyStatements = readPolicyStatements(r, executionRoleArn);
  const s3Bucket = r.value(Inputs.S3Bucket) || undefined;
  if (s3Bucket && !BUCKET.test(s3Bucket))
    r.bad(Inputs.S3Bucket, 'an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens');
  return { awsRegion, roleToAssume, executionRoleArn, policyStatements, s3Bucket };
}

/** The front door and its limits; throttling and keys only where the gateway has them. */
function readFrontDoor(
  r: InputReader,
): Checked<'gateway' | 'throttleRate' | 'throttleBurst' | 'apiKey' | 'quota'> {
  const gateway = r.oneOf<GatewayKind>(Inputs.Gateway, ['http-api', 'rest-api', 'function-url', 'none']);
  let throttleRate: number | undefined;
  if (r.given(Inputs.ThrottleRate)) {
    throttleRate = Number(r.value(Inputs.ThrottleRate));
    if (!Number.isFinite(throttleRate) || throttleRate <= 0)
      r.bad(Inputs.ThrottleRate, 'requests per second, a number above 0');
  }
  const throttleBurst = r.integer(Inputs.ThrottleBurst, 0, 5000);
  const apiKey = r.bool(Inputs.ApiKey);
  let quota: Quota | undefined;
  if (r.given(Inputs.Quota)) {
    quota = parseQuota(r.value(Inputs.Quota));
    if (!quota) r.bad(Inputs.Quota, quotaExpected(r.value(Inputs.Quota)));
  }
  // The key's value is fine: the gateway is what must change, so both are named.
  if (gateway !== 'rest-api' && apiKey)
    r.problem(
      `${Inputs.ApiKey}, ${Inputs.Gateway}: API keys and usage plans exist only on a REST API (gateway is ${show(gateway)}${r.given(Inputs.Gateway) ? '' : ', the default'}); expected gateway rest-api.`,
    );
  if (quota && !apiKey)
    r.problem(
      `${Inputs.Quota}: applies to an API key's usage plan; expected api-key: true with gateway: rest-api.`,
    );
  if (
    (throttleRate !== undefined || throttleBurst !== undefined) &&
    (gateway === 'function-url' || gateway === 'none')
  )
    r.problem(
      `${Inputs.ThrottleRate}/${Inputs.ThrottleBurst}: need an API Gateway front door; expected gateway: http-api or rest-api (gateway is ${show(gateway)}).`,
    );
  return { gateway, throttleRate, throttleBurst, apiKey, quota };
}

/**
 * `invoke-mode`: Lambda streams only from Node.js managed runtimes, and only
 * a function URL (RESPONSE_STREAM) or a REST API (STREAM) passes the stream
 * on; an HTTP API buffers it.
 */
function readInvokeMode(r: InputReader, gateway: GatewayKind, runtime: string): InvokeMode {
  const invokeMode = r.oneOf<InvokeMode>(Inputs.InvokeMode, ['buffered', 'response-stream']);
  if (invokeMode !== 'response-stream') return invokeMode;
  if (gateway !== 'function-url' && gateway !== 'rest-api')
    r.problem(
      `${Inputs.InvokeMode}, ${Inputs.Gateway}: response-stream needs a front door that streams (gateway is ${show(gateway)}${gateway === 'http-api' ? ', the default: HTTP APIs buffer every response' : ''}); expected gateway function-url or rest-api.`,
    );
  if (isPythonRuntime(runtime))
    r.problem(
      `${Inputs.InvokeMode}, ${Inputs.Runtime}: Lambda streams responses only from Node.js runtimes (runtime is ${show(runtime)}); expected a runtime of ${NODE_RUNTIMES.join(', ')} with awslambda.streamifyResponse, or invoke-mode buffered.`,
    );
  return invokeMode;
}

/** The smoke test after each deploy, and what a failure does. */
function readSmoke(
  r: InputReader,
): Checked<
  'smokeTest' | 'smokePath' | 'smokeStatus' | 'smokeContains' | 'smokeTimeout' | 'rollback' | 'keepVersions'
> {
  const smokeTest = r.bool(Inputs.SmokeTest);
  const smokePath = r.value(Inputs.SmokePath);
  if (!smokePath.startsWith('/')) r.bad(Inputs.SmokePath, 'a path starting with "/", like "/health"');
  const parsedStatus = parseStatusRanges(r.value(Inputs.SmokeStatus));
  if (typeof parsedStatus === 'string')
    r.bad(Inputs.SmokeStatus, `a status range like 200-399 or a list like 200,204 (${parsedStatus})`);
  const smokeContains = r.raw(Inputs.SmokeContains) || undefined;
  const smokeTimeout = r.integer(Inputs.SmokeTimeout, 1, 900, ' (seconds)') ?? 60;
  const rollback = r.bool(Inputs.Rollback);
  const keepVersions = r.integer(Inputs.KeepVersions, 1, 100) ?? 5;
  return {
    smokeTest,
    smokePath,
    smokeStatus: parsedStatus as StatusRanges,
    smokeContains,
    smokeTimeout,
    rollback,
    keepVersions,
  };
}

/**
 * `protected-stages`, lower-cased. An entry that is a branch name rather than
 * a stage (`release/1.x`, whose stage is `release-1-x-{hash}`; `Main`) also
 * protects its branch's stage: read as it is, it matched no stage, so
 * undeploy, prune and pull requests could reach that branch's stage while
 * the reusable workflow deployed it as production.
 */
function readProtectedStages(r: InputReader): string[] {
  const stages = new Set<string>();
  for (const entry of splitList(r.value(Inputs.ProtectedStages), /[,\n]/)) {
    // As given too: the reusable workflow routes a push by comparing its branch with these.
    stages.add(entry.toLowerCase());
    stages.add(branchStage(entry));
  }
  return [...stages];
}

/** Reporting on GitHub, the stages' lifecycle, and where and whether to deploy. */
function readLifecycle(
  r: InputReader,
  env: NodeJS.ProcessEnv,
): Checked<
  | 'githubToken'
  | 'comment'
  | 'publicCommentLogs'
  | 'deployment'
  | 'protectedStages'
  | 'previewTtl'
  | 'removeLogs'
  | 'target'
  | 'dryRun'
> {
  return {
    githubToken: r.value(Inputs.GithubToken) || env.GITHUB_TOKEN || '',
    comment: r.bool(Inputs.Comment),
    publicCommentLogs: r.bool(Inputs.PublicCommentLogs),
    deployment: r.bool(Inputs.Deployment),
    protectedStages: readProtectedStages(r),
    previewTtl: r.integer(Inputs.PreviewTtl, 1, 3650, ' (days)'),
    removeLogs: r.bool(Inputs.RemoveLogs),
    target: r.oneOf<Target>(Inputs.Target, ['aws', 'local']),
    dryRun: r.bool(Inputs.DryRun),
  };
}

/** Warm starts, the dependencies layer, adoption, and extra files to package. */
function readExtras(
  r: InputReader,
  runtime: string,
): Checked<'keepWarm' | 'provisionedConcurrency' | 'dependenciesLayer' | 'slim' | 'adopt' | 'include'> {
  const keepWarm = r.value(Inputs.KeepWarm) || undefined;
  if (keepWarm && !isSchedule(keepWarm))
    r.bad(Inputs.KeepWarm, 'an EventBridge schedule like rate(5 minutes) or cron(0/5 * * * ? *)');
  const provisionedConcurrency = r.integer(Inputs.ProvisionedConcurrency, 0, 10000);
  const dependenciesLayer = r.bool(Inputs.DependenciesLayer);
  const adopt = r.bool(Inputs.Adopt);
  const include = splitList(r.value(Inputs.Include));
  for (const pattern of include)
    if (pattern.split(/[\\/]/).includes('..'))
      r.bad(
        Inputs.Include,
        'globs of files inside path, without ".." (to package shared code from elsewhere in the repository, link it into path with a symbolic link)',
        pattern,
      );
  if (dependenciesLayer && !isPythonRuntime(runtime))
    r.bad(Inputs.DependenciesLayer, `a Python runtime (runtime is ${show(runtime)})`, 'true');
  const slim = slimSetting(r.value(Inputs.Slim));
  if (!slim) r.bad(Inputs.Slim, 'auto, true or false');
  else if (slim === 'true' && !isPythonRuntime(runtime))
    r.bad(
      Inputs.Slim,
      `a Python runtime (runtime is ${show(runtime)}); for Node.js, bundle the code and its dependencies instead (see README)`,
    );
  else if (slim === 'true' && dependenciesLayer)
    r.problem(
      `${Inputs.Slim}, ${Inputs.DependenciesLayer}: both are true; expected one: slim fetches the requirements into /tmp at cold start, dependencies-layer puts them in a layer (counted in the 250 MB limit).`,
    );
  return { keepWarm, provisionedConcurrency, dependenciesLayer, slim: slim ?? 'auto', adopt, include };
}

/** The day the deploy runs, and the deprecation schedule to judge the runtime by. */
export interface RuntimeClock {
  now: Date;
  schedule?: RuntimeSchedule;
}

/**
 * The runtime against AWS's deprecation schedule: one AWS no longer accepts
 * is refused here, before any AWS call (`--target local` runs it with a
 * warning: no AWS is involved); one AWS no longer creates functions with is
 * refused later, only if the stage has no function yet.
 */
function checkRuntimeSchedule(
  r: InputReader,
  runtime: string,
  target: Target,
  clock: RuntimeClock,
): Checked<'runtimeWarning' | 'runtimeCreateRefusal'> {
  if (!RUNTIMES.includes(runtime)) return {};
  const input = inputName(r.surface, Inputs.Runtime);
  const standing = runtimeStanding(runtime, clock.now, clock.schedule ?? LAMBDA_RUNTIME_SCHEDULE);
  const refusal = target === 'local' ? undefined : runtimeRefusal(input, runtime, standing);
  if (refusal) {
    r.problem(refusal);
    return {};
  }
  const warning = runtimeWarning(input, runtime, standing);
  const refuseCreate = target === 'local' ? undefined : createRefusal(input, runtime, standing);
  return {
    ...(warning && { runtimeWarning: warning }),
    ...(refuseCreate && { runtimeCreateRefusal: refuseCreate }),
  };
}

/**
 * Reads and validates every input, one concern at a time. All problems are
 * collected and thrown together as a SettingsError, so a user fixes them in
 * one run.
 *
 * @param read  raw inputs (empty or undefined means "not set")
 * @param env   process environment, for AWS_REGION and the workspace
 * @param surface  who reads the problems: the action's inputs, or the CLI's flags
 */
export function readSettings(
  read: InputSource,
  env: NodeJS.ProcessEnv = process.env,
  surface: Surface = 'action',
  clock?: RuntimeClock,
): Settings {
  const r = new InputReader(read, surface);
  const project = readProject(r);
  const source = readSource(r, env);
  const entryPoint = readEntryPoint(r, source);
  const functionConfig = readFunctionConfig(r);
  const dependencies = readDependencies(r, source, entryPoint.runtime);
  const aws = readAws(r, env);
  const frontDoor = readFrontDoor(r);
  const invokeMode = readInvokeMode(r, frontDoor.gateway, entryPoint.runtime);
  const smoke = readSmoke(r);
  const lifecycle = readLifecycle(r, env);
  const extras = readExtras(r, entryPoint.runtime);
  checkLayersTogether(r, functionConfig.layers, extras.dependenciesLayer, aws.awsRegion);
  const schedule = clock && checkRuntimeSchedule(r, entryPoint.runtime, lifecycle.target, clock);
  if (r.problems.length) throw new SettingsError(r.problems);
  return {
    ...project,
    path: source.path,
    workspace: source.workspace,
    ...entryPoint,
    ...schedule,
    ...functionConfig,
    ...dependencies,
    include: extras.include,
    exclude: splitList(r.value(Inputs.Exclude)),
    ...aws,
    audience: r.value(Inputs.Audience),
    ...frontDoor,
    invokeMode,
    ...smoke,
    ...lifecycle,
    keepWarm: extras.keepWarm,
    provisionedConcurrency: extras.provisionedConcurrency,
    dependenciesLayer: extras.dependenciesLayer,
    slim: extras.slim,
    adopt: extras.adopt,
  };
}
