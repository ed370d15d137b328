/**
 * A dependency marker with its `extra == "..."` clauses decided (pure): pip
 * evaluates `extra` as "" in a requirements file, so a marker written for a
 * package's extra would leave the dependency out. The walk knows which extra
 * it followed: that clause is true, another extra's false, and the rest of
 * the marker stays for pip (`python_version < "3.8" or extra == "s3"`
 * reached through s3 is always true).
 */
import { normalize } from './lock-walk.js';

/** Always true, always false, or a marker for pip (`or`: an `or` at its top, to be parenthesized inside an `and`). */
type Decided = boolean | { text: string; or: boolean };

const TOKEN = /\s*("[^"]*"|'[^']*'|\(|\)|===|==|!=|<=|>=|~=|<|>|[A-Za-z_][\w.]*)/y;
const OPERATORS = ['===', '==', '!=', '<=', '>=', '~=', '<', '>', 'in', 'not'];

function tokens(marker: string): string[] | undefined {
  const found: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < marker.length) {
    if (!marker.slice(TOKEN.lastIndex).trim()) break;
    const m = TOKEN.exec(marker);
    if (!m) return undefined;
    found.push(m[1]!);
  }
  return found;
}

function join(parts: Decided[], word: 'and' | 'or'): Decided {
  // In an `and` a false decides, in an `or` a true; the other drops out.
  if (parts.includes(word !== 'and')) return word !== 'and';
  const kept = parts.filter((p): p is { text: string; or: boolean } => typeof p !== 'boolean');
  if (!kept.length) return word === 'and';
  if (kept.length === 1) return kept[0]!;
  const text = kept.map((p) => (word === 'and' && p.or ? `(${p.text})` : p.text)).join(` ${word} `);
  return { text, or: word === 'or' };
}

/**
 * `marker` with its extra clauses decided for `extra` (the one the walk
 * followed): undefined when always true, false when never; the marker as
 * it is when it has no extra clause or cannot be read.
 */
export function decideExtra(marker: string | undefined, extra: string): string | undefined | false {
  if (!marker || !/\bextra\b/.test(marker)) return marker;
  const list = tokens(marker);
  if (!list) return marker;
  let at = 0;
  const quoted = (t: string | undefined) => t !== undefined && /^["']/.test(t);
  const atom = (): Decided => {
    if (list[at] === '(') {
      at++;
      const inner = or();
      if (list[at++] !== ')') throw new Error('unbalanced');
      return inner;
    }
    const lhs = list[at++];
    const op = list[at] === 'not' && list[at + 1] === 'in' ? 'not in' : list[at];
    at += op === 'not in' ? 2 : 1;
    const rhs = list[at++];
    if (lhs === undefined || rhs === undefined || !OPERATORS.includes(op?.split(' ')[0] ?? ''))
      throw new Error('not a marker');
    const other = lhs === 'extra' ? rhs : rhs === 'extra' ? lhs : undefined;
    if (other !== undefined && quoted(other) && (op === '==' || op === '!=')) {
      const same = normalize(other.slice(1, -1)) === normalize(extra);
      return op === '==' ? same : !same;
    }
    return { text: `${lhs} ${op} ${rhs}`, or: false };
  };
  const and = (): Decided => {
    const parts = [atom()];
    while (list[at] === 'and') {
      at++;
      parts.push(atom());
    }
    return join(parts, 'and');
  };
  const or = (): Decided => {
    const parts = [and()];
    while (list[at] === 'or') {
      at++;
      parts.push(and());
    }
    return join(parts, 'or');
  };
  try {
    const decided = or();
    if (at !== list.length) return marker;
    return decided === true ? undefined : decided === false ? false : decided.text;
  } catch {
    return marker;
  }
}
