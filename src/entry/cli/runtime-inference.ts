import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { handlerTarget } from '../../packaging/handler-check.js';
import { packageEntry, type PackageEntry } from '../../settings/package-json.js';
import { mainHandlerNote, passedOverNote } from '../../settings/entry-point.js';
import { Inputs, type InputName } from '../../settings/names.js';
import {
  DEFAULT_HANDLER,
  DEFAULT_NODE_RUNTIME,
  defaultHandler,
  mainHandler,
  NODE_DEFAULT_HANDLER,
  NODE_RUNTIMES,
  PYTHON_RUNTIMES,
} from '../../settings/runtimes.js';
import type { CliCommand } from './command.js';
import type { ParsedFlags } from './flags.js';
import { UsageError } from './flags.js';

/** The files of the Node.js defaults (app.js, index.js; .mjs, .cjs): those defaultHandler looks for. */
const NODE_DEFAULT_FILES = [DEFAULT_HANDLER, NODE_DEFAULT_HANDLER].flatMap(
  (h) => handlerTarget(h, NODE_RUNTIMES[0]).files,
);

export type RuntimeGuess =
  | { kind: 'node'; runtime: string; handler: string; file: string }
  | { kind: 'node'; runtime: string; handler: string; files: string[] }
  | { kind: 'both'; python: string; node: string };

/** A folder's source files by language (examples, relative paths): what it is when no handler file says. */
export interface SourceLanguages {
  python: string[];
  node: string[];
}

const PYTHON_SOURCE = /\.py$/;
const NODE_SOURCE = /^package\.json$|\.[cm]?js$/;

/**
 * The Python and Node.js files at the top of a folder and one folder down
 * (pure; `list` gives a subfolder's names, [] for a file): not in
 * node_modules or dot-folders (a virtualenv, .git), which are tools, not the
 * function's code.
 */
export function sourceLanguages(list: (sub: string) => string[]): SourceLanguages {
  const found: SourceLanguages = { python: [], node: [] };
  const sort = (path: string, name: string) => {
    if (PYTHON_SOURCE.test(name)) found.python.push(path);
    else if (NODE_SOURCE.test(name)) found.node.push(path);
    else return false;
    return true;
  };
  for (const name of list('')) {
    if (sort(name, name) || name === 'node_modules' || name.startsWith('.')) continue;
    for (const inner of list(name)) sort(`${name}/${inner}`, inner);
  }
  return found;
}

/**
 * What a folder's handler files say when --runtime is not given (pure; `has`
 * tells whether a path relative to the folder exists): a Node.js handler and
 * no Python one is Node.js on its default runtime; the handler's module in
 * both languages is a choice only the user can make; no handler file at all
 * but Node.js files and no Python ones (`languages`) is Node.js too, so the
 * handler check speaks of .js files; otherwise undefined (Python, the
 * action's default). Without index.js (or app.js), package.json's `main`
 * names the handler's file, built or not yet.
 */
export function guessRuntime(
  handler: string | undefined,
  has: (file: string) => boolean,
  languages: SourceLanguages = { python: [], node: [] },
  main?: PackageEntry,
): RuntimeGuess | undefined {
  const first = (files: string[]) => files.find(has);
  const python = first(handlerTarget(handler ?? DEFAULT_HANDLER, PYTHON_RUNTIMES[0]).files);
  // The action's rule (settings' defaultHandler): app.js, else index.js, else package.json's "main".
  const nodeDefault = defaultHandler(DEFAULT_NODE_RUNTIME, NODE_DEFAULT_FILES.filter(has), main).handler;
  // Beside a Python handler only the same module in .js is a rival: an index.js next to app.py is
  // likely a front-end asset, and that folder deployed as Python before the runtime was inferred.
  const candidate = handler ?? (python ? DEFAULT_HANDLER : nodeDefault);
  const file = first(handlerTarget(candidate, NODE_RUNTIMES[0]).files);
  const node = file ? { handler: candidate, file } : undefined;
  // No handler file in either language: the folder's files say which language the error should speak.
  if (!node && !python && languages.node.length && !languages.python.length)
    return {
      kind: 'node',
      runtime: DEFAULT_NODE_RUNTIME,
      handler: handler ?? nodeDefault,
      files: languages.node.slice(0, 5),
    };
  if (!node) return undefined;
  if (python) return { kind: 'both', python, node: node.file };
  return { kind: 'node', runtime: DEFAULT_NODE_RUNTIME, ...node };
}

