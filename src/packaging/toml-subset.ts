/**
 * A strict TOML reader (pure, no TOML library), in two modes:
 * - parseToml reads TOML 1.0, as people write pyproject.toml and Pipfile:
 *   multi-line strings, floats (a TomlFloat, so `1.0` stays apart from `1`),
 *   integers in any base, dates and times (a TomlDateTime), dotted keys.
 * - parseTomlSubset reads the TOML uv and Poetry write in uv.lock and
 *   poetry.lock: `key = value` lines, `[table]` and `[[array]]` headers,
 *   one-line strings, decimal integers, booleans, arrays and inline tables.
 *   Anything else (multi-line strings, floats, dates, dotted keys in a
 *   key-value line) is refused with its line rather than guessed at: a
 *   lockfile read wrong installs the wrong packages.
 * Both refuse what TOML forbids (a key or table defined twice, an inline
 * table added to, a bad escape) with its line.
 */

/** A TOML float: a number that Python reads as a float (json.dumps writes `1.0`, not `1`). */
export class TomlFloat {
  constructor(readonly value: number) {}
}

export type TomlDateTimeKind = 'offset-date-time' | 'local-date-time' | 'local-date' | 'local-time';

/** A TOML date or time, as written: Python reads it as a datetime, which json.dumps cannot write. */
export class TomlDateTime {
  constructor(
    readonly kind: TomlDateTimeKind,
    readonly text: string,
  ) {}
}

export type TomlValue = string | number | boolean | TomlFloat | TomlDateTime | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlSubsetError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'TomlSubsetError';
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;
/** A key path as TOML writes it: `a."b.c"`. */
const dotted = (path: readonly string[]) =>
  path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
/** What TOML allows in no string or comment: control characters but tab (newlines end them). */
const isControl = (c: string) => {
  const code = c.charCodeAt(0);
  return (code <= 0x1f && c !== '\t') || code === 0x7f;
};
/** After a backslash in a multi-line basic string: it ends the line. */
const LINE_ENDING_BACKSLASH = /[ \t]*\n/y;

const DEC = String.raw`(?:0|[1-9](?:_?[0-9])*)`;
const DIGITS = String.raw`[0-9](?:_?[0-9])*`;
const INTEGER = new RegExp(
  String.raw`^(?:[+-]?${DEC}|0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*)$`,
);
const FLOAT = new RegExp(String.raw`^[+-]?${DEC}(?:\.${DIGITS}(?:[eE][+-]?${DIGITS})?|[eE][+-]?${DIGITS})$`);
const SPECIAL_FLOAT = /^([+-]?)(inf|nan)$/;
const TIME = String.raw`(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?`;
const DATE_TIME = new RegExp(
  String.raw`^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]${TIME}(Z|z|[+-](\d{2}):(\d{2}))?)?$`,
);
const LOCAL_TIME = new RegExp(`^${TIME}$`);
/** The characters of a number, date, time, true or false. */
const SCALAR = /[0-9A-Za-z_+\-.:]+/y;

/** Whether the fields of a date or time are in range (TOML's RFC 3339: no 24:00, no leap second). */
function validDateTime(year: number, month: number, day: number, ...hms: (number | undefined)[]): boolean {
  const [hour = 0, minute = 0, second = 0, offsetHour = 0, offsetMinute = 0] = hms;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

/** A number, date, time or boolean written as `token`; undefined when TOML has none such. */
function scalarOf(token: string): TomlValue | undefined {
  if (token === 'true' || token === 'false') return token === 'true';
  if (INTEGER.test(token)) return Number(token.replace(/_/g, ''));
  if (FLOAT.test(token)) return new TomlFloat(Number(token.replace(/_/g, '')));
  const special = SPECIAL_FLOAT.exec(token);
  if (special) return new TomlFloat(special[2] === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity);
  const n = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const date = DATE_TIME.exec(token);
  if (date) {
    const [, y, mo, d, h, mi, s, offset, oh, om] = date;
    if (!validDateTime(Number(y), Number(mo), Number(d), n(h), n(mi), n(s), n(oh), n(om))) return undefined;
    const kind =
      h === undefined ? 'local-date' : offset === undefined ? 'local-date-time' : 'offset-date-time';
    return new TomlDateTime(kind, token);
  }
  const time = LOCAL_TIME.exec(token);
  if (time && validDateTime(2000, 1, 1, n(time[1]), n(time[2]), n(time[3])))
    return new TomlDateTime('local-time', token);
  return undefined;
}

export function isTable(value: TomlValue | undefined): value is TomlTable {
  return (
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof TomlFloat) &&
    !(value instanceof TomlDateTime)
  );
}

