/**
 * The part of GitHub Actions' expression language that the reusable workflow
 * uses in its `if:` conditions and the `with:` of its lambda-deploy steps:
 * context paths (`inputs.app`, `github.event.pull_request.number`,
 * `needs.route.outputs.production`), string, number, boolean and null
 * literals, `==`, `!=`, `!`, `&&`, `||`, parentheses, and the functions
 * `contains`, `startsWith`, `endsWith`, `format`, `fromJSON` and the status
 * checks, with GitHub's semantics: `&&`/`||` yield an operand; strings compare
 * case-insensitively, in `==` as in `contains` (whose string form is a substring
 * test) and `startsWith` (docs.github.com/actions/learn-github-actions/expressions).
 * Anything else throws, so a new construct in the workflow fails the test
 * that evaluates it instead of being evaluated wrongly.
 */
export type Value = string | number | boolean | null | Value[];
export type Contexts = Record<string, Record<string, unknown>>;
/** What the status functions answer: a job's needs, or a step's earlier steps. */
export interface Status {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}
const ALL_PASSED: Status = { success: true, failure: false, cancelled: false };

const TOKEN =
  /\s*(\|\||&&|==|!=|!|\(|\)|,|'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)/y;

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    if (/^\s*$/.test(expr.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (!m)
      throw new Error(`expression not supported by this evaluator at ${JSON.stringify(expr.slice(at))}`);
    tokens.push(m[1] as string);
  }
  return tokens;
}

const truthy = (v: Value): boolean => !(v === null || v === false || v === 0 || v === '' || Number.isNaN(v));

/** A value as GitHub turns it into a string (null is empty). */
function str(v: Value): string {
  if (Array.isArray(v)) throw new Error('an array where a string is expected');
  return v === null ? '' : String(v);
}

function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b) return a === b;
  // Different types compare as numbers, as GitHub does ('' and null are 0, 'true' is NaN).
  const num = (v: Value) => (v === null ? 0 : typeof v === 'boolean' ? Number(v) : v === '' ? 0 : Number(v));
  return num(a) === num(b);
}

/** A context value as an expression value: objects are not supported, arrays of values are. */
function fromContext(v: unknown, path: string): Value {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((e) => fromContext(e, path));
  if (typeof v === 'object') throw new Error(`${path} is an object: only values are supported`);
  return v as Value;
}

function fromJson(json: Value): Value {
  const parsed: unknown = JSON.parse(str(json));
  return fromContext(parsed, `fromJSON(${str(json)})`);
}

function format(template: Value, args: Value[]): string {
  return str(template).replace(/\{\{|\}\}|\{(\d+)\}/g, (m, n: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const i = Number(n);
    if (i >= args.length) throw new Error(`format: no argument {${i}}`);
    return str(args[i] as Value);
  });
}

function call(name: string, args: Value[], status: Status): Value {
  const arity = (n: number) => {
    if (args.length !== n) throw new Error(`${name}() takes ${n} arguments, got ${args.length}`);
  };
  const [a = null, b = null] = args;
  switch (name) {
    case 'contains':
      arity(2);
      // An array: is item one of its elements (compared as ==)? Anything else: a substring, ignoring case.
      return Array.isArray(a)
        ? a.some((e) => equal(e, b))
        : str(a).toLowerCase().includes(str(b).toLowerCase());
    case 'startsWith':
      arity(2);
      return str(a).toLowerCase().startsWith(str(b).toLowerCase());
    case 'endsWith':
      arity(2);
      return str(a).toLowerCase().endsWith(str(b).toLowerCase());
    case 'format':
      if (!args.length) throw new Error('format() takes a template');
      return format(a, args.slice(1));
    case 'fromJSON':
      arity(1);
      return fromJson(a);
    case 'success':
    case 'failure':
    case 'cancelled':
      arity(0);
      return status[name];
    case 'always':
      arity(0);
      return true;
    default:
      throw new Error(`function ${name}() is not supported by this evaluator`);
  }
}

/** Does `expr` call a status function (else a job's `if` is `success() && (expr)`)? */
export function hasStatusCheck(expr: string): boolean {
  return /\b(success|failure|cancelled|always)\s*\(\s*\)/.test(expr);
}

export function evaluate(expr: string, contexts: Contexts, status: Status = ALL_PASSED): Value {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const t = tokens[i++];
    if (t === undefined || (expected && t !== expected))
      throw new Error(`expected ${expected ?? 'more'} in ${JSON.stringify(expr)}`);
    return t;
  };
  const primary = (): Value => {
    const t = take();
    if (t === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    if (peek() === '(') {
      take('(');
      const args: Value[] = [];
      while (peek() !== ')') {
        if (args.length) take(',');
        args.push(or());
      }
      take(')');
      return call(t, args, status);
    }
    const [context, ...path] = t.split('.');
    const scope = contexts[context as string];
    if (!scope) throw new Error(`unknown context ${context} in ${JSON.stringify(expr)}`);
    if (!path.length) throw new Error(`a whole context is not supported: ${t}`);
    let v: unknown = scope;
    for (const key of path)
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    return fromContext(v, t);
  };
  const unary = (): Value => (peek() === '!' ? (take(), !truthy(unary())) : primary());
  const comparison = (): Value => {
    const left = unary();
    if (peek() === '==' || peek() === '!=') {
      const op = take();
      const same = equal(left, unary());
      return op === '==' ? same : !same;
    }
    return left;
  };
  const and = (): Value => {
    let v = comparison();
    while (peek() === '&&') {
      take();
      const right = comparison();
      v = truthy(v) ? right : v;
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek() === '||') {
      take();
      const right = and();
      v = truthy(v) ? v : right;
    }
    return v;
  };
  const value = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in ${JSON.stringify(expr)}`);
  return value;
}

/** Is an `if:` (with or without `${{ }}`) true? */
export function condition(expr: string, contexts: Contexts, status: Status = ALL_PASSED): boolean {
  const bare = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expr)?.[1] ?? expr;
  return truthy(evaluate(bare, contexts, status));
}

/** A `with:` value with its `${{ }}` parts replaced, as the runner passes it to an action. */
export function interpolate(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => {
    const v = evaluate(expr, contexts);
    if (Array.isArray(v)) throw new Error(`${expr} is an array, not a string`);
    return v === null ? '' : String(v);
  });
}
