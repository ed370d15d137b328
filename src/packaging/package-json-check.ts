/**
 * A Node.js function's own package.json that does not parse: Node.js refuses
 * to load a .js file under it (ERR_INVALID_PACKAGE_CONFIG, at the function's
 * first import on Lambda) and npm to install from it, while the packager's
 * readers would take it for one with no dependencies. Refused before the
 * build installs or zips anything, so before anything is created in AWS.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPythonRuntime } from '../settings/runtimes.js';

export class PackageJsonError extends Error {
  override name = 'PackageJsonError';
}

/** Line and column (1-based) of a character offset in `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** Where and why JSON.parse failed, the same on Node.js 20 (position only) and 22+ (with line and column). */
function failure(text: string, message: string): string {
  if (!text.trim()) return 'the file is empty';
  const at = /^(.*?) in JSON at position (\d+)/.exec(message);
  if (at) return `${lineAndColumn(text, Number(at[2]))}: ${at[1]}`;
  if (/Unexpected end of JSON input/.test(message))
    return `${lineAndColumn(text, text.length)}: the file ends before the JSON does`;
  return message;
}

/** JSON.parse as Node.js and npm read a package.json: a leading byte-order mark skipped. Throws as JSON.parse does. */
export function parsePackageJson(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ''));
}

/** What a package.json that does not parse breaks. */
export const UNPARSABLE_PACKAGE_JSON =
  'Node.js refuses to load a .js file under it and npm to install from it';

/** `file does not parse as JSON (where: why)` when `text`, the package.json at `file`, is not JSON as Node.js and npm read it; else undefined. Pure. */
export function packageJsonSyntax(file: string, text: string): string | undefined {
  // Node.js and npm skip a byte-order mark.
  const json = text.replace(/^\uFEFF/, '');
  try {
    JSON.parse(json);
    return undefined;
  } catch (error) {
    return `${file} does not parse as JSON (${failure(json, error instanceof Error ? error.message : String(error))})`;
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
