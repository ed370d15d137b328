import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { layerPythonPaths } from './lambda-environment.js';

/** How a packaged file that is none of the user's (an installed requirement, the adapter) is shown. */
export const PACKAGE_PREFIX = '(package) ';
/** How a file of the dependencies layer (the requirements with dependencies-layer) is shown. */
export const LAYER_PREFIX = '(layer) ';

/**
 * The path to show for each packaged file that came from the user's folder
 * (zip entry -> source file): relative to `cwd` when inside it, as a user
 * types it (`src/app.py`), else absolute. The package's other `entries`
 * (installed requirements, generated files) are shown in the package,
 * `(package) fastapi/routing.py`: no file of the user's, and not the
 * temporary folder it was unpacked into.
 */
export function shownSourcePaths(
  sourceFiles: ReadonlyMap<string, string>,
  cwd: string,
  entries: readonly string[] = [],
): Map<string, string> {
  const shown = new Map<string, string>();
  for (const entry of entries) if (!sourceFiles.has(entry)) shown.set(entry, `${PACKAGE_PREFIX}${entry}`);
  for (const [entry, file] of sourceFiles) {
    const rel = relative(cwd, file);
    shown.set(entry, rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file);
  }
  return shown;
}

/**
 * The folders of the function's dependencies outside its package, each file
 * in them shown as the package's others are: the unpacked layers (`optDir`,
 * `(layer) requests/api.py`), and a slim package's tree, fetched into its
 * /tmp at cold start (`(package) requests/api.py`: on Lambda it is the package's).
 */
export function dependencyTrees(
  runtime: string,
  { optDir, slimTree }: { optDir?: string; slimTree?: string },
): SourceTree[] {
  return [
    ...(optDir ? layerPythonPaths(optDir, runtime).map((dir) => ({ dir, shown: LAYER_PREFIX })) : []),
    ...(slimTree ? [{ dir: slimTree, shown: PACKAGE_PREFIX }] : []),
  ];
}

/** What may follow a path in a traceback or stack frame: `"`, `'`, `:line`, `)`, `,`, a space, the line's end. */
const AFTER_PATH = /["':),\s]/g;

/**
 * A folder of the function's dependencies outside the package (the unpacked
 * dependencies layer, a slim package's tree in its /tmp): each file in it is
 * shown by its path in it after `shown`, a label (`(layer) `).
 */
export interface SourceTree {
  dir: string;
  shown: string;
}

/** How the name after a root is read, and shown (`undefined`: not a name to rewrite). */
type NameOf = (raw: string) => string | undefined;

/**
 * Rewrites the paths of the unpacked package's files in a runtime's text (a
 * traceback, a stack frame, an error message) to the files they were packaged
 * from: `/tmp/.../local-x/app.py` or `file:///tmp/.../local-x/index.mjs`
 * becomes `app.py`. Only a path naming an entry of `shown` is rewritten (any
 * other text stays as it is). `roots`: the unpacked folder, as given and as its
 * real path (Node.js resolves links; Python keeps the path it was given).
 * A file of one of the `trees` is shown labelled; a labelled path in a Node.js
 * frame's parentheses drops them (`at f (package) node_modules/x/a.js:3:9`, not
 * `at f ((package) ...)`), as Python's `File "(package) x/a.py"` reads.
 */
export function sourcePathRewriter(
  roots: readonly string[],
  shown: ReadonlyMap<string, string>,
  trees: readonly SourceTree[] = [],
): (text: string) => string {
  const prefixes = new Map<string, { name: NameOf; tree?: string }>();
  const folder = (dir: string) => (dir.endsWith(sep) ? dir : dir + sep);
  // The package's files are named in a file URL too (Node.js ESM); a tree's, by Python, only as paths.
  if (shown.size > 0)
    for (const root of new Set(roots)) {
      prefixes.set(folder(root), { name: native });
      prefixes.set(pathToFileURL(folder(root)).href, { name: decoded });
    }
  for (const { dir, shown: label } of trees) prefixes.set(folder(dir), { name: native, tree: label });
  if (prefixes.size === 0) return (text) => text;
  const pattern = new RegExp(
    [...prefixes.keys()]
      .sort((a, b) => b.length - a.length)
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  const starts = [...prefixes.keys()];
  return (text) => {
    if (!starts.some((p) => text.includes(p))) return text;
    let out = '';
    let done = 0;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
      const start = m.index + m[0].length;
      const prefix = prefixes.get(m[0])!;
      const found =
        prefix.tree === undefined
          ? entryAt(text, start, prefix.name, shown)
          : treeFileAt(text, start, prefix);
      if (!found) continue;
      // Labelled only: a user's file may start with a parenthesis too (a route group's `(shop)/index.mjs`).
      const labelled = prefix.tree !== undefined || found.shown.startsWith(PACKAGE_PREFIX);
      const framed = labelled ? unframed(text, m.index, found.end) : undefined;
      out += text.slice(done, framed ? m.index - 1 : m.index) + found.shown + (framed?.location ?? '');
      done = framed?.end ?? found.end;
      pattern.lastIndex = done;
    }
    return out + text.slice(done);
  };
}

/** A name in a path, with the separators of a zip entry. */
const native: NameOf = (name) => (sep === '/' ? name : name.split(sep).join('/'));

function decoded(name: string): string | undefined {
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined;
  }
}

/**
 * A path at `start`..`end` inside a Node.js frame's parentheses, `(path:3:9)`:
 * its location (`:3:9`) and where the frame's `)` ends; else undefined.
 */
function unframed(text: string, start: number, end: number): { location: string; end: number } | undefined {
  if (text[start - 1] !== '(') return undefined;
  const after = /^((?::\d+)*)\)/.exec(text.slice(end, end + 32));
  return after ? { location: after[1]!, end: end + after[0].length } : undefined;
}

/** A file of a tree at `start`: its name up to what may follow a path, shown after the tree's label. */
function treeFileAt(
  text: string,
  start: number,
  prefix: { name: NameOf; tree?: string },
): { shown: string; end: number } | undefined {
  AFTER_PATH.lastIndex = start;
  const next = AFTER_PATH.exec(text);
  const end = next ? next.index : text.length;
  const name = end > start ? prefix.name(text.slice(start, end)) : undefined;
  return name ? { shown: `${prefix.tree}${name}`, end } : undefined;
}

/** A file name is no longer than this: a line of text is not searched past it. */
const MAX_NAME_CHARS = 4096;

/**
 * The longest entry of `shown` named at `start` and ended by what may follow
 * a path (a name with a space or a colon is still found whole).
 */
function entryAt(
  text: string,
  start: number,
  name: NameOf,
  shown: ReadonlyMap<string, string>,
): { shown: string; end: number } | undefined {
  const newline = text.indexOf('\n', start);
  const limit = Math.min(newline < 0 ? text.length : newline, start + MAX_NAME_CHARS);
  const ends = [limit];
  AFTER_PATH.lastIndex = start;
  for (let m = AFTER_PATH.exec(text); m && m.index < limit; m = AFTER_PATH.exec(text)) ends.push(m.index);
  ends.sort((a, b) => b - a);
  for (const end of ends) {
    const path = shown.get(name(text.slice(start, end)) ?? '');
    if (path !== undefined) return { shown: path, end };
  }
  return undefined;
}