class Reader {
  private pos = 0;
  line = 1;
  /** The line of each table a header opened: errors about its content name it. */
  readonly lines = new WeakMap<TomlTable, number>();
  /** Tables a header defined, or dotted keys under an earlier header: no header or dotted key defines them again. */
  private readonly defined = new WeakSet<TomlTable>();
  /** Tables dotted keys defined under the current header; defined once the next header starts. */
  private readonly pending = new Set<TomlTable>();
  /** Inline tables and arrays written as values: TOML lets nothing add to them. */
  private readonly frozen = new WeakSet<object>();
  private readonly text: string;

  /** `full`: TOML 1.0 (parseToml); else the lockfile subset (parseTomlSubset). */
  constructor(
    text: string,
    private readonly full: boolean,
  ) {
    // TOML reads CRLF as LF, in multi-line strings too (as Python's tomllib does).
    this.text = full ? text.replace(/\r\n/g, '\n') : text;
  }

  fail(reason: string, line = this.line): never {
    throw new TomlSubsetError(line, reason);
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  private next(): string {
    const c = this.text[this.pos++] ?? '';
    if (c === '\n') this.line++;
    return c;
  }

  private expect(c: string, what: string): void {
    if (this.peek() !== c) this.fail(`expected ${what}, found ${this.shown()}`);
    this.next();
  }

  private shown(): string {
    const c = this.peek();
    return c === '' ? 'the end of the file' : c === '\n' || c === '\r' ? 'the end of the line' : `"${c}"`;
  }

  /** `c` read into a string or comment: TOML 1.0 refuses control characters there (but tab, and `newline` when true). */
  private allowed(c: string, newline = false): string {
    if (this.full && isControl(c) && !(newline && c === '\n'))
      this.fail(`control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    return c;
  }

  private comment(): void {
    while (this.peek() !== '\n' && this.peek() !== '' && !(this.peek() === '\r' && this.peek(1) === '\n'))
      this.allowed(this.next());
  }

  /** Spaces and tabs; with `lines`, also newlines and comments (inside arrays, between statements). */
  private skip(lines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t') this.next();
      else if (c === '#' && lines) this.comment();
      else if ((c === '\n' || (c === '\r' && this.peek(1) === '\n')) && lines) this.next();
      else return;
    }
  }

  /** After a statement: an optional comment, then the end of the line or of the file. */
  private endOfLine(): void {
    this.skip(false);
    if (this.peek() === '#') this.comment();
    if (this.peek() === '\r' && this.peek(1) === '\n') this.next();
    if (this.peek() === '') return;
    if (this.peek() !== '\n') this.fail(`expected the end of the line, found ${this.shown()}`);
    this.next();
  }

  private key(): string {
    if (this.peek() === '"') return this.basicString(false);
    if (this.peek() === "'" && this.full) return this.literalString(false);
    let key = '';
    while (BARE_KEY.test(this.peek())) key += this.next();
    if (!key) this.fail(`expected a key, found ${this.shown()}`);
    return key;
  }

  private keyPath(): string[] {
    const path = [this.key()];
    for (this.skip(false); this.peek() === '.'; this.skip(false)) {
      this.next();
      this.skip(false);
      path.push(this.key());
    }
    return path;
  }

  /** What an escape (after its backslash) stands for. */
  private escape(): string {
    const e = this.next();
    if (ESCAPES[e] !== undefined) return ESCAPES[e];
    if (e !== 'u' && e !== 'U') this.fail(`unknown escape \\${e}`);
    const hex = this.text.slice(this.pos, this.pos + (e === 'u' ? 4 : 8));
    if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== (e === 'u' ? 4 : 8))
      this.fail(`bad escape \\${e}${hex}`);
    const code = parseInt(hex, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      this.fail(`bad escape \\${e}${hex}: not a Unicode scalar value`);
    this.pos += hex.length;
    return String.fromCodePoint(code);
  }

  /**
   * From an opening `'''` or `"""`: the quotes closing it (up to two more
   * before them are content), or undefined; the string's first newline is
   * dropped.
   */
  private multiLine(quote: string): (() => string | undefined) | undefined {
    const delimiter = quote.repeat(3);
    if (!this.text.startsWith(delimiter, this.pos)) return undefined;
    if (!this.full) this.fail('multi-line strings are not part of a lockfile');
    const line = this.line;
    this.pos += 3;
    if (this.peek() === '\n') this.next();
    return () => {
      if (this.peek() === '') this.fail('a multi-line string is not closed', line);
      if (!this.text.startsWith(delimiter, this.pos)) return undefined;
      let extra = 0;
      while (extra < 2 && this.peek(3 + extra) === quote) extra++;
      this.pos += 3 + extra;
      return quote.repeat(extra);
    };
  }

  private basicString(multiLineAllowed: boolean): string {
    const closing = multiLineAllowed || !this.full ? this.multiLine('"') : undefined;
    if (closing) return this.multiLineBasic(closing);
    this.next();
    let value = '';
    for (;;) {
      if (this.peek() === '' || this.peek() === '\n') this.fail('a string is not closed on its line');
      const c = this.next();
      if (c === '"') return value;
      value += c === '\\' ? this.escape() : this.allowed(c);
    }
  }

  private multiLineBasic(closing: () => string | undefined): string {
    let value = '';
    for (;;) {
      const end = closing();
      if (end !== undefined) return value + end;
      const c = this.next();
      LINE_ENDING_BACKSLASH.lastIndex = this.pos;
      if (c !== '\\') value += this.allowed(c, true);
      // A line-ending backslash: it, the newline and the whitespace after it are left out.
      else if (LINE_ENDING_BACKSLASH.test(this.text)) while (/[ \t\n]/.test(this.peek())) this.next();
      else value += this.escape();
    }
  }

  private literalString(multiLineAllowed: boolean): string {
    const closing = multiLineAllowed || !this.full ? this.multiLine("'") : undefined;
    if (closing) {
      let value = '';
      for (;;) {
        const end = closing();
        if (end !== undefined) return value + end;
        value += this.allowed(this.next(), true);
      }
    }
    this.next();
    const end = this.text.indexOf("'", this.pos);
    const newline = this.text.indexOf('\n', this.pos);
    if (end < 0 || (newline >= 0 && newline < end)) this.fail('a string is not closed on its line');
    const value = this.text.slice(this.pos, end);
    for (const c of value) this.allowed(c);
    this.pos = end + 1;
    return value;
  }

  private value(): TomlValue {
    const c = this.peek();
    if (c === '"') return this.basicString(true);
    if (c === "'") return this.literalString(true);
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    return this.full ? this.scalar() : this.lockfileScalar();
  }

  private lockfileScalar(): TomlValue {
    const word = /^(true|false|[+-]?[0-9]+)(?=[\s,\]}#]|$)/.exec(
      this.text.slice(this.pos, this.pos + 32),
    )?.[1];
    if (word === undefined)
      this.fail(`expected a string, number, true, false, [array] or {table}, found ${this.shown()}`);
    this.pos += word.length;
    return word === 'true' ? true : word === 'false' ? false : Number(word);
  }

  private scalar(): TomlValue {
    SCALAR.lastIndex = this.pos;
    let token = SCALAR.exec(this.text)?.[0] ?? '';
    // A date and a time apart by a space are one offset or local date-time.
    const time = /^\d{4}-\d{2}-\d{2}$/.test(token)
      ? /^ \d{2}:[0-9A-Za-z_+\-.:]*/.exec(this.text.slice(this.pos + token.length, this.pos + 40))
      : null;
    if (time) token += time[0];
    const value = token ? scalarOf(token) : undefined;
    if (value === undefined)
      this.fail(
        `expected a value (a string, number, date, true, false, [array] or {table}), found ${token ? `"${token}"` : this.shown()}`,
      );
    this.pos += token.length;
    return value;
  }

  private array(): TomlValue[] {
    this.next();
    const items: TomlValue[] = [];
    for (this.skip(true); this.peek() !== ']'; this.skip(true)) {
      items.push(this.value());
      this.skip(true);
      if (this.peek() === ',') this.next();
      else if (this.peek() !== ']') this.fail(`expected "," or "]" in an array, found ${this.shown()}`);
    }
    this.next();
    return items;
  }

  private inlineTable(): TomlTable {
    this.next();
    const table: TomlTable = {};
    this.skip(false);
    if (this.peek() === '}') {
      this.next();
      return table;
    }
    for (;;) {
      this.skip(false);
      this.assign(table);
      this.skip(false);
      if (this.peek() === '}') break;
      this.expect(',', '"," or "}" in an inline table');
    }
    this.next();
    return table;
  }

  /** `key = value` (the key dotted or not) into `table`. */
  private assign(table: TomlTable): void {
    const path = this.keyPath();
    if (path.length > 1 && !this.full)
      this.fail(`dotted keys (${path.join('.')}) are not part of a lockfile`);
    const key = path.at(-1)!;
    this.expect('=', `"=" after ${dotted(path)}`);
    this.skip(false);
    let target = table;
    for (const [i, step] of path.slice(0, -1).entries()) {
      const name = dotted(path.slice(0, i + 1));
      const found = (target[step] ??= {});
      if (!isTable(found)) this.fail(`${name} is a value, so ${dotted(path)} cannot be defined`);
      if (this.frozen.has(found)) this.fail(`${name} is an inline table: ${dotted(path)} cannot add to it`);
      if (this.defined.has(found))
        this.fail(`${name} is a table defined under another header: ${dotted(path)} cannot add to it`);
      this.pending.add(found);
      target = found;
    }
    if (Object.hasOwn(target, key)) this.fail(`${dotted(path)} is defined twice`);
    const value = this.value();
    if (typeof value === 'object' && (isTable(value) || Array.isArray(value))) this.frozen.add(value);
    target[key] = value;
  }

  /** The table a `[path]` or `[[path]]` header opens, created in `root`. */
  private header(root: TomlTable, array: boolean): TomlTable {
    const path = this.keyPath();
    this.expect(']', '"]"');
    if (array) this.expect(']', '"]]"');
    const shown = array ? `[[${dotted(path)}]]` : `[${dotted(path)}]`;
    for (const table of this.pending) this.defined.add(table);
    this.pending.clear();
    let table = root;
    for (const [i, key] of path.entries()) {
      const last = i === path.length - 1;
      let found = table[key];
      if (typeof found === 'object' && this.frozen.has(found))
        this.fail(
          `${shown}: ${dotted(path.slice(0, i + 1))} is an inline table or array, which nothing adds to`,
        );
      if (last && array) {
        if (found === undefined) found = table[key] = [];
        if (!Array.isArray(found)) this.fail(`${shown} names a table that is not an array of tables`);
        const item: TomlTable = {};
        found.push(item);
        this.defined.add(item);
        return item;
      }
      if (found === undefined) found = table[key] = {};
      if (Array.isArray(found)) found = found.at(-1);
      if (!isTable(found)) this.fail(`${shown} names a value that is not a table`);
      if (last) {
        if (this.defined.has(found)) this.fail(`${shown} is defined twice`);
        this.defined.add(found);
      }
      table = found;
    }
    return table;
  }

  document(): TomlTable {
    const root: TomlTable = {};
    let current = root;
    if (this.peek() === '\uFEFF') this.pos++;
    for (this.skip(true); this.peek() !== ''; this.skip(true)) {
      const line = this.line;
      if (this.peek() === '[') {
        this.next();
        const array = this.peek() === '[';
        if (array) this.next();
        this.skip(false);
        current = this.header(root, array);
        this.lines.set(current, line);
      } else this.assign(current);
      this.endOfLine();
    }
    return root;
  }
}

/** The document and the line of each table a header opened. */
export interface ParsedToml {
  root: TomlTable;
  lineOf: (table: TomlTable) => number | undefined;
}

function parse(text: string, full: boolean): ParsedToml {
  const reader = new Reader(text, full);
  const root = reader.document();
  return { root, lineOf: (table) => reader.lines.get(table) };
}

/** A lockfile's TOML (uv.lock, poetry.lock): the subset uv and Poetry write, nothing else. */
export function parseTomlSubset(text: string): ParsedToml {
  return parse(text, false);
}

/** A file people write (pyproject.toml, Pipfile): TOML 1.0. */
export function parseToml(text: string): ParsedToml {
  return parse(text, true);
}
