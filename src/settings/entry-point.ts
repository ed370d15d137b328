/** The runtime, handler and app inputs; a wrong entry point is answered with the form that was meant. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { APP } from './adapter-settings.js';
import { show, type Checked, type InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { defaultHandler, HANDLER_FORM, isPythonRuntime, RUNTIMES, type DefaultHandler } from './runtimes.js';
import type { PackageEntry } from './package-json.js';
import type { Source } from './source-folder.js';
import { inputName, settingOf, type Surface } from './surface.js';
import { builtJavaScript, tsconfigOutput } from '../util/tsconfig-out-dir.js';

/** The runtime and the entry point: a handler, or a WSGI/ASGI app on Python. */
export function readEntryPoint(
  r: InputReader,
  source: Source,
): Checked<'runtime' | 'handler' | 'app' | 'handlerNote'> {
  const runtime = r.value(Inputs.Runtime);
  if (!RUNTIMES.includes(runtime)) r.bad(Inputs.Runtime, `one of ${RUNTIMES.join(', ')}`);
  const app = r.value(Inputs.App) || undefined;
  // No default in action.yml: the runner would pass it next to `app` (DESIGN.md), and it follows the runtime.
  const byDefault =
    app || r.value(Inputs.Handler) ? undefined : defaultHandler(runtime, source.listing, source.main);
  const handler = app ? '' : (byDefault?.handler ?? r.value(Inputs.Handler));
  if (app) {
    if (r.given(Inputs.Handler))
      r.problem(
        `${Inputs.App}, ${Inputs.Handler}: both are set (${show(app)}, ${show(r.raw(Inputs.Handler))}); expected only one: app for a WSGI/ASGI app, handler for a plain function.`,
      );
    if (!APP.test(app) || filePathApp(app, pythonModuleIn(source)))
      r.bad(Inputs.App, entryPointExpected(app, ':', pythonModuleIn(source)));
    if (!isPythonRuntime(runtime))
      r.bad(Inputs.App, `a Python runtime to serve a WSGI/ASGI app (runtime is ${show(runtime)})`, app);
  } else if (!HANDLER_FORM.test(handler)) {
    r.bad(Inputs.Handler, entryPointExpected(handler, '.'));
  } else {
    const extension = handlerExtension(handler, isPythonRuntime(runtime), pythonModuleIn(source), source);
    if (extension) r.bad(Inputs.Handler, extension);
  }
  return {
    runtime,
    handler,
    app,
    ...(byDefault?.main && { handlerNote: mainHandlerNote(r.surface, handler, byDefault.main) }),
    ...(byDefault?.passedOver && { handlerNote: passedOverNote(r.surface, handler, byDefault.passedOver) }),
  };
}

/** The line for an index.js (app.js) chosen over package.json's "main": how to deploy "main"'s file instead. */
export function passedOverNote(
  surface: Surface,
  handler: string,
  { file, main, handler: other }: NonNullable<DefaultHandler['passedOver']>,
): string {
  return `Handler ${handler} (${file} is here; ${main.said}: set ${settingOf(surface, Inputs.Handler, other)} to deploy that).`;
}

/** The line that says where the handler came from (the action's and the CLI's): Lambda does not read "main", so the choice is ours, said. */
export function mainHandlerNote(surface: Surface, handler: string, main: PackageEntry): string {
  const flag = inputName(surface, Inputs.Handler);
  const [none, other] = surface === 'action' ? [`${flag} input`, `the ${flag} input`] : [flag, flag];
  return `Handler ${handler} (${main.said}): no ${none}, and no index.js or app.js; ${other} chooses another.`;
}

/** The file of a dotted Python module in the source folder (main.py, service/main.py, a package's __init__.py), when it is there. */
function pythonModuleIn(source: Source): (module: string) => string | undefined {
  return (module) => {
    if (!source.usable || !/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(module)) return undefined;
    const base = module.split('.').join('/');
    return [`${base}.py`, `${base}/__init__.py`].find((file) => existsSync(join(source.path, file)));
  };
}

/**
 * The expected form of a handler written with its file's extension
 * (`app.py.handler`, `src/index.mjs.handler`, `index.ts.handler`), which Lambda reads as an
 * export `py` or `mjs` of the module; undefined for any other handler.
 */
