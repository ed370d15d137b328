export type LogStream = 'stdout' | 'stderr' | 'runtime';

/** One complete log line; `own`: a platform line of fixed shape that carries none of the function's text. */
export type LogSink = (line: string, stream: LogStream, own: boolean) => void;

/**
 * The function's log lines, newest last, at most `maxLines` of them (oldest
 * dropped first) and each cut at `maxLineLength`, so a chatty or binary-spewing
 * handler cannot exhaust memory. Output arrives in chunks; a line is complete
 * at its newline, or when the stream ends. The lines are kept as written, for
 * an excerpt that is redacted whole (a PEM block spans lines) and cuts lines
 * far shorter; the sink gets each line whole, to redact before it cuts.
 */
export class LogBuffer {
  private readonly lines: string[] = [];
  private readonly partial = new Map<LogStream, string>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxLines = 2000,
    private readonly maxLineLength = 16 * 1024,
    private readonly sink?: LogSink,
    /** Applied to every line but our own (the package's paths shown as the user's files). */
    private readonly rewrite: (line: string) => string = (line) => line,
  ) {}

  /** A chunk of a stream's output, not necessarily ending at a newline. */
  write(stream: LogStream, chunk: string): void {
    const text = (this.partial.get(stream) ?? '') + chunk;
    const parts = text.split(/\r?\n/);
    const rest = parts.pop() ?? '';
    for (const line of parts) this.add(stream, line);
    if (rest.length > this.maxLineLength) {
      // A huge line with no newline yet: keep what fits rather than buffer it all.
      this.add(stream, rest);
      this.partial.set(stream, '');
    } else {
      this.partial.set(stream, rest);
    }
  }

  /** The stream ended: its unfinished last line counts as a line. */
  end(stream: LogStream): void {
    const rest = this.partial.get(stream);
    this.partial.delete(stream);
    if (rest) this.add(stream, rest);
  }

  /**
   * A line of our own (START, END, timeouts), logged as Lambda logs its platform lines.
   * `own`: it holds only values we made (request id, duration), nothing to redact.
   */
  add(stream: LogStream, written: string, own = false): void {
    const line = own ? written : this.rewrite(written);
    const cut = line.length > this.maxLineLength ? `${line.slice(0, this.maxLineLength)} [truncated]` : line;
    this.lines.push(`${isoTime(this.now())} ${cut}`);
    // Dropped in batches: removing the oldest line on every add moves the whole array each time.
    if (this.lines.length >= this.maxLines * 2) this.lines.splice(0, this.lines.length - this.maxLines);
    this.sink?.(line, stream, own);
  }

  snapshot(): string[] {
    return this.lines.slice(-this.maxLines);
  }
}

/** The ISO text up to the second (`2024-01-02T03:04:05.`) of the last second asked for. */
let lastSecond = { second: NaN, prefix: '' };

/**
 * `new Date(ms).toISOString()`, its text up to the second made once a second: a Date's
 * time zone lookups cost more than the rest of a log line (three lines an invocation).
 */
export function isoTime(ms: number): string {
  const time = Math.trunc(ms);
  const second = Math.floor(time / 1000);
  if (second !== lastSecond.second) {
    const iso = new Date(time).toISOString();
    lastSecond = { second, prefix: iso.slice(0, -4) };
  }
  const millis = time - second * 1000;
  return `${lastSecond.prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
