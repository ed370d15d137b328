/**
 * `serve --watch` from a terminal: an edit of the code is served on the same
 * port without a restart; a broken edit keeps the last good build serving,
 * saying why, and the next edit tries again.
 */
import { afterAll, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { testPython } from '../../support/vendor-wheels.js';
import { testIo } from './io.js';

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
  const io = testIo({
    ...process.env,
    AWS_REGION: 'us-east-1',
    GITHUB_WORKSPACE: dir,
    LAMBDA_DEPLOY_PYTHON: testPython(),
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
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
