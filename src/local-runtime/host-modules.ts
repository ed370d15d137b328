/**
 * The local Python runtime runs on this machine's Python: a module the
 * function imports from its site-packages works locally and is missing on
 * Lambda. runtime/python/bootstrap.py writes one marked stderr line per such
 * module (its HOST_MODULE_MARKER); the local function shows it as a warning.
 */
export const HOST_MODULE_MARKER = 'lambda-deploy-local-warning: ';

/** The warning a function output line carries, or undefined (pure). */
export function hostModuleWarning(line: string): string | undefined {
  return line.startsWith(HOST_MODULE_MARKER) ? line.slice(HOST_MODULE_MARKER.length) : undefined;
}
