import { readFile } from 'node:fs/promises';
import { init as initCjsLexer, parse as parseCjs } from 'cjs-module-lexer';
import {
  init as initEsmLexer,
  parse as parseEsm,
  type ExportSpecifier,
  type ImportSpecifier,
} from 'es-module-lexer';
import { Inputs } from '../settings/names.js';
import type { PackageEntry } from '../settings/package-json.js';
import { isPythonRuntime, NODE_RUNTIMES } from '../settings/runtimes.js';
import { inputName, settingOf, type Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import { createCommandRunner, type CommandRunner } from './command-runner.js';
import { buildFirstAdvice, type WorkflowBuild } from './build-script.js';

/** What the function's entry point must be: a file of the package that defines a name. */
export interface HandlerTarget {
  /** The input that names it. */
  input: typeof Inputs.Handler | typeof Inputs.App;
  value: string;
  /** Package paths that would hold the module, in Lambda's order of preference. */
  files: string[];
  /** The function (handler) or the app's first attribute. */
  name: string;
  python: boolean;
}

/** The handler or app points at nothing Lambda could load: found before anything runs or uploads. */
export class HandlerCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerCheckError';
  }
}

/**
 * The files and name a handler or app means (pure): `app.handler` ->
 * app.py defining `handler`; `src/index.handler` (Node.js) -> src/index.js,
 * .mjs or .cjs exporting `handler` (`index.routes.get`: index.js exporting
 * `routes`); app `service.main:create_app()` ->
 * service/main.py defining `create_app`.
 */
export function handlerTarget(handler: string, runtime: string, app?: string): HandlerTarget {
  const python = isPythonRuntime(runtime);
  if (app) {
    const [module = '', attribute = ''] = app.split(':');
    const base = module.replace(/\./g, '/');
    return {
      input: Inputs.App,
      value: app,
      files: [`${base}.py`, `${base}/__init__.py`],
      name: attribute.replace(/\(\)$/, '').split('.')[0] as string,
      python: true,
    };
  }
  // Python: module.function, the module dotted (`pkg.mod.handler`). Node.js, as Lambda's runtime reads
  // it: the file ends at the first dot after the last slash, the rest is a path into its exports
  // (`index.handlers.get` -> index.js exporting `handlers`).
  const dot = python ? handler.lastIndexOf('.') : handler.indexOf('.', handler.lastIndexOf('/') + 1);
  const module = handler.slice(0, dot);
  const name = handler.slice(dot + 1).split('.')[0] as string;
  const files = python
    ? [`${module.replace(/\./g, '/')}.py`, `${module.replace(/\./g, '/')}/__init__.py`]
    : ['.js', '.mjs', '.cjs'].map((ext) => `${module}${ext}`);
  return { input: Inputs.Handler, value: handler, files, name, python };
}

/** What a module defines at its top level, as far as can be told without running it. */
export interface Definitions {
  names: string[];
  /**
   * The names a failed check lists: what may be the function meant (functions,
   * classes, callable objects), not the modules it imports or its constants.
   * All of `names` when not given.
   */
  listed?: string[];
  /** `from x import *`, `export * from`, a module `__getattr__`: other names may exist. */
  open: boolean;
  /** Definitive: ES module exports, Python's AST. CommonJS exports built at run time escape a static look. */
  exact: boolean;
  /** The module does not parse. */
  error?: string;
  /** Python: names bound to a WSGI/ASGI app object, and the call that made it (`get_wsgi_application()`). */
  apps?: Record<string, string>;
  /** Python: undecorated functions called with no arguments: an app factory, never an app itself. */
  factories?: string[];
  /** CommonJS: `module.exports = async () => ...`, a function as the whole export, which Lambda never calls. */
  wholeFunction?: boolean;
  /** CommonJS: `exports.handler = module.exports = fn`, the named export lost with the object replaced (replacedExport()). */
  replaced?: ReplacedExport;
}

/**
 * Top-level names of Python files, read with Python's own `ast` (the code is
 * parsed, never imported). Prints {path: {names, star} | {error}} as JSON.
 */
