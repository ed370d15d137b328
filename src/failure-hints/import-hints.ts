/**
 * What to do about a function that failed to import a package, read from the
 * error Lambda or the local runtime reports (pure): shared by the AWS deploy's
 * smoke-test failure and the local runtime, so neither depends on the other.
 */

import type { Surface } from '../settings/surface.js';

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

/** How a Node.js package's node_modules came to be, as the build decides it (import-hint-context.ts reads it). */
export interface NodePackaging {
  /** The packages package.json's lists name; 'missing': the folder has none; undefined: unreadable. */
  manifest?:
    'missing' | { dependencies: string[]; devDependencies: string[]; optionalDependencies: string[] };
  /**
   * npm-ci: no node_modules, so the build installed the dependencies with npm ci --omit=dev from `lockfile`;
   * folder: the folder's node_modules as it is, less the packages `devOnly.lockfile` marks as needed only by
   * devDependencies (`devOnly.packages`, top-level names); none: no node_modules at all.
   */
  install:
    | { from: 'npm-ci'; lockfile: string }
    | { from: 'folder'; devOnly?: { lockfile: string; packages: string[] } }
    | { from: 'none' };
}

/** What a hint knows of the package beyond the error: its requirements or package.json, and Lambda's platform. */
export interface ImportHintContext {
  /** The requirements file the package uses, as the user names it (requirements.txt, pyproject.toml, uv.lock...). */
  requirementsFile?: string;
  /** Its text, to tell a requirement that was never listed from one that did not install. */
  requirementsText?: string;
  /** Lambda's runtime and architecture, e.g. `python3.12 arm64`. */
  platform?: string;
  /** Where the function ran: on Lambda (an AWS deploy's smoke test) or in the local runtime (the default). */
  runsOn?: 'lambda' | 'local';
  /** Node.js: package.json's lists and how the build filled node_modules. */
  node?: NodePackaging;
  /** Who reads the hint: the inputs of a workflow (the default), or the CLI's flags. */
  surface?: Surface;
}

/** `Unable to import module 'app': No module named 'yaml'`: the handler's module and the missing one. */
const NO_MODULE = /Unable to import module '([^']*)': No module named '([A-Za-z_][\w.]*)'/;

/** The adapter's StartupError for an app (`app` input) that could not be imported: the app's module and the missing one. */
const APP_NO_MODULE =
  /could not import the app "([^":]*):[^"]*": ModuleNotFoundError: No module named '([A-Za-z_][\w.]*)'/;

/** The adapter's log line on Lambda, where the app is imported at the first request: the app (`module:attribute`). */
const APP_NOT_STARTED = /lambda-deploy: could not start the app (?:LAMBDA_DEPLOY_APP=|"app": ")([^"\s]+)/;

/** The last line of a Python traceback for a missing module. */
const MODULE_NOT_FOUND = /ModuleNotFoundError: No module named '([A-Za-z_][\w.]*)'/;

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
  const [, handlerModule = '', missing = ''] =
    (failure.errorType === 'StartupError' ? APP_NO_MODULE : NO_MODULE).exec(failure.errorMessage) ?? [];
  const top = missing.split('.')[0] as string;
  if (!missing || top === handlerModule.split('.')[0]) return '';
  const module = Object.hasOwn(DISTRIBUTIONS, missing.split('.').slice(0, 2).join('.'))
    ? missing.split('.').slice(0, 2).join('.')
    : top;
  const distribution = DISTRIBUTIONS[module] ?? module;
  const file = context.requirementsFile;
  if (file && context.requirementsText !== undefined && lists(context.requirementsText, distribution))
    return (
      `${module} is listed in ${file} but was not installed for Lambda's platform` +
      `${context.platform ? ` (${context.platform})` : ''}: ${distribution} may have no wheel for that runtime and architecture, ` +
      "or an environment marker left it out; pip's output in the log group Installing requirements says which"
    );
  const provides = distribution === module ? '' : ` (the distribution that provides ${module})`;
  const where =
    file ??
    (context.surface === 'terminal'
      ? 'a requirements.txt in the --path folder (or the file --requirements names)'
      : 'a requirements.txt in `path` (or the file the `requirements` input names)');
  return `${module} is neither in the package nor in its requirements: add ${distribution}${provides} to ${where}`;
}

/** The AWS SDK for JavaScript v2, which Lambda's Node.js runtimes carry no more. */
const SDK_V2 = 'aws-sdk';

/**
 * What to do about a Node.js function's failed load of a package (pure): why
 * the package lacks it, as the build decided (see NodePackaging), and how to
 * get it in. The AWS SDK v3: Lambda's runtimes carry it, the local runtime
 * does not. Without `node`, the general advice.
 */
