/**
 * The part of GitHub Actions' expression language that the reusable workflow
 * uses in the `with:` of its lambda-deploy steps: context paths
 * (`inputs.app`, `secrets.environment-secrets`), string, number, boolean and
 * null literals, `==`, `!=`, `!`, `&&`, `||` and parentheses, with GitHub's
 * semantics (`&&`/`||` yield an operand; strings compare case-insensitively).
 * Anything else throws, so a new construct in the workflow fails the test
 * that evaluates it instead of being evaluated wrongly.
 */
export type Value = string | number | boolean | null;
export type Contexts = Record<string, Record<string, Value | undefined>>;

const TOKEN =
  /\s*(\|\||&&|==|!=|!|\(|\)|'(?:[^']|'')*'|-?\d+(?:\.\d+)?|[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)/y;

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

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b) return a === b;
  // Different types compare as numbers, as GitHub does ('' and null are 0, 'true' is NaN).
  const num = (v: Value) => (v === null ? 0 : typeof v === 'boolean' ? Number(v) : v === '' ? 0 : Number(v));
  return num(a) === num(b);
}

export function evaluate(expr: string, contexts: Contexts): Value {
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
    if (peek() === '(') throw new Error(`function ${t}() is not supported by this evaluator`);
    const [context, ...path] = t.split('.');
    const scope = contexts[context as string];
    if (!scope) throw new Error(`unknown context ${context} in ${JSON.stringify(expr)}`);
    if (path.length !== 1) throw new Error(`only context.name paths are supported: ${t}`);
    return scope[path[0] as string] ?? null;
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

/** A `with:` value with its `${{ }}` parts replaced, as the runner passes it to an action. */
export function interpolate(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => {
    const v = evaluate(expr, contexts);
    return v === null ? '' : String(v);
  });
}