const PYTHON_DEFINITIONS = `
import ast, json, sys
CALLABLE = (ast.Call, ast.Lambda, ast.Name, ast.Attribute)
APPS = {"Flask", "Quart", "FastAPI", "Starlette", "Litestar", "Bottle", "get_wsgi_application", "get_asgi_application"}
def app_call(value):
    if not isinstance(value, ast.Call): return None
    f, parts = value.func, []
    while isinstance(f, ast.Attribute): parts.insert(0, f.attr); f = f.value
    if isinstance(f, ast.Name): parts.insert(0, f.id)
    return ".".join(parts) + "()" if parts and parts[-1] in APPS else None
def no_arguments(f):
    a = f.args
    required = len(a.posonlyargs) + len(a.args) - len(a.defaults)
    return not f.decorator_list and required == 0 and not a.vararg and None not in a.kw_defaults
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
def bound_later(tree):
    # Every other way a statement binds a module name: for, with, except, walrus (a comprehension's
    # too), match, and global in a function that may run at import.
    bound = set()
    def walk(node, comprehension):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, SCOPES):
                for n in ast.walk(child):
                    if isinstance(n, ast.Global): bound.update(n.names)
                continue
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name): bound.add(child.target.id)
            elif comprehension: pass
            elif isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load): bound.add(child.id)
            elif isinstance(child, ast.ExceptHandler) and child.name: bound.add(child.name)
            elif isinstance(getattr(child, "name", None), str) and type(child).__name__ in ("MatchAs", "MatchStar"): bound.add(child.name)
            elif type(child).__name__ == "MatchMapping" and child.rest: bound.add(child.rest)
            walk(child, comprehension or isinstance(child, COMPREHENSIONS))
    walk(tree, False)
    return bound
def names_of(tree):
    names, listed, star, apps, factories, rebound = set(), set(), False, {}, set(), set()
    def target(t, shown):
        if isinstance(t, ast.Name):
            names.add(t.id); rebound.add(t.id)
            if shown: listed.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts: target(e, False)
        elif isinstance(t, ast.Starred): target(t.value, False)
    def visit(body):
        nonlocal star
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name); listed.add(node.name)
                if not isinstance(node, ast.ClassDef) and no_arguments(node): factories.add(node.name)
                else: rebound.add(node.name)
            elif isinstance(node, ast.Assign):
                for t in node.targets: target(t, isinstance(node.value, CALLABLE))
                for t in node.targets:
                    if isinstance(t, ast.Name) and app_call(node.value): apps[t.id] = app_call(node.value)
            elif isinstance(node, ast.AnnAssign):
                target(node.target, isinstance(node.value, CALLABLE))
                if isinstance(node.target, ast.Name) and app_call(node.value): apps[node.target.id] = app_call(node.value)
            elif isinstance(node, ast.AugAssign): target(node.target, False)
            elif isinstance(node, ast.Import):
                for a in node.names: names.add((a.asname or a.name).split(".")[0]); rebound.add((a.asname or a.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.name == "*": star = True
                    else: names.add(a.asname or a.name); listed.add(a.asname or a.name); rebound.add(a.asname or a.name)
            else:
                for field in ("body", "orelse", "finalbody"): visit(getattr(node, field, []) or [])
                for h in getattr(node, "handlers", []) or []: visit(h.body)
                for c in getattr(node, "cases", []) or []: visit(c.body)
    visit(tree.body)
    # A factory only when nothing else binds the name (app = wrap(app), an app in another branch);
    # a star import may bind any name: no factory is sure then.
    sure = set() if star else factories - rebound - bound_later(tree)
    return sorted(names), sorted(listed), star or "__getattr__" in names, apps, sorted(sure)
out = {"python": "%d.%d" % sys.version_info[:2], "files": {}}
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f: tree = ast.parse(f.read(), filename=path)
        names, listed, star, apps, factories = names_of(tree)
        out["files"][path] = {"names": names, "listed": listed, "open": star, "apps": apps, "factories": factories}
    except (SyntaxError, ValueError) as e:
        out["files"][path] = {"error": "%s (line %s)" % (getattr(e, "msg", e), getattr(e, "lineno", "?"))}
print(json.dumps(out))
`;

async function pythonDefinitions(
  file: string,
  runtime: string,
  deps: HandlerCheckDeps,
): Promise<Definitions | { unchecked: string }> {
  const python = deps.python;
  const runner = deps.runner ?? createCommandRunner({ ...deps.logger, info: (m) => deps.logger.debug(m) });
  let result;
  try {
    result = await runner.run(python, ['-I', '-c', PYTHON_DEFINITIONS, file], { env: deps.env });
  } catch (error) {
    return { unchecked: `${python} could not be started (${(error as Error).message})` };
  }
  const json = result.output.split('\n').find((line) => line.startsWith('{"python"'));
  if (result.exitCode !== 0 || !json) return { unchecked: `${python} could not read it` };
  const parsed = JSON.parse(json) as {
    python: string;
    files: Record<
      string,
      {
        names?: string[];
        listed?: string[];
        open?: boolean;
        error?: string;
        apps?: Record<string, string>;
        factories?: string[];
      }
    >;
  };
  const found = parsed.files[file] ?? {};
  if (found.error) {
    // A newer runtime's syntax is not an error of the user's code when the local Python is older.
    const wanted = /^python(\d+)\.(\d+)$/.exec(runtime);
    const [major, minor] = parsed.python.split('.').map(Number);
    if (wanted && (major as number) * 100 + (minor as number) < Number(wanted[1]) * 100 + Number(wanted[2]))
      return {
        unchecked: `Python ${parsed.python} here cannot parse it (${found.error}): a syntax error, unless that line uses syntax new in ${runtime}`,
      };
    return { names: [], open: false, exact: true, error: found.error };
  }
  return {
    names: found.names ?? [],
    listed: found.listed,
    open: Boolean(found.open),
    exact: true,
    apps: found.apps ?? {},
    factories: found.factories ?? [],
  };
}

