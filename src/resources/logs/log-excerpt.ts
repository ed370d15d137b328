/**
 * Turns a function's log lines (CloudWatch events or the local runtime's
 * output) into a short excerpt: errors and tracebacks first, then the last
 * lines, bounded in bytes, each error line shown once. Pure.
 */
import { cutText, redact } from '../../util/redact.js';

export interface ExcerptOptions {
  /** Bound of the whole excerpt, in UTF-8 bytes. */
  maxBytes?: number;
  /** How many of the last lines to show after the errors. */
  tailLines?: number;
  /** A single line longer than this is cut. */
  maxLineChars?: number;
  /** Lines kept per error block (the error line and its traceback). */
  maxBlockLines?: number;
  /** Values to hide (environment values, tokens); secret shapes go anyway. */
  secrets?: readonly (string | undefined)[];
  /**
   * Leave the errors section out when the last lines already show every error
   * line (a short local run): the traceback once, in its place among the lines.
   */
  errorsOnlyWhenCut?: boolean;
}

const ERROR_LINE = /ERROR|Error|Exception|Traceback|Task timed out|Runtime\.\w+/;
/** A traceback or stack continues with indented lines (`  File ...`, `    at ...`). */
const CONTINUATION = /^[ \t]+\S/;
/** Lines that open (a further part of) a traceback right after an error line. */
const TRACE_START =
  /^(Traceback \(most recent call last\)|During handling of the above exception|The above exception was the direct cause|Caused by:)/;

/** The local runtime's timestamp before each line (see LogBuffer), which CloudWatch keeps apart from the message. */
const LOCAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

/** A line as the function wrote it: indented traceback lines are indented after the local timestamp. */
function written(line: string): string {
  return line.replace(LOCAL_TIME, '');
}

/** Splits messages into lines: the Lambda Python runtime joins a record's lines with `\r`. */
export function splitLogLines(messages: readonly string[]): string[] {
  const lines: string[] = [];
  for (const message of messages) {
    for (const line of message.replace(/[\r\n]+$/, '').split(/\r\n|\r|\n/)) lines.push(line);
  }
  return lines;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Error lines with the traceback lines that follow them, in order, identical blocks once. */
export function errorBlocks(lines: readonly string[], maxBlockLines = 30): { text: string; count: number }[] {
  const blocks: { text: string; count: number }[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!ERROR_LINE.test(line)) continue;
    const block = [line];
    let j = i + 1;
    // Indented lines and traceback headers belong to the block, and so does an error line
    // right after indented ones (Python's final `ValueError: boom`); two error lines in a row are two blocks.
    const continues = (k: number) =>
      CONTINUATION.test(written(lines[k] as string)) ||
      TRACE_START.test(written(lines[k] as string)) ||
      (ERROR_LINE.test(lines[k] as string) && CONTINUATION.test(written(lines[k - 1] as string)));
    while (j < lines.length && continues(j)) {
      if (block.length < maxBlockLines) block.push(lines[j] as string);
      else if (block.length === maxBlockLines) block.push('  …');
      j++;
    }
    i = j - 1;
    // Request ids and timestamps differ between repeats of the same error; compare without them.
    const key = block
      .join('\n')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g, '');
    const seen = index.get(key);
    if (seen !== undefined) (blocks[seen] as { count: number }).count++;
    else {
      index.set(key, blocks.length);
      blocks.push({ text: block.join('\n'), count: 1 });
    }
  }
  return blocks;
}

/** Takes whole lines from `lines` (from the end when `fromEnd`) until `budget` bytes are used. */
function fit(
  lines: readonly string[],
  budget: number,
  fromEnd: boolean,
): { kept: string[]; dropped: number } {
  const kept: string[] = [];
  let used = 0;
  const order = fromEnd ? [...lines].reverse() : lines;
  for (const line of order) {
    const size = bytes(line) + 1;
    if (used + size > budget) break;
    kept.push(line);
    used += size;
  }
  return { kept: fromEnd ? kept.reverse() : kept, dropped: lines.length - kept.length };
}

