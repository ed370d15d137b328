/**
 * A Node.js function's own package.json that does not parse, or is not an
 * object (Node.js 22 and newer refuse an array too, 20 null): Node.js refuses
 * to load a .js file under it (ERR_INVALID_PACKAGE_CONFIG, at the function's
 * first import on Lambda) and npm to install from it, while the packager's
 * readers would take it for one with no dependencies. Refused before the
 * build installs or zips anything, so before anything is created in AWS.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonFailure } from '../settings/package-json.js';
import { isPythonRuntime } from '../settings/runtimes.js';

export class PackageJsonError extends Error {
  override name = 'PackageJsonError';
}

/** What JSON that is not an object holds, for the refusal. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'boolean' ? 'a boolean' : `a ${typeof value}`;
}

/** What a package.json that does not parse breaks. */
export const UNPARSABLE_PACKAGE_JSON =
  'Node.js refuses to load a .js file under it and npm to install from it';

/** `file does not parse as JSON (where: why)` when `text`, the package.json at `file`, is not JSON as Node.js and npm read it (or not an object); else undefined. Pure. */
export function packageJsonSyntax(file: string, text: string): string | undefined {
  // Node.js and npm skip a byte-order mark.
  const json = text.replace(/^\uFEFF/, '');
  try {
    // Node.js 22 and newer load a .js file under an object only; Node.js 20 and npm refuse null.
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
    return `${file} is not a JSON object (it holds ${kindOf(value)}; expected {...})`;
  } catch (error) {
    return `${file} does not parse as JSON (${jsonFailure(json, error)})`;
  }
}

/** The build's refusal of an unparsable package.json at `file`, or undefined. Pure. */
export function packageJsonProblem(file: string, text: string): string | undefined {
  const syntax = packageJsonSyntax(file, text);
  return syntax && `${syntax}: ${UNPARSABLE_PACKAGE_JSON}; fix it, then run again.`;
}

/** Throws PackageJsonError when a Node.js function's folder holds a package.json that does not parse. */
export async function checkOwnPackageJson(options: { path: string; runtime: string }): Promise<void> {
  const file = join(options.path, 'package.json');
  if (isPythonRuntime(options.runtime) || !existsSync(file)) return;
  const problem = packageJsonProblem(file, await readFile(file, 'utf8'));
  if (problem) throw new PackageJsonError(problem);
}
