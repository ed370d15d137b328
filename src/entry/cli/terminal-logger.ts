import type { Logger } from '../../util/logger.js';
import { hideKnown, withLines } from '../../util/redact.js';

/**
 * The CLI's Logger: progress and messages on stderr, with the time each step
 * took, so stdout carries only results (outputs, status, logs, policies) and
 * can be piped. Masked secrets are replaced before anything is printed.
 */
export interface TerminalLogger extends Logger {
  /** `text` with every value masked so far replaced by `***`: for what goes to stdout. */
  hide(text: string): string;
}

export function terminalLogger(options: {
  verbose: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}): TerminalLogger {
  const err = options.err ?? process.stderr;
  const secrets: string[] = [];
  let depth = 0;
  const clean = (text: string) => hideKnown(text, secrets);
  const indent = () => '  '.repeat(depth);
  const format = (text: string) => {
    const shown = clean(text);
    // One line (serve's line per request, the usual case) is not split and joined.
    if (!shown.includes('\n')) return `${indent()}${shown}\n`;
    return `${shown
      .split('\n')
      .map((l) => indent() + l)
      .join('\n')}\n`;
  };
  let last = '';
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write((last = format(text)));
  return {
    hide: clean,
    info: (m) => write(err, m),
    warning: (m) => write(err, `warning: ${m}`),
    // A failure the pipeline logged where it happened is the command's error too: said once when nothing came between.
    error: (m) => {
      if (last !== format(`error: ${m}`)) write(err, `error: ${m}`);
    },
    debug: (m) => {
      if (options.verbose) write(err, m);
    },
    async group(title, fn) {
      write(err, `▸ ${title}`);
      const started = Date.now();
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
        write(err, `  ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
    },
    mask: (secret) => {
      // Each line of a value of several lines too: a function prints them apart.
      if (secret) for (const value of withLines(secret)) if (!secrets.includes(value)) secrets.push(value);
    },
    // Printed as they are: a terminal runs no workflow commands, and on a runner main's streams
    // mark any line that could be one so that it is not (see runner-output).
    untrusted: (text) => write(err, text),
  };
}
