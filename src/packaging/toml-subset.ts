/**
 * A strict reader of the TOML uv and Poetry write in uv.lock and poetry.lock
 * (pure, no TOML library):
 * `key = value` lines, `[table]` and `[[array]]` headers with dotted keys,
 * one-line basic and literal strings, integers, booleans, arrays (over
 * several lines, with comments and a trailing comma) and one-line inline
 * tables. Anything else (multi-line strings, floats, dates, dotted keys in
 * a key-value line, a key or table defined twice) is refused with its line
 * rather than guessed at: a lockfile read wrong installs the wrong packages.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
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
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

export function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === 'object' && !Array.isArray(value);
}

class Reader {
  private pos = 0;
  line = 1;
  /** The line of each table a header opened: errors about its content name it. */
  readonly lines = new WeakMap<TomlTable, number>();
  private readonly defined = new WeakSet<TomlTable>();

  constructor(private readonly text: string) {}

  fail(reason: string): never {
    throw new TomlSubsetError(this.line, reason);
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

  /** Spaces and tabs; with `lines`, also newlines and comments (inside arrays, between statements). */
  private skip(lines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t') this.next();
      else if (c === '#' && lines) while (this.peek() !== '\n' && this.peek() !== '') this.next();
      else if ((c === '\n' || (c === '\r' && this.peek(1) === '\n')) && lines) this.next();
      else return;
    }
  }

  /** After a statement: an optional comment, then the end of the line or of the file. */
  private endOfLine(): void {
    this.skip(false);
    if (this.peek() === '#') while (this.peek() !== '\n' && this.peek() !== '') this.next();
    if (this.peek() === '\r' && this.peek(1) === '\n') this.next();
    if (this.peek() === '') return;
    if (this.peek() !== '\n') this.fail(`expected the end of the line, found ${this.shown()}`);
    this.next();
  }

  private key(): string {
    if (this.peek() === '"') return this.basicString();
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

  private basicString(): string {
    if (this.text.startsWith('"""', this.pos)) this.fail('multi-line strings are not part of a lockfile');
    this.next();
    let value = '';
    for (;;) {
      if (this.peek() === '' || this.peek() === '\n') this.fail('a string is not closed on its line');
      const c = this.next();
      if (c === '"') return value;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const e = this.next();
      if (ESCAPES[e] !== undefined) value += ESCAPES[e];
      else if (e === 'u' || e === 'U') {
        const hex = this.text.slice(this.pos, this.pos + (e === 'u' ? 4 : 8));
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== (e === 'u' ? 4 : 8))
          this.fail(`bad escape \\${e}${hex}`);
        this.pos += hex.length;
        value += String.fromCodePoint(parseInt(hex, 16));
      } else this.fail(`unknown escape \\${e}`);
    }
  }

  private literalString(): string {
    if (this.text.startsWith("'''", this.pos)) this.fail('multi-line strings are not part of a lockfile');
    this.next();
    const end = this.text.indexOf("'", this.pos);
    const newline = this.text.indexOf('\n', this.pos);
    if (end < 0 || (newline >= 0 && newline < end)) this.fail('a string is not closed on its line');
    const value = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return value;
  }

  private value(): TomlValue {
    const c = this.peek();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    const word = /^(true|false|[+-]?[0-9]+)(?=[\s,\]}#]|$)/.exec(
      this.text.slice(this.pos, this.pos + 32),
    )?.[1];
    if (word === undefined)
      this.fail(`expected a string, number, true, false, [array] or {table}, found ${this.shown()}`);
    this.pos += word.length;
    return word === 'true' ? true : word === 'false' ? false : Number(word);
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

  /** `key = value` into `table`. */
  private assign(table: TomlTable): void {
    const path = this.keyPath();
    if (path.length > 1) this.fail(`dotted keys (${path.join('.')}) are not part of a lockfile`);
    const key = path[0]!;
    this.expect('=', `"=" after ${key}`);
    this.skip(false);
    if (Object.hasOwn(table, key)) this.fail(`${key} is defined twice`);
    table[key] = this.value();
  }

  /** The table a `[path]` or `[[path]]` header opens, created in `root`. */
  private header(root: TomlTable, array: boolean): TomlTable {
    const path = this.keyPath();
    this.expect(']', '"]"');
    if (array) this.expect(']', '"]]"');
    let table = root;
    for (const [i, key] of path.entries()) {
      const last = i === path.length - 1;
      let found = table[key];
      if (last && array) {
        if (found === undefined) found = table[key] = [];
        if (!Array.isArray(found))
          this.fail(`[[${path.join('.')}]] names a table that is not an array of tables`);
        const item: TomlTable = {};
        found.push(item);
        this.defined.add(item);
        return item;
      }
      if (found === undefined) found = table[key] = {};
      if (Array.isArray(found)) found = found.at(-1);
      if (!isTable(found)) this.fail(`[${path.join('.')}] names a value that is not a table`);
      if (last) {
        if (this.defined.has(found)) this.fail(`[${path.join('.')}] is defined twice`);
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

/** The document, and the line of each table a header opened. */
export function parseTomlSubset(text: string): {
  root: TomlTable;
  lineOf: (table: TomlTable) => number | undefined;
} {
  const reader = new Reader(text);
  const root = reader.document();
  return { root, lineOf: (table) => reader.lines.get(table) };
}