/** Whether the last-lines section, given the whole budget, holds the first error line and all after it. */
function tailShowsErrors(lines: readonly string[], tail: readonly string[], maxBytes: number): boolean {
  const { kept } = fit(tail, maxBytes - 100, true);
  const firstError = lines.findIndex((line) => ERROR_LINE.test(line));
  return firstError >= lines.length - kept.length;
}

/**
 * The last lines, less those the errors section shows word for word (each
 * run of them becomes one line that says so): an error is read once, and a
 * line it does not show (a repeat with another request id, one past its
 * budget) stays. Each entry carries how many log lines it stands for.
 */
function withoutShown(
  tail: readonly string[],
  shown: ReadonlySet<string>,
): { text: string; lines: number }[] {
  const entries: { text: string; lines: number }[] = [];
  let run = 0;
  const endRun = () => {
    if (run) entries.push({ text: `… ${run} line${run === 1 ? '' : 's'} shown under errors`, lines: run });
    run = 0;
  };
  for (const line of tail) {
    if (shown.has(line)) run++;
    else {
      endRun();
      entries.push({ text: line, lines: 1 });
    }
  }
  endRun();
  return entries;
}

/**
 * The excerpt: an `errors` section (when there are any) and a `last lines`
 * section, which leaves out the error lines the first shows. Errors get at
 * most 60% of the budget when there are last lines to show, so both always
 * appear.
 */
export function formatLogExcerpt(messages: readonly string[], options: ExcerptOptions = {}): string {
  const maxBytes = options.maxBytes ?? 8 * 1024;
  const tailCount = options.tailLines ?? 40;
  const maxLineChars = options.maxLineChars ?? 500;
  // Redacted whole, before any cut or dropped line: a PEM block spans lines, and
  // a secret cut in half no longer matches its pattern.
  const lines = redact(splitLogLines(messages).join('\n'), options.secrets)
    .split('\n')
    .map((l) => cutText(l.trimEnd(), maxLineChars, options.secrets))
    .filter((l) => l !== '');
  if (!lines.length) return '';

  const blocks = errorBlocks(lines, options.maxBlockLines);
  const tail = lines.slice(-tailCount);
  const sections: string[] = [];
  let used = 0;
  let shown = new Set<string>();

  if (blocks.length && !(options.errorsOnlyWhenCut && tailShowsErrors(lines, tail, maxBytes))) {
    const header = `--- errors (${blocks.length} distinct) ---`;
    const errorBudget = Math.floor(maxBytes * 0.6) - bytes(header) - 1;
    const errorLines = blocks.flatMap((b) =>
      b.count > 1 ? [`${b.text}`, `  (seen ${b.count} times)`] : [b.text],
    );
    const split = errorLines.flatMap((b) => b.split('\n'));
    const { kept, dropped } = fit(split, errorBudget - 40, false);
    // Only the error lines themselves: not the section's own notes (seen N times, a cut block's "…").
    const logged = new Set(lines);
    shown = new Set(kept.filter((line) => logged.has(line)));
    const body = dropped ? [...kept, `… ${dropped} more error lines not shown`] : kept;
    const section = [header, ...body].join('\n');
    sections.push(section);
    used += bytes(section) + 1;
  }

  const header = `--- last ${tail.length} line${tail.length === 1 ? '' : 's'} ---`;
  const entries = withoutShown(tail, shown);
  const { kept } = fit(
    entries.map((e) => e.text),
    maxBytes - used - bytes(header) - 50,
    true,
  );
  if (kept.length) {
    const dropped = tail.length - entries.slice(-kept.length).reduce((sum, e) => sum + e.lines, 0);
    const body = dropped ? [`… ${dropped} earlier lines not shown`, ...kept] : kept;
    sections.push([header, ...body].join('\n'));
  }
  return sections.join('\n');
}
