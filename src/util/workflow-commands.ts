import { randomBytes } from 'node:crypto';

/**
 * Text a GitHub runner would run as a workflow command: `::name::` at a line's
 * start (after blanks, .NET's: U+0085 too), or the legacy `##[name]` anywhere
 * in a line (see test/support/workflow-commands.ts). A CR alone ends a line
 * for the runner, and for `^` here.
 */
export const COMMAND_LIKE = /^[\s\u0085]*::|##\[/m;

/**
 * `text` between `::stop-commands::TOKEN` and `::TOKEN::`, as three lines: the
 * runner shows it and runs none of it, then runs commands again. The token is
 * new for each block and drawn after `text` is known, so `text` cannot end
 * the block itself.
 */
export function inertLines(text: string): [string, string, string] {
  const token = randomBytes(16).toString('hex');
  return [`::stop-commands::${token}`, text, `::${token}::`];
}
