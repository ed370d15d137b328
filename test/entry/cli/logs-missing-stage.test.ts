/**
 * `logs` of a stage that is not there: one message for one fact (what was
 * looked for, and how to list the stages that exist), never two warnings
 * and an error. AWS answers as it does: GetFunction and FilterLogEvents
 * with ResourceNotFoundException.
 */
import { beforeEach, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException as LogsNotFound,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../../src/entry/cli/cli.js';
import { cliTestEnv, testIo, type TestIo } from './io.js';

const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const logs = mockClient(CloudWatchLogsClient);

const env = cliTestEnv();

const PAT = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
let io: TestIo;
const run = (...argv: string[]) => main(['logs', '--name', 'shop', '--stage', 'nope', ...argv], io);
/** stderr's lines but the sign-in one. */
const said = () =>
  io
    .stderr()
    .split('\n')
    .filter((line) => line && !line.startsWith('AWS credentials:'));

beforeEach(() => {
  for (const m of [lambda, sts, logs]) m.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
  lambda
    .on(GetFunctionCommand)
    .rejects(new ResourceNotFoundException({ message: 'Function not found: shop-nope', $metadata: {} }));
  logs
    .on(FilterLogEventsCommand)
    .rejects(new LogsNotFound({ message: 'The specified log group does not exist.', $metadata: {} }));
  io = testIo(env);
});

const NOT_FOUND =
  'error: --stage: "nope": no stage nope of shop in eu-west-1 (no function shop-nope, no log group /aws/lambda/shop-nope); expected a deployed stage: "status --name shop" lists them.';

test('no function and no log group: one error naming both and the command that lists the stages; exit 1, as a failed read', async () => {
  expect(await run()).toBe(1);
  expect(said()).toEqual([NOT_FOUND]);
  expect(io.stdout()).toBe('');
  // No version of a function that is not there is read.
  expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 2);
});

test('--json: the same error, in the object', async () => {
  expect(await run('--json')).toBe(1);
  const error = NOT_FOUND.replace(/^error: /, '');
  expect(JSON.parse(io.stdout())).toEqual({ error, problems: [error] });
});

test('--follow: one line saying what it waits for (a first deploy), then Ctrl-C', async () => {
  io.sleep = async () => io.interrupt();
  expect(await run('--follow')).toBe(0);
  expect(said()).toEqual([
    'Following /aws/lambda/shop-nope (events of the last 10m first); Ctrl-C stops.',
    'Stage nope of shop is not deployed in eu-west-1 (no function shop-nope, no log group /aws/lambda/shop-nope): waiting for its first deploy and invocation; Ctrl-C stops.',
  ]);
});

test('a function gone, its log group kept (undeployed): its lines, with one warning that says what is and is not masked', async () => {
  const at = Date.now() - 60_000;
  logs.on(FilterLogEventsCommand).resolves({
    events: [
      { eventId: '1', timestamp: at, logStreamName: '2026/12/06/[3]ab', message: `token ${PAT}\n` },
      { eventId: '2', timestamp: at + 1, logStreamName: '2026/12/06/[4]cd', message: 'hello\n' },
    ],
  });
  expect(await run()).toBe(0);
  expect(said()).toEqual([
    'warning: Function shop-nope does not exist (undeployed?): its log group /aws/lambda/shop-nope is read, which its tags cannot vouch for, and its environment values are unknown: only secret shapes are masked in its lines below (--show-secrets prints the lines unmasked).',
  ]);
  expect(io.stdout()).toMatch(/ token \*\*\*\n.* hello\n$/);
  // The versions of a function that is gone are gone too: not read one by one.
  expect(lambda).toHaveReceivedCommandTimes(GetFunctionCommand, 2);
});

test('a deployed stage: its lines, and none of these messages', async () => {
  lambda.on(GetFunctionCommand).resolves({
    Configuration: { FunctionName: 'shop-nope', Environment: { Variables: {} } },
    Tags: {
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'nope',
      'lambda-deploy:ref': 'nope',
      'lambda-deploy:repository': 'octo/shop',
    },
  });
  logs.on(FilterLogEventsCommand).resolves({
    events: [{ eventId: '1', timestamp: Date.now() - 1_000, message: 'hello\n' }],
  });
  expect(await run()).toBe(0);
  expect(said()).toEqual([]);
  expect(io.stdout()).toMatch(/ hello\n$/);
});

test('--follow of a stage not deployed yet: once it is deployed, its environment values are masked in its lines, with no warning that it is gone', async () => {
  const value = 'db-pass-Qx7mVn2w';
  let polls = 0;
  io.sleep = async () => {
    polls++;
    if (polls > 1) return io.interrupt();
    // Between two polls: the first deploy, and its first invocation.
    lambda.on(GetFunctionCommand).resolves({
      Configuration: {
        FunctionName: 'shop-nope',
        Version: '1',
        Environment: { Variables: { DB_PASSWORD: value } },
      },
      Tags: {
        'lambda-deploy:name': 'shop',
        'lambda-deploy:stage': 'nope',
        'lambda-deploy:ref': 'nope',
        'lambda-deploy:repository': 'octo/shop',
      },
    });
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        {
          eventId: '1',
          timestamp: Date.now(),
          logStreamName: '2026/12/06/[1]ab',
          message: `connecting with ${value}\n`,
        },
      ],
    });
  };
  expect(await run('--follow')).toBe(0);
  expect(io.stdout()).toMatch(/ connecting with \*\*\*\n$/);
  expect(io.stdout()).not.toContain(value);
  expect(said()).toEqual([
    'Following /aws/lambda/shop-nope (events of the last 10m first); Ctrl-C stops.',
    'Stage nope of shop is not deployed in eu-west-1 (no function shop-nope, no log group /aws/lambda/shop-nope): waiting for its first deploy and invocation; Ctrl-C stops.',
  ]);
});