/** `import * as NAME`, `export * as NAME`: a module's namespace. */
const NAMESPACE = /^(?:import|export)\s*\*\s*as\s+([\w$]+)/;
/** What follows `export const NAME` when its value is a literal: a string, a number, true/false/null (an object may hold the handler). */
const LITERAL_VALUE = /^\s*=\s*(?:['"`\d-]|(?:true|false|null|undefined)\b)/;

/**
 * An ES module export that cannot be the function meant (pure): a module's
 * namespace (`export * as lib`, an `import * as fs` exported again) or a
 * constant (`export const TABLE = "orders"`).
 */
function notCallable(source: string, e: ExportSpecifier, imports: readonly ImportSpecifier[]): boolean {
  if (e.ln === undefined) return NAMESPACE.test(source.slice(e.ss));
  const namespaces = imports.map((i) => NAMESPACE.exec(source.slice(i.ss, i.se))?.[1]);
  if (namespaces.includes(e.ln)) return true;
  return (
    e.le > 0 &&
    /^export\s+(?:const|let|var)\b/.test(source.slice(e.ss)) &&
    LITERAL_VALUE.test(source.slice(e.le))
  );
}

/** `module.exports = async (event) => ...`, `= function ...`, `= event => ...`: a function written as the whole export. */
const WHOLE_FUNCTION =
  /(?:^|[;\s])module\.exports\s*=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)/m;

/**
 * A function as the whole export, only when sure, as it is refused: the file's one mention of
 * module.exports (none of Object.assign(module.exports, ...), a bundle's inner modules), in its
 * code (not a comment or a string), a statement of its own (not `fn = module.exports = ...`, the
 * name then given the export).
 */
function wholeFunctionExport(source: string): boolean {
  if (source.match(/\bmodule\.exports\b/g)?.length !== 1) return false;
  const match = WHOLE_FUNCTION.exec(source);
  if (!match) return false;
  const code = codeBefore(source.slice(0, match.index + match[0].indexOf('module.exports')));
  return code !== undefined && !/[=(,:?&|!+\-*/<>%^~[]$/.test(code.trimEnd());
}

/** `exports.NAME = module.exports = ...`, either way round or with `module.` before the first `exports`. */
const REPLACING_CHAIN =
  /(?:^|[;{}\s])((?:module\.)?exports\.([\w$]+)\s*=\s*module\.exports\s*=|module\.exports\s*=\s*(?:module\.)?exports\.([\w$]+)\s*=)\s*(?:(?:async\s+)?(?:(function\b)|\([^()]*\)\s*=>|[\w$]+\s*=>)|([\w$]+)\s*(?:;|$))/m;

/** A named export the same statement's `module.exports = ...` throws away: where, and the name of its function. */
export interface ReplacedExport {
  name: string;
  /** 1-based, in the file. */
  line: number;
  /** `exports.handler = module.exports = ...` */
  statement: string;
  /** The function's name when the chain assigns a declared one; else undefined. */
  fn?: string;
}

/**
 * `exports.handler = module.exports = fn`: assignments chain right to left, so the name goes on
 * the exports object the chain then replaces, and the module exports fn without it. Only when sure,
 * as for wholeFunctionExport(): a statement of its own in code, the file's only mentions of exports,
 * a function as the value (an object may hold the name; `fn.handler = fn` may add it later).
 */
export function replacedExport(source: string): ReplacedExport | undefined {
  const match = REPLACING_CHAIN.exec(source);
  const code = codeBefore(source);
  if (!match || code === undefined) return undefined;
  const start = match.index + match[0].indexOf(match[1]!);
  const before = codeBefore(source.slice(0, start));
  if (before === undefined || /[=(,:?&|!+\-*/<>%^~[]$/.test(before.trimEnd())) return undefined;
  // Counted in the whole text, comments and strings too: codeBefore() takes a quote in a regular
  // expression (/'/g) for a string's start, which blanks the code up to the next quote, and
  // module['exports'] names it in a string.
  if (source.match(/\bexports\b/g)?.length !== 2) return undefined;
  // Run again, `module.exports.handler = ...` finds the function as module.exports and gives it the name.
  if (/module\.exports\.[\w$]+\s*=/.test(match[1]!) && !runsOnce(before)) return undefined;
  const [, , , , called, fn] = match;
  // The value ends there: not `function () { ... }()` (what it returns may hold the name) or `fn.call(...)`.
  // An arrow function cannot be called where it is written.
  const valueEnd = called
    ? match.index + match[0].length
    : fn && match.index + match[0].lastIndexOf(fn) + fn.length;
  const rest = valueEnd ? (codeBefore(source.slice(valueEnd)) ?? '(') : ';';
  if (!VALUE_ENDS.test(called ? functionEnd(rest) : rest)) return undefined;
  if (fn && !declaredFunctionOnly(code, source, fn)) return undefined;
  const statement = `${match[1]!.replace(/\s+/g, ' ')} ...`;
  const line = source.slice(0, start).split('\n').length;
  return { name: (match[2] ?? match[3])!, line, statement, ...(fn && { fn }) };
}

/** Whether a statement after `before` (code) runs once at load: at the top level, not a loop's or an if's body. */
function runsOnce(before: string): boolean {
  let depth = 0;
  for (const c of before) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
  const end = before.trimEnd();
  if (depth !== 0 || /\b(?:else|do)$/.test(end)) return false;
  if (!end.endsWith(')')) return true;
  // `for (...) chain` runs as often as the loop; `require('x')` then a new line, once.
  let open = 0;
  let i = end.length;
  while (--i > 0 && (end[i] !== '(' || --open > 0)) if (end[i] === ')') open++;
  return !/\b(?:for|while|if|with)\s*$/.test(end.slice(0, i));
}

/** The code after a value, when the value is all the chain assigns: `;`, `}`, the end, or a new statement's line. */
const VALUE_ENDS = /^(?:\s*(?:[;}]|$)|[ \t]*\r?\n\s*[\w$])/;

/** The code after a function expression's body, `code` starting after `function`; '(' (not an end) when unbalanced. */
function functionEnd(code: string): string {
  let depth = 0;
  let body = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    // The parameters' parentheses first (a default value may hold braces), then the body's braces.
    if (body ? c === '{' : c === '(') depth++;
    else if (body ? c === '}' : c === ')') {
      if (--depth > 0) continue;
      if (body) return code.slice(i + 1);
      body = true;
    }
  }
  return '(';
}

/**
 * `fn` declared as a function, elsewhere only called or in the chain: nothing can give it the name
 * (fn.handler = fn, Object.assign(fn, ...)). Its mentions are counted in the whole text (`code`
 * may have lost some to a quote in a regular expression, see replacedExport()).
 */
function declaredFunctionOnly(code: string, source: string, fn: string): boolean {
  const name = fn.replace(/\$/g, '\\$');
  const declared = new RegExp(
    `(?:\\bfunction\\s*\\*?\\s*${name}\\s*\\(|\\b(?:const|let|var)\\s+${name}\\s*=\\s*(?:async\\s+)?(?:function\\b|\\([^()]*\\)\\s*=>|[\\w$]+\\s*=>))`,
  );
  // Its mentions but calls, `function fn(` and `const fn =`: the chain's alone.
  const others = new RegExp(
    `(?<![\\w$.])${name}(?![\\w$])(?!\\s*\\()(?<!\\b(?:const|let|var)\\s+${name})`,
    'g',
  );
  return declared.test(code) && source.match(others)?.length === 1;
}

/**
 * The code before a point with comments and strings blanked; undefined when the point is inside
 * one. Regular expression literals are not told apart: a quote in one mostly leaves the point
 * inside a string, which is no refusal (the warning, as for any CommonJS export not seen).
 */
function codeBefore(text: string): string | undefined {
  let code = '';
  let i = 0;
  while (i < text.length) {
    const two = text.slice(i, i + 2);
    const end =
      two === '//'
        ? text.indexOf('\n', i)
        : two === '/*'
          ? text.indexOf('*/', i + 2) + 1
          : /["'`]/.test(text[i]!)
            ? closingQuote(text, i)
            : i;
    if (end === i) code += text[i++];
    else if (end <= 0) return undefined;
    else [code, i] = [`${code} `, end + 1];
  }
  return code;
}

/** Where the string opened at `start` closes (escapes skipped); -1 when it does not. */
function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === text[start]) return i;
  }
  return -1;
}

let lexersReady: Promise<unknown> | undefined;

/** Exports of a JavaScript file, by the lexers Node.js itself uses (the code is never run). */
export async function javascriptDefinitions(text: string, file: string): Promise<Definitions> {
  lexersReady ??= Promise.all([initEsmLexer, initCjsLexer()]);
  await lexersReady;
  // Node.js skips a byte order mark (tsc's emitBOM); es-module-lexer would see no module syntax after one.
  const source = text.replace(/^\uFEFF/, '');
  let esm: string[] = [];
  let listed: string[] = [];
  let star = /(^|[\s;])export\s*\*\s*from\b/m.test(source);
  let isModule = file.endsWith('.mjs');
  try {
    const [imports, exports, , hasModuleSyntax] = parseEsm(source, file);
    esm = exports.map((e) => e.n);
    listed = exports.filter((e) => !notCallable(source, e, imports)).map((e) => e.n);
    isModule ||= hasModuleSyntax;
  } catch (error) {
    if (isModule) return { names: [], open: false, exact: true, error: (error as Error).message };
  }
  if (isModule) return { names: esm, listed, open: star, exact: true };
  try {
    const cjs = parseCjs(source);
    star ||= cjs.reexports.length > 0;
    const whole = wholeFunctionExport(source);
    const replaced = replacedExport(source);
    return {
      names: cjs.exports,
      open: star,
      exact: false,
      ...(whole && { wholeFunction: true }),
      ...(replaced && { replaced }),
    };
  } catch (error) {
    return { names: [], open: false, exact: true, error: (error as Error).message };
  }
}

/** What the static look (javascriptDefinitions()) tells of a file exporting a name. */
export interface ExportLook {
  /** true: it does; false: it does not; undefined: cannot be told (CommonJS, names from elsewhere). */
  exports: boolean | undefined;
  /** When it does not: what it exports instead, or why it cannot be told. */
  why?: string;
}

/**
 * Whether the JavaScript file at `absPath` (`path` in the package) exports `name`, as checkHandlerIn()
 * reads it: a file named as the handler to set must pass that check on the next run.
 */
export async function exportLook(absPath: string, path: string, name: string): Promise<ExportLook> {
  let source: string;
  try {
    source = await readFile(absPath, 'utf8');
  } catch (error) {
    return { exports: undefined, why: `it could not be read: ${(error as Error).message}` };
  }
  const found = await javascriptDefinitions(source, path);
  if (found.error) return { exports: false, why: `it does not parse: ${found.error}` };
  // Seen by the lexer, lost by Node.js (replacedExport()).
  if (found.replaced?.name === name)
    return {
      exports: false,
      why: `line ${found.replaced.line} sets it on the exports object module.exports replaces`,
    };
  if (found.names.includes(name)) return { exports: true };
  const unsure = found.open
    ? 'names come from elsewhere'
    : found.exact
      ? undefined
      : 'CommonJS exports built at run time escape a static look';
  return {
    exports: unsure ? undefined : false,
    // tsc's CommonJS sets __esModule on every module: no name the source exports.
    why: `it exports: ${listed((found.listed ?? found.names).filter((n) => n !== '__esModule'))}${unsure ? `; ${unsure}` : ''}`,
  };
}

export interface HandlerCheckDeps {
  logger: Logger;
  /** The Python that parses Python modules (LAMBDA_DEPLOY_PYTHON or python3). */
  python: string;
  runner?: CommandRunner;
  env?: NodeJS.ProcessEnv;
  /** Who reads the errors: `handler:` in a workflow, `--handler` in a terminal. */
  surface?: Surface;
}

/** `handler: "app.handler"`, or `--handler: "app.handler"` in a terminal. */
function targetNamed(target: HandlerTarget, surface: Surface | undefined): string {
  return `${inputName(surface ?? 'action', target.input)}: ${JSON.stringify(target.value)}`;
}

function listed(names: readonly string[]): string {
  if (!names.length) return 'nothing';
  const shown = names.slice(0, 12).join(', ');
  return names.length > 12 ? `${shown}, … (${names.length} names)` : shown;
}

/**
 * Checks that the package holds the module `target` names and that it
 * defines the name, statically: Python through `ast`, JavaScript through the
 * module lexers. `files` maps package paths to files on disk. Returns false
 * when the module is not among `files` (the caller decides whether it may
 * still come with the dependencies); throws a HandlerCheckError when it
 * certainly does not define the name; warns when that cannot be told.
 */
export async function checkHandlerIn(
  target: HandlerTarget,
  files: ReadonlyMap<string, string>,
  runtime: string,
  deps: HandlerCheckDeps,
): Promise<boolean> {
  const path = target.files.find((f) => files.has(f));
  if (!path) return false;
  const abs = files.get(path) as string;
  const found = target.python
    ? await pythonDefinitions(abs, runtime, deps)
    : await javascriptDefinitions(await readFile(abs, 'utf8'), path);
  const named = targetNamed(target, deps.surface);
  if ('unchecked' in found) {
    deps.logger.warning(
      `${named}: could not check that ${path} defines "${target.name}": ${found.unchecked}.`,
    );
    return true;
  }
  if (found.error)
    throw new HandlerCheckError(
      `${named}: ${path} does not ${target.python ? 'compile' : 'parse'}: ${found.error}; Lambda could not load it. Expected a module that ${target.python ? 'Python' : 'Node.js'} can import.`,
    );
  const madeBy = target.input === Inputs.Handler ? found.apps?.[target.name] : undefined;
  if (madeBy)
    throw new HandlerCheckError(
      `${named}: ${path} defines "${target.name}" as a WSGI/ASGI app (${madeBy}), not a function Lambda can call with (event, context). Set ${appSetting(appSuggestion(target, [target.name]), deps.surface)} instead of ${inputName(deps.surface ?? 'action', Inputs.Handler)}: the package then carries an adapter as its handler.`,
    );
  if (target.input === Inputs.App && calledUncalled(target, found))
    throw new HandlerCheckError(
      `${named}: ${path} defines "${target.name}" as a function that takes no arguments (an app factory), not a WSGI/ASGI app. Expected module:attribute naming the app object, here "${target.value}()" (with "()", the factory is called once to make the app).`,
    );
  if (found.replaced?.name === target.name) throw replacedExportError(named, path, found.replaced);
  if (found.names.includes(target.name)) return true;
  const what = target.python ? 'defines' : 'exports';
  const elsewhere = target.python ? '' : await siblingExporting(target, path, files, deps.surface);
  const message = `${named}: ${path} ${what} no "${target.name}" (it ${what}: ${listed(found.listed ?? found.names)})${elsewhere}`;
  // Lambda reads module.handler: a function as the whole export fails at start (Runtime.HandlerNotFound).
  if (found.wholeFunction && !found.open && !found.names.length)
    throw new HandlerCheckError(
      `${message}. module.exports = ... makes the module itself the function, and Lambda calls the module's export named ${target.name}: write module.exports.${target.name} = ... (or exports.${target.name} = ...) instead.`,
    );
  if (found.open || !found.exact) {
    deps.logger.warning(
      `${message}; it may still at run time (${found.open ? 'names come from elsewhere' : 'CommonJS exports built at run time'}), so the deploy goes on.`,
    );
    return true;
  }
  if (target.input === Inputs.App)
    throw new HandlerCheckError(
      `${message}. Expected module:attribute naming the app object, like "${appSuggestion(target, found.names)}".`,
    );
  // A Flask/FastAPI module deployed under the default handler: the app input was forgotten.
  if (target.python && found.names.some((n) => APP_OBJECT.test(n) || APP_FACTORY.test(n)))
    throw new HandlerCheckError(
      `${message}. For a WSGI/ASGI app (Flask, FastAPI, Django) set ${appSetting(appSuggestion(target, found.names), deps.surface)} instead of ${inputName(deps.surface ?? 'action', Inputs.Handler)}; else expected module.function naming the function Lambda calls.`,
    );
  // Only a default export: Lambda's Node.js runtime calls the export the handler names.
  if (!target.python && found.names.length === 1 && found.names[0] === 'default')
    throw new HandlerCheckError(
      `${message}. Lambda calls a named export: export the function as ${target.name} (export const ${target.name} = async (event) => ...; or export { main as ${target.name} }) instead of export default.`,
    );
  throw new HandlerCheckError(
    `${message}. Expected ${target.python ? 'module.function' : 'file.export'} naming the function Lambda calls.`,
  );
}

/** The lexer sees `exports.handler = module.exports = fn` export handler; Node.js loses it. */
function replacedExportError(named: string, path: string, replaced: ReplacedExport): HandlerCheckError {
  const { name, line, statement, fn = 'fn' } = replaced;
  return new HandlerCheckError(
    `${named}: ${path} line ${line} (${statement}) sets ${name} on the exports object that module.exports = ... replaces (assignments chain right to left), so Lambda finds no ${name} (Runtime.HandlerNotFound). ` +
      `Expected module.exports = ${fn}; module.exports.${name} = ${fn}; (or exports.${name} = ${fn}; alone).`,
  );
}

/** Beside the file; index first, as Lambda's own default handler is index.handler. */
const SIBLINGS_READ = 10;

/**
 * `; index.js exports "handler": set handler: index.handler if …` when another
 * JavaScript file of the handler's folder exports the name (an Express app.js
 * beside the index.js meant, under the default app.handler); else ''.
 */
async function siblingExporting(
  target: HandlerTarget,
  path: string,
  files: ReadonlyMap<string, string>,
  surface: Surface | undefined,
): Promise<string> {
  const folder = path.slice(0, path.lastIndexOf('/') + 1);
  const module = path.replace(/\.[cm]?js$/, '');
  const rest = target.value.slice(module.length);
  const candidates = [...files.keys()]
    .filter((f) => f !== path && f.startsWith(folder) && !f.slice(folder.length).includes('/'))
    .filter((f) => /\.[cm]?js$/.test(f) && !target.files.includes(f))
    .sort((a, b) => Number(!a.startsWith(`${folder}index.`)) - Number(!b.startsWith(`${folder}index.`)))
    .slice(0, SIBLINGS_READ);
  for (const file of candidates) {
    const found = await javascriptDefinitions(await readFile(files.get(file) as string, 'utf8'), file);
    if ('unchecked' in found || found.error || !found.names.includes(target.name)) continue;
    const handler = `${file.replace(/\.[cm]?js$/, '')}${rest}`;
    return `; ${file} exports "${target.name}": set ${settingOf(surface ?? 'action', Inputs.Handler, handler)} if that is the function Lambda calls`;
  }
  return '';
}

/** `app:create_app`, a factory named without its call: the adapter would serve the factory, every request a 500. */
function calledUncalled(target: HandlerTarget, found: Definitions): boolean {
  const attribute = target.value.slice(target.value.indexOf(':') + 1);
  return attribute === target.name && Boolean(found.factories?.includes(target.name));
}

const APP_OBJECT = /^(app|application|api)$/i;
const APP_FACTORY = /^(create|make)_?app/i;

/** `app: "main:app"`, or `--app main:app` in a terminal. */
function appSetting(spec: string, surface: Surface | undefined): string {
  return surface === 'terminal' ? settingOf(surface, Inputs.App, spec) : `${Inputs.App}: "${spec}"`;
}

/** The app spec the module most likely means: its app object, else its factory, else `app`. */
function appSuggestion(target: HandlerTarget, names: readonly string[]): string {
  const module = target.files[0]!.replace(/(\/__init__)?\.py$/, '').replace(/\//g, '.');
  const object = names.find((n) => APP_OBJECT.test(n));
  const factory = names.find((n) => APP_FACTORY.test(n));
  return `${module}:${object ?? (factory ? `${factory}()` : 'app')}`;
}

/** What the package holds besides its files' names, for the error of a handler that misses. */
export interface MissingModuleContext {
  /** package.json's "main" or "exports" (packageEntry()). */
  packageMain?: PackageEntry;
  /** WSGI/ASGI apps its top-level Python files make (topLevelApps()). */
  apps?: readonly AppFound[];
  /** The handler's module as TypeScript, on disk (`index.ts` for index.handler): Lambda runs none. */
  typeScript?: string;
  /**
   * The JavaScript tsc built from typeScript into tsconfig.json's outDir (`dist/index.js`), when it
   * is there (packaged, for a deploy), and whether it exports the handler's name
   * (typescript-built-handler.ts): named as the handler to set only when it does.
   */
  typeScriptBuilt?: { file: string } & ExportLook;
  /** The command that runs package.json's build script (`npm run build`, buildScriptCommand()), when it has one. */
  buildCommand?: string;
  /** init's: the build of the workflow it wrote, which the advice for a "main" not built yet is about. */
  workflowBuild?: Omit<WorkflowBuild, 'file'>;
  /** init's: no --requirements flag, so the requirements input is named as the workflow holds it. */
  requirementsInWorkflow?: boolean;
}

export interface AppFound {
  /** `main:app` */
  spec: string;
  /** `FastAPI()` */
  call: string;
}

/**
 * The WSGI/ASGI apps the package's top-level Python files make, as app specs
 * (`main:app` for main.py's `app = FastAPI()`): a handler that misses where
 * one is made means the app input was forgotten.
 */
export async function topLevelApps(
  files: ReadonlyMap<string, string>,
  runtime: string,
  deps: HandlerCheckDeps,
): Promise<AppFound[]> {
  const found: AppFound[] = [];
  const top = [...files].filter(([path]) => PYTHON_FILE.test(path) && !path.includes('/')).slice(0, 10);
  for (const [path, absPath] of top) {
    const definitions = await pythonDefinitions(absPath, runtime, deps);
    const apps = 'apps' in definitions ? Object.entries(definitions.apps ?? {}) : [];
    found.push(...apps.map(([name, call]) => ({ spec: `${path.replace(PYTHON_FILE, '')}:${name}`, call })));
  }
  return found;
}

/** The module is in neither the code nor the dependencies: what there is instead, and why. */
export function missingModuleError(
  target: HandlerTarget,
  packaged: readonly string[],
  codeDir: string,
  onDiskButLeftOut: boolean,
  surface?: Surface,
  around: MissingModuleContext = {},
): HandlerCheckError {
  const { packageMain, apps = [], typeScript, typeScriptBuilt, buildCommand, workflowBuild } = around;
  const flag = (input: typeof Inputs.Path | typeof Inputs.Include | typeof Inputs.Exclude) =>
    inputName(surface ?? 'action', input);
  const topLevel = (ext: RegExp) => packaged.filter((p) => ext.test(p) && !p.includes('/')).slice(0, 10);
  const [own, other] = target.python ? [PYTHON_FILE, JAVASCRIPT_FILE] : [JAVASCRIPT_FILE, PYTHON_FILE];
  const nearby = topLevel(own);
  const nested = target.python ? nestedModule(target, packaged) : undefined;
  if (nested)
    return new HandlerCheckError(
      `${targetNamed(target, surface)} names a module that is not in the package: no ${target.files.join(' or ')} in ${codeDir}; top-level Python files: ${nearby.length ? nearby.join(', ') : 'none'}, but ${nested.file} is there: ` +
        `Lambda imports modules from the root of ${flag(Inputs.Path)}, so set ${flag(Inputs.Path)} to its folder ${nested.folder}${requirementsAbove(nested.folder, packaged, (up) => (around.requirementsInWorkflow ? `${settingOf('action', Inputs.Requirements, up)} in the workflow` : settingOf(surface ?? 'action', Inputs.Requirements, up)))}.`,
    );
  // package.json's "main" (TypeScript built to dist/): the Node.js entry point when it is packaged.
  const entry = packageMain && JAVASCRIPT_FILE.test(packageMain.file) ? packageMain : undefined;
  const main = entry?.file;
  const built = main && packaged.includes(main) && !nearby.length ? main : undefined;
  const topOther = nearby.length || target.input === Inputs.App ? [] : topLevel(other);
  const others = !topOther.length && built && target.python ? [built] : topOther;
  // Only the other language's files: the entry point is suggested in that language, as the runtime hint asks.
  const [like, files] = others.length ? [{ ...target, python: !target.python }, others] : [target, nearby];
  // The default handler where a top-level file makes an app: the app input was forgotten.
  const forgotten = appForgotten(target, apps, surface);
  // The handler's own file on disk but left out: built already, as the note before says.
  const leftOut = onDiskButLeftOut && main !== undefined && target.files.includes(main);
  const unbuilt =
    main && !leftOut && !packaged.includes(main) && !nearby.length && !topOther.length
      ? `; ${entry!.said}, which is not in the package: ${buildFirstAdvice(surface, buildCommand, workflowBuild && { ...workflowBuild, file: main })}`
      : '';
  // The workflow init wrote builds "main" before each deploy: the handler to name is the main's.
  const builtThere = unbuilt && workflowBuild?.command && workflowBuild.runsScript ? entry : undefined;
  // Built already, elsewhere (tsconfig.json's outDir): the handler names that file, before any "main".
  const fromTypeScript = typeScript &&
    typeScriptBuilt && {
      file: typeScriptBuilt.file,
      said: typeScriptBuilt.exports
        ? `the JavaScript built from ${typeScript}`
        : `${typeScriptBuilt.file}, once it exports ${target.name}`,
      guessed: false,
    };
  const unbuiltTypeScript = typeScript
    ? `; ${typeScript} is TypeScript, which Lambda's Node.js runtimes do not run: ${builtFromTypeScript(typeScriptBuilt, target.name)}`
    : '';
  return new HandlerCheckError(
    `${targetNamed(target, surface)} names a module that is not in the package: no ${target.files.join(' or ')} in ${codeDir}` +
      (onDiskButLeftOut
        ? ` (the file is there, but ${flag(Inputs.Include)}/${flag(Inputs.Exclude)} leave it out)`
        : '') +
      `; top-level ${target.python ? 'Python' : 'JavaScript'} files: ${nearby.length ? nearby.join(', ') : 'none'}` +
      otherLanguageHint(target.python, others) +
      unbuilt +
      unbuiltTypeScript +
      '. ' +
      forgotten +
      `${forgotten ? 'e' : 'E'}xpected ${target.input === Inputs.App ? 'module:attribute' : like.python ? 'module.function' : 'file.export'} relative to ${flag(Inputs.Path)}, like ${quotedSuggestion(moduleSuggestion(like, files, packaged, fromTypeScript || (built ? entry : builtThere)))}.`,
  );
}

/** The JavaScript tsc built from the handler's TypeScript: named as the file to set only if it exports it. */
function builtFromTypeScript(built: MissingModuleContext['typeScriptBuilt'], name: string): string {
  if (!built) return 'build it to JavaScript first (tsc) and name the built file';
  if (built.exports) return `${built.file} is the JavaScript tsc built from it (tsconfig.json's outDir)`;
  // Older than its source (edited since tsc ran), or the source exports another name: named as the fix,
  // it would fail the next run.
  const sure = built.exports === false ? '' : ' as far as a static look tells';
  return `${built.file}, which tsc built from it (tsconfig.json's outDir), does not export "${name}"${sure} (${built.why}): rebuild it (tsc), and name the built file once it does`;
}

/**
 * Whether the files show where the entry point really is (a Django project's
 * wsgi.py for an app, the module under src/): missingModuleError then says it.
 */
export function entryPointElsewhere(target: HandlerTarget, packaged: readonly string[]): boolean {
  return Boolean(
    target.python &&
    (nestedModule(target, packaged) || (target.input === Inputs.App && djangoWsgi(packaged))),
  );
}

/**
 * The module one or more folders down, in a folder that is no package itself
 * (`src/shop/app.py` for `shop.app`: a src layout): the shallowest.
 */
function nestedModule(
  target: HandlerTarget,
  packaged: readonly string[],
): { file: string; folder: string } | undefined {
  const found = packaged
    .flatMap((p) =>
      target.files
        .filter((f) => p.endsWith(`/${f}`))
        .map((f) => ({ file: p, folder: p.slice(0, -f.length - 1) })),
    )
    .filter(({ folder }) => !packaged.includes(`${folder}/__init__.py`))
    .sort((a, b) => a.folder.split('/').length - b.folder.split('/').length);
  return found[0];
}

/** With `path` moved down to `folder`, the requirements beside pyproject.toml are read from above it. */
function requirementsAbove(
  folder: string,
  packaged: readonly string[],
  setting: (requirements: string) => string,
): string {
  const up = `${'../'.repeat(folder.split('/').length)}requirements.txt`;
  const lock = ['uv.lock', 'poetry.lock'].find((f) => packaged.includes(f));
  // Packaging reads the lock above only for a folder named src (python-requirements.ts, srcLayoutManifest).
  if (lock && packaged.includes('pyproject.toml') && folder === 'src')
    return ` (the ${lock} beside pyproject.toml still pins the dependencies)`;
  if (packaged.includes('requirements.txt'))
    return ` (with ${setting(up)}, relative to it, for requirements beside pyproject.toml)`;
  if (packaged.includes('pyproject.toml'))
    return ` (its dependencies then come from a requirements file: export them beside pyproject.toml, e.g. uv export --no-dev --no-hashes --no-emit-project -o requirements.txt, and set ${setting(up)})`;
  return '';
}

/** `main.py makes a WSGI/ASGI app (FastAPI()): set app: "main:app" instead of handler; ` when one was found. */
function appForgotten(
  target: HandlerTarget,
  apps: readonly AppFound[],
  surface: Surface | undefined,
): string {
  const app = target.python && target.input === Inputs.Handler ? apps[0] : undefined;
  if (!app) return '';
  const file = `${app.spec.slice(0, app.spec.indexOf(':'))}.py`;
  return `${file} makes a WSGI/ASGI app (${app.call}): set ${appSetting(app.spec, surface)} instead of ${inputName(surface ?? 'action', Inputs.Handler)}; else `;
}

function quotedSuggestion(suggestion: string | { spec: string; why: string }): string {
  return typeof suggestion === 'string' ? `"${suggestion}"` : `"${suggestion.spec}" (${suggestion.why})`;
}

/** A Django project (`mysite/settings.py` beside `mysite/wsgi.py`): its WSGI module. */
function djangoWsgi(packaged: readonly string[]): string | undefined {
  return packaged
    .filter((p) => /^[A-Za-z_]\w*\/wsgi\.py$/.test(p))
    .find((p) => packaged.includes(p.replace(/wsgi\.py$/, 'settings.py')));
}

const PYTHON_FILE = /\.py$/;
const JAVASCRIPT_FILE = /\.[cm]?js$/;

/** Only the other language's code is there: the runtime (python3.12 by default) is the likely mistake. */
function otherLanguageHint(python: boolean, files: readonly string[]): string {
  if (!files.length) return '';
  return python
    ? `, but JavaScript files are there (${files.join(', ')}): a Node.js function needs runtime ${NODE_RUNTIMES.slice(0, -1).join(', ')} or ${NODE_RUNTIMES.at(-1)}`
    : `, but Python files are there (${files.join(', ')}): a Python function needs a python3.x runtime`;
}

/**
 * The entry point the package's own files suggest: the AWS console's
 * `lambda_function.lambda_handler` (functions moved from the console), a
 * Node.js package.json's built "main", the only top-level file with the name
 * sought, else the default.
 */
function moduleSuggestion(
  target: HandlerTarget,
  nearby: readonly string[],
  packaged: readonly string[],
  main?: PackageEntry,
): string | { spec: string; why: string } {
  const app = target.input === Inputs.App;
  if (main && !target.python && !app)
    return { spec: `${main.file.replace(JAVASCRIPT_FILE, '')}.${target.name}`, why: main.said };
  if (target.python && !app && nearby.includes('lambda_function.py')) return 'lambda_function.lambda_handler';
  const django = app ? djangoWsgi(packaged) : undefined;
  if (django)
    return {
      spec: `${django.replace(/\.py$/, '').replace('/', '.')}:application`,
      why: `a Django project: ${django}`,
    };
  // manage.py is Django's command line, never the app.
  const candidates = nearby.filter((f) => !(app && f === 'manage.py'));
  const only = candidates.length === 1 ? candidates[0]!.replace(/\.[cm]?js$|\.py$/, '') : undefined;
  if (app) return `${only ?? 'app'}:app`;
  if (only) return `${only}.${target.name}`;
  return target.python ? 'app.handler' : 'index.handler';
}
