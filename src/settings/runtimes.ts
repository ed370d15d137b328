/** The Lambda runtimes lambda-deploy accepts, and the handler each runs when none is given. */

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
