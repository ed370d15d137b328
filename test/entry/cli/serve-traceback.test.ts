/**
 * A handler that raises under `serve` (and `deploy --target local`): the
 * traceback on the terminal names the user's own file and line, relative to
 * where they ran the command (`src/app.py`), which an editor opens; not the
 * temporary folder the package was unpacked into. Files pip installed into the
 * package, and the adapter, are named in the package (`(package) tinydep/...`):
 * no file of the user's, and no temporary path.
 */
import { afterAll, afterEach, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { startS3StandIn } from '../../support/s3-stand-in.js';
import { buildWheel, vendorFlask } from '../../support/vendor-wheels.js';
import { localCliEnv, testIo, type TestIo } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-serve-traceback-'));
const home = process.cwd();
afterEach(() => process.chdir(home));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls every 50 ms for up to 10 s; the last value seen. */
async function until<T>(check: () => T, done: (value: T) => boolean): Promise<T> {
  let value = check();
  for (let i = 0; i < 200 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = check();
  }
  return value;
}

/** A project with its code in src/, the command run from the project's folder. */
function project(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, 'src', file, '..'), { recursive: true });
    writeFileSync(join(root, 'src', file), text);
  }
  process.chdir(root);
  return root;
}

function io(root: string, env: Record<string, string> = {}): TestIo {
  return testIo({ ...localCliEnv(root), ...env });
}

/**
 * Runs serve --verbose (the function's output live; `verbose: false`, plain serve), requests
 * `paths` (default /boom) in turn, and returns stderr once `seen` shows.
 */
async function serveAndFail(
  root: string,
  args: string[],
  seen: RegExp,
  status = 502,
  { verbose = true, paths = ['/boom'], env = {} as Record<string, string> } = {},
): Promise<string> {
  const terminal = io(root, env);
  const exited = main(
    ['serve', '--name', 'demo', '--path', 'src', '--port', '0', ...(verbose ? ['--verbose'] : []), ...args],
    terminal,
  );
  try {
    const url = await until(
      () => /^Serving demo at (http:\/\/127\.0\.0\.1:\d+)/m.exec(terminal.stdout())?.[1],
      (found) => found !== undefined,
    );
    expect(url).toBeDefined();
    for (const path of paths) {
      const answer = await fetch(`${url!}${path}`, { signal: AbortSignal.timeout(10_000) });
      expect(answer.status).toBe(path === '/boom' ? status : 200);
    }
    return await until(terminal.stderr, (text) => seen.test(text));
  } finally {
    terminal.interrupt();
    expect(await exited).toBe(0);
  }
}

/** The unpacked package's folders, as the local runtime names them (RUNNER_TEMP-like output folder). */
const UNPACKED = /lambda-stage-deploy-[^/\s]+\/local-[^/\s]+\//;

const PYTHON_APP = {
  'app.py': [
    'from shop.orders import total',
    '',
    '',
    'def handler(event, context):',
    '    return {"statusCode": 200, "body": str(total(event))}',
    '',
  ].join('\n'),
  'shop/__init__.py': '',
  'shop/orders.py': [
    'import tinydep',
    '',
    '',
    'def total(event):',
    '    if event.get("rawPath") == "/boom":',
    '        return tinydep.explode()',
    '    return 1',
    '',
  ].join('\n'),
};

test('serve, Python: the traceback names src/app.py and src/shop/orders.py at their lines; the installed requirement is named in the package', async () => {
  const { root, pipArgs } = tinydepProject('python');
  const stderr = await serveAndFail(root, ['--pip-args', pipArgs], /^\[demo-local\] ValueError: boom$/m);

  const frames = stderr.split('\n').filter((line) => line.includes('File "'));
  expect(frames).toEqual(
    expect.arrayContaining([
      '[demo-local]   File "src/app.py", line 5, in handler',
      '[demo-local]   File "src/shop/orders.py", line 6, in total',
    ]),
  );
  // pip installed it into the package: no file of the user's to name, and no temporary path either.
  expect(frames).toContain('[demo-local]   File "(package) tinydep/__init__.py", line 2, in explode');
  expect(stderr).not.toMatch(UNPACKED);
  // As Lambda prints it: no frame of the runtime that called the handler.
  expect(frames.filter((line) => line.includes('bootstrap.py'))).toEqual([]);
  expect(stderr).toMatch(/^warning: GET \/boom -> 502: ValueError: boom$/m);
  // --verbose printed the function's own lines: the traceback is not printed a second time.
  expect(stderr.match(/File "src\/app\.py", line 5, in handler/g)).toHaveLength(1);
}, 90_000);

