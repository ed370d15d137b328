/**
 * `logs` prints a function's CloudWatch lines on stdout, which a CI job makes
 * public: the function's own secret values (its environment, as the action's
 * reports hide them) and secret shapes are masked unless --show-secrets says
 * otherwise.
 */
import { beforeEach, describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { FilterLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../../src/entry/cli/cli.js';
import { cliTestEnv, testIo, type TestIo } from './io.js';

const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const logs = mockClient(CloudWatchLogsClient);

const env = cliTestEnv();

const DB_PASSWORD = 'Pg"Secret\\771-é';
const GITHUB_PAT = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const at = Date.now() - 60_000;
const EVENTS = [
  { eventId: '1', timestamp: at, message: `connecting with ${DB_PASSWORD}\n` },
  // A structured log line: json.dumps escapes the quote, the backslash and é.
  {
    eventId: '2',
    timestamp: at + 1,
    message: `{"db": ${JSON.stringify(DB_PASSWORD).replace('é', '\\u00e9')}}\n`,
  },
  { eventId: '3', timestamp: at + 2, message: `calling GitHub with ${GITHUB_PAT}\n` },
  { eventId: '4', timestamp: at + 3, message: 'hello\n' },
];
const MASKED = ['connecting with ***', '{"db": "***"}', 'calling GitHub with ***', 'hello'];

const theFunction = (environment: { Variables?: Record<string, string>; Error?: object }) => ({
  Configuration: { FunctionName: 'shop-pr-3', Environment: environment },
  Tags: {
    'lambda-deploy:name': 'shop',
    'lambda-deploy:stage': 'pr-3',
    'lambda-deploy:ref': 'pull/3',
    'lambda-deploy:repository': 'octo/shop',
  },
});

let io: TestIo;
const run = (...argv: string[]) => main(['logs', '--name', 'shop', '--stage', 'pr-3', ...argv], io);
const printed = () =>
  io
    .stdout()
    .trimEnd()
    .split('\n')
    .map((line) => line.replace(/^\S+ /, ''));

beforeEach(() => {
  for (const m of [lambda, sts, logs]) m.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
  logs.on(FilterLogEventsCommand).resolves({ events: EVENTS });
  lambda
    .on(GetFunctionCommand)
    .resolves(theFunction({ Variables: { DB_PASSWORD, LOG_LEVEL: 'info', STAGE: 'pr-3' } }));
  io = testIo(env);
});

describe('logs masks secrets by default', () => {
  test("the function's environment values, in their printed forms, and secret shapes; from GetFunction alone", async () => {
    expect(await run()).toBe(0);
    expect(printed()).toEqual(MASKED);
    expect(io.stdout()).not.toContain('Secret');
    // The values come with the function's tags, and live's version's from GetFunction too: no other permission.
    expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 2);
    expect(lambda).not.toHaveReceivedCommand(GetFunctionConfigurationCommand);
  });

  test('--json: the same', async () => {
    expect(await run('--json')).toBe(0);
    const result = JSON.parse(io.stdout()) as { events: { message: string }[] };
    expect(result.events.map((e) => e.message)).toEqual(MASKED);
  });

  test('--follow: the same', async () => {
    // Ctrl-C during the first wait between polls.
    io.sleep = async () => io.interrupt();
    expect(await run('--follow')).toBe(0);
    expect(printed()).toEqual(MASKED);
  });

  test('a private key printed over several events (CloudWatch keeps a line each): every line of it', async () => {
    const pem = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'bL9xQ2zR',
      '-----END PRIVATE KEY-----',
    ];
    logs.on(FilterLogEventsCommand).resolves({
      events: [...pem, 'after'].map((message, i) => ({ eventId: `${i}`, timestamp: at + i, message })),
    });
    expect(await run()).toBe(0);
    expect(printed()).toEqual(['***', '***', '***', '***', 'after']);
  });

  test("a signature on the line after its label, another instance's line between (one state per log stream)", async () => {
    const sig = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
    const events = [
      ['2026/12/06/[$LATEST]aaaa', 'botocore.auth [DEBUG] Signature:'],
      ['2026/12/06/[$LATEST]bbbb', 'request sent'],
      ['2026/12/06/[$LATEST]aaaa', sig],
    ];
    logs.on(FilterLogEventsCommand).resolves({
      events: events.map(([logStreamName, message], i) => ({
        eventId: `${i}`,
        timestamp: at + i,
        logStreamName,
        message,
      })),
    });
    expect(await run()).toBe(0);
    expect(printed()).toEqual(['botocore.auth [DEBUG] Signature:', 'request sent', '***']);
  });

  test('--show-secrets prints the lines as the function wrote them', async () => {
    expect(await run('--show-secrets')).toBe(0);
    expect(printed()).toEqual(EVENTS.map((e) => e.message.trimEnd()));
  });

  test('variables Lambda cannot decrypt for this user (a KMS key): said on stderr, shapes still masked, exit 0', async () => {
    lambda.on(GetFunctionCommand).resolves(
      theFunction({
        Error: {
          ErrorCode: 'AccessDeniedException',
          Message: 'Lambda was unable to decrypt the environment variables because KMS access was denied.',
        },
      }),
    );
    expect(await run()).toBe(0);
    expect(printed()).toEqual([
      `connecting with ${DB_PASSWORD}`,
      expect.any(String),
      'calling GitHub with ***',
      'hello',
    ]);
    expect(io.stderr()).toMatch(
      /Could not read the environment variables of function shop-pr-3 \(AccessDeniedException: Lambda was unable to decrypt[^;]*; [^)]*kms:Decrypt[^)]*\): only secret shapes[^\n]* are masked/,
    );
  });

  test('a function that is gone (its logs stay): said on stderr, shapes still masked', async () => {
    lambda
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    expect(await run()).toBe(0);
    expect(printed()[2]).toBe('calling GitHub with ***');
    expect(io.stderr()).toMatch(
      /Function shop-pr-3 does not exist \(undeployed\?\): [^\n]*its environment values are unknown: only secret shapes are masked/,
    );
  });
});