function nodeHint(name: string, context: ImportHintContext): string {
  const node = context.node;
  const manifest = node?.manifest === 'missing' ? undefined : node?.manifest;
  const listed = (list: 'dependencies' | 'devDependencies' | 'optionalDependencies') =>
    !!manifest?.[list].includes(name);
  if (name.startsWith('@aws-sdk/') && !listed('dependencies'))
    return context.runsOn === 'lambda'
      ? `${name} is not in the package, and Lambda's Node.js runtime did not provide it: the runtime carries the AWS SDK for JavaScript v3 ` +
          `packages and versions AWS chooses; add it to the dependencies of package.json (npm install ${name}) so the package holds it`
      : "Lambda's Node.js runtimes include the AWS SDK for JavaScript v3, the local runtime does not: " +
          'list the @aws-sdk packages the function imports in its package.json dependencies';
  if (name === SDK_V2 && !listed('dependencies'))
    return (
      `${SDK_V2} is the AWS SDK for JavaScript v2, which Lambda's Node.js 18 and later runtimes do not carry (they carry v3, the @aws-sdk/* packages): ` +
      `add it to the dependencies of package.json (npm install ${SDK_V2}), or move to the v3 clients`
    );
  if (!node || node.manifest === undefined)
    return `${name} is not in the package: add it to the dependencies in package.json, e.g. npm install ${name}`;
  if (node.manifest === 'missing')
    return `${name} is not in the package, and the function's folder has no package.json: create one that lists it in dependencies: npm init -y, then npm install ${name}`;
  const install = node.install;
  const devOnly =
    install.from === 'folder' && install.devOnly?.packages.includes(name)
      ? install.devOnly.lockfile
      : undefined;
  if (listed('dependencies'))
    return (
      `${name} is in the dependencies of package.json, but the package does not hold node_modules/${name}: ` +
      "look for it in the package step's warnings (include/exclude may leave it out, or an attached layer was to hold it)"
    );
  if (listed('optionalDependencies'))
    return (
      `${name} is in optionalDependencies of package.json, which npm skips when it fails to install or is for another platform: ` +
      `move it to dependencies if the function needs it: npm install --save-prod ${name}`
    );
  const npmCi =
    install.from === 'npm-ci'
      ? `the build installed only what dependencies need, with npm ci --omit=dev from ${install.lockfile}`
      : undefined;
  if (listed('devDependencies')) {
    const why = devOnly
      ? `the build left out node_modules/${name}, which ${devOnly} marks as needed only by devDependencies`
      : (npmCi ?? "the package's node_modules does not hold it");
    return `${name} is in devDependencies of package.json: ${why}; move it to dependencies: npm install --save-prod ${name}`;
  }
  const why = devOnly
    ? `node_modules/${name} is there only for devDependencies (${devOnly} says so), and the build left it out; `
    : npmCi
      ? `${npmCi}; `
      : '';
  return `${name} is not in the dependencies of package.json: ${why}add it (npm install ${name}), and commit package.json and package-lock.json`;
}

/**
 * What to do about a function's failed import of a package (pure): Python's
 * Runtime.ImportModuleError (see pythonHint); Node.js's, and the plain Error
 * Lambda reports for an ES module (ERR_MODULE_NOT_FOUND), see nodeHint.
 * '' for anything else, and for a file of the function's own.
 */
export function importFix(
  family: 'python' | 'node',
  failure: ImportFailure,
  context: ImportHintContext = {},
): string | undefined {
  if (family === 'python')
    return ['Runtime.ImportModuleError', 'StartupError'].includes(failure.errorType)
      ? pythonHint(failure, context) || undefined
      : undefined;
  const name = packageOf(NOT_FOUND.exec(failure.errorMessage)?.[1] ?? '.');
  return name ? nodeHint(name, context) : undefined;
}

/** importFix as the end of a sentence that quotes the error: ` ({fix})`, or ''. */
export function importHint(
  family: 'python' | 'node',
  failure: ImportFailure,
  context: ImportHintContext = {},
): string {
  const fix = importFix(family, failure, context);
  return fix ? ` (${fix})` : '';
}

/**
 * The import error in text that quotes it (a smoke test's detail, a function's
 * CloudWatch lines in text or JSON format), for importHint: the line that
 * names Runtime.ImportModuleError and the missing module, else the first
 * that names a missing Node.js package (an ES module's plain Error), else the
 * first that names the type. Pure.
 */
export function importFailureIn(text: string): ImportFailure | undefined {
  const importType = 'Runtime.ImportModuleError';
  const lines = text.split('\n');
  const line =
    lines.find((l) => l.includes(importType) && (NO_MODULE.test(l) || NOT_FOUND.test(l))) ??
    lines.find((l) => NOT_FOUND.test(l)) ??
    lines.find((l) => l.includes(importType));
  if (line === undefined) return appImportFailureIn(lines);
  return { errorType: line.includes(importType) ? importType : 'Error', errorMessage: line };
}

/**
 * An app the adapter could not import on Lambda (at the first request): its
 * log line naming the app, and the missing module its traceback ends with,
 * in the form the local runtime's StartupError has.
 */
function appImportFailureIn(lines: readonly string[]): ImportFailure | undefined {
  const start = lines.findIndex((l) => APP_NOT_STARTED.test(l));
  if (start < 0) return undefined;
  const app = APP_NOT_STARTED.exec(lines[start]!)![1];
  const missing = lines.slice(start).find((l) => MODULE_NOT_FOUND.test(l));
  if (!missing) return undefined;
  return {
    errorType: 'StartupError',
    errorMessage: `could not import the app "${app}": ModuleNotFoundError: No module named '${MODULE_NOT_FOUND.exec(missing)![1]}'`,
  };
}