/** PYTHON_APP with tinydep, whose explode() raises, from a local wheel: the --pip-args to install it. */
function tinydepProject(name: string): { root: string; pipArgs: string } {
  const root = project(name, PYTHON_APP);
  const wheels = join(root, 'wheels');
  mkdirSync(wheels);
  buildWheel(wheels, {
    name: 'tinydep',
    version: '1.0',
    files: { 'tinydep/__init__.py': 'def explode():\n    raise ValueError("boom")\n' },
  });
  writeFileSync(join(root, 'src', 'requirements.txt'), 'tinydep==1.0\n');
  return { root, pipArgs: `--no-index --find-links ${wheels}` };
}

test('deploy --target local --dependencies-layer, Python: a frame in the layer is named in it, (layer) tinydep/..., not its unpacked folder', async () => {
  const { root, pipArgs } = tinydepProject('layer');
  const terminal = io(root);
  const code = await main(
    [
      'deploy',
      '--name',
      'demo',
      '--stage',
      'dev',
      '--target',
      'local',
      '--path',
      'src',
      '--dependencies-layer',
      '--pip-args',
      pipArgs,
      '--smoke-path',
      '/boom',
    ],
    terminal,
  );
  expect(code).toBe(1);
  const stderr = terminal.stderr();
  expect(stderr).toMatch(/File "src\/shop\/orders\.py", line 6, in total$/m);
  expect(stderr).toMatch(/File "\(layer\) tinydep\/__init__\.py", line 2, in explode$/m);
  expect(stderr).not.toMatch(/local-opt-/);
}, 90_000);

test('serve --slim true, Python: a frame in the tree fetched at cold start is named in the package, (package) tinydep/..., not its /tmp folder', async () => {
  const { root, pipArgs } = tinydepProject('slim');
  const s3 = await startS3StandIn();
  try {
    const stderr = await serveAndFail(
      root,
      ['--pip-args', pipArgs, '--slim', 'true'],
      /^\[demo-local\] ValueError: boom$/m,
      502,
      { env: s3.env() },
    );
    expect(stderr).toMatch(/File "src\/shop\/orders\.py", line 6, in total$/m);
    expect(stderr).toMatch(/File "\(package\) tinydep\/__init__\.py", line 2, in explode$/m);
    expect(stderr).not.toMatch(/File "[^"]*local-tmp-/);
  } finally {
    await s3.close();
  }
}, 90_000);

