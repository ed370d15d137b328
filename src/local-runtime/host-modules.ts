/**
 * The local Python runtime runs on this machine's Python, whose site-packages
 * Lambda does not have. By default runtime/python/bootstrap.py hides them from
 * the function's imports, as on Lambda: an optional import falls back, a
 * required one fails with `No module named ...` (which the import hints
 * explain). When the function may import from there (HOST_SITE_PACKAGES_ENV),
 * it writes one marked stderr line per module served from there (its
 * HOST_MODULE_MARKER); the local function shows it as a warning.
 */
export const HOST_MODULE_MARKER = 'lambda-deploy-local-warning: ';

/**
 * Set to 1 (in the environment of `serve` or `deploy --target local`) to let the function import
 * from this machine's site-packages, with a warning per module; the bootstrap reads it (and
 * takes it out of the function's environment).
 */
export const HOST_SITE_PACKAGES_ENV = 'LAMBDA_DEPLOY_HOST_SITE_PACKAGES';

/**
 * Its value for the bootstrap when the function has layers, which are not here: a module
 * served from this machine may come from one of them on Lambda, and the warning says so.
 */
export const HOST_SITE_PACKAGES_LAYERS = 'layers';
/** The warning a function output line carries, or undefined (pure). */
export function hostModuleWarning(line: string): string | undefined {
  return line.startsWith(HOST_MODULE_MARKER) ? line.slice(HOST_MODULE_MARKER.length) : undefined;
}
