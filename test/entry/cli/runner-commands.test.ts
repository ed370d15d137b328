/**
 * The CLI in a GitHub Actions step (GITHUB_ACTIONS=true): the runner reads its
 * stdout and stderr for workflow commands. What the function printed (pull
 * request code: its log lines, its output under deploy --target local) is shown
 * with a blank mark (U+2800) before a line's `::` and inside `##[`, so no line
 * on either stream runs, in any order the runner reads them; at a terminal the
 * output is as it was.
 */
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { INERT_MARK, inertText, runnerIo } from '../../../src/entry/cli/runner-output.js';
import { commandsInAnyOrder, executedCommands, ignorable } from '../../support/workflow-commands.js';
import { testPython } from '../../support/vendor-wheels.js';
import { cliTestEnv, testIo, type TestIo } from './io.js';

const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const logs = mockClient(CloudWatchLogsClient);

const env = cliTestEnv();
const onRunner = { ...env, GITHUB_ACTIONS: 'true' };

/** What the function wrote: each a workflow command if the runner ran it. */
const HOSTILE = [
  '::error::pwned',
  '::add-mask::x',
  '  ::set-output name=url::https://evil.example',
  'START ##[add-path]/tmp/evil',
  '::stop-commands::guess',
  '::add-path::/tmp/after-guess',
];
const at = Date.now() - 60_000;

/**
 * Nothing the runner would run, in whatever order it reads stdout's and
 * stderr's lines (two pipes, two readers), and no stop-commands: one stream's
 * block would let the other's lines run (see test/support/workflow-commands).
 */
function runsNothing(io: TestIo): void {
  expect(commandsInAnyOrder(io.stdout(), io.stderr())).toEqual([]);
  expect(executedCommands(io.stdout())).toEqual([]);
  expect(executedCommands(io.stderr())).toEqual([]);
}

/** What was printed, the blank mark put in command-like lines taken out: the lines as written. */
const unmarked = (text: string) => text.replaceAll('\u2800', '');

