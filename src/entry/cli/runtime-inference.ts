import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { handlerTarget } from '../../packaging/handler-check.js';
import { Inputs, type InputName } from '../../settings/names.js';
import {
  DEFAULT_HANDLER,
  DEFAULT_NODE_RUNTIME,
  NODE_RUNTIMES,
  PYTHON_RUNTIMES,
} from '../../settings/settings.js';
import type { CliCommand } from './command.js';
import type { ParsedFlags } from './flags.js';
import { UsageError } from './flags.js';

/** Where Node.js looks when no --handler is given: the default's module, then Lambda's usual index.js. */
const NODE_DEFAULT_HANDLERS = [DEFAULT_HANDLER, 'index.handler'];

export type RuntimeGuess =
  | { kind: 'node'; runtime: string; handler: string; file: string }
  | { kind: 'both'; python: string; node: string };

/**
 * What a folder's handler files say when --runtime is not given (pure; `has`
 * tells whether a path relative to the folder exists): a Node.js handler and
 * no Python one is Node.js on its default runtime; the handler's module in
 * both languages is a choice only the user can make; otherwise undefined
 * (Python, the action's default).
 */
export function guessRuntime(
  handler: string | undefined,
  has: (file: string) => boolean,
): RuntimeGuess | undefined {
  const first = (files: string[]) => files.find(has);
  const python = first(handlerTarget(handler ?? DEFAULT_HANDLER, PYTHON_RUNTIMES[0]).files);
  let node: { handler: string; file: string } | undefined;
  // Beside a Python handler only the same module in .js is a rival: an index.js next to app.py is
  // likely a front-end asset, and that folder deployed as Python before the runtime was inferred.
  for (const candidate of handler ? [handler] : python ? [DEFAULT_HANDLER] : NODE_DEFAULT_HANDLERS) {
    const file = first(handlerTarget(candidate, NODE_RUNTIMES[0]).files);
    if (file) {
      node = { handler: candidate, file };
      break;
    }
  }
  if (!node) return undefined;
  if (python) return { kind: 'both', python, node: node.file };
  return { kind: 'node', runtime: DEFAULT_NODE_RUNTIME, ...node };
}

/**
 * The CLI's runtime when --runtime is absent (the action cannot tell absent
 * from its default python3.12, so only a terminal infers it): sets
 * --runtime (and --handler, if it found index.handler) in `flags` for a
 * Node.js folder and says so, or refuses a folder that holds both kinds.
 */
export function inferRuntime(
  command: CliCommand,
  flags: ParsedFlags,
  env: NodeJS.ProcessEnv,
  say: (message: string) => void,
): void {
  if (!command.flags.some((f) => f.input === Inputs.Runtime)) return;
  const given = (name: InputName) => flags.inputs[name]?.trim() || undefined;
  // An app is a Python WSGI/ASGI app; a given runtime is the user's word.
  if (given(Inputs.Runtime) || given(Inputs.App)) return;
  // Where --path starts: the checkout or this directory, or init's --dir.
  const root = command.codeRoot?.(flags) ?? (env.GITHUB_WORKSPACE || process.cwd());
  const dir = resolve(root, given(Inputs.Path) ?? '.');
  const handler = given(Inputs.Handler);
  const guess = guessRuntime(handler, (file) => existsSync(join(dir, file)));
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
  say(
    `Runtime ${guess.runtime}, handler ${guess.handler}: no --runtime, and ${guess.file} is a Node.js handler (no Python one here); --runtime and --handler choose others.`,
  );
}
