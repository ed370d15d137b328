/**
 * The requirements Pipfile.lock pins for a Pipenv project (pure): what
 * `pipenv requirements` would write, for a runner without Pipenv. The lock
 * is JSON, and its "default" section lists every package the project needs
 * at run time (dependencies of dependencies too), each with its exact
 * version, extras and markers; "develop" is never read. A git entry installs
 * at its locked commit, a path or file entry from there (not editable: pip
 * installs it for Lambda's platform, as a poetry.lock directory). pip
 * installs the result as uv-lock.ts explains.
 *
 * A package locked from another index than PyPI is pinned by version: pip
 * reaches that index only through the user's pip-args, as for poetry.lock's
 * sources; `indexes` names them so the build can say so.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { indexesOf, withoutCredentials, type LockIndex } from './lock-index.js';
import { LockfileError, normalize, withHashes } from './lock-walk.js';

export type PipfileLockExport = { requirements: string[]; indexes: LockIndex[] };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The 1-based line of `position` in text, from JSON.parse's "at position N". */
function lineAt(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return '';
  return ` line ${text.slice(0, Number(position)).split('\n').length}`;
}

function fail(at: string, field: string, expected: string): never {
  throw new LockfileError(`${at}: ${field} is not ${expected}`);
}

/** The requirement line of a "default" entry (with its marker); none for the project itself (`"path": "."`), whose code is the function's. */
function requirementOf(name: string, entry: JsonObject, projectDir: string): string | undefined {
  const at = `Pipfile.lock "default" ${name}`;
  const string = (field: string): string | undefined => {
    const v = entry[field];
    return v === undefined || typeof v === 'string' ? v : fail(at, field, 'a string');
  };
  const extras = entry.extras ?? [];
  if (!Array.isArray(extras) || !extras.every((x) => typeof x === 'string' && /^[\w.-]+$/.test(x)))
    fail(at, 'extras', 'an array of extra names');
  const named = `${normalize(name)}${extras.length ? `[${(extras as string[]).map(normalize).join(',')}]` : ''}`;
  const marker = string('markers');
  const sub = string('subdirectory');
  const subdirectory = sub ? `#subdirectory=${sub}` : '';
  const vcs = ['hg', 'svn', 'bzr'].find((k) => entry[k] !== undefined);
  if (vcs)
    throw new LockfileError(
      `${at}: installs from ${vcs}, which lambda-deploy does not read from Pipfile.lock (git, path, file and index packages only)`,
    );
  let line: string;
  const git = string('git');
  const path = string('path');
  const file = string('file');
  if (git !== undefined) {
    // pipenv locks the commit in "ref", whatever branch or tag the Pipfile names.
    const ref = string('ref');
    if (!ref || !/^[0-9a-f]{7,64}$/i.test(ref))
      throw new LockfileError(
        `${at}: the git source ${withoutCredentials(git)} names no commit in "ref" (run pipenv lock again)`,
      );
    line = `${named} @ ${git.startsWith('git+') ? git : `git+${git}`}@${ref}${subdirectory}`;
  } else if (path !== undefined) {
    // `pipenv install -e .`: the project installing itself, as uv's root project is not exported.
    if (resolve(projectDir, path) === resolve(projectDir)) return undefined;
    line = `${named} @ ${pathToFileURL(resolve(projectDir, path)).href}${subdirectory}`;
  } else if (file !== undefined) {
    const url = /^[a-z][a-z0-9+.-]*:/i.test(file) ? file : pathToFileURL(resolve(projectDir, file)).href;
    line = `${named} @ ${url}${subdirectory}`;
  } else {
    const version = string('version') ?? fail(at, 'version', 'given');
    if (!/^===?\s*\S+$/.test(version)) fail(at, 'version', 'an exact version ("==1.2.3")');
    // `===` (arbitrary equality, for a version PEP 440 cannot parse) stays: `==` would refuse it.
    line = `${named}${version.startsWith('===') ? '===' : '=='}${version.replace(/^===?\s*/, '')}`;
  }
  const full = marker ? `${line} ; ${marker}` : line;
  // A git checkout or a folder has no hash pip can check; an index package or a file has the ones pipenv recorded.
  const hashes = entry.hashes ?? [];
  if (!Array.isArray(hashes)) fail(at, 'hashes', 'an array of "sha256:…" strings');
  return git === undefined && path === undefined && !sub ? withHashes(full, hashes) : full;
}

/** The requirement lines Pipfile.lock's "default" section pins (see the module comment). */
export function pipfileLockRequirements(text: string, projectDir: string): PipfileLockExport {
  let lock: Json;
  try {
    lock = JSON.parse(text) as Json;
  } catch (error) {
    const message = (error as Error).message;
    throw new LockfileError(`Pipfile.lock${lineAt(text, message)}: not JSON (${message})`);
  }
  if (!isObject(lock)) throw new LockfileError('Pipfile.lock: not a JSON object with a "default" section');
  const meta = lock._meta ?? {};
  if (!isObject(meta)) fail('Pipfile.lock', '"_meta"', 'an object');
  const sources = meta.sources ?? [];
  if (!Array.isArray(sources) || !sources.every((s) => isObject(s) && typeof s.url === 'string'))
    fail('Pipfile.lock', '"_meta" "sources"', 'an array of { "name", "url" } objects');
  const urls = new Map(
    (sources as JsonObject[]).map((s) => [typeof s.name === 'string' ? s.name : '', s.url as string]),
  );
  const section = lock.default ?? {};
  if (!isObject(section)) fail('Pipfile.lock', '"default"', 'an object of packages');

  const indexes = indexesOf();
  const requirements = Object.entries(section).flatMap(([name, entry]) => {
    if (!isObject(entry)) return fail(`Pipfile.lock "default" ${name}`, 'its entry', 'an object');
    const index = entry.index;
    if (index !== undefined && typeof index !== 'string')
      fail(`Pipfile.lock "default" ${name}`, 'index', 'a string');
    const url = index === undefined ? undefined : urls.get(index);
    if (url !== undefined) indexes.add(url, normalize(name), index);
    return requirementOf(name, entry, projectDir) ?? [];
  });
  return { requirements: requirements.sort(), indexes: indexes.found() };
}