describe('logs', () => {
  let io: TestIo;
  const run = (environment: NodeJS.ProcessEnv, ...argv: string[]) => {
    io = testIo(environment);
    return main(['logs', '--name', 'shop', '--stage', 'pr-3', ...argv], io);
  };
  beforeEach(() => {
    for (const m of [lambda, sts, logs]) m.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
    lambda.on(GetFunctionCommand).resolves({
      Configuration: { FunctionName: 'shop-pr-3' },
      Tags: {
        'lambda-deploy:name': 'shop',
        'lambda-deploy:stage': 'pr-3',
        'lambda-deploy:ref': 'pull/3',
        'lambda-deploy:repository': 'octo/shop',
      },
    });
    logs.on(FilterLogEventsCommand).resolves({
      events: [...HOSTILE, 'hello'].map((message, i) => ({ eventId: `${i}`, timestamp: at + i, message })),
    });
  });

  test('on a runner: every line is shown, a blank mark in each that could be a command, none runs', async () => {
    expect(await run(onRunner)).toBe(0);
    const out = io.stdout();
    for (const line of HOSTILE) expect(unmarked(out)).toContain(line);
    // A line is its time, a blank, the message: only `##[` could make a command of it.
    expect(out).toContain(' ::error::pwned\n');
    expect(out).toContain(' START ##\u2800[add-path]/tmp/evil\n');
    runsNothing(io);
    // Nothing held back: a command printed after the output runs.
    expect(executedCommands(`${out}::notice::ours\n`).at(-1)?.name).toBe('notice');
  });

  test('--follow on a runner: the same', async () => {
    io = testIo(onRunner);
    io.sleep = async () => io.interrupt();
    expect(await main(['logs', '--name', 'shop', '--stage', 'pr-3', '--follow'], io)).toBe(0);
    for (const line of HOSTILE) expect(unmarked(io.stdout())).toContain(line);
    runsNothing(io);
  });

  test('--follow on a runner, the lines on stdout and then an error quoting a command on stderr: none runs, in any order the runner reads the two', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({
        events: HOSTILE.map((message, i) => ({ eventId: `${i}`, timestamp: at + i, message })),
      })
      .rejects(Object.assign(new Error('denied\n::error::pwned-stderr'), { name: 'AccessDeniedException' }));
    io = testIo(onRunner);
    io.sleep = async () => undefined;
    expect(await main(['logs', '--name', 'shop', '--stage', 'pr-3', '--follow'], io)).toBe(1);
    expect(unmarked(io.stdout())).toContain('::error::pwned');
    expect(unmarked(io.stderr())).toContain('::error::pwned-stderr');
    runsNothing(io);
  });

  test('--json on a runner: one line the runner runs nothing of, whose parsed messages are as written', async () => {
    expect(await run(onRunner, '--json')).toBe(0);
    runsNothing(io);
    expect(io.stdout().trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(io.stdout()) as { events: { message: string }[] };
    expect(result.events.map((e) => e.message)).toEqual([...HOSTILE, 'hello'].map((m) => m.trimEnd()));
  });

  test('at a terminal: the lines as they were, no stop-commands', async () => {
    expect(await run(env)).toBe(0);
    expect(
      io
        .stdout()
        .trimEnd()
        .split('\n')
        .map((line) => line.replace(/^\S+ /, '')),
    ).toEqual([...HOSTILE, 'hello']);
    expect(io.stdout()).not.toContain('\u2800');
  });

  test('on a runner, an error that quotes what AWS returned (a tag value) on stderr runs nothing', async () => {
    lambda.on(GetFunctionCommand).resolves({
      Configuration: { FunctionName: 'shop-pr-3' },
      Tags: { 'lambda-deploy:name': 'shop', 'lambda-deploy:stage': '\n::error::pwned' },
    });
    expect(await run(onRunner)).toBe(1);
    expect(unmarked(io.stderr())).toContain('::error::pwned');
    runsNothing(io);
  });
});

describe('deploy --target local', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-runner-commands-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('on a runner, the failing function prints workflow commands: shown in its logs, none runs', async () => {
    const src = join(dir, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(
      join(src, 'app.py'),
      [
        'import sys',
        `print(${JSON.stringify(HOSTILE.join('\n'))}, flush=True)`,
        `print("::error::pwned-stderr", file=sys.stderr, flush=True)`,
        'def handler(event, context):',
        '    raise KeyError("::error::from-the-error ##[add-mask]y")',
        '',
      ].join('\n'),
    );
    const io = testIo({
      ...process.env,
      AWS_REGION: 'us-east-1',
      GITHUB_WORKSPACE: dir,
      GITHUB_ACTIONS: 'true',
      LAMBDA_DEPLOY_PYTHON: testPython(),
      LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
    });
    const code = await main(
      ['deploy', '--name', 'demo', '--stage', 'dev', '--target', 'local', '--path', src, '--json'],
      io,
    );
    expect(code).toBe(1);
    expect(unmarked(io.stderr())).toContain('::error::pwned');
    expect(io.stderr()).toContain('from-the-error');
    runsNothing(io);
    expect(JSON.parse(io.stdout())).toHaveProperty('error');
  }, 90_000);
});

