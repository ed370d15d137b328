import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How a packaged file that is none of the user's (an installed requirement, the adapter) is shown. */
export const PACKAGE_PREFIX = '(package) ';

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

/** What may follow a path in a traceback or stack frame: `"`, `'`, `:line`, `)`, `,`, a space, the line's end. */
const AFTER_PATH = /["':),\s]/g;

/**
 * Rewrites the paths of the unpacked package's files in a runtime's text (a
 * traceback, a stack frame, an error message) to the files they were packaged
 * from: `/tmp/.../local-x/app.py` or `file:///tmp/.../local-x/index.mjs`
 * becomes `app.py`. Only a path naming an entry of `shown` is rewritten (any
 * other text stays as it is). `roots`: the unpacked folder, as given and as its
 * real path (Node.js resolves links; Python keeps the path it was given).
 */
export function sourcePathRewriter(
  roots: readonly string[],
  shown: ReadonlyMap<string, string>,
): (text: string) => string {
  if (shown.size === 0) return (text) => text;
  const prefixes = new Map<string, (name: string) => string | undefined>();
  for (const root of new Set(roots)) {
    const base = root.endsWith(sep) ? root.slice(0, -1) : root;
    prefixes.set(base + sep, (name) => (sep === '/' ? name : name.split(sep).join('/')));
    prefixes.set(`${pathToFileURL(base).href}/`, (name) => {
      try {
        return decodeURIComponent(name);
      } catch {
        return undefined;
      }
    });
  }
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
      const found = entryAt(text, start, prefixes.get(m[0])!, shown);
      if (!found) continue;
      out += text.slice(done, m.index) + found.shown;
      done = found.end;
      pattern.lastIndex = done;
    }
    return out + text.slice(done);
  };
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
  name: (raw: string) => string | undefined,
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
