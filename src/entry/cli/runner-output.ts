import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { COMMAND_LIKE, inertLines } from '../../util/workflow-commands.js';
import type { CliIo } from './command.js';

/**
 * The CLI in a GitHub Actions step: the runner reads its stdout and stderr
 * for workflow commands (`::add-mask::`, `::error file=…::`, `##[add-path]`).
 * What it prints quotes text others wrote (the function's log lines and
 * output, pull request code; its error messages; tag values): each write that
 * could make a command goes between stop-commands and a fresh token instead.
 */
export const onRunner = (env: NodeJS.ProcessEnv): boolean => env.GITHUB_ACTIONS === 'true';

/** What follows the last line break of `text`: the line a next write continues. */
const openLine = (text: string) => text.slice(Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) + 1);

/**
 * What to write for `text` when `open` is the line written so far: `text`
 * itself, or, when the two could make a line the runner runs (a `:` written
 * apart from the next one too), `text` between stop-commands and its token,
 * after a line break that ends `open`. Pure but for the token.
 */
export function guardedText(open: string, text: string): string {
  if (!COMMAND_LIKE.test(open + text)) return text;
  const body = text.replace(/(?:\r\n|\r|\n)$/, '');
  return `${open ? '\n' : ''}${inertLines(body).join('\n')}\n`;
}

/** `stream`, every write of it passed through guardedText. */
function guardedStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  const decoder = new StringDecoder('utf8');
  let open = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const shown = guardedText(open, text);
      open = shown === text ? openLine(open + text) : '';
      stream.write(shown);
      done();
    },
  });
}

/** `io` with stdout and stderr guarded on a runner; as it is elsewhere (a terminal runs no commands). */
export function runnerIo(io: CliIo): CliIo {
  return onRunner(io.env) ? { ...io, out: guardedStream(io.out), err: guardedStream(io.err) } : io;
}

/**
 * One JSON line on a runner: `##[` written `#\u0023[`, the same string to a
 * JSON reader, so the line needs no stop-commands around it (which a script
 * reading stdout would choke on). A JSON line never starts with `::`.
 */
export const runnerJson = (env: NodeJS.ProcessEnv, json: string): string =>
  onRunner(env) ? json.replace(/##\[/g, '#\\u0023[') : json;
