/**
 * `serve --watch` from a terminal: an edit of the code is served on the same
 * port without a restart; a broken edit keeps the last good build serving,
 * saying why, and the next edit tries again.
 */
import { afterAll, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import {} from '../../support/vendor-wheels.js';
import { localCliEnv, testIo } from './io.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../../examples/handler');
const dir = mkdtempSync(join(tmpdir(), 'cli-serve-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `check` every 50 ms for up to 10 s; the last value it saw. */
async function until<T>(check: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  let value = await check();
  for (let i = 0; i < 200 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = await check();
  }
  return value;
}

test('serve --watch: an edit is served on the same port, the request in flight answered by the previous build; a syntax error keeps the last good build', async () => {
  const app = join(dir, 'app');
  cpSync(EXAMPLE, app, { recursive: true });
  // A request for "slow" takes 1.5 s: one in flight when the new build takes over.
  const slowLine = 'name = params.get("name", "world")';
  const original = readFileSync(join(app, 'app.py'), 'utf8');
  expect(original).toContain(slowLine);
  const source = original.replace(
    slowLine,
    `${slowLine}\n    if name == "slow":\n        __import__("time").sleep(1.5)\n    if name == "root":\n        name = context.function_name + " " + __import__("os").environ["LAMBDA_TASK_ROOT"]`,
  );
  writeFileSync(join(app, 'app.py'), source);
  const io = testIo(localCliEnv(dir));
  const exited = main(['serve', '--name', 'demo', '--path', app, '--port', '0', '--watch'], io);
  try {
    const url = await until(
      () => /^Serving demo at (http:\/\/127\.0\.0\.1:\d+)/m.exec(io.stdout())?.[1],
      (found) => found !== undefined,
    );
    expect(url).toBeDefined();
    const message = async () => {
      const answer = await fetch(`${url!}/?name=Ada`, { signal: AbortSignal.timeout(5000) });
      return ((await answer.json()) as { message: string }).message;
    };
    expect(await message()).toBe('Hello, Ada!');

    const slow = fetch(`${url!}/?name=slow`, { signal: AbortSignal.timeout(10_000) });
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(app, 'app.py'), source.replace('Hello, ', 'Howdy, '));
    expect(await until(message, (m) => m === 'Howdy, Ada!')).toBe('Howdy, Ada!');
    // The previous build finished the request it had before it stopped.
    const slowAnswer = await slow;
    expect([slowAnswer.status, await slowAnswer.json()]).toMatchObject([200, { message: 'Hello, slow!' }]);
    // The line comes once the previous build has stopped, just after the new one answers.
    const reloaded = /^Reloaded after app\.py changed \(\d+\.\d s\)$/m;
    expect(
      await until(
        () => io.stderr(),
        (text) => reloaded.test(text),
      ),
    ).toMatch(reloaded);

    // A syntax error: the last good build keeps answering, and the error says so.
    writeFileSync(join(app, 'app.py'), 'def handler(event, context):\n    return {\n');
    const failed = await until(
      () => io.stderr(),
      (text) => /Reload after app\.py changed failed/.test(text),
    );
    expect(failed).toMatch(/Reload after app\.py changed failed: .*SyntaxError/);
    expect(failed).toContain('still serving the last good build; the next change tries again');
    expect(await message()).toBe('Howdy, Ada!');

    writeFileSync(join(app, 'app.py'), source.replace('Hello, ', 'Hi again, '));
    expect(await until(message, (m) => m === 'Hi again, Ada!')).toBe('Hi again, Ada!');
    // One URL all along: the first line is the only one on stdout.
    expect(io.stdout().trim().split('\n')).toEqual([`Serving demo at ${url!}  (Ctrl-C to stop)`]);
    // Said once, on stdout: stderr does not announce it before (its start-up request line names the request only).
    expect(io.stderr()).not.toMatch(/serving at/);
    const reloads = await until(
      () => io.stderr().match(/^Reloaded after /gm)?.length,
      (n) => n === 2,
    );
    expect(reloads).toBe(2);
    // The failed build's traceback names the file that was edited, not its unpacked copy.
    expect(failed).toContain(`File "${join(app, 'app.py')}" Line 2`);
    // Only the build serving is unpacked: the previous ones and the failed one are gone.
    const answer = await fetch(`${url!}/?name=root`, { signal: AbortSignal.timeout(5000) });
    const { message: serving } = (await answer.json()) as { message: string };
    const taskRoot = /^Hi again, demo-local (.*)!$/.exec(serving)![1]!;
    const unpacked = readdirSync(dirname(taskRoot)).filter((f) => f.startsWith('local-'));
    expect(unpacked).toEqual([basename(taskRoot)]);
  } finally {
    io.interrupt();
    expect(await exited).toBe(0);
  }
}, 60_000);

/** A WSGI app (standard library only) answering `text`; `before` goes first, at line 1. */
function wsgiApp(text: string, before = ''): string {
  return `${before}def app(environ, start_response):\n    start_response("200 OK", [("Content-Type", "text/plain")])\n    return [b"${text}"]\n`;
}

test('serve --watch --app: an edit whose app cannot be imported (a syntax error, a raise at import) keeps the last good build, its traceback printed once naming the file; a good edit then switches', async () => {
  const app = join(dir, 'wsgi');
  mkdirSync(app);
  writeFileSync(join(app, 'app.py'), wsgiApp('v1'));
  const io = testIo(localCliEnv(dir));
  const exited = main(
    ['serve', '--name', 'wsgi', '--path', app, '--app', 'app:app', '--port', '0', '--watch'],
    io,
  );
  try {
    const url = await until(
      () => /^Serving wsgi at (http:\/\/127\.0\.0\.1:\d+)/m.exec(io.stdout())?.[1],
      (found) => found !== undefined,
    );
    expect(url).toBeDefined();
    const answer = async () => {
      const response = await fetch(`${url!}/`, { signal: AbortSignal.timeout(5000) });
      return `${response.status} ${await response.text()}`;
    };
    expect(await answer()).toBe('200 v1');
    const failures = () => io.stderr().match(/Reload after app\.py changed failed: .*$/gm) ?? [];

    // A syntax error: the adapter would only meet it at the first request.
    writeFileSync(join(app, 'app.py'), wsgiApp('v2').replace('def app(', 'def app(('));
    const [syntax] = await until(failures, (found) => found.length === 1);
    expect(syntax).toMatch(/SyntaxError: .*\(app\.py, line 1\)/);
    expect(syntax).toContain('still serving the last good build');
    expect(await answer()).toBe('200 v1');

    // A module that raises at import (a missing setting, say).
    const before = io.stderr().length;
    writeFileSync(join(app, 'app.py'), wsgiApp('v3', 'raise RuntimeError("DATABASE_URL is not set")\n'));
    const [, raised] = await until(failures, (found) => found.length === 2);
    expect(raised).toMatch(/RuntimeError: DATABASE_URL is not set \(\S*app\.py, line 1\)/);
    expect(await answer()).toBe('200 v1');
    // The traceback once, with the line that raised; no request was sent to the broken build.
    const printed = io.stderr().slice(before);
    expect(printed.match(/Traceback \(most recent call last\)/g)).toHaveLength(1);
    expect(printed).toMatch(/File ".*app\.py", line 1/);
    // The failure line names the file as the traceback does.
    const traced = /File "(.*app\.py)", line 1/.exec(printed)![1]!;
    expect(raised).toContain(`(${traced}, line 1)`);
    expect(printed).not.toMatch(/START RequestId/);
    // The error itself twice: the traceback's last line and the failure line; no warning besides.
    expect(printed.match(/RuntimeError: DATABASE_URL is not set/g)).toHaveLength(2);
    expect(printed).not.toContain('init failed');

    writeFileSync(join(app, 'app.py'), wsgiApp('v4'));
    expect(await until(answer, (a) => a === '200 v4')).toBe('200 v4');
    expect(failures()).toHaveLength(2);
  } finally {
    io.interrupt();
    expect(await exited).toBe(0);
  }
}, 60_000);
