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
import { isPythonRuntime } from '../settings/runtimes.js';

export class PackageJsonError extends Error {
  override name = 'PackageJsonError';
}

/** Line and column (1-based) of a character offset in `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

const UNEXPECTED_TOKEN = /^(Unexpected token '.+?'), /s;

/**
 * Where V8's "Unexpected token 'x', \"<the text>\" is not valid JSON" (no position) is: the
 * shortest prefix that fails so ends there, as a shorter one ends before the JSON does.
 */
function unexpectedTokenOffset(text: string): number {
  let [low, high] = [0, text.length];
  while (low < high) {
    const mid = (low + high) >> 1;
    try {
      JSON.parse(text.slice(0, mid + 1));
      low = mid + 1;
    } catch (error) {
      if (UNEXPECTED_TOKEN.test(error instanceof Error ? error.message : '')) high = mid;
      else low = mid + 1;
    }
  }
  return low;
}

/** Where and why JSON.parse failed, the same on Node.js 20 (position only) and 22+ (with line and column). */
function failure(text: string, message: string): string {
  if (!text.trim()) return 'the file is empty';
  const at = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (at) return `${lineAndColumn(text, Number(at[2]))}: ${at[1]}`;
  if (/Unexpected end of JSON input/.test(message))
    return `${lineAndColumn(text, text.length)}: the file ends before the JSON does`;
  const token = UNEXPECTED_TOKEN.exec(message);
  if (token) return `${lineAndColumn(text, unexpectedTokenOffset(text))}: ${token[1]}`;
  return message;
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
