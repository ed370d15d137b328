/**
 * A Node.js function whose dependencies are not in its own node_modules (pure):
 * in an npm, yarn or pnpm workspace they are installed (hoisted) into the
 * workspace root's node_modules, which Node.js finds locally by walking up
 * from the function's folder, but the zip of that folder lacks them, and
 * Lambda fails with "Cannot find module" after a slow deploy. Found before
 * anything is created or uploaded; the caller reads the files.
 */
import { isBuiltin } from 'node:module';
import { posix } from 'node:path';
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import { parsePackageJson } from '../settings/package-json.js';

/**
 * The packages package.json's `dependencies` name that the function needs at
 * run time: not those it also lists as optional (missing for another
 * platform), peer (the host's) or bundled (shipped inside it); none when the
 * text is not a package.json this can read.
 */
export function declaredDependencies(packageJsonText: string): string[] {
  let manifest: unknown;
  try {
    manifest = parsePackageJson(packageJsonText);
  } catch {
    return [];
  }
  if (!isRecord(manifest) || !isRecord(manifest.dependencies)) return [];
  const skip = new Set<string>();
  for (const field of ['optionalDependencies', 'peerDependencies']) {
    const value = manifest[field];
    if (isRecord(value)) for (const name of Object.keys(value)) skip.add(name);
  }
  for (const field of ['bundleDependencies', 'bundledDependencies']) {
    const value = manifest[field];
    if (Array.isArray(value)) for (const name of value) if (typeof name === 'string') skip.add(name);
    // `true`: every dependency is bundled into the package.
    if (value === true) return [];
  }
  return Object.keys(manifest.dependencies).filter((name) => !skip.has(name));
}

/** What `require('x')`, `import ... from 'x'`, `import('x')`, `import 'x'` and `export ... from 'x'` name. */
const SPECIFIER = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)(['"])([^'"\s]+)\1/g;

/** A file's specifiers; `optional`: those it names only where a failure to load can be caught. */
export interface FileImports {
  specifiers: readonly string[];
  optional: readonly string[];
}

/**
 * Every module specifier a JavaScript file names with a string literal:
 * bare, relative or `node:`; not in a comment (`// require('x')` left from
 * before, a JSDoc example). Comments are cut roughly (a `//` after a space or
 * at a line's start, `/* ... *\/`): a string mistaken for one only hides
 * specifiers, so the check refuses less, never more.
 */
export function importSpecifiers(source: string): string[] {
  return [...fileImports(source).specifiers];
}

/**
 * importSpecifiers, and which of them the file loads only optionally: with
 * `import()` (a rejected promise the code may catch), inside a `try` block
 * (`try { require('pg-native') } catch {}`), both common for a package that
 * is there on some machines only, or in the `catch` block's fallback. A brace inside a regular expression can
 * stretch a try block: the check then warns where it could refuse, never the
 * other way round.
 */
export function fileImports(source: string): FileImports {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|\s)\/\/.*$/gm, '$1');
  const blocks = tryBlocks(code);
  const required = new Set<string>();
  const all = new Set<string>();
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[2]!;
    all.add(spec);
    const dynamic = /^import\s*\(/.test(m[0]);
    if (!dynamic && !blocks.some(([start, end]) => m.index > start && m.index < end)) required.add(spec);
  }
  return { specifiers: [...all], optional: [...all].filter((spec) => !required.has(spec)) };
}

/**
 * Where each `try { ... }` block of the code starts and ends, with the
 * `catch { ... }` after it: a fallback loaded there runs only when what the
 * try block loads is missing. Braces in strings are skipped.
 */