describe('serve --verbose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-runner-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("on a runner, the function's lines and its traceback, printed as it serves: shown, none runs", async () => {
    const src = join(dir, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(
      join(src, 'app.py'),
      [
        'def handler(event, context):',
        `    print(${JSON.stringify(HOSTILE.join('\n'))}, flush=True)`,
        '    if event["rawPath"] == "/boom":',
        '        raise ValueError("\\n::error::from-the-raise ##[add-mask]y")',
        '    return {"statusCode": 200, "body": "ok"}',
        '',
      ].join('\n'),
    );
    const io = testIo({
      ...process.env,
      AWS_REGION: 'us-east-1',
      GITHUB_WORKSPACE: dir,
      GITHUB_ACTIONS: 'true',
      LAMBDA_DEPLOY_PYTHON: testPython(),
      LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
    });
    const exited = main(['serve', '--name', 'demo', '--path', src, '--port', '0', '--verbose'], io);
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && !url; i++) {
        url = /^Serving demo at (http:\/\/127\.0\.0\.1:\d+)/m.exec(io.stdout())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url).toBeDefined();
      for (const path of ['/ok', '/boom'])
        await (await fetch(`${url!}${path}`, { signal: AbortSignal.timeout(10_000) })).text();
      for (let i = 0; i < 200 && !/GET \/boom -> 5\d\d/.test(io.stderr()); i++)
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      io.interrupt();
      expect(await exited).toBe(0);
    }
    expect(io.stderr()).toMatch(/GET \/boom -> 5\d\d/);
    for (const line of HOSTILE) expect(unmarked(io.stderr())).toContain(line);
    expect(unmarked(io.stderr())).toContain('::error::from-the-raise');
    runsNothing(io);
  }, 90_000);
});

describe('inertText (each write on a runner)', () => {
  test("the mark stops the runner's first test, not only its reading of the name: not .NET white space (TrimStart keeps it), weighed by ICU (StartsWith and IndexOf see it)", () => {
    expect(INERT_MARK).toBe('\u2800');
    expect(/[\s\u0085]/.test(INERT_MARK)).toBe(false);
    expect(ignorable(INERT_MARK)).toBe(false);
  });

  test('a command written in pieces (`:` then `:error::…`, blanks then `::`, `##` then `[`) runs nothing', () => {
    for (const [open, text, shown] of [
      [':', ':error::pwned\n', '\u2800:error::pwned\n'],
      ['  ', '::add-mask::x', '\u2800::add-mask::x'],
      ['START ##', '[add-path]/tmp/evil\n', '\u2800[add-path]/tmp/evil\n'],
      ['START #', '#[add-path]/tmp/evil\n', '#\u2800[add-path]/tmp/evil\n'],
    ] as const) {
      expect(inertText(open, text)).toBe(shown);
      expect(executedCommands(`${open}${inertText(open, text)}`)).toEqual([]);
    }
  });

  test('every line of a write: after LF, CR alone and CRLF, after blanks .NET trims (U+0085, U+3000), `##[` twice', () => {
    const text = '::a::1\n::error::2\r::error::3\r\n\u0085\u3000::error::4\nx ##[add-mask]5 ##[error]6\n';
    const shown = inertText('', text);
    expect(shown).toBe(
      '\u2800::a::1\n\u2800::error::2\r\u2800::error::3\r\n\u0085\u3000\u2800::error::4\nx ##\u2800[add-mask]5 ##\u2800[error]6\n',
    );
    expect(executedCommands(shown)).toEqual([]);
  });

  test('a line that could make no command is written as it is', () => {
    expect(inertText('', 'GET / -> 200 (1 ms)\n')).toBe('GET / -> 200 (1 ms)\n');
    expect(inertText('a: ', 'b:: c\n')).toBe('b:: c\n');
    expect(inertText('', 'arn:aws:iam::123456789012:role/x # ## [x]\n')).toBe(
      'arn:aws:iam::123456789012:role/x # ## [x]\n',
    );
  });

  test('both streams at once, each with blocks of lines that would be commands: none runs in any order', async () => {
    const io = testIo(onRunner);
    const guarded = runnerIo(io);
    for (const line of HOSTILE) {
      guarded.out.write(`${line}\n`);
      guarded.err.write(Buffer.from(`${line}\n`));
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(unmarked(io.stdout())).toBe(`${HOSTILE.join('\n')}\n`);
    expect(unmarked(io.stderr())).toBe(`${HOSTILE.join('\n')}\n`);
    runsNothing(io);
  });
});
