import type { LambdaError } from './lambda-error.js';

/** A request's error is shown in at most this many lines: its first ones and its last. */
export const MAX_ERROR_LINES = 50;
/** Lines kept from a long error's start (a Node.js stack's innermost frames); the rest from its end. */
const HEAD_LINES = 10;

/**
 * The lines of a failed invocation's error as its runtime reports them: for
 * Python a traceback (`Traceback (most recent call last):`, its frames, the
 * exception), for Node.js the stack (which starts with the error). None
 * without a stack trace (a timeout, a runtime that exited).
 */
export function errorLines(family: 'python' | 'node', error: LambdaError): string[] {
  const stack = (error.stackTrace ?? []).flatMap((entry) => entry.replace(/\n$/, '').split('\n'));
  if (stack.length === 0) return [];
  if (family === 'node') return bounded(stack);
  return bounded([
    'Traceback (most recent call last):',
    ...stack,
    ...`${error.errorType}: ${error.errorMessage}`.split('\n'),
  ]);
}

/** At most MAX_ERROR_LINES: a longer list's first and last lines, with a line saying how many are left out. */
function bounded(lines: readonly string[]): string[] {
  const kept = new BoundedLines();
  for (const line of lines) kept.keep(line);
  return kept.lines();
}

/** Lines kept as they come, at most MAX_ERROR_LINES of them shown: the first and the last. */
class BoundedLines {
  private readonly head: string[] = [];
  private readonly tail: string[] = [];
  private skipped = 0;

  keep(line: string): void {
    if (this.head.length < HEAD_LINES) this.head.push(line);
    else if (this.tail.push(line) > MAX_ERROR_LINES - HEAD_LINES) {
      this.tail.shift();
      this.skipped++;
    }
  }

  lines(): string[] {
    if (this.skipped === 0) return [...this.head, ...this.tail];
    // The count's line takes the place of one more.
    return [...this.head, `… (${this.skipped + 1} more lines)`, ...this.tail.slice(1)];
  }
}

const PYTHON_START = /Traceback \(most recent call last\):\s*$/;
/** What joins two tracebacks of a chained exception (with blank lines around it). */
const PYTHON_CHAIN = /^(?:During handling of the above exception|The above exception was the direct cause)/;
const NODE_FRAME = /^\s+at \S/;
/** A log line at level ERROR as the runtimes write it: Node.js's console.error, Python's logging. */
const ERROR_LINE = /^(?:\S+\t\S+\tERROR\t|\[ERROR\]\t)/;

/**
 * The stack or traceback a structured logger (Powertools, pino) wrote as a
 * field of one JSON line, after the runtime's prefix if any: its lines;
 * undefined for any other line.
 */
function loggedStack(line: string): string[] | undefined {
  const start = line.indexOf('{');
  if (start < 0 || !(line.includes('\\n    at ') || line.includes('Traceback (most recent call last):')))
    return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(start));
  } catch {
    return undefined;
  }
  const stack = stackIn(value, 3);
  return stack?.split('\n');
}

/** A Node.js `stack` string with frames, or a Python traceback, at most `depth` objects down. */
function stackIn(value: unknown, depth: number): string | undefined {
  if (depth < 0 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string' && PYTHON_START.test(field.split('\n', 1)[0] ?? '')) return field.trimEnd();
    if (key === 'stack' && typeof field === 'string' && field.split('\n').some((l) => NODE_FRAME.test(l)))
      return field;
    const inner = stackIn(field, depth - 1);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The last traceback (Python) or stack (Node.js) a function printed, read
 * line by line as it logs: what an app that answers an error with a 500
 * (Flask does, and the WSGI/ASGI adapter) logged about it. Keeps at most
 * MAX_ERROR_LINES of it, however long it is or however much was logged.
 */
export class PrintedError {
  private last: BoundedLines | undefined;
  /** frames: inside a traceback; ended: after its exception's line; chained: a chain's words seen; stack: Node.js frames. */
  private state: 'none' | 'frames' | 'ended' | 'chained' | 'stack' = 'none';
  /** Blank and chain lines after an exception: part of it only if another traceback follows. */
  private pending: string[] = [];
  private previous = '';
  /** The last line the runtime marked ERROR: what is shown when no stack or traceback was printed. */
  private errorLine: string | undefined;

  add(line: string): void {
    const previous = this.previous;
    this.previous = line;
    if (ERROR_LINE.test(line)) this.errorLine = line;
    if (PYTHON_START.test(line)) {
      if (this.state === 'chained' && this.last) for (const l of this.pending) this.last.keep(l);
      else this.last = new BoundedLines();
      this.pending = [];
      this.last.keep('Traceback (most recent call last):');
      this.state = 'frames';
      return;
    }
    if (this.state === 'frames') {
      this.last?.keep(line);
      // A frame and its code are indented; the exception's line is not.
      if (!/^\s/.test(line)) this.state = 'ended';
      return;
    }
    if (this.state === 'ended' || this.state === 'chained') {
      const chain = PYTHON_CHAIN.test(line);
      if ((chain || line.trim() === '') && this.pending.length < 4) {
        this.pending.push(line);
        if (chain) this.state = 'chained';
        return;
      }
      this.pending = [];
    } else if (this.state === 'stack' && NODE_FRAME.test(line)) {
      this.last?.keep(line);
      return;
    }
    this.state = 'none';
    const logged = loggedStack(line);
    if (logged) {
      this.last = new BoundedLines();
      for (const l of logged) this.last.keep(l);
      return;
    }
    if (NODE_FRAME.test(line) && previous.trim() !== '') {
      // The stack's first line is the error, printed just before its first frame.
      this.last = new BoundedLines();
      this.last.keep(previous);
      this.last.keep(line);
      this.state = 'stack';
    }
  }

  /** The last error printed, bounded; none if nothing was. */
  lines(): string[] {
    return this.last?.lines() ?? (this.errorLine === undefined ? [] : [this.errorLine]);
  }
}
