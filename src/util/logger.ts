import { withLines } from './redact.js';
/**
 * What the pipelines need to talk to the user. The action backs it with
 * @actions/core, the CLI with the terminal, tests with a recorder; pipelines
 * never import @actions/core themselves.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Runs `fn` inside a collapsed group (a `::group::` in the action). */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a secret so no later log line shows it. */
  mask(secret: string): void;
  /**
   * Prints text we did not write (the function's log lines), already
   * redacted: in the action none of its lines can act as a workflow command
   * (`::set-output::`, `::add-mask::`...); the CLI prints it as is (on a
   * runner its streams mark each line that could be one, see entry/cli/runner-output).
   */
  untrusted(text: string): void;
}

type Level = 'info' | 'warning' | 'error' | 'debug' | 'group' | 'untrusted';

/** A logger that remembers everything: for tests and for building summaries. */
export class RecordingLogger implements Logger {
  readonly lines: { level: Level; message: string }[] = [];
  readonly secrets: string[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warning(message: string): void {
    this.lines.push({ level: 'warning', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push({ level: 'group', message: title });
    return fn();
  }
  mask(secret: string): void {
    if (secret) this.secrets.push(secret);
  }
  untrusted(text: string): void {
    this.lines.push({ level: 'untrusted', message: text });
  }
  /** All messages of one level (or all levels) joined, for assertions. */
  text(level?: Level): string {
    return this.lines
      .filter((l) => !level || l.level === level)
      .map((l) => l.message)
      .join('\n');
  }
}

/** `logger`'s methods bound to it, to spread and override some (a class's methods are no own properties). */
export function boundLogger(logger: Logger): Logger {
  return {
    info: (m) => logger.info(m),
    warning: (m) => logger.warning(m),
    error: (m) => logger.error(m),
    debug: (m) => logger.debug(m),
    group: (title, fn) => logger.group(title, fn),
    mask: (secret) => logger.mask(secret),
    untrusted: (text) => logger.untrusted(text),
  };
}

/**
 * `logger`, also putting every value masked through it in `into` (once):
 * what a step masks in the job log (an API key, credentials, values read
 * from the function) is then redacted from what is posted as well.
 */
export function keepMasked(logger: Logger, into: string[]): Logger {
  return {
    ...boundLogger(logger),
    mask: (secret) => {
      // Each line of a value of several lines too: a report's text holds them apart (a log line each).
      if (secret) for (const value of withLines(secret)) if (!into.includes(value)) into.push(value);
      logger.mask(secret);
    },
  };
}

/** A logger that says nothing. */
export const silentLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  group: (_title, fn) => fn(),
  mask: () => undefined,
  untrusted: () => undefined,
};
