/**
 * The CLI in a GitHub Actions step (GITHUB_ACTIONS=true): the runner reads its
 * stdout and stderr for workflow commands. What the function printed (pull
 * request code: its log lines, its output under deploy --target local) is shown
 * between `::stop-commands::TOKEN` and `::TOKEN::`, so none of it runs; at a
 * terminal the output is as it was.
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
import { guardedText } from '../../../src/entry/cli/runner-output.js';
import { executedCommands } from '../../support/workflow-commands.js';
import { testPython } from '../../support/vendor-wheels.js';
import { testIo, type TestIo } from './io.js';

const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const logs = mockClient(CloudWatchLogsClient);

const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  GITHUB_WORKSPACE: process.cwd(),
  LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  GITHUB_REPOSITORY: 'octo/shop',
} as NodeJS.ProcessEnv;
delete env.GITHUB_ACTIONS;
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

/** The tokens of the blocks the runner opened: every other command it would run is an attack that worked. */
function tokensOf(output: string): string[] {
  const executed = executedCommands(output);
  expect(executed.filter((c) => c.name !== 'stop-commands')).toEqual([]);
  return executed.map((c) => c.data);
}

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

  test('on a runner: every line is shown, none runs; each block has its own random token and commands resume after it', async () => {
    expect(await run(onRunner)).toBe(0);
    const out = io.stdout();
    for (const line of HOSTILE) expect(out).toContain(line);
    const tokens = tokensOf(out);
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) {
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(out).toContain(`\n::${token}::\n`);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    tokensOf(io.stderr());
    // Resumed: a command printed after the output runs.
    expect(executedCommands(`${out}::notice::ours\n`).at(-1)?.name).toBe('notice');
  });

  test('--follow on a runner: the same', async () => {
    io = testIo(onRunner);
    io.sleep = async () => io.interrupt();
    expect(await main(['logs', '--name', 'shop', '--stage', 'pr-3', '--follow'], io)).toBe(0);
    for (const line of HOSTILE) expect(io.stdout()).toContain(line);
    expect(tokensOf(io.stdout()).length).toBeGreaterThan(0);
  });

  test('--json on a runner: one line the runner runs nothing of, whose parsed messages are as written', async () => {
    expect(await run(onRunner, '--json')).toBe(0);
    expect(tokensOf(io.stdout())).toEqual([]);
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
    expect(io.stdout()).not.toMatch(/::stop-commands::[0-9a-f]{32}/);
  });

  test('on a runner, an error that quotes what AWS returned (a tag value) on stderr runs nothing', async () => {
    lambda.on(GetFunctionCommand).resolves({
      Configuration: { FunctionName: 'shop-pr-3' },
      Tags: { 'lambda-deploy:name': 'shop', 'lambda-deploy:stage': '\n::error::pwned' },
    });
    expect(await run(onRunner)).toBe(1);
    expect(io.stderr()).toContain('::error::pwned');
    tokensOf(io.stderr());
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
    expect(io.stderr()).toContain('::error::pwned');
    expect(io.stderr()).toContain('from-the-error');
    expect(tokensOf(io.stderr()).length).toBeGreaterThan(0);
    tokensOf(io.stdout());
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
    for (const line of HOSTILE) expect(io.stderr()).toContain(line);
    expect(io.stderr()).toContain('::error::from-the-raise');
    expect(tokensOf(io.stderr()).length).toBeGreaterThan(0);
    tokensOf(io.stdout());
  }, 90_000);
});

describe('guardedText (each write on a runner)', () => {
  test('a command written in pieces (`:` then `:error::…`, blanks then `::`, `##` then `[`) runs nothing', () => {
    for (const [open, text] of [
      [':', ':error::pwned\n'],
      ['  ', '::add-mask::x'],
      ['START ##', '[add-path]/tmp/evil\n'],
    ] as const) {
      const out = `${open}${guardedText(open, text)}`;
      expect(out).toContain(text.trimEnd());
      tokensOf(out);
      expect(out.endsWith('::\n')).toBe(true);
    }
  });

  test('a line that could make no command is written as it is', () => {
    expect(guardedText('', 'GET / -> 200 (1 ms)\n')).toBe('GET / -> 200 (1 ms)\n');
    expect(guardedText('a: ', 'b:: c\n')).toBe('b:: c\n');
  });
});
