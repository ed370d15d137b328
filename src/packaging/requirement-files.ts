/**
 * A requirements file and the files it includes (`-r FILE`, `-c FILE`,
 * abbreviated or not), as pip reads them: an included file's name is read
 * from the folder of the file that names it, at any depth. (A package path
 * in any of them is read from pip's current directory: pypa/pip#8765.)
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parsePipArgs } from '../settings/pip-options.js';

export interface RequirementFile {
  /** Absolute path. */
  file: string;
  text: string;
}

/**
 * The words of a requirements line, its comment and a continuing `\\` (pip joins the next line) left out.
 * An option line's words are read as pip reads them, with Python's shlex: `-f '../x'` is `../x`.
 */
export function lineTokens(raw: string): string[] {
  const line = raw
    .replace(/(^|\s)#.*$/, '')
    .trim()
    .replace(/\\$/, '');
  return (line.startsWith('-') && shellWords(line)) || line.split(/\s+/).filter(Boolean);
}

/**
 * `text` split as Python's shlex.split splits it (POSIX mode, no comments):
 * quotes and backslashes escape, `"..."` keeps a backslash before anything
 * but `"` and `\\`; undefined for an unclosed quote or a trailing `\\` (pip fails on it).
 */
export function shellWords(text: string): string[] | undefined {
  const words: string[] = [];
  // The word being read, and whether one is (`''` is a word).
  let word = '';
  let open = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (quote === '"' && c === '\\' && /["\\]/.test(text[i + 1] ?? '')) word += text[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (open) words.push(word);
      [word, open] = ['', false];
    } else if (c === '\\') {
      if (i + 1 >= text.length) return undefined;
      [word, open] = [word + text[++i], true];
    } else {
      open = true;
      if (c === "'" || c === '"') quote = c;
      else word += c;
    }
  }
  if (quote) return undefined;
  return open ? [...words, word] : words;
}

/**
 * Lines ending in `\\` joined with the next as pip joins them (before reading
 * `${NAME}`; a comment line ends the run): the joined line where the first
 * was, the lines it took in left empty, so that line numbers stay pip's.
 */
export function joinContinuations(text: string): string {
  const out: string[] = [];
  let first: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const comment = /^\s*#/.test(line);
    if (first === undefined) {
      out.push(line);
      if (line.endsWith('\\') && !comment) {
        first = out.length - 1;
        out[first] = line.replace(/^\\+|\\+$/g, '');
      }
      continue;
    }
    out.push('');
    out[first] += comment ? ` ${line}` : line.replace(/^\\+|\\+$/g, '');
    if (!line.endsWith('\\') || comment) first = undefined;
  }
  return out.join('\n');
}

/** `${NAME}` replaced by its value, as pip does in a requirements file; unset or empty, left as written (pip's rule). */
export function expandVariables(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (written, name: string) => env[name] || written);
}

/** The file a line includes (`-r`, `-c`, `--requirem=`, `-rFILE`), unless it is a URL. */
export function includedFile(tokens: readonly string[]): string | undefined {
  const value = parsePipArgs(tokens).options.find(
    (o) => o.names.includes('--requirement') || o.names.includes('--constraint'),
  )?.value;
  return value && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : undefined;
}

export class RequirementCycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequirementCycleError';
  }
}

/**
 * `file` and every file it includes, each once, in the order pip reads them,
 * their text with `${NAME}` read from `env` (pip's environment) as pip reads
 * it. A file that cannot be read is left out (pip names it). A file that
 * includes itself, directly or through others, throws: pip would recurse
 * until Python's stack runs out.
 */
export function requirementFiles(
  file: string,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  env: NodeJS.ProcessEnv = {},
): RequirementFile[] {
  const found = new Map<string, RequirementFile>();
  const walk = (path: string, stack: string[]) => {
    if (found.has(path)) return;
    let text: string;
    try {
      text = expandVariables(joinContinuations(read(path)), env);
    } catch {
      return;
    }
    found.set(path, { file: path, text });
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const included = includedFile(lineTokens(raw));
      if (!included) continue;
      const next = resolve(dirname(path), included);
      if (stack.includes(next) || next === path)
        throw new RequirementCycleError(
          `${path} line ${i + 1}: ${raw.trim()} includes ${next}, which includes ${path} again (${[...stack, path, next].slice(stack.indexOf(next) === -1 ? -2 : stack.indexOf(next)).join(' -> ')}): pip would read them in a circle until Python's stack runs out. Remove one of the -r / -c lines that close the circle.`,
        );
      walk(next, [...stack, path]);
    }
  };
  walk(resolve(file), []);
  return [...found.values()];
}
