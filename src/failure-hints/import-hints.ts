/**
 * What to do about a function that failed to import a package, read from the
 * error Lambda or the local runtime reports (pure): shared by the AWS deploy's
 * smoke-test failure and the local runtime, so neither depends on the other.
 */

/** A runtime's error as the hint reads it (the local runtime's LambdaError, Lambda's answer, a log line). */
export interface ImportFailure {
  errorType: string;
  errorMessage: string;
}

/** The module a failed Node.js import names: `Cannot find package 'x' imported from …`, `Cannot find module 'x'`. */
const NOT_FOUND = /Cannot find (?:package|module) '([^']+)'/;

/** The package a bare import specifier names (`lodash/fp` -> `lodash`); undefined for a file or a built-in. */
function packageOf(specifier: string): string | undefined {
  if (/^(?:[./\\]|[A-Za-z]:|node:|file:)/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What a Python hint knows of the package beyond the error: its requirements and Lambda's platform. */
export interface ImportHintContext {
  /** The requirements file the package uses, as the user names it (requirements.txt, pyproject.toml, uv.lock...). */
  requirementsFile?: string;
  /** Its text, to tell a requirement that was never listed from one that did not install. */
  requirementsText?: string;
  /** Lambda's runtime and architecture, e.g. `python3.12 arm64`. */
  platform?: string;
}

/** `Unable to import module 'app': No module named 'yaml'`: the handler's module and the missing one. */
const NO_MODULE = /Unable to import module '([^']*)': No module named '([A-Za-z_][\w.]*)'/;

/** Import names whose distribution (what a requirements file lists) is named otherwise; the rest are their own. */
const DISTRIBUTIONS: Readonly<Record<string, string>> = {
  yaml: 'PyYAML',
  PIL: 'Pillow',
  cv2: 'opencv-python-headless',
  sklearn: 'scikit-learn',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  jwt: 'PyJWT',
  dotenv: 'python-dotenv',
  'google.protobuf': 'protobuf',
  attr: 'attrs',
  Crypto: 'pycryptodome',
  magic: 'python-magic',
  psycopg2: 'psycopg2-binary',
};

/** PEP 503's normal form, applied to a whole text so names compare whatever their case and separators. */
const normalized = (text: string) => text.toLowerCase().replace(/[-_.]+/g, '-');

/** Whether `text` (a requirements file, pyproject or lock) names `distribution` as a whole name, outside comments. */
function lists(text: string, distribution: string): boolean {
  const name = normalized(distribution);
  return new RegExp(`(?<![a-z0-9-])${name}(?![a-z0-9-])`).test(normalized(text.replace(/#.*/g, '')));
}

/**
 * What to do about a Python function's import of a module that is neither in
 * the package nor installed (pure): add its distribution to the requirements,
 * or, when they list it already, look at why it did not install for Lambda's
 * platform. '' for the handler's own module and any other error.
 */
function pythonHint(failure: ImportFailure, context: ImportHintContext): string {
  const [, handlerModule = '', missing = ''] = NO_MODULE.exec(failure.errorMessage) ?? [];
  const top = missing.split('.')[0] as string;
  if (!missing || top === handlerModule.split('.')[0]) return '';
  const module = Object.hasOwn(DISTRIBUTIONS, missing.split('.').slice(0, 2).join('.'))
    ? missing.split('.').slice(0, 2).join('.')
    : top;
  const distribution = DISTRIBUTIONS[module] ?? module;
  const file = context.requirementsFile;
  if (file && context.requirementsText !== undefined && lists(context.requirementsText, distribution))
    return (
      ` (${module} is listed in ${file} but was not installed for Lambda's platform` +
      `${context.platform ? ` (${context.platform})` : ''}: ${distribution} may have no wheel for that runtime and architecture, ` +
      "or an environment marker left it out; pip's output in the log group Installing requirements says which)"
    );
  const provides = distribution === module ? '' : ` (the distribution that provides ${module})`;
  const where = file ?? 'a requirements.txt in `path` (or the file the `requirements` input names)';
  return ` (${module} is neither in the package nor in its requirements: add ${distribution}${provides} to ${where})`;
}

/**
 * What to do about a function's failed import of a package (pure). Node.js:
 * the package holds only what package.json lists; Lambda's runtimes carry the
 * AWS SDK v3, so a function may import it unpackaged there, not so here.
 * Python: see pythonHint. '' for anything else.
 */
export function importHint(
  family: 'python' | 'node',
  failure: ImportFailure,
  context: ImportHintContext = {},
): string {
  if (failure.errorType !== 'Runtime.ImportModuleError') return '';
  if (family === 'python') return pythonHint(failure, context);
  const name = packageOf(NOT_FOUND.exec(failure.errorMessage)?.[1] ?? '.');
  if (!name) return '';
  if (name.startsWith('@aws-sdk/'))
    return (
      " (Lambda's Node.js runtimes include the AWS SDK for JavaScript v3, the local runtime does not: " +
      'list the @aws-sdk packages the function imports in its package.json dependencies)'
    );
  return ` (${name} is not in the package: add it to the dependencies in package.json, e.g. npm install ${name})`;
}

/**
 * The import error in text that quotes it (a smoke test's detail, a function's
 * CloudWatch lines in text or JSON format), for importHint: the line that
 * names Runtime.ImportModuleError and the missing module, else the first that
 * names the type. Pure.
 */
export function importFailureIn(text: string): ImportFailure | undefined {
  const errorType = 'Runtime.ImportModuleError';
  const lines = text.split('\n').filter((line) => line.includes(errorType));
  const line = lines.find((l) => NO_MODULE.test(l) || NOT_FOUND.test(l)) ?? lines[0];
  return line === undefined ? undefined : { errorType, errorMessage: line };
}
