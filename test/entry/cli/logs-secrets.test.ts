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
    // The values come with the function's tags: no other permission is asked for.
    expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 1);
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
      /Could not read the environment variables of function shop-pr-3 \(AccessDeniedException: Lambda was unable to decrypt[^;]*; [^)]*kms:Decrypt[^)]*\): only secret shapes are masked/,
    );
  });

  test('a function that is gone (its logs stay): said on stderr, shapes still masked', async () => {
    lambda
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    expect(await run()).toBe(0);
    expect(printed()[2]).toBe('calling GitHub with ***');
    expect(io.stderr()).toMatch(
      /The environment values of function shop-pr-3 are unknown \(the function does not exist\): only secret shapes are masked/,
    );
  });
});

test('logs --help names --show-secrets', async () => {
  expect(await main(['logs', '--help'], io)).toBe(0);
  expect(io.stdout()).toMatch(/--show-secrets\s+.*secret/);
});