function tryBlocks(code: string): [number, number][] {
  return [...code.matchAll(/\btry\s*\{/g)].map((m) => {
    let end = blockEnd(code, m.index + m[0].length - 1);
    const handler = /^\s*catch\s*(?:\([^)]*\)\s*)?\{/.exec(code.slice(end + 1));
    if (handler) end = blockEnd(code, end + handler[0].length);
    return [m.index, end];
  });
}

/** The index of the `}` that closes the `{` at `open` (the code's end when none does). */
function blockEnd(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return code.length;
}

/**
 * The package names a JavaScript file loads with a bare specifier:
 * `require('a')`, `import x from 'a/sub'`, `import('@s/b')`, `export ... from`.
 * A bundle that inlined its dependencies names none of them. Not Node.js's
 * own modules: `require('events')` loads the built-in one even when an npm
 * package of that name is installed (only `events/` reaches the package).
 */
export function importedPackages(source: string): Set<string> {
  return packagesOf(importSpecifiers(source));
}

function packagesOf(specifiers: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const spec of specifiers) {
    const name = /^(?:@[^/]+\/)?[^./#][^/]*/.exec(spec)?.[0];
    if (name && !isBuiltin(spec)) names.add(name);
  }
  return names;
}

/** The packages a handler loads: `required`, and `optional` ones it loads only where a failure can be caught. */
export interface LoadedPackages {
  required: Set<string>;
  optional: Set<string>;
}

/**
 * The packages the handler's file (`entry`) loads, and those the files it
 * loads with relative specifiers load, in turn; `files` maps each packaged
 * JavaScript file (forward-slash path) to its imports. A test, a script or
 * the sources of a bundle that the handler never loads do not count; nor do
 * files reached only by a computed `require(name)`, which a static look misses.
 * What a file reached only optionally loads is optional too.
 */
export function reachablePackages(entry: string, files: ReadonlyMap<string, FileImports>): LoadedPackages {
  const required = packagesReached(entry, files, false);
  const optional = packagesReached(entry, files, true);
  for (const name of required) optional.delete(name);
  return { required, optional };
}

function packagesReached(entry: string, files: ReadonlyMap<string, FileImports>, withOptional: boolean) {
  const names = new Set<string>();
  for (const file of filesReached(entry, files, withOptional))
    for (const name of packagesOf(followed(files.get(file), withOptional))) names.add(name);
  return names;
}

/** A file's specifiers, without the optional ones unless withOptional. */
function followed(imports: FileImports | undefined, withOptional: boolean): string[] {
  return (imports?.specifiers ?? []).filter((spec) => withOptional || !imports?.optional.includes(spec));
}

/**
 * The files (keys of `files`) the handler's file `entry` loads with relative
 * specifiers, and those they load, in turn, entry included; through optional
 * loads (see fileImports) only withOptional.
 */
export function filesReached(
  entry: string,
  files: ReadonlyMap<string, FileImports>,
  withOptional: boolean,
): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let file; (file = queue.shift()) !== undefined;) {
    for (const spec of followed(files.get(file), withOptional)) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const base = posix.join(posix.dirname(file), spec);
      const target = ['', '.js', '.mjs', '.cjs', '/index.js', '/index.mjs', '/index.cjs']
        .map((suffix) => base + suffix)
        .find((candidate) => files.has(candidate));
      if (target && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

/** Lambda's Node.js runtimes carry the AWS SDK for JavaScript v3: a function may load it unpackaged. */
export function runtimeProvided(name: string): boolean {
  return name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');
}

/**
 * Packages the AWS SDK v3 depends on, so likely beside it in the runtime's
 * /var/runtime/node_modules (on NODE_PATH), though AWS documents only the SDK:
 * a function that loads one unpackaged may work, so the check warns for them.
 */
export function runtimeMayProvide(name: string): boolean {
  return (
    name.startsWith('@aws-crypto/') ||
    name.startsWith('@aws/') ||
    ['tslib', 'bowser', 'fast-xml-parser', 'strnum', 'uuid'].includes(name)
  );
}

/** A dependency the package lacks, and the folder above the function's where Node.js finds it locally (none: nowhere). */
export interface MissingDependency {
  name: string;
  foundIn?: string;
}

/**
 * The error for dependencies the function loads but its package lacks:
 * which, where they are, and how to install them into the folder; with the
 * pnpm or Yarn lockfile that pins them (`locked`), what that package manager
 * needs, since the npm commands would not read it.
 */
export function missingDependenciesMessage(
  missing: readonly MissingDependency[],
  path: string,
  surface: Surface = 'action',
  unlocked = false,
  locked?: { manager: 'npm' | 'pnpm' | 'yarn'; file: string },
): string {
  const names = missing.map((m) => m.name).sort();
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} in all)` : '');
  const count = names.length === 1 ? '1 dependency' : `${names.length} dependencies`;
  const folders = [...new Set(missing.flatMap((m) => (m.foundIn ? [m.foundIn] : [])))].sort();
  const pathInput = inputName(surface, Inputs.Path);
  const lead = `${pathInput}: the function's package.json lists ${count} its code loads that ${path}/node_modules does not hold: ${shown}`;
  const lambda = 'Lambda would fail with "Cannot find module".';
  if (locked && locked.manager !== 'npm') return lockedMessage(lead, folders, path, locked, pathInput);
  if (unlocked && !folders.length)
    return (
      `${lead}, and it has no package-lock.json (nor npm-shrinkwrap.json). ${lambda} ` +
      `Commit a package-lock.json beside package.json (npm install --package-lock-only writes one): lambda-deploy then installs the versions it pins with npm ci --omit=dev for Lambda's platform, the same on every deploy. ` +
      `Or install them before deploying: run npm ci --omit=dev in ${path}.`
    );
  if (!folders.length)
    return `${lead}. ${lambda} Install them before deploying: run npm ci --omit=dev (or npm install --omit=dev) in ${path}.`;
  const they = missing.every((m) => m.foundIn) ? (names.length === 1 ? 'it' : 'them') : 'some';
  return (
    `${lead}; Node.js finds ${they} only in ${folders.map((f) => `${f}/node_modules`).join(', ')}, ` +
    `where a workspace install put ${names.length === 1 ? 'it' : 'them'}, and that folder is not packaged. ${lambda} ` +
    (locked
      ? ''
      : `With npm, commit the workspace's lockfile: run npm install in ${folders[0]} and commit its package-lock.json, ` +
        `which lists the function: the packaging then takes them from ${folders[0]}/node_modules as it resolves them (with build: npm ci, which installs the workspace there). `) +
    `Or install the function's dependencies into its own folder before deploying: in ${path}, run ` +
    `npm install --omit=dev --no-workspaces (npm then installs there, not at the workspace root; it writes a package-lock.json there too; ` +
    `not for a workspace package among them, which that install looks for on the registry); ` +
    `with pnpm, node-linker=hoisted in .npmrc and pnpm deploy --filter <package> --prod <folder> write a folder without links to point ${pathInput} at; ` +
    `or bundle the function (esbuild, say) and package the bundle.`
  );
}