test('logs --help names --show-secrets', async () => {
  expect(await main(['logs', '--help'], io)).toBe(0);
  expect(io.stdout()).toMatch(/--show-secrets\s+.*secret/);
});

describe('logs masks the values of every version whose lines it prints', () => {
  // After a rollback `live` serves version 3, whose key was rotated since: $LATEST holds the new one.
  const OLD_KEY = 'Old-Api-Key-2024-x1';
  const NEW_KEY = 'New-Api-Key-2025-y2';
  const CANARY_KEY = 'Canary-Api-Key-2025-z3';
  const version = (n: string, variables: Record<string, string>) => ({
    Configuration: { FunctionName: 'shop-pr-3', Version: n, Environment: { Variables: variables } },
  });
  const line = (id: string, stream: string, message: string) => ({
    eventId: id,
    timestamp: at + Number(id),
    logStreamName: stream,
    message,
  });

  beforeEach(() => {
    lambda.on(GetFunctionCommand).resolves(theFunction({ Variables: { API_KEY: NEW_KEY } }));
    lambda.on(GetFunctionCommand, { Qualifier: 'live' }).resolves(version('3', { API_KEY: OLD_KEY }));
    lambda.on(GetFunctionCommand, { Qualifier: '4' }).resolves(version('4', { API_KEY: CANARY_KEY }));
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        line('1', '2026/12/06/[3]aaaa', `key ${OLD_KEY}`),
        line('2', '2026/12/06/[$LATEST]bbbb', `key ${NEW_KEY}`),
        // A weighted alias's additional version (set outside the workflow): its lines show its own values.
        line('3', '2026/12/06/[4]cccc', `key ${CANARY_KEY}`),
      ],
    });
  });

  test("live's version (older than $LATEST after a rollback), $LATEST and any other version in the streams", async () => {
    expect(await run()).toBe(0);
    expect(printed()).toEqual(['key ***', 'key ***', 'key ***']);
    // Asked of GetFunction alone (no other permission), each version once.
    const qualifiers = lambda.commandCalls(GetFunctionCommand).map((c) => c.args[0].input.Qualifier);
    expect(qualifiers.sort()).toEqual(['4', 'live', undefined].sort());
  });

  test('the same with --json and --follow', async () => {
    expect(await run('--json')).toBe(0);
    const result = JSON.parse(io.stdout()) as { events: { message: string }[] };
    expect(result.events.map((e) => e.message)).toEqual(['key ***', 'key ***', 'key ***']);
    io = testIo(env);
    io.sleep = async () => io.interrupt();
    expect(await run('--follow')).toBe(0);
    expect(printed()).toEqual(['key ***', 'key ***', 'key ***']);
  });

  test("live's version is read together with the function, not after it", async () => {
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    lambda.on(GetFunctionCommand).callsFake(async (input: { Qualifier?: string }) => {
      if (input.Qualifier)
        return version(input.Qualifier === 'live' ? '3' : input.Qualifier, {
          API_KEY: input.Qualifier === 'live' ? OLD_KEY : CANARY_KEY,
        });
      await held;
      return theFunction({ Variables: { API_KEY: NEW_KEY } });
    });
    const running = run();
    for (let i = 0; i < 50 && lambda.commandCalls(GetFunctionCommand).length < 2; i++)
      await new Promise((r) => setImmediate(r));
    expect(lambda.commandCalls(GetFunctionCommand).map((c) => c.args[0].input.Qualifier)).toEqual([
      undefined,
      'live',
    ]);
    release();
    expect(await running).toBe(0);
    expect(printed()).toEqual(['key ***', 'key ***', 'key ***']);
  });

  test('versions first seen in one page are read together', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = (n: string, key: string) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return version(n, { API_KEY: key });
    };
    lambda.on(GetFunctionCommand, { Qualifier: '4' }).callsFake(slow('4', CANARY_KEY));
    lambda.on(GetFunctionCommand, { Qualifier: '5' }).callsFake(slow('5', 'Fifth-Api-Key-2025-w5'));
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        line('1', '2026/12/06/[4]cccc', `key ${CANARY_KEY}`),
        line('2', '2026/12/06/[5]dddd', 'key Fifth-Api-Key-2025-w5'),
      ],
    });
    expect(await run()).toBe(0);
    expect(printed()).toEqual(['key ***', 'key ***']);
    expect(most).toBe(2);
  });

  test("a version whose values cannot be read: said on stderr, naming it; the others' still masked", async () => {
    lambda.on(GetFunctionCommand, { Qualifier: '4' }).resolves({
      Configuration: {
        FunctionName: 'shop-pr-3',
        Version: '4',
        Environment: { Error: { ErrorCode: 'AccessDeniedException', Message: 'KMS access was denied.' } },
      },
    });
    expect(await run()).toBe(0);
    expect(printed()).toEqual(['key ***', 'key ***', `key ${CANARY_KEY}`]);
    expect(io.stderr()).toMatch(/version 4 of function shop-pr-3[^\n]*KMS access was denied[^\n]*only/);
  });

  test('no live alias (not deployed through lambda-deploy yet): $LATEST alone, no warning', async () => {
    lambda
      .on(GetFunctionCommand, { Qualifier: 'live' })
      .rejects(new ResourceNotFoundException({ message: 'Alias not found', $metadata: {} }));
    logs
      .on(FilterLogEventsCommand)
      .resolves({ events: [line('2', '2026/12/06/[$LATEST]bbbb', `key ${NEW_KEY}`)] });
    expect(await run()).toBe(0);
    expect(printed()).toEqual(['key ***']);
    expect(io.stderr()).not.toMatch(/unknown|could not/i);
  });

  test('--show-secrets reads no version', async () => {
    expect(await run('--show-secrets')).toBe(0);
    expect(printed()).toEqual([`key ${OLD_KEY}`, `key ${NEW_KEY}`, `key ${CANARY_KEY}`]);
    expect(lambda.commandCalls(GetFunctionCommand).map((c) => c.args[0].input.Qualifier)).toEqual([
      undefined,
    ]);
  });
});
