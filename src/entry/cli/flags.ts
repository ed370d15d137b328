import { INPUT_DEFAULTS, Inputs, type InputName } from '../../settings/names.js';
import { closestName } from '../../util/closest-name.js';
import { flagsHint } from './program.js';

/**
 * A command's flags, as one table: parsing and help are both derived from it,
 * so a command's help lists exactly the flags it reads.
 */
export interface Flag {
  /** Without the leading `--`. */
  name: string;
  /**
   * `value` takes the next word (always, even one starting with `--`, so
   * `--pip-args "--index-url URL"` works) or `=value`; `list` is a value that
   * may repeat, one line each; `switch` is on with `--name`, off with
   * `--no-name`, or `--name=true|false`.
   */
  kind: 'value' | 'list' | 'switch';
  /** The action input it sets (then its name is the input's name); otherwise the command's own flag. */
  input?: InputName;
  /** What the value looks like in the help: NAME, DIR, 10m. */
  arg?: string;
  help: string;
}

/** What a command line said: action inputs by name, the command's own flags, and the global ones. */
export interface ParsedFlags {
  inputs: Partial<Record<InputName, string>>;
  own: Record<string, string>;
  json: boolean;
  verbose: boolean;
  help: boolean;
  /**
   * Set by the runtime inference: no --handler, and the one it set is package.json's "main" guessed
   * before the build (PackageEntry.guessed); init leaves it to the action, which reads "main" once built.
   */
  handlerGuessed?: boolean;
}