/**
 * For dependencies pnpm or Yarn pinned: the build installs only from npm's
 * lockfile in the function's folder, pnpm installs them as links into
 * node_modules/.pnpm (whose packages' own dependencies the zip loses), and
 * Yarn hoists a workspace's into the root's node_modules, outside the folder.
 */
function lockedMessage(
  lead: string,
  folders: readonly string[],
  path: string,
  locked: { manager: 'npm' | 'pnpm' | 'yarn'; file: string },
  pathInput: string,
): string {
  const where = folders.length
    ? `; Node.js finds some or all of them only in ${folders.map((f) => `${f}/node_modules`).join(', ')}, which is not packaged`
    : '';
  const pnpm = locked.manager === 'pnpm';
  return (
    `${lead}${where}. Lambda would fail with "Cannot find module". ${locked.file} pins them, and the build installs dependencies itself only with npm ci from a package-lock.json in ${path}; ` +
    (pnpm
      ? `pnpm installs them as links into node_modules/.pnpm, whose packages' own dependencies the zip would lose. `
      : `Yarn installs a workspace's dependencies into its root's node_modules, outside ${path}. `) +
    `Bundle the function (esbuild --bundle --platform=node, say, in its build script) so that its code loads none of them; or, in a step before deploying, write a folder holding the function with its dependencies as plain folders ` +
    (pnpm
      ? `(pnpm --filter <package> --prod deploy <folder>, with node-linker=hoisted) and point ${pathInput} at it.`
      : `(Yarn 1: nohoist in the root package.json's workspaces; Yarn 2+: nmHoistingLimits: workspaces and nodeLinker: node-modules in .yarnrc.yml keep them in ${path}/node_modules) and point ${pathInput} at it.`)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
