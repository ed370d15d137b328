/** The Lambda runtimes lambda-deploy accepts, and the handler each runs when none is given. */
import type { PackageEntry } from './package-json.js';

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

/** The handler when neither `handler` nor `app` is set (Python; Node.js: see defaultHandler). */
export const DEFAULT_HANDLER = 'app.handler';
/** Node.js's usual entry point, index.js (or .mjs, .cjs) exporting `handler`. */
export const NODE_DEFAULT_HANDLER = 'index.handler';
/** The Node.js modules DEFAULT_HANDLER and NODE_DEFAULT_HANDLER mean. */
const APP_FILE = /^app\.[cm]?js$/;
const INDEX_FILE = /^index\.[cm]?js$/;

/** The handler input's form, `module.function` (`dist/handler.handler`). */
export const HANDLER_FORM = /^[A-Za-z_][\w./-]*\.[A-Za-z_$][\w$]*$/;

/**
 * The handler package.json's "main" names (`dist/handler.js`: TypeScript
 * built to dist/); undefined for a file name with a dot before its
 * extension, which Lambda's handler string cannot name (its file ends at
 * the first dot), for no .js, .mjs or .cjs file, or for a path the handler
 * input would refuse (`dist/my handler.js`): an error on an input nobody set.
 */
export function mainHandler(main: string | undefined): string | undefined {
  const module = /^((?:[^/]+\/)*[^./]+)\.[cm]?js$/.exec(main ?? '')?.[1];
  const handler = module && `${module}.handler`;
  return handler && HANDLER_FORM.test(handler) ? handler : undefined;
}

export interface DefaultHandler {
  handler: string;
  /** package.json's "main" (or "exports"), when it named the handler. */
  main?: PackageEntry;
  /** Where index.js (or app.js) won over a "main" naming another module: that file, "main", and its handler. */
  passedOver?: { file: string; main: PackageEntry; handler: string };
}

/**
 * The handler when neither `handler` nor `app` is set, for the action and
 * the CLI alike (pure; `listing`: the names at the top of `path`; `main`:
 * package.json's, packageEntry()): app.handler for Python; for Node.js
 * index.handler, but app.handler where an app.js, .mjs or .cjs is there
 * (the default before, so those deploy as they did), and where neither that
 * nor an index.js is there, the handler "main" (or "exports") names, when Lambda's handler
 * string can name it (index.handler would fail the build's check).
 */
export function defaultHandler(
  runtime: string,
  listing: readonly string[],
  main?: PackageEntry,
): DefaultHandler {
  if (isPythonRuntime(runtime)) return { handler: DEFAULT_HANDLER };
  const app = listing.find((f) => APP_FILE.test(f));
  const index = app ?? listing.find((f) => INDEX_FILE.test(f));
  const fromMain = mainHandler(main?.file);
  if (!index) return fromMain ? { handler: fromMain, main } : { handler: NODE_DEFAULT_HANDLER };
  const handler = app ? DEFAULT_HANDLER : NODE_DEFAULT_HANDLER;
  // By design index.js (app.js) comes first; a "main" elsewhere (dist/index.js) is said, not silently passed over.
  return fromMain && main && fromMain !== handler
    ? { handler, passedOver: { file: index, main, handler: fromMain } }
    : { handler };
}