/** A command line that cannot run: unknown command or flag, a missing or malformed value. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help would help. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

const input = (name: InputName, kind: Flag['kind'], arg: string | undefined, help: string): Flag => ({
  name,
  input: name,
  kind,
  arg,
  help,
});

/** The action's inputs as flags, for commands to pick from. */
export const INPUT_FLAGS = {
  name: input(Inputs.Name, 'value', 'NAME', 'project name: every resource name starts with it (required)'),
  stage: input(Inputs.Stage, 'value', 'STAGE', 'stage (default: the current git branch)'),
  path: input(Inputs.Path, 'value', 'DIR', 'folder with the function code'),
  runtime: input(
    Inputs.Runtime,
    'value',
    'RUNTIME',
    'python3.9-python3.14, nodejs20.x, nodejs22.x or nodejs24.x; nodejs22.x when not given and the folder has a Node.js handler but no Python one',
  ),
  handler: input(
    Inputs.Handler,
    'value',
    'MODULE.FUNCTION',
    'handler (default app.handler, unless --app; on Node.js index.handler, or app.handler when the folder holds an app.js, .mjs or .cjs, or with neither package.json\'s "main" (or "exports"): dist/handler.js gives dist/handler.handler)',
  ),
  app: input(Inputs.App, 'value', 'MODULE:ATTR', 'a WSGI/ASGI app (Flask, FastAPI) instead of a handler'),
  architecture: input(Inputs.Architecture, 'value', 'ARCH', 'x86_64 or arm64'),
  memory: input(Inputs.Memory, 'value', 'MB', 'memory, 128 to 10240'),
  timeout: input(Inputs.Timeout, 'value', 'SECONDS', 'timeout, 1 to 900'),
  environment: input(Inputs.Environment, 'list', 'KEY=VALUE', 'a variable of the function; repeat for more'),
  layers: input(Inputs.Layers, 'list', 'ARN', 'a layer version ARN; repeat for more (at most 5)'),
  requirements: input(
    Inputs.Requirements,
    'value',
    'FILE',
    "requirements file (default requirements.txt when present, else the project's uv.lock, poetry.lock or Pipfile.lock)",
  ),
  pipArgs: input(
    Inputs.PipArgs,
    'value',
    'ARGS',
    'extra pip arguments, e.g. "--index-url URL" or "--no-index --find-links wheels/"',
  ),
  include: input(Inputs.Include, 'list', 'GLOB', 'package only matching files; repeat for more'),
  exclude: input(Inputs.Exclude, 'list', 'GLOB', 'leave matching files out; repeat for more'),
  packageCache: input(
    Inputs.PackageCache,
    'value',
    'DIR',
    'keep compressed files there and reuse the unchanged ones on the next build',
  ),
  awsRegion: input(
    Inputs.AwsRegion,
    'value',
    'REGION',
    "AWS region (default AWS_REGION, else your AWS profile's region)",
  ),
  /** For commands that do not call AWS: no profile is read. */
  awsRegionOffline: input(Inputs.AwsRegion, 'value', 'REGION', 'AWS region (default AWS_REGION)'),
  /** serve's: it calls no AWS, but its function sees a region (a boto3 client in it uses that). */
  awsRegionLocal: input(
    Inputs.AwsRegion,
    'value',
    'REGION',
    'the region the local function sees in AWS_REGION (default AWS_REGION, else us-east-1); serve calls no AWS',
  ),
  executionRoleArn: input(
    Inputs.ExecutionRoleArn,
    'value',
    'ARN',
    "the function's role (default: a minimal role lambda-deploy manages)",
  ),
  policyStatements: input(
    Inputs.PolicyStatements,
    'value',
    'JSON|FILE',
    'extra IAM statements for the managed role: JSON, or a file of it',
  ),
  s3Bucket: input(
    Inputs.S3Bucket,
    'value',
    'BUCKET',
    'artifact bucket (default lambda-deploy-{account}-{region})',
  ),
  gateway: input(Inputs.Gateway, 'value', 'KIND', 'front door: http-api, rest-api, function-url or none'),
  invokeMode: input(
    Inputs.InvokeMode,
    'value',
    'MODE',
    'buffered, or response-stream (Node.js streamifyResponse; function-url or rest-api)',
  ),
  throttleRate: input(Inputs.ThrottleRate, 'value', 'N', 'requests per second on the stage'),
  throttleBurst: input(Inputs.ThrottleBurst, 'value', 'N', 'burst on the stage'),
  apiKey: input(Inputs.ApiKey, 'switch', undefined, 'rest-api: require an API key, with a usage plan'),
  quota: input(Inputs.Quota, 'value', 'N/PERIOD', 'rest-api usage plan quota, e.g. 10000/day'),
  smokeTest: input(Inputs.SmokeTest, 'switch', undefined, 'probe the URL after deploy'),
  smokePath: input(Inputs.SmokePath, 'value', 'PATH', 'path the smoke test requests'),
  smokeStatus: input(Inputs.SmokeStatus, 'value', 'RANGES', 'statuses it accepts, e.g. 200-399 or 200,204'),
  smokeContains: input(Inputs.SmokeContains, 'value', 'TEXT', 'text the response body must contain'),
  smokeTimeout: input(Inputs.SmokeTimeout, 'value', 'SECONDS', 'how long it retries'),
  rollback: input(
    Inputs.Rollback,
    'switch',
    undefined,
    'on a failed smoke test, go back to the previous version',
  ),
  keepVersions: input(Inputs.KeepVersions, 'value', 'N', 'published versions kept per stage'),
  protectedStages: input(Inputs.ProtectedStages, 'value', 'STAGES', 'stages never removed, comma-separated'),
  removeLogs: input(Inputs.RemoveLogs, 'switch', undefined, "also delete the function's log group"),
  target: input(Inputs.Target, 'value', 'TARGET', 'aws, or local (the whole deploy path on this machine)'),
  dryRun: input(Inputs.DryRun, 'switch', undefined, 'list what would be removed, remove nothing'),
  keepWarm: input(Inputs.KeepWarm, 'value', 'SCHEDULE', 'ping live on a schedule, e.g. "rate(5 minutes)"'),
  provisionedConcurrency: input(
    Inputs.ProvisionedConcurrency,
    'value',
    'N',
    'provisioned concurrency on live (billed)',
  ),
  dependenciesLayer: input(
    Inputs.DependenciesLayer,
    'switch',
    undefined,
    'put the requirements in a layer of the project',
  ),
  slim: input(
    Inputs.Slim,
    'value',
    'auto|true|false',
    'requirements fetched into /tmp at cold start: auto past 250 MB (Python)',
  ),
  audience: input(Inputs.Audience, 'value', 'AUDIENCE', 'OIDC audience in the trust policy'),
  adopt: input(
    Inputs.Adopt,
    'switch',
    undefined,
    'take over an existing {name}-{stage} function lambda-deploy did not create',
  ),
} satisfies Record<string, Flag>;

/** Flags every command takes. */
export const GLOBAL_FLAGS: readonly Flag[] = [
  { name: 'json', kind: 'switch', help: 'print the result as one JSON object on stdout' },
  { name: 'verbose', kind: 'switch', help: 'show debug output on stderr' },
  { name: 'help', kind: 'switch', help: "show this command's help" },
];

