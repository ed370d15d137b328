import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { CliIo } from './command.js';

/**
 * The CLI in a GitHub Actions step: the runner reads its stdout and stderr
 * for workflow commands (`::add-mask::`, `::error file=…::`, `##[add-path]`).
 * What it prints quotes text others wrote (the function's log lines and
 * output, pull request code; its error messages; tag values): on a runner,
 * each line of it that could be a command is written so that it is not one.
 */
export const onRunner = (env: NodeJS.ProcessEnv): boolean => env.GITHUB_ACTIONS === 'true';

/**
 * U+2800 BRAILLE PATTERN BLANK: shown as a blank. The runner's parser
 * (actions/runner ActionCommand.TryParseV2 / TryParse) takes a line for a
 * command when, after TrimStart, it StartsWith("::"), or when it has
 * IndexOf("##["). TrimStart keeps U+2800 (not .NET white space), and the two
 * culture-aware tests weigh it (ICU gives it a collation weight), so neither
 * matches across it. A zero-width mark (U+200B, U+2060, U+00AD, U+FEFF) has no
 * weight: ICU skips it, the runner sees `::` or `##[`, and only its reading of
 * the name at a fixed offset would then fail.
 */
export const INERT_MARK = '\u2800';

/**
 * `::` at a line's start after blanks (.NET's white space is within JavaScript's
 * \s and U+0085; a CR alone ends a line for the runner and for `^`), and `##[`
 * anywhere: where a mark goes (before the `::`, before the `[`).
 */
const COMMAND_START = /^[\s\u0085]*::|##\[/gm;

/**
 * `text`, written after `open` (its line so far), with INERT_MARK before each
 * `::` that starts a line and inside each `##[`: no line it completes can be a
 * command, whatever the runner reads before or after it (stdout's and
 * stderr's lines merge in no fixed order, so a stop-commands block on one
 * stream would let the other's lines run). A `::` or `##[` begun in `open`
 * gets the mark where `text` begins.
 */
export function inertText(open: string, text: string): string {
  const whole = open + text;
  let shown = '';
  let from = open.length;
  for (const match of whole.matchAll(COMMAND_START)) {
    const mark = match[0].startsWith('#') ? match.index + 2 : match.index + match[0].length - 2;
    const at = Math.max(mark, open.length);
    if (at < from) continue;
    shown += `${whole.slice(from, at)}${INERT_MARK}`;
    from = at;
  }
  return shown + whole.slice(from);
}

/** What follows the last line break of `text`: the line a next write continues. */
const openLine = (text: string) => text.slice(Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1);

/** `stream`, every write of it passed through inertText. */
function inertStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  const decoder = new StringDecoder('utf8');
  let open = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      const shown = inertText(open, typeof chunk === 'string' ? chunk : decoder.write(chunk));
      open = openLine(open + shown);
      stream.write(shown);
      done();
    },
  });
}

/** `io` with stdout and stderr made inert on a runner; as it is elsewhere (a terminal runs no commands). */
export function runnerIo(io: CliIo): CliIo {
  return onRunner(io.env) ? { ...io, out: inertStream(io.out), err: inertStream(io.err) } : io;
}

/**
 * One JSON line on a runner: `##[` written `#\u0023[`, the same string to a
 * JSON reader, so the line holds no mark (a script reading stdout gets the
 * values as they are). A JSON line never starts with `::`.
 */
export const runnerJson = (env: NodeJS.ProcessEnv, json: string): string =>
  onRunner(env) ? json.replace(/##\[/g, '#\\u0023[') : json;
