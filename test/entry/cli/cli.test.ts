import { beforeEach, describe, expect, jest, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { FilterLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import {
  APIGatewayClient,
  GetRestApisCommand,
  GetUsagePlansCommand,
  GetApiKeysCommand,
} from '@aws-sdk/client-api-gateway';
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { readFileSync } from 'node:fs';
import { main } from '../../../src/entry/cli/cli.js';
import { LATE_EVENTS_MS, nextStartTime, SeenEvents } from '../../../src/entry/cli/commands/logs.js';
import { gitHubRepository } from '../../../src/entry/cli/local-context.js';
import { realSleep } from '../../../src/util/sleep.js';
import { startGitHubServer } from '../../support/github-server.js';
import { cliTestEnv, testIo, type TestIo } from './io.js';

// Class-level mocks: the CLI builds its own clients from the normal AWS chain.
const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const logs = mockClient(CloudWatchLogsClient);
const v2 = mockClient(ApiGatewayV2Client);
const v1 = mockClient(APIGatewayClient);
const events = mockClient(EventBridgeClient);

// A terminal's environment; whose stages these are (octo/shop): status lists only this repository's.
const env = cliTestEnv();

let io: TestIo;
const run = (...argv: string[]) => main(argv, io);
beforeEach(() => {
  for (const m of [lambda, sts, tagging, logs, v2, v1, events]) m.reset();
  events.on(ListRulesCommand).resolves({ Rules: [] });
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
  io = testIo(env);
});

const tags = (stage: string, project = 'shop') => ({
  'lambda-deploy:name': project,
  'lambda-deploy:stage': stage,
  'lambda-deploy:ref': stage === 'main' ? 'main' : 'pull/3',
  'lambda-deploy:repository': 'octo/shop',
});

describe('gitHubRepository', () => {
  test.each<[string, string | undefined]>([
    ['https://github.com/octo/shop.git', 'octo/shop'],
    ['https://github.com/octo/shop', 'octo/shop'],
    ['https://token@github.com/octo/my.app.git', 'octo/my.app'],
    ['git@github.com:octo/shop.git', 'octo/shop'],
    ['ssh://git@github.com/octo/shop.git', 'octo/shop'],
    ['https://gitlab.com/octo/shop.git', undefined],
    ['/srv/git/shop.git', undefined],
  ])('%s -> %s', (url, expected) => {
    expect(gitHubRepository(url)).toBe(expected);
  });
});

describe('lambda-stage-deploy CLI', () => {
  test('--version prints the package version, and only that, on stdout', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await run('--version')).toBe(0);
    expect(io.stdout()).toBe(`${pkg.version}\n`);
    expect(io.stderr()).toBe('');
  });

  test('help: the overview, help <command>, <command> --help; an unknown command exits 2', async () => {
    expect(await run('--help')).toBe(0);
    expect(io.stdout()).toMatch(/Commands:\n\s+serve/);
    expect(io.stdout()).toMatch(/Exit codes:\n\s+0\s+done\n\s+1\s+the command ran and failed/);
    io = testIo(env);
    expect(await run('help', 'logs')).toBe(0);
    const viaHelp = io.stdout();
    expect(viaHelp).toMatch(/^Usage: lambda-stage-deploy logs /);
    expect(viaHelp).toMatch(/--follow/);
    io = testIo(env);
    expect(await run('logs', '--help')).toBe(0);
    expect(io.stdout()).toBe(viaHelp);
    io = testIo(env);
    // No command is a wrong command line (README: exit 2): the overview goes to stderr, so a script sees no result.
    expect(await run()).toBe(2);
    expect(io.stderr()).toMatch(/^error: no command given\n[^]*Commands:\n\s+serve/);
    expect(io.stdout()).toBe('');
    io = testIo(env);
    expect(await run('explode')).toBe(2);
    expect(io.stderr()).toMatch(/^error: unknown command "explode"; expected one of serve, package, deploy/);
    expect(io.stdout()).toBe('');
    io = testIo(env);
    expect(await run('help', 'explode')).toBe(2);
    io = testIo(env);
    expect(await run('deplyo', '--name', 'shop')).toBe(2);
    expect(io.stderr()).toMatch(
      /^error: unknown command "deplyo" \(did you mean deploy\?\); expected one of serve/,
    );
    io = testIo(env);
    expect(await run('help', 'stauts')).toBe(2);
    expect(io.stderr()).toMatch(/^error: unknown command "stauts" \(did you mean status\?\)/);
  });

  test('prune and rollback, which the README names: exit 2, saying where each happens instead', async () => {
    io = testIo(env);
    expect(await run('prune', '--name', 'shop')).toBe(2);
    expect(io.stderr()).toMatch(
      /^error: "prune" is not a command of the CLI: the action prunes \(command: prune, nightly in the reusable workflow\), since it asks GitHub which branches and pull requests are gone; expected undeploy --stage STAGE to remove one stage\n/,
    );
    io = testIo(env);
    expect(await run('rollback', '--name', 'shop')).toBe(2);
    expect(io.stderr()).toMatch(
      /^error: "rollback" is not a command of the CLI: deploy rolls back by itself when its smoke test fails \(--rollback, on by default\); expected deploy of the earlier code to go back by hand\n/,
    );
  });

  // From a clone the CLI is "node dist/cli/index.js", through npx "npx github:org/lambda-deploy":
  // "lambda-stage-deploy" is a command only after a global install, so no hint asks to run it.
  test('the way to a command\'s flags works however the CLI was started: "<command> --help"', async () => {
    const notRunnable = /lambda-stage-deploy help|Run "lambda-stage-deploy/;
    expect(await run('--help')).toBe(0);
    expect(io.stdout()).toMatch(/"deploy --help" \(or "help deploy"\) lists a command's flags\.\n$/);
    expect(io.stdout()).not.toMatch(notRunnable);
    for (const argv of [
      ['deploy', '--name', 'shop', '--stage', 'x', '--gateway', 'http'],
      ['serve', '--name', 'shop', '--stgae', 'x'],
      ['logs', '--name', 'shop', '--since', '1hour'],
      ['explode'],
    ]) {
      io = testIo(env);
      expect(await run(...argv)).toBe(2);
      expect(io.stderr()).not.toMatch(notRunnable);
      expect(io.stderr()).toMatch(
        argv[0] === 'explode' ? /"--help" lists the commands/ : `"${argv[0]} --help" lists its flags`,
      );
    }
  });

  test('status with credentials AWS refuses: the advice is for a terminal (a profile or keys), not the action', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('The security token included in the request is invalid.'), {
        name: 'InvalidClientTokenId',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    expect(await run('status', '--name', 'shop')).toBe(1);
    // Found, sent and refused: what is wrong (the key id), then a terminal's ways to set credentials.
    expect(io.stderr()).toContain(
      "error: AWS refused the credentials: the access key id is not known in this account's partition",
    );
    expect(io.stderr()).toContain('Check AWS_ACCESS_KEY_ID or the profile (AWS_PROFILE); set AWS_PROFILE');
    expect(io.stderr()).not.toMatch(/configure role-to-assume|aws-actions\/configure-aws-credentials/);
    // setup's way without credentials (a CloudFormation template) is setup's alone.
    expect(io.stderr()).not.toMatch(/--cloudformation/);
  });

  test('status lists the stages found by tags, with version and URL', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main' },
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-3' },
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-decoy' },
        // The stage's own log group, which the deploy makes and tags: status has nothing to say about it.
        {
          ResourceARN: 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-pr-3',
          Tags: Object.entries(tags('pr-3')).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    });
    lambda
      .on(GetFunctionCommand, { FunctionName: 'shop-main' })
      .resolves({ Configuration: { LastModified: '2026-11-01T10:00:00.000+0000' }, Tags: tags('main') })
      .on(GetFunctionCommand, { FunctionName: 'shop-pr-3' })
      .resolves({ Configuration: { LastModified: '2026-11-20T10:00:00.000+0000' }, Tags: tags('pr-3') })
      .on(GetFunctionCommand, { FunctionName: 'shop-decoy' })
      .resolves({ Configuration: {}, Tags: tags('decoy', 'other') })
      .on(GetAliasCommand, { FunctionName: 'shop-main' })
      .resolves({ FunctionVersion: '7' })
      .on(GetAliasCommand, { FunctionName: 'shop-pr-3' })
      .resolves({ FunctionVersion: '2' })
      .on(GetFunctionUrlConfigCommand, { FunctionName: 'shop-main' })
      .resolves({ FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/' })
      .on(GetFunctionUrlConfigCommand, { FunctionName: 'shop-pr-3' })
      .rejects(new ResourceNotFoundException({ message: 'no url', $metadata: {} }));
    v2.on(GetApisCommand).resolves({
      Items: [
        {
          ApiId: 'h77',
          Name: 'shop-pr-3',
          ProtocolType: 'HTTP',
          RouteSelectionExpression: '',
          Tags: tags('pr-3'),
        },
      ],
    });
    v1.on(GetRestApisCommand).resolves({ items: [] });
    v1.on(GetUsagePlansCommand).resolves({ items: [] });
    v1.on(GetApiKeysCommand).resolves({ items: [] });

    expect(await run('status', '--name', 'shop')).toBe(0);
    expect(io.stderr()).not.toMatch(/error/);
    // status removes nothing, so it says nothing of what undeploy would keep.
    expect(io.stderr()).not.toMatch(/Kept log group|remove-logs/);
    const lines = io.stdout().trim().split('\n');
    expect(lines[0]).toMatch(/^STAGE\s+FUNCTION\s+VERSION\s+LAST DEPLOY\s+URL$/);
    expect(lines[1]).toMatch(/^main\s+shop-main\s+7\s+2026-11-01T10:00:00.000Z\s+https:\/\/abc.lambda-url/);
    expect(lines[2]).toMatch(
      /^pr-3\s+shop-pr-3\s+2\s+2026-11-20T10:00:00.000Z\s+https:\/\/h77.execute-api.eu-west-1.amazonaws.com$/,
    );
    expect(io.stdout()).not.toMatch(/decoy/);

    // --json: the same rows as one object.
    io = testIo(env);
    expect(await run('status', '--name', 'shop', '--json')).toBe(0);
    const json = JSON.parse(io.stdout()) as { stages: Record<string, string>[] };
    expect(io.stdout().trim().split('\n')).toHaveLength(1);
    expect(json.stages.map((s) => [s.stage, s.version, s.url])).toEqual([
      ['main', '7', 'https://abc.lambda-url.eu-west-1.on.aws/'],
      ['pr-3', '2', 'https://h77.execute-api.eu-west-1.amazonaws.com'],
    ]);
  });

  test('status: a REST API stage a usage plan serves (api-key) says "(API key required)" after its URL', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main' },
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-3' },
      ],
    });
    lambda
      .on(GetFunctionCommand, { FunctionName: 'shop-main' })
      .resolves({ Configuration: { LastModified: '2026-11-01T10:00:00.000+0000' }, Tags: tags('main') })
      .on(GetFunctionCommand, { FunctionName: 'shop-pr-3' })
      .resolves({ Configuration: { LastModified: '2026-11-20T10:00:00.000+0000' }, Tags: tags('pr-3') })
      .on(GetAliasCommand)
      .resolves({ FunctionVersion: '4' })
      .on(GetFunctionUrlConfigCommand)
      .rejects(new ResourceNotFoundException({ message: 'no url', $metadata: {} }));
    v2.on(GetApisCommand).resolves({ Items: [] });
    v1.on(GetRestApisCommand).resolves({
      items: [
        { id: 'r1', name: 'shop-main', tags: tags('main') },
        { id: 'r2', name: 'shop-pr-3', tags: tags('pr-3') },
      ],
    });
    // main's plan serves its REST API's stage; no plan serves pr-3's REST API stage.
    v1.on(GetUsagePlansCommand).resolves({
      items: [
        { id: 'p1', name: 'shop-main', apiStages: [{ apiId: 'r1', stage: 'main' }], tags: tags('main') },
        // pr-3's own plan, but for another API's stage and another stage of its API: not its URL's.
        {
          id: 'p3',
          name: 'shop-pr-3',
          apiStages: [
            { apiId: 'zz', stage: 'pr-3' },
            { apiId: 'r2', stage: 'old' },
          ],
          tags: tags('pr-3'),
        },
      ],
    });
    v1.on(GetApiKeysCommand).resolves({ items: [] });

    expect(await run('status', '--name', 'shop')).toBe(0);
    const lines = io.stdout().trim().split('\n');
    expect(lines[1]).toMatch(
      /\shttps:\/\/r1\.execute-api\.eu-west-1\.amazonaws\.com\/main \(API key required\)$/,
    );
    expect(lines[2]).toMatch(/\shttps:\/\/r2\.execute-api\.eu-west-1\.amazonaws\.com\/pr-3$/);

    // --json: the URL stays a URL; the key is its own field.
    io = testIo(env);
    expect(await run('status', '--name', 'shop', '--json')).toBe(0);
    const json = JSON.parse(io.stdout()) as { stages: Record<string, unknown>[] };
    expect(json.stages.map((s) => [s.stage, s.url, s['api-key-required']])).toEqual([
      ['main', 'https://r1.execute-api.eu-west-1.amazonaws.com/main', true],
      ['pr-3', 'https://r2.execute-api.eu-west-1.amazonaws.com/pr-3', false],
    ]);
    // No read beyond the listings status already made.
    expect(v1).toHaveReceivedCommandTimes(GetUsagePlansCommand, 4);
  });

  test('undeploy of a stage with nothing left: stdout says nothing was removed, --json an empty list', async () => {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    lambda
      .on(GetFunctionCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    v2.on(GetApisCommand).resolves({ Items: [] });
    v1.on(GetRestApisCommand).resolves({ items: [] });
    v1.on(GetUsagePlansCommand).resolves({ items: [] });
    v1.on(GetApiKeysCommand).resolves({ items: [] });
    expect(await run('undeploy', '--name', 'shop', '--stage', 'pr-3')).toBe(0);
    expect(io.stdout()).toBe('stage: pr-3\nremoved: (none)\n');
    io = testIo(env);
    expect(await run('undeploy', '--name', 'shop', '--stage', 'pr-3', '--json')).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual({ stage: 'pr-3', removed: [] });
  });

  test('status: a stage without live shows "-"; a denied read fails naming the permission your credentials lack', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main' }],
    });
    lambda
      .on(GetFunctionCommand, { FunctionName: 'shop-main' })
      .resolves({ Configuration: { LastModified: '2026-11-01T10:00:00.000+0000' }, Tags: tags('main') })
      .on(GetAliasCommand)
      .rejects(new ResourceNotFoundException({ message: 'Alias not found', $metadata: {} }))
      .on(GetFunctionUrlConfigCommand)
      .resolves({ FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/' });
    expect(await run('status', '--name', 'shop')).toBe(0);
    expect(io.stdout().trim().split('\n')[1]).toMatch(/^main\s+shop-main\s+-\s+2026-11-01/);

    const denied = Object.assign(new Error('User is not authorized to perform: lambda:GetAlias'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    lambda.on(GetAliasCommand).rejects(denied);
    io = testIo(env);
    expect(await run('status', '--name', 'shop')).toBe(1);
    expect(io.stderr()).toMatch(
      /Could not read alias live of function shop-main: AccessDeniedException: .*Your AWS credentials need lambda:GetAlias\./,
    );
    expect(io.stdout()).not.toMatch(/shop-main\s+-/);
  });

  test('logs prints the stage function log events; --json one object of them', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { eventId: '1', timestamp: Date.parse('2026-11-27T10:00:00Z'), message: 'START RequestId: 1\n' },
        { eventId: '2', timestamp: Date.parse('2026-11-27T10:00:01Z'), message: 'hello from the function\n' },
      ],
    });
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--since', '1h')).toBe(0);
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/aws/lambda/shop-pr-3' });
    expect(io.stdout()).toBe(
      '2026-11-27T10:00:00.000Z START RequestId: 1\n2026-11-27T10:00:01.000Z hello from the function\n',
    );
    io = testIo(env);
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--json')).toBe(0);
    expect(JSON.parse(io.stdout())).toEqual({
      'log-group': '/aws/lambda/shop-pr-3',
      events: [
        { time: '2026-11-27T10:00:00.000Z', message: 'START RequestId: 1' },
        { time: '2026-11-27T10:00:01.000Z', message: 'hello from the function' },
      ],
    });
  });

  test('logs: a FilterLogEvents page that hands out its nextToken again fails the command instead of reading on forever', async () => {
    const page = {
      events: [{ eventId: '1', timestamp: Date.parse('2026-11-27T10:00:00Z'), message: 'one' }],
      nextToken: 'page-2',
    };
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce(page)
      .resolvesOnce(page)
      .resolvesOnce(page)
      .resolves({ events: [] });
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--since', '1h')).toBe(1);
    expect(io.stderr()).toMatch(/pagination token page-2 again/);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
  });

  test('logs with no events in the window says so on stderr (stdout stays empty for pipes), naming the group and --since', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--since', '1h')).toBe(0);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(/No log events in \/aws\/lambda\/shop-pr-3 in the last 1h/);
    // The events printed say it already; --json's empty list too.
    io = testIo(env);
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--json')).toBe(0);
    expect(io.stderr()).not.toMatch(/No log events/);
  });

  test("logs of a function set to log to a custom group: that group, and only this function's streams in it", async () => {
    lambda.on(GetFunctionCommand, { FunctionName: 'shop-pr-3' }).resolves({
      Configuration: {
        FunctionName: 'shop-pr-3',
        LoggingConfig: { LogFormat: 'Text', LogGroup: '/shop/all' },
      },
      Tags: tags('pr-3'),
    });
    // A group other functions share: Lambda names its streams YYYY/MM/DD/{function}[VERSION]id there.
    logs.on(FilterLogEventsCommand, { logGroupName: '/shop/all' }).resolves({
      events: [
        {
          eventId: '1',
          timestamp: Date.now() - 1_000,
          logStreamName: '2026/11/27/shop-pr-3[4]ab',
          message: 'mine',
        },
        {
          eventId: '2',
          timestamp: Date.now() - 900,
          logStreamName: '2026/11/27/shop-pr-30[1]cd',
          message: 'another stage',
        },
      ],
    });
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--json')).toBe(0);
    const printed = JSON.parse(io.stdout()) as { 'log-group': string; events: { message: string }[] };
    expect(printed['log-group']).toBe('/shop/all');
    expect(printed.events.map((e) => e.message)).toEqual(['mine']);
  });

  test('logs --follow polls until Ctrl-C, never printing an event twice', async () => {
    // In the last minute; the second poll (from the newest time seen, inclusive) returns 'one' again.
    const t = Date.now() - 60_000;
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ eventId: '1', timestamp: t, message: 'one' }] })
      .resolves({
        events: [
          { eventId: '1', timestamp: t, message: 'one' },
          { eventId: '2', timestamp: t + 1_000, message: 'two' },
        ],
      });
    // Ctrl-C during the second wait between polls.
    let waits = 0;
    io.sleep = async () => {
      if (++waits === 2) io.interrupt();
    };
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--follow')).toBe(0);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
    expect(
      io
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[1]),
    ).toEqual(['one', 'two']);
    // A quiet stage shows nothing for a while: stderr says once what is being tailed.
    expect(
      io
        .stderr()
        .match(/Following \/aws\/lambda\/shop-pr-3 \(events of the last 10m first\); Ctrl-C stops\./g),
    ).toHaveLength(1);
  });

  test('logs says once how it signs in and whose logs it reads: no stderr line twice, over several --follow polls too', async () => {
    lambda.on(GetFunctionCommand).resolves({
      Configuration: { FunctionName: 'shop-pr-3' },
      Tags: tags('pr-3'),
    });
    logs
      .on(FilterLogEventsCommand)
      .resolves({ events: [{ eventId: '1', timestamp: Date.now(), message: 'one' }] });
    let waits = 0;
    io.sleep = async () => {
      if (++waits === 3) io.interrupt();
    };
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--follow', '--verbose')).toBe(0);
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 3);
    const lines = io.stderr().split('\n').filter(Boolean);
    expect(lines.filter((l) => l.startsWith('AWS credentials:'))).toHaveLength(1);
    expect(lines.filter((l, i) => lines.indexOf(l) !== i)).toEqual([]);
    expect(io.stdout().split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('logs --follow: Ctrl-C during the wait between polls leaves no timer that keeps the process alive', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    // The real wait (2 s between polls); Ctrl-C once the first one has started.
    io.sleep = (ms, signal) => {
      const waiting = realSleep(ms, signal);
      io.interrupt();
      return waiting;
    };
    const started = Date.now();
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--follow')).toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(timers()).toBe(before);
  });

  test('logs --follow before the log group exists (no invocation yet): waits for it, saying so once, then tails it', async () => {
    const t = Date.now() - 1_000;
    const missing = Object.assign(new Error('The specified log group does not exist.'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    logs
      .on(FilterLogEventsCommand)
      .rejectsOnce(missing)
      .rejectsOnce(missing)
      .resolves({ events: [{ eventId: '1', timestamp: t, message: 'first call' }] });
    // Just deployed: the function is there.
    lambda
      .on(GetFunctionCommand)
      .resolves({ Configuration: { FunctionName: 'shop-pr-3' }, Tags: tags('pr-3') });
    let waits = 0;
    io.sleep = async () => {
      if (++waits === 3) io.interrupt();
    };
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--follow')).toBe(0);
    expect(io.stdout()).toContain(' first call');
    const waiting = io.stderr().match(/waiting for it/g) ?? [];
    expect(waiting).toHaveLength(1);
    expect(io.stderr()).toContain(
      'Log group /aws/lambda/shop-pr-3 does not exist yet (Lambda creates it on the first invocation): waiting for it',
    );
  });

  test('logs --follow of a busy function: every event once, and only the ids at the newest time kept', async () => {
    // As CloudWatch answers: every event at or after startTime (ten a second, two at each time).
    const base = Date.now() - 60_000;
    const all = Array.from({ length: 60 }, (_, i) => ({
      eventId: `e${i}`,
      timestamp: base + Math.floor(i / 2) * 100,
      message: `line ${i}`,
    }));
    let polls = 0;
    logs.on(FilterLogEventsCommand).callsFake((input: { startTime?: number }) => {
      // Events arrive over time: poll n sees the first 10 * n of them.
      const arrived = all.slice(0, 10 * ++polls);
      return { events: arrived.filter((e) => e.timestamp >= (input.startTime ?? 0)) };
    });
    const sizes: number[] = [];
    const forget = SeenEvents.prototype.forgetBefore;
    const spy = jest.spyOn(SeenEvents.prototype, 'forgetBefore').mockImplementation(function (
      this: SeenEvents,
      startTime: number,
    ) {
      forget.call(this, startTime);
      sizes.push(this.size);
    });
    let waits = 0;
    io.sleep = async () => {
      if (++waits === 6) io.interrupt();
    };
    try {
      expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--since', '1d', '--follow')).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const printed = io
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(l.indexOf(' ') + 1));
    expect(printed).toEqual(all.map((e) => e.message));
    // After each poll only the two ids at the newest time are remembered, not all seen so far.
    expect(sizes).toEqual([2, 2, 2, 2, 2, 2]);
  });

  test('logs --follow prints a line that reaches CloudWatch late, stamped before the newest seen, once', async () => {
    // Two instances: 'b' was written before 'c' but is ingested one poll later (CloudWatch
    // selects by the event's timestamp, whatever its ingestion time).
    const now = Date.now();
    const a = { eventId: 'a', timestamp: now - 9_000, message: 'a' };
    const b = { eventId: 'b', timestamp: now - 6_000, message: 'b (late)' };
    const c = { eventId: 'c', timestamp: now - 3_000, message: 'c' };
    const d = { eventId: 'd', timestamp: now - 1_000, message: 'd' };
    const ingested = [
      [a, c],
      [a, b, c],
      [a, b, c, d],
    ];
    const starts: number[] = [];
    let polls = 0;
    logs.on(FilterLogEventsCommand).callsFake((input: { startTime?: number }) => {
      starts.push(input.startTime!);
      const arrived = ingested[Math.min(polls++, ingested.length - 1)]!;
      return { events: arrived.filter((e) => e.timestamp >= (input.startTime ?? 0)) };
    });
    let waits = 0;
    io.sleep = async () => {
      if (++waits === 3) io.interrupt();
    };
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--follow')).toBe(0);
    const printed = io
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(l.indexOf(' ') + 1));
    expect(printed).toEqual(['a', 'c', 'b (late)', 'd']);
    // The later polls look LATE_EVENTS_MS back, not only from the newest time seen.
    expect(starts.slice(1).every((t) => t <= now - 3_000 && t >= now - LATE_EVENTS_MS - 1_000)).toBe(true);
  });

  test('the next --follow poll starts at the newest time seen, at most LATE_EVENTS_MS ago, never before --since', () => {
    const now = 1_000_000_000;
    expect(nextStartTime(now - 60_000, now, now - 600_000)).toBe(now - 60_000);
    expect(nextStartTime(now - 1_000, now, now - 600_000)).toBe(now - LATE_EVENTS_MS);
    expect(nextStartTime(now - 1_000, now, now - 5_000)).toBe(now - 5_000);
  });

  test('logs checks --since and --json with --follow before asking AWS anything', async () => {
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--since', 'yesterday')).toBe(2);
    expect(io.stderr()).toMatch(/--since: "yesterday" is not a duration; expected like 30s, 10m, 2h or 1d/);
    io = testIo(env);
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3', '--follow', '--json')).toBe(2);
    expect(JSON.parse(io.stdout())).toEqual({
      error: expect.stringMatching(/--follow never reaches/),
      problems: [expect.stringMatching(/--follow never reaches/)],
    });
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 0);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  test('logs of a custom group the credentials may not read: exit 1, naming the permission on that group', async () => {
    lambda.on(GetFunctionCommand, { FunctionName: 'shop-pr-3' }).resolves({
      Configuration: {
        FunctionName: 'shop-pr-3',
        LoggingConfig: { LogFormat: 'Text', LogGroup: '/shop/all' },
      },
      Tags: tags('pr-3'),
    });
    // As CloudWatch Logs answers (HTTP 400, JSON protocol) credentials shaped like the deploy role's policy.
    logs
      .on(FilterLogEventsCommand)
      .rejects(
        Object.assign(
          new Error(
            'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all:log-stream: because no identity-based policy allows the logs:FilterLogEvents action',
          ),
          { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } },
        ),
      );
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-3')).toBe(1);
    expect(io.stderr()).toContain(
      'Your AWS credentials need logs:FilterLogEvents on arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all.',
    );
  });

  test("logs of another project's function that has the stage's name: exit 1, nothing read", async () => {
    // shop's stage admin-main and shop-admin's stage main are both shop-admin-main.
    lambda.on(GetFunctionCommand, { FunctionName: 'shop-admin-main' }).resolves({
      Configuration: { FunctionName: 'shop-admin-main' },
      Tags: { ...tags('main', 'shop-admin') },
    });
    logs.on(FilterLogEventsCommand).resolves({
      events: [{ eventId: '1', timestamp: Date.now() - 1_000, message: 'shop-admin secrets' }],
    });
    expect(await run('logs', '--name', 'shop', '--stage', 'admin-main')).toBe(1);
    expect(io.stderr()).toContain(
      "function shop-admin-main is not stage admin-main of shop: tag lambda-deploy:name is 'shop-admin'; " +
        "logs reads only this project's stages (check --name and --stage).",
    );
    expect(logs).toHaveReceivedCommandTimes(FilterLogEventsCommand, 0);
    expect(io.stdout()).toBe('');
  });

  test('logs of a function whose log group does not exist: exit 1, naming the group and what to check', async () => {
    lambda
      .on(GetFunctionCommand)
      .resolves({ Configuration: { FunctionName: 'shop-pr-9' }, Tags: tags('pr-9') });
    logs.on(FilterLogEventsCommand).rejects(
      Object.assign(new Error('The specified log group does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    expect(await run('logs', '--name', 'shop', '--stage', 'pr-9')).toBe(1);
    expect(io.stderr()).toMatch(
      /Could not read the log group \/aws\/lambda\/shop-pr-9 \(has stage pr-9 been deployed and invoked\?\)/,
    );
    expect(io.stdout()).toBe('');
  });

  test('--role-to-assume is refused: the CLI signs in with the AWS chain', async () => {
    const role = 'arn:aws:iam::123456789012:role/deploy';
    expect(await run('deploy', '--name', 'shop', '--role-to-assume', role)).toBe(2);
    expect(io.stderr()).toMatch(
      /--role-to-assume is not a flag of deploy: .*expected a profile \(AWS_PROFILE\)/,
    );
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  test('policy prints the deploy policy and the trust policy; --json as one object', async () => {
    const argv = ['policy', '--name', 'shop', '--account', '123456789012', '--aws-region', 'eu-west-1'];
    expect(await run(...argv, '--repository', 'octo/shop')).toBe(0);
    expect(io.stdout()).toMatch(/arn:\*:lambda:eu-west-1:123456789012:function:shop-\*/);
    expect(io.stdout()).toMatch(/repo:octo\/shop:pull_request/);
    expect(io.stdout()).toMatch(/# Production deploy role: permissions policy/);
    expect(io.stdout()).toMatch(/# Preview deploy role: trust policy/);
    expect(io.stdout()).toMatch(/"Sid": "NoIamWrites"/);
    io = testIo(env);
    expect(await run(...argv, '--repository', 'octo/shop', '--gateway', 'all', '--json')).toBe(0);
    const json = JSON.parse(io.stdout()) as {
      roles: { role: string; 'permissions-policy': { Statement: unknown[] }; 'trust-policy': object }[];
      notes: string[];
    };
    expect(json.roles.map((r) => r.role)).toEqual(['production', 'preview']);
    expect(json.roles[0]?.['permissions-policy'].Statement.length).toBeGreaterThan(3);
    expect(json.roles[1]?.['trust-policy']).toBeDefined();
    io = testIo(env);
    expect(await run('policy', '--name', 'shop')).toBe(2);
    expect(io.stderr()).toMatch(/--account: missing; expected the 12-digit AWS account id/);
  });

  test('policy --repository reads the ids from GitHub as setup does: both sub forms trusted', async () => {
    const github = await startGitHubServer({
      repository: 'octo/shop',
      token: 'gho_reader',
      ids: { owner: 1342004, repository: 987654321 },
      // The production role trusts it: policy checks it as setup does (policy-environments.test.ts).
      environments: {
        production: {
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
          branch_policies: [{ name: 'main' }],
        },
      },
      // And the protected branches whose pushes it trusts (setup/github-branches.ts).
      protection: { branches: { main: { protected: true }, master: { protected: true } } },
    });
    const apiUrl = github.url;
    const asked = () =>
      github.state.requests
        .map((r) => `${r.path} ${r.authorization}`)
        .filter((r) => !r.includes('/environments/') && !r.includes('/branches/'));
    try {
      io = testIo({ ...env, GITHUB_API_URL: apiUrl, GH_TOKEN: 'gho_reader' }, fetch);
      const argv = ['policy', '--name=shop', '--account=123456789012', '--repository=Octo/Shop'];
      expect(await run(...argv)).toBe(0);
      // The ids first; then (the default branches) which of main and master the repository has.
      expect(asked()[0]).toBe('/api/v3/repos/Octo/Shop Bearer gho_reader');
      expect(asked().every((a) => a.endsWith(' Bearer gho_reader'))).toBe(true);
      expect(io.stdout()).toContain('"repo:octo@1342004/shop@987654321:pull_request"');
      expect(io.stdout()).toContain('"repo:octo/shop:pull_request"');
      // The trust and the OtherRepositories deny both use GitHub's spelling, which its tokens and tags carry.
      expect(io.stdout()).not.toMatch(/Octo\/Shop/);
      expect(io.stderr()).toContain(
        'Read from GitHub: octo/shop is owner 1342004, repository 987654321 (--owner-id/--repo-id): the deploy roles trust both sub forms',
      );
      expect(io.stderr()).not.toContain('gho_reader');
    } finally {
      await github.close();
    }
  });

  test('policy --repository with no answer from GitHub: the classic form only, and the warning setup gives', async () => {
    expect(await run('policy', '--name=shop', '--account=123456789012', '--repository=octo/shop')).toBe(0);
    expect(io.stdout()).toContain('"repo:octo/shop:pull_request"');
    expect(io.stderr()).toContain(
      "(ENETUNREACH)), so the deploy roles trust only GitHub's classic sub form (repo:octo/shop:...). " +
        'Repositories created, renamed or transferred since 15 July 2026 send repo:OWNER@ID/REPO@ID:... instead, and their workflows could not sign in. ' +
        "Add --owner-id and --repo-id (gh api repos/octo/shop --jq '.owner.id, .id'): both forms are then trusted.",
    );
  });

  test('policy takes --owner-id/--repo-id, --role, --protected-branches and --github-environment', async () => {
    const code = await run(
      'policy',
      '--name=shop',
      '--account=123456789012',
      '--repository=octo/shop',
      '--owner-id=1234567',
      '--repo-id',
      '89012345',
      '--role',
      'production',
      '--protected-branches',
      'main,release',
      '--github-environment',
      'prod',
    );
    expect(code).toBe(0);
    expect(io.stdout()).toContain('"repo:octo@1234567/shop@89012345:ref:refs/heads/release"');
    expect(io.stdout()).toContain('"repo:octo/shop:environment:prod"');
    expect(io.stdout()).not.toContain('pull_request');
    io = testIo(env);
    expect(await run('policy', '--name=shop', '--account=123456789012', '--role=admin')).toBe(2);
    expect(io.stderr()).toMatch(/--role: "admin" is not valid; expected one of production, preview, single/);
  });

  test('bad flag values are reported like the action reports bad inputs: exit 2, before anything runs', async () => {
    expect(await run('package', '--name', 'shop', '--path', 'examples/handler', '--memory', '1')).toBe(2);
    expect(io.stderr()).toMatch(/unknown flag --memory for package: serve and deploy take it;/);
    // The help command said once, in the error: not again on a line of its own.
    expect(io.stderr().match(/"package --help"/g)).toHaveLength(1);
    io = testIo(env);
    // Every command but package takes --aws-region: not eight names.
    expect(
      await run('package', '--name', 'shop', '--path', 'examples/handler', '--aws-region', 'eu-west-1'),
    ).toBe(2);
    expect(io.stderr()).toMatch(/unknown flag --aws-region for package: every other command takes it;/);
    io = testIo(env);
    expect(await run('deploy', '--name', 'shop', '--stage', 'x', '--memroy', '256')).toBe(2);
    expect(io.stderr()).toBe(
      'error: unknown flag --memroy for deploy (did you mean --memory?); "deploy --help" lists its flags\n',
    );
    io = testIo(env);
    expect(await run('deploy', '--name', 'shop', '--stage', 'x', '--memory', '1', '--json')).toBe(2);
    expect(io.stderr()).toMatch(/memory: "1" is not valid; expected a whole number from 128 to 10240/);
    expect(io.stderr()).toMatch(/\n"deploy --help" lists its flags\.\n$/);
    expect(JSON.parse(io.stdout())).toEqual({
      error: expect.stringMatching(/memory: "1" is not valid/),
      problems: [expect.stringMatching(/memory: "1" is not valid/)],
    });
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  test("the Node.js 20 note is said on stderr when a command runs, never with a usage error's exit 2", async () => {
    const noisy = { ...env, LAMBDA_DEPLOY_QUIET_NODE_NOTICE: undefined };
    const NOTE = /^note: Node\.js .* January 2027/m;
    io = testIo(noisy);
    expect(await run('deploy', '--name', 'shop', '--stage', 'x', '--memory', '1')).toBe(2);
    expect(io.stderr()).not.toMatch(NOTE);
    io = testIo(noisy);
    expect(await run('undeploy', '--name', 'shop', '--stage', 'Bad Stage!')).toBe(2);
    expect(io.stderr()).not.toMatch(NOTE);

    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    io = testIo(noisy);
    expect(await run('status', '--name', 'shop')).toBe(0);
    const node20 = Number(process.versions.node.split('.')[0]) < 22;
    expect(io.stderr().match(new RegExp(NOTE, 'gm')) ?? []).toHaveLength(node20 ? 1 : 0);
    expect(io.stdout()).not.toMatch(/note:/);
  });
});