/**
 * Action inputs no command takes, and why: `--role-to-assume` gets this
 * answer instead of "unknown flag".
 */
const ACTION_ONLY: Partial<Record<InputName, string>> = {
  [Inputs.RoleToAssume]:
    'the CLI signs in with the normal AWS credential chain; expected a profile (AWS_PROFILE) that assumes the role instead',
  [Inputs.Command]: 'the command is the first word, e.g. "lambda-stage-deploy deploy"',
  [Inputs.GithubToken]: 'only the action posts to GitHub',
  [Inputs.Comment]: 'only the action comments on pull requests',
  [Inputs.Deployment]: 'only the action records GitHub Deployments',
  [Inputs.PublicCommentLogs]: 'only the action comments on pull requests',
  [Inputs.Report]: 'only the action reports to GitHub (command: report)',
  [Inputs.ReportUrl]: 'only the action reports to GitHub (command: report)',
  [Inputs.ReportResult]: 'only the action reports to GitHub (command: report)',
};

const INPUT_NAMES: ReadonlySet<string> = new Set(Object.values(Inputs));

/** Each problem of the settings as a terminal says it: `--memory: ...` for `memory: ...`. */
export function flagProblems(problems: readonly string[]): string[] {
  return problems.map((problem) => {
    const label = /^([a-z0-9-]+(?:(?:, |\/)[a-z0-9-]+)*): /.exec(problem)?.[1];
    if (!label || !label.split(/, |\//).every((name) => INPUT_NAMES.has(name))) return problem;
    return label.replace(/[a-z0-9-]+/g, '--$&') + problem.slice(label.length);
  });
}

/**
 * Settings problems as a terminal says them: the inputs they start with
 * (`memory:`, `app, handler:`, `throttle-rate/throttle-burst:`) become the
 * flags that set them, and "invalid inputs" "invalid flags".
 */
export function asFlagProblems(problems: readonly string[]): string {
  const said = flagProblems(problems);
  return said.length === 1
    ? (said[0] as string)
    : `${said.length} invalid flags:\n${said.map((p) => `  - ${p}`).join('\n')}`;
}

/** The default shown in help, from action.yml's defaults. */
export function flagDefault(flag: Flag): string | undefined {
  if (!flag.input) return undefined;
  const value = INPUT_DEFAULTS[flag.input];
  if (!value || value.includes('${{')) return undefined;
  if (flag.kind === 'switch') return value === 'true' ? 'on' : 'off';
  return value;
}

const BOOLEAN = /^(true|false|yes|no|on|off|1|0)$/i;

/** A command and its flags, as another command's unknown flag looks them up. */
export interface CommandFlags {
  name: string;
  flags: readonly Flag[];
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
}

/** More commands taking a flag than this are said short: not every name. */
const MAX_NAMED = 3;

/** Which of the `others` commands take a flag: up to three named; more, said short (every other command, but a few). */
function whoTakes(takers: readonly string[], others: readonly string[]): string {
  if (takers.length <= MAX_NAMED) return `${listed(takers)} take${takers.length > 1 ? '' : 's'} it`;
  const left = others.filter((c) => !takers.includes(c));
  if (left.length === 0) return 'every other command takes it';
  if (left.length <= 2) return `every other command but ${listed(left)} takes it`;
  return `${takers.slice(0, MAX_NAMED).join(', ')} and ${takers.length - MAX_NAMED} more take it`;
}

function unknownFlag(
  name: string,
  command: string,
  flags: readonly Flag[],
  { value, others = [], inline }: { value?: string; others?: readonly CommandFlags[]; inline?: boolean },
): UsageError {
  const why = ACTION_ONLY[name as InputName];
  if (why) return new UsageError(`--${name} is not a flag of ${command}: ${why}.`, command);
  // A flag of another command (package --memory, or --no-watch for its switch, which takes no =value):
  // which take it, rather than a near name of this one's.
  const takes = (f: Flag) => f.name === name || (!inline && f.kind === 'switch' && name === `no-${f.name}`);
  const rest = others.filter((c) => c.name !== command);
  const takers = rest.filter((c) => c.flags.some(takes)).map((c) => c.name);
  if (takers.length)
    return new UsageError(
      `unknown flag --${name} for ${command}: ${whoTakes(
        takers,
        rest.map((c) => c.name),
      )}; ${flagsHint(command)}`,
      command,
    );
  const names = flags.map((f) => f.name);
  // The AWS CLI's own flags, which a terminal user types out of habit.
  if (name === 'profile' && names.includes(Inputs.AwsRegion))
    return new UsageError(
      `--profile is not a flag of ${command}: the CLI reads the profile from the environment; ` +
        `expected AWS_PROFILE=${value && !value.startsWith('-') ? value : 'NAME'} before the command.`,
      command,
    );
  const near =
    name === 'region' && names.includes(Inputs.AwsRegion) ? Inputs.AwsRegion : closestName(name, names);
  return new UsageError(
    `unknown flag --${name} for ${command}${near ? ` (did you mean --${near}?)` : ''}; ` + flagsHint(command),
    command,
  );
}

/** When `word` is one of the command's flags without its dashes (`name=shop`, `-stage`), the form meant. */
function flagMeant(word: string, byName: ReadonlyMap<string, Flag>): string | undefined {
  const bare = /^-?([a-z][a-z0-9-]*)(=.*)?$/.exec(word);
  return bare && byName.has(bare[1] as string) ? `--${bare[1]}${bare[2] ?? ''}` : undefined;
}

/** A word that is no flag; when it is one of the command's flags without its dashes, the form meant. */
function unexpectedArgument(word: string, command: string, byName: ReadonlyMap<string, Flag>): UsageError {
  const flag = flagMeant(word, byName);
  const meant = flag ? ` (did you mean ${flag}?)` : '';
  return new UsageError(
    `unexpected argument ${JSON.stringify(word)}${meant}; ${command} takes only --flag value pairs (a value that has spaces goes in quotes)`,
    command,
  );
}

/**
 * Parses the words after the command against its flags (GLOBAL_FLAGS are
 * always accepted). `--flag value` and `--flag=value` both work; a value flag
 * takes the next word whatever it starts with.
 */
export function parseFlags(
  argv: readonly string[],
  flags: readonly Flag[],
  command: string,
  /** The CLI's commands: an unknown flag that one of them takes says which. */
  others: readonly CommandFlags[] = [],
): ParsedFlags {
  const all = [...flags, ...GLOBAL_FLAGS];
  const byName = new Map(all.map((f) => [f.name, f]));
  const parsed: ParsedFlags = { inputs: {}, own: {}, json: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '-h') {
      parsed.help = true;
      continue;
    }
    if (!word.startsWith('--') || word === '--') throw unexpectedArgument(word, command, byName);
    const eq = word.indexOf('=');
    let name = eq > 0 ? word.slice(2, eq) : word.slice(2);
    let value: string | undefined = eq > 0 ? word.slice(eq + 1) : undefined;
    let flag = byName.get(name);
    if (
      !flag &&
      name.startsWith('no-') &&
      byName.get(name.slice(3))?.kind === 'switch' &&
      value === undefined
    ) {
      name = name.slice(3);
      flag = byName.get(name);
      value = 'false';
    }
    if (!flag) throw unknownFlag(name, command, all, { value: value ?? argv[i + 1], others, inline: eq > 0 });

    if (flag.kind === 'switch') {
      const next = argv[i + 1];
      // No command takes a bare word: one after a switch (`--smoke-test nope`) is its value, and a bad one.
      const taken = next !== undefined && !next.startsWith('-') && !flagMeant(next, byName);
      if (value === undefined) value = taken || BOOLEAN.test(next ?? '') ? (argv[++i] as string) : 'true';
      if (!BOOLEAN.test(value))
        throw new UsageError(
          `--${name}: ${JSON.stringify(value)} is not valid; expected true or false (--${name}, --${name} false or --no-${name})`,
          command,
        );
      value = /^(true|yes|on|1)$/i.test(value) ? 'true' : 'false';
    } else if (value === undefined) {
      if (i + 1 >= argv.length)
        throw new UsageError(`--${name} needs a value (${flag.arg ?? 'VALUE'})`, command);
      value = argv[++i] as string;
    }

    if (flag.name === 'json' || flag.name === 'verbose' || flag.name === 'help')
      parsed[flag.name] = value === 'true';
    else if (flag.input) {
      const before = parsed.inputs[flag.input];
      parsed.inputs[flag.input] = flag.kind === 'list' && before ? `${before}\n${value}` : value;
    } else {
      const before = parsed.own[flag.name];
      parsed.own[flag.name] = flag.kind === 'list' && before ? `${before}\n${value}` : value;
    }
  }
  return parsed;
}