test('serve, Node.js: the stack names src/index.mjs and src/lib/orders.mjs at their lines and columns', async () => {
  const root = project('node', {
    'index.mjs': [
      "import { total } from './lib/orders.mjs';",
      '',
      'export const handler = async (event) => ({ statusCode: 200, body: String(total(event)) });',
      '',
    ].join('\n'),
    'lib/orders.mjs': [
      'export function total(event) {',
      "  if (event.rawPath === '/boom') throw new Error('boom');",
      '  return 1;',
      '}',
      '',
    ].join('\n'),
  });
  const stderr = await serveAndFail(
    root,
    ['--runtime', 'nodejs22.x', '--handler', 'index.handler'],
    /at handler \(/,
  );
  const frames = stderr.split('\n').filter((line) => /^\[demo-local\]\s+at /.test(line));
  expect(frames.slice(0, 2)).toEqual([
    '[demo-local]     at total (src/lib/orders.mjs:2:40)',
    '[demo-local]     at handler (src/index.mjs:3:74)',
  ]);
  expect(stderr).not.toMatch(UNPACKED);
  expect(stderr.match(/at total \(src\/lib\/orders\.mjs:2:40\)/g)).toHaveLength(1);
}, 90_000);

const ASGI_APP = {
  'main.py': [
    'async def app(scope, receive, send):',
    '    if scope["type"] != "http":',
    '        return',
    '    if scope["path"] == "/boom":',
    '        raise RuntimeError("boom")',
    '    await send({"type": "http.response.start", "status": 200, "headers": []})',
    '    await send({"type": "http.response.body", "body": b"ok"})',
    '',
  ].join('\n'),
};

test('serve, an ASGI app through the adapter: the traceback names src/main.py; the adapter is named in the package', async () => {
  const root = project('asgi', ASGI_APP);
  const stderr = await serveAndFail(root, ['--app', 'main:app'], /^\[demo-local\] RuntimeError: boom$/m, 500);
  const frames = stderr.split('\n').filter((line) => line.includes('File "'));
  expect(frames).toContain('[demo-local]   File "src/main.py", line 5, in app');
  expect(frames).toContainEqual(
    expect.stringMatching(/File "\(package\) _lambda_deploy_adapter\.py", line \d+/),
  );
  expect(stderr).not.toMatch(UNPACKED);
  expect(stderr.match(/File "src\/main\.py", line 5/g)).toHaveLength(1);
}, 90_000);

test('plain serve, an ASGI app through the adapter: the traceback the adapter logged for its 500 follows the request line', async () => {
  const root = project('plain-asgi', ASGI_APP);
  const stderr = await serveAndFail(root, ['--app', 'main:app'], /^GET \/boom -> 500 /m, 500, {
    verbose: false,
  });
  const shown = after(stderr, 'GET /boom -> 500 (');
  expect(shown[0]).toBe('    Traceback (most recent call last):');
  expect(shown).toContain('      File "src/main.py", line 5, in app');
  expect(shown.at(-1)).toBe('    RuntimeError: boom');
}, 90_000);

test('deploy --target local, Python: the function logs printed for the failed smoke test name src/app.py, its traceback once', async () => {
  const root = project('deploy', {
    'app.py': 'def handler(event, context):\n    raise KeyError("DATABASE_URL")\n',
  });
  const terminal = io(root);
  const code = await main(
    ['deploy', '--name', 'demo', '--stage', 'dev', '--target', 'local', '--path', 'src'],
    terminal,
  );
  expect(code).toBe(1);
  // In the errors, with the rest of its traceback; the last lines say they leave it out, and show the rest.
  const [, errors = '', last = ''] = terminal.stderr().split(/^\s*--- (?:errors|last).*$/m);
  expect(errors).toMatch(/Z {3}File "src\/app\.py", line 2, in handler\n.*Z {5}raise KeyError/);
  expect(last).not.toContain('File "src/app.py"');
  expect(last).toMatch(/^.*… \d+ lines shown under errors$/m);
  expect(last).toMatch(/END RequestId: /);
  expect(terminal.stderr().match(/File "src\/app\.py", line 2, in handler/g)).toHaveLength(1);
  expect(terminal.stderr()).not.toMatch(UNPACKED);
}, 90_000);

/** The lines of `stderr` after the first one starting with `first`, up to the next request's line. */
function after(stderr: string, first: string): string[] {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => line.startsWith(first));
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^(?:warning: )?GET \//.test(line) || line === '');
  return end < 0 ? rest : rest.slice(0, end);
}

const SECRET = 'Kq7vZ2mW9xTr4bLp';

test("plain serve, Python: the failing request's traceback follows its line, indented, once; the lines the function printed before it do not; its variables stay masked", async () => {
  const root = project('plain-python', {
    'app.py': [
      'import os',
      '',
      '',
      'def handler(event, context):',
      '    if event["rawPath"] == "/boom":',
      '        for i in range(500):',
      '            print("working on item %d" % i)',
      '        connect(os.environ["DATABASE_URL"])',
      '    return {"statusCode": 200, "body": "ok"}',
      '',
      '',
      'def connect(url):',
      '    raise ValueError("cannot reach %s as %s" % (url, "gh" + "p_" + "x" * 30))',
      '',
    ].join('\n'),
  });
  const stderr = await serveAndFail(
    root,
    ['--environment', `DATABASE_URL=${SECRET}`],
    /^GET \/boom -> 502 /m,
    502,
    { verbose: false, paths: ['/ok', '/boom', '/ok'] },
  );
  expect(stderr).toMatch(/^warning: GET \/boom -> 502: ValueError: cannot reach /m);
  expect(after(stderr, 'GET /ok -> 200')).toEqual([]);
  const shown = after(stderr, 'GET /boom -> 502 (');
  expect(shown).toEqual([
    '    Traceback (most recent call last):',
    '      File "src/app.py", line 8, in handler',
    '        connect(os.environ["DATABASE_URL"])',
    '      File "src/app.py", line 13, in connect',
    '        raise ValueError("cannot reach %s as %s" % (url, "gh" + "p_" + "x" * 30))',
    expect.stringMatching(/^ {4}ValueError: cannot reach \S/),
  ]);
  expect(stderr.match(/File "src\/app\.py", line 13/g)).toHaveLength(1);
  expect(stderr).not.toContain('working on item');
  expect(stderr).not.toContain(SECRET);
  // The value of its variable, and what has a token's shape, as its own lines show them with --verbose.
  expect(stderr).toContain('ValueError: cannot reach *** as ***');
  expect(stderr).not.toContain('ghp_');
  expect(stderr).not.toMatch(UNPACKED);
}, 90_000);

