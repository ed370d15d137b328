import { delimiter, join } from 'node:path';
import { RESERVED_ENV_NAMES } from '../settings/environment-variables.js';

/**
 * The environment a local runtime process starts with: a few harmless variables
 * of the parent (never its AWS credentials or tokens), the function's own
 * variables, then the variables Lambda itself sets, which the function cannot
 * override there either.
 */

/** Parent variables a runtime needs to start at all: nothing secret. */
export const INHERITED_VARIABLES = [
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'TEMP',
  'TMP',
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'PATHEXT',
] as const;

/** Names Lambda reserves: a function's configuration cannot set them (the settings module's list). */
export const RESERVED_VARIABLES = RESERVED_ENV_NAMES;

export interface LambdaEnvironmentInput {
  /** The parent's environment; only INHERITED_VARIABLES are read from it. */
  parentEnv: Record<string, string | undefined>;
  /** The function's configured variables. */
  userEnv: Record<string, string>;
  runtime: string;
  runtimeApi: string;
  handler: string;
  taskRoot: string;
  runtimeDir: string;
  functionName: string;
  memory: number;
  region: string;
  logStreamName: string;
  /**
   * The execution role's credentials, which Lambda sets as AWS_ACCESS_KEY_ID
   * and co.: locally only ever those of a local S3 stand-in (slim packages),
   * never the caller's.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * The unpacked layers, standing in for Lambda's /opt: a Python function
   * finds `python/` and `python/lib/pythonX.Y/site-packages` in it after its
   * own folder, as on Lambda.
   */
  optDir?: string;
}

export interface LambdaEnvironment {
  env: Record<string, string>;
  /** Reserved names found in the function's variables, dropped as Lambda would refuse them. */
  ignored: string[];
}

/** The folders of the unpacked layers (`optDir`, Lambda's /opt) a Python runtime imports from, as Lambda's; none for Node.js. */
export function layerPythonPaths(optDir: string, runtime: string): string[] {
  const version = /^python(\d+\.\d+)$/.exec(runtime)?.[1];
  return version
    ? [join(optDir, 'python', 'lib', `python${version}`, 'site-packages'), join(optDir, 'python')]
    : [];
}

export function lambdaEnvironment(input: LambdaEnvironmentInput): LambdaEnvironment {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = input.parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // Lambda runs functions in UTC; TZ is not reserved, so the function's own setting wins.
  env.TZ = ':UTC';
  if (input.runtime.startsWith('python')) {
    // Logs as they happen, and no __pycache__ written into the package folder.
    env.PYTHONUNBUFFERED = '1';
    env.PYTHONDONTWRITEBYTECODE = '1';
  }
  const reserved = new Set<string>(RESERVED_VARIABLES);
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(input.userEnv)) {
    if (reserved.has(name)) ignored.push(name);
    else env[name] = value;
  }
  Object.assign(env, {
    _HANDLER: input.handler,
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    LAMBDA_TASK_ROOT: input.taskRoot,
    LAMBDA_RUNTIME_DIR: input.runtimeDir,
    AWS_EXECUTION_ENV: `AWS_Lambda_${input.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: input.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memory),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${input.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
  });
  const layers = input.optDir ? layerPythonPaths(input.optDir, input.runtime) : [];
  if (layers.length)
    env.PYTHONPATH = [...layers, ...(env.PYTHONPATH ? [env.PYTHONPATH] : [])].join(delimiter);
  if (input.credentials) {
    env.AWS_ACCESS_KEY_ID = input.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = input.credentials.secretAccessKey;
    if (input.credentials.sessionToken) env.AWS_SESSION_TOKEN = input.credentials.sessionToken;
  }
  return { env, ignored };
}

/** The region a local function reports: the caller's choice, the parent's, or us-east-1. */
export function localRegion(
  explicit: string | undefined,
  parentEnv: Record<string, string | undefined>,
): string {
  return explicit || parentEnv.AWS_REGION || parentEnv.AWS_DEFAULT_REGION || 'us-east-1';
}
