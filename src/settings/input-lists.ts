/** List inputs split: lines (or commas), and pip-args as a shell would. */

/** Lines (or commas, where a list can never hold one) split, trimmed, blanks dropped. */
export function splitList(value: string, separators: RegExp = /\r?\n/): string[] {
  return value
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith('#'));
}

/** Splits `pip-args` like a POSIX shell would (quotes, no expansion). */
export function splitArgs(value: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let inArg = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < value.length) current += value[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === '\\' && i + 1 < value.length) {
      current += value[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} quote`);
  if (inArg) args.push(current);
  return args;
}