test("plain serve, Node.js: the failing request's stack follows its line, indented", async () => {
  const root = project('plain-node', {
    'index.mjs': [
      'export const handler = async (event) => {',
      "  if (event.rawPath === '/boom') throw new TypeError('no such order');",
      "  return { statusCode: 200, body: 'ok' };",
      '};',
      '',
    ].join('\n'),
  });
  const stderr = await serveAndFail(
    root,
    ['--runtime', 'nodejs22.x', '--handler', 'index.handler'],
    /^GET \/boom -> 502 /m,
    502,
    { verbose: false },
  );
  const shown = after(stderr, 'GET /boom -> 502 (');
  // The local runtime's own frames (bootstrap.mjs, and Node's calling it) are no place to look: left out.
  expect(shown).toEqual(['    TypeError: no such order', '        at handler (src/index.mjs:2:40)']);
  expect(stderr).not.toMatch(UNPACKED);
}, 90_000);

test('plain serve, a Flask app through the adapter: Flask answers 500 itself, and the traceback it logged follows the request line; a request that succeeds shows none', async () => {
  const root = project('plain-flask', {
    'app.py': [
      'from flask import Flask',
      '',
      'app = Flask(__name__)',
      '',
      '',
      '@app.get("/ok")',
      'def ok():',
      '    try:',
      '        {}["cache"]',
      '    except KeyError:',
      '        app.logger.exception("no cache yet")  # handled: the request succeeds',
      '    return "ok"',
      '',
      '',
      '@app.get("/boom")',
      'def boom():',
      '    print("looking up the order")',
      '    return {"total": 1 / 0}',
      '',
    ].join('\n'),
  });
  // Flask from the package, as on Lambda: the local runtime hides this machine's installed Flask.
  const wheels = join(root, 'wheels');
  vendorFlask(wheels);
  writeFileSync(join(root, 'src', 'requirements.txt'), 'flask\n');
  const pipArgs = `--no-index --find-links ${wheels}`;
  const stderr = await serveAndFail(
    root,
    ['--app', 'app:app', '--pip-args', pipArgs],
    /^GET \/boom -> 500 /m,
    500,
    {
      verbose: false,
      paths: ['/ok', '/boom'],
    },
  );
  expect(after(stderr, 'GET /ok -> 200')).toEqual([]);
  const shown = after(stderr, 'GET /boom -> 500 (');
  expect(shown[0]).toBe('    Traceback (most recent call last):');
  expect(shown).toContain('      File "src/app.py", line 18, in boom');
  expect(shown.at(-1)).toBe('    ZeroDivisionError: division by zero');
  expect(stderr).not.toContain('looking up the order');
}, 90_000);

test('plain serve whose start-up request fails: its traceback is in the function logs it prints, not a second time under the request', async () => {
  const root = project('plain-start', {
    'app.py': 'def handler(event, context):\n    raise KeyError("DATABASE_URL")\n',
  });
  const terminal = io(root);
  const code = await main(['serve', '--name', 'demo', '--path', 'src', '--port', '0'], terminal);
  expect(code).toBe(1);
  expect(terminal.stderr()).toMatch(/Z {3}File "src\/app\.py", line 2, in handler$/m);
  expect(terminal.stderr()).not.toMatch(/^\s+Traceback \(most recent call last\):$/m);
}, 90_000);