function handlerExtension(
  handler: string,
  python: boolean,
  moduleFile: (module: string) => string | undefined,
  source: Source,
): string | undefined {
  const folder = handler.slice(0, handler.lastIndexOf('/') + 1);
  const file = python
    ? /^(.+)\.(py)\.([A-Za-z_]\w*)$/.exec(handler.slice(folder.length))
    : /^([^.]+)\.(js|mjs|cjs|ts|mts|cts)\.(.+)$/.exec(handler.slice(folder.length));
  // Lambda's Python runtime imports src/app.py.handler as src.app.py: kept when that module is there.
  if (!file || (python && moduleFile(`${folder.replace(/\//g, '.')}${file[1]}.py`))) return undefined;
  // TypeScript (index.ts.handler): Lambda loads the JavaScript built from it, whose name has no .ts either,
  // in tsconfig.json's outDir when tsc wrote it there (src/index.ts.handler: dist/index.handler).
  const typeScript = /ts$/.test(file[2]!) ? `${folder}${file[1]}.${file[2]}` : undefined;
  // Only from a TypeScript file there: app.ts.handler beside app.js (and a copy in dist/) means app.js.
  const there = (f: string) => source.usable && existsSync(join(source.path, f));
  const js =
    typeScript && there(typeScript) && builtJavaScript(typeScript, tsconfigOutput(source.path), there, there);
  if (js)
    return `file.export, here ${show(`${js.replace(/\.[cm]?js$/, '')}.${file[3]}`)} (${js}, the JavaScript tsc built from ${typeScript} into tsconfig.json's outDir: Lambda's Node.js runtimes do not run TypeScript)`;
  const meant = `${folder}${file[1]}.${file[3]}`;
  const built = typeScript
    ? ", naming the JavaScript built from it: Lambda's Node.js runtimes do not run TypeScript"
    : '';
  return `${python ? 'module.function' : 'file.export'}, here ${show(meant)} (the file's name without .${file[2]}${built})`;
}

/** `app.py:app`: the file's name, which Python reads as a module py in a package app (unless that is there). */
function filePathApp(app: string, moduleFile: (module: string) => string | undefined): boolean {
  const module = app.slice(0, app.indexOf(':'));
  return module.endsWith('.py') && !moduleFile(module);
}

/**
 * The expected form of an app (`module:attribute`) or a handler
 * (`module.function`); the value as it was meant when it has the other
 * separator before its last name (`main.app`, `index:handler`), or when it
 * names only a module that is there (`main`: `main:app`).
 */
function entryPointExpected(
  value: string,
  separator: ':' | '.',
  moduleFile: (module: string) => string | undefined = () => undefined,
): string {
  const app = separator === ':';
  // Django's project module: its object is `application`, not the module's last name.
  const django = app ? /^([A-Za-z_][\w.]*\.[wa]sgi)$/.exec(value) : null;
  if (django)
    return `module:attribute, here ${show(`${django[1]}:application`)} (Django's ${django[1]!.split('.').pop()}.py defines the app object application)`;
  // Only the module (gunicorn's and uvicorn's form wants its object too): app is Flask's and FastAPI's usual name.
  const module = app ? moduleFile(value) : undefined;
  if (module)
    return `module:attribute, here ${show(`${value}:app`)} (${module}'s app object after a colon; its own name if it is not app)`;
  // A file path (`mysite/wsgi.py:application`): Python imports the module dotted.
  const file = app ? /^([A-Za-z_][\w/.]*?)(?:\.py)?:([A-Za-z_][\w.]*(?:\(\))?)$/.exec(value) : null;
  if (file && /[/]|\.py:/.test(value))
    return `module:attribute, here ${show(`${file[1]!.replace(/\//g, '.')}:${file[2]}`)} (the module dotted, as Python imports it, not a file path)`;
  const other = app ? /^([A-Za-z_][\w.]*)\.([A-Za-z_]\w*)$/ : /^([A-Za-z_][\w./-]*):([A-Za-z_$][\w$]*)$/;
  const meant = other.exec(value);
  if (meant)
    return app
      ? `module:attribute, here ${show(`${meant[1]}:${meant[2]}`)} (a colon, not a dot, before the app object)`
      : `module.function, here ${show(`${meant[1]}.${meant[2]}`)} (a dot, not a colon, before the function)`;
  return app
    ? 'module:attribute, like "app:app" or "service.main:api"'
    : 'module.function, like "app.handler" or "src/index.handler"';
}