/**
 * A Node.js --runtime without --handler: the handler package.json's "main"
 * names where no index.js (or app.js) is there, settings' defaultHandler,
 * set as --handler and said first; otherwise the default stands.
 */
function handlerFromMain(
  flags: ParsedFlags,
  runtime: string,
  listing: string[],
  main: PackageEntry | undefined,
  say: (message: string) => void,
): void {
  const chosen = defaultHandler(runtime, listing, main);
  if (chosen.passedOver) say(passedOverNote('terminal', chosen.handler, chosen.passedOver));
  if (!chosen.main) return;
  flags.inputs[Inputs.Handler] = chosen.handler;
  flags.handlerGuessed = chosen.main.guessed;
  say(mainHandlerNote('terminal', chosen.handler, chosen.main));
}

/**
 * The CLI's runtime when --runtime is absent (the action cannot tell absent
 * from its default python3.12, so only a terminal infers it): sets
 * --runtime (and --handler, if it found index.handler) in `flags` for a
 * Node.js folder and says so, or refuses a folder that holds both kinds;
 * with a Node.js --runtime given, only --handler from package.json's "main".
 */
export function inferRuntime(
  command: CliCommand,
  flags: ParsedFlags,
  env: NodeJS.ProcessEnv,
  say: (message: string) => void,
): void {
  if (!command.flags.some((f) => f.input === Inputs.Runtime)) return;
  const given = (name: InputName) => flags.inputs[name]?.trim() || undefined;
  // An app is a Python WSGI/ASGI app; a given runtime is the user's word (a Node.js one's handler is not).
  const runtime = given(Inputs.Runtime);
  if ((runtime && !runtime.startsWith('nodejs')) || given(Inputs.App)) return;
  // Where --path starts: the checkout or this directory, or init's --dir.
  const root = command.codeRoot?.(flags).folder ?? (env.GITHUB_WORKSPACE || process.cwd());
  const dir = resolve(root, given(Inputs.Path) ?? '.');
  const handler = given(Inputs.Handler);
  const list = (sub: string) => {
    try {
      return readdirSync(join(dir, sub));
    } catch {
      return []; // a file, or no such folder (the settings say so)
    }
  };
  const has = (file: string) => existsSync(join(dir, file));
  const main = packageEntry(dir);
  if (runtime) return handler ? undefined : handlerFromMain(flags, runtime, list(''), main, say);
  const guess = guessRuntime(handler, has, sourceLanguages(list), main);
  if (!guess) return;
  if (guess.kind === 'both')
    throw new UsageError(
      `--runtime: not given, and ${dir} holds both a Python handler (${guess.python}) and a Node.js one (${guess.node}); ` +
        `expected --runtime ${PYTHON_RUNTIMES[0]} to ${PYTHON_RUNTIMES.at(-1)} for the Python one, ` +
        `or ${NODE_RUNTIMES.slice(0, -1).join(', ')} or ${NODE_RUNTIMES.at(-1)} for the Node.js one`,
      command.name,
    );
  flags.inputs[Inputs.Runtime] = guess.runtime;
  if (!handler) flags.inputs[Inputs.Handler] = guess.handler;
  const why =
    'file' in guess
      ? `${guess.file} is a Node.js handler (no Python one here)`
      : `the folder holds Node.js files (${guess.files.join(', ')}) and no Python ones`;
  const fromMain = main && !handler && guess.handler === mainHandler(main.file) ? main : undefined;
  const named = fromMain ? ` (${fromMain.said})` : '';
  flags.handlerGuessed = fromMain?.guessed;
  say(
    `Runtime ${guess.runtime}, handler ${guess.handler}${named}: no --runtime, and ${why}; --runtime and --handler choose others.`,
  );
  // index.js (app.js) chosen over a "main" naming another file: said, as the action does.
  const passedOver = handler
    ? undefined
    : defaultHandler(guess.runtime, NODE_DEFAULT_FILES.filter(has), main).passedOver;
  if (passedOver) say(passedOverNote('terminal', guess.handler, passedOver));
}