test('plain serve whose start-up request fails: says so without smoke-test wording, its traceback shown once', async () => {
  const root = project('start-request-fails', {
    'app.py': 'def handler(event, context):\n    raise ValueError("boom")\n',
  });
  const terminal = io(root);
  const code = await main(['serve', '--name', 'demo', '--path', 'src', '--port', '0'], terminal);
  expect(code).toBe(1);
  const stderr = terminal.stderr();
  expect(stderr).toMatch(
    /^error: demo started, but its start-up request failed: GET http:\/\/127\.0\.0\.1:\d+\/ answered 502 \(a server error\)\./m,
  );
  expect(stderr).not.toMatch(/smoke|100-499/i);
  expect(stderr.match(/File "src\/app\.py", line 2, in handler/g)).toHaveLength(1);
}, 90_000);

test('plain serve whose function starts: the start-up line says it started and answered, no smoke-test wording', async () => {
  const root = project('start-request-passes', {
    'app.py': 'def handler(event, context):\n    return {"statusCode": 404}\n',
  });
  const terminal = io(root);
  const exited = main(['serve', '--name', 'demo', '--path', 'src', '--port', '0'], terminal);
  await until(terminal.stdout, (text) => /^Serving demo at/m.test(text));
  terminal.interrupt();
  expect(await exited).toBe(0);
  const stderr = terminal.stderr();
  expect(stderr).toMatch(/^ *demo started: GET http:\/\/127\.0\.0\.1:\d+\/ answered 404 in \d+\.\d s\.$/m);
  expect(stderr).not.toMatch(/smoke|100-499|expected/i);
}, 90_000);

test('plain serve, Node.js, a package the function imports is not in package.json: the error says to add it there', async () => {
  const root = project('node-missing-package', {
    'index.mjs': 'import pad from "left-pad-zz";\nexport const handler = async () => pad;\n',
    'package.json': '{"name":"demo","type":"module"}\n',
  });
  const terminal = io(root);
  const code = await main(
    [
      'serve',
      '--name',
      'demo',
      '--path',
      'src',
      '--runtime',
      'nodejs22.x',
      '--handler',
      'index.handler',
      '--port',
      '0',
    ],
    terminal,
  );
  expect(code).toBe(1);
  expect(terminal.stderr()).toMatch(
    /^error: The function could not start: .*Cannot find package 'left-pad-zz'.* \(its traceback is in the function's logs\)\.\nFix: left-pad-zz is not in the dependencies of package\.json: add it \(npm install left-pad-zz\), and commit package\.json and package-lock\.json$/m,
  );
}, 90_000);

test('plain serve, Python, a module the handler imports is in no requirement: the error names its distribution and the file to add it to', async () => {
  const root = project('python-missing-module', {
    'app.py': 'import bs4.element\n\n\ndef handler(event, context):\n    return {}\n',
    'requirements.txt': '# nothing yet\n',
  });
  const terminal = io(root);
  const code = await main(['serve', '--name', 'demo', '--path', 'src', '--port', '0'], terminal);
  expect(code).toBe(1);
  expect(terminal.stderr()).toMatch(
    /^error: The function could not start: Runtime\.ImportModuleError: Unable to import module 'app': No module named 'bs4' \(its traceback is in the function's logs\)\.\nFix: bs4 is neither in the package nor in its requirements: add beautifulsoup4 \(the distribution that provides bs4\) to requirements\.txt$/m,
  );
}, 90_000);

test('plain serve --app whose app cannot be imported: stops at start (exit 1), the error naming the file and line, the traceback once, no request sent', async () => {
  const root = project('app-import-error', {
    'app.py': 'import missing_mod\n\n\ndef app(environ, start_response):\n    return []\n',
  });
  const terminal = io(root);
  const code = await main(
    ['serve', '--name', 'demo', '--path', 'src', '--app', 'app:app', '--port', '0'],
    terminal,
  );
  expect(code).toBe(1);
  const stderr = terminal.stderr();
  expect(stderr).toMatch(
    // The file as the traceback names it: relative to where the command ran, not to the package.
    /^error: .*could not import the app "app:app": ModuleNotFoundError: No module named 'missing_mod' \(src\/app\.py, line 1\)/m,
  );
  expect(stderr.match(/Traceback \(most recent call last\)/g)).toHaveLength(1);
  expect(stderr).toMatch(/File "src\/app\.py", line 1, in <module>/);
  // Found while the function started: no smoke request, no second report of it.
  expect(stderr).not.toMatch(/START RequestId|Smoke test failed|init failed/);
}, 90_000);
