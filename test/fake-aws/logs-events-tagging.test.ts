/**
 * The fake's CloudWatch Logs, EventBridge and Resource Groups Tagging API
 * through the real SDK clients, and the project's keep-warm, log excerpt and
 * stage listing against them.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
  UntagResourceCommand as UntagLogGroupCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { listProjectStages } from '../../src/resources/stage/project-stages.js';
import { DEPLOYING_TAG, stageTags } from '../../src/model/tags.js';
import { UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { fetchFunctionLogs } from '../../src/resources/logs/function-logs.js';
import { ensureKeepWarm, warmRuleName } from '../../src/resources/warm-up/keep-warm.js';
import { ACCOUNT_ID, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { depsFor, expectAwsError } from './helpers.js';

let aws: FakeAws;
let clients: ReturnType<FakeAws['clients']>;

async function restart(options: Parameters<typeof startFakeAws>[0] = {}) {
  await aws?.close();
  aws = await startFakeAws(options);
  clients = aws.clients();
}
beforeEach(() => restart());
afterEach(() => aws.close());

const tags = (stage: string) => stageTags({ project: 'shop', stage, repository: 'octo/shop', ref: stage });

describe('CloudWatch Logs', () => {
  test('FilterLogEvents pages within the window; a missing group is ResourceNotFoundException with HTTP 400', async () => {
    await restart({ pageSize: 2 });
    aws.setFunctionLogs('shop-main', ['START', 'boom', { message: 'old', timestamp: 1 }, 'END']);
    const start = aws.clock.now();
    const first = await clients.logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/aws/lambda/shop-main',
        startTime: start,
        endTime: start + 60_000,
      }),
    );
    expect(first.events!.map((e) => e.message)).toEqual(['START', 'boom']);
    const second = await clients.logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/aws/lambda/shop-main',
        startTime: start,
        endTime: start + 60_000,
        nextToken: first.nextToken,
      }),
    );
    expect(second.events!.map((e) => e.message)).toEqual(['END']);
    expect(second.nextToken).toBeUndefined();
    await expectAwsError(
      clients.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nope' })),
      'ResourceNotFoundException',
      400,
      'The specified log group does not exist.',
    );
    await expectAwsError(
      clients.logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/nope' })),
      'ResourceNotFoundException',
      400,
    );
    expect(
      (
        await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/shop' }))
      ).logGroups!.map((g) => g.logGroupName),
    ).toEqual(['/aws/lambda/shop-main']);
  });

  test('FilterLogEvents selects streams by prefix or by name, not both (InvalidParameterException, 400)', async () => {
    aws.setFunctionLogs('shop-main', [
      { message: 'v3', logStreamName: '2025/01/01/[3]aa' },
      { message: 'v4', logStreamName: '2025/01/01/[4]bb' },
      'any stream',
    ]);
    const read = async (input: { logStreamNamePrefix?: string; logStreamNames?: string[] }) =>
      (
        await clients.logs.send(
          new FilterLogEventsCommand({ logGroupName: '/aws/lambda/shop-main', ...input }),
        )
      ).events!.map((e) => [e.message, e.logStreamName]);
    expect(await read({ logStreamNamePrefix: '2025/01/01/[4]' })).toEqual([
      ['v4', '2025/01/01/[4]bb'],
      ['any stream', '2025/01/01/[4]0123456789abcdef0123456789abcdef'],
    ]);
    expect(await read({ logStreamNames: ['2025/01/01/[3]aa'] })).toEqual([
      ['v3', '2025/01/01/[3]aa'],
      ['any stream', '2025/01/01/[3]aa'],
    ]);
    await expectAwsError(
      read({ logStreamNamePrefix: '2025/', logStreamNames: ['2025/01/01/[3]aa'] }),
      'InvalidParameterException',
      400,
    );
  });

  test('UntagResource takes 1 to 50 keys off a group (one it lacks is no error); a missing group is ResourceNotFoundException', async () => {
    aws.seed.logGroup('/aws/lambda/shop-legacy', {
      tags: { 'lambda-deploy:name': 'shop', team: 'ops' },
      events: ['x'],
    });
    const resourceArn = `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/shop-legacy`;
    await clients.logs.send(
      new UntagLogGroupCommand({ resourceArn, tagKeys: ['lambda-deploy:name', 'lambda-deploy:stage'] }),
    );
    expect((await clients.logs.send(new ListLogTagsCommand({ resourceArn }))).tags).toEqual({ team: 'ops' });
    expect(aws.account.logGroups.get('/aws/lambda/shop-legacy')!.events).toHaveLength(1);
    await expectAwsError(
      clients.logs.send(new UntagLogGroupCommand({ resourceArn, tagKeys: [] })),
      'InvalidParameterException',
      400,
    );
    await expectAwsError(
      clients.logs.send(
        new UntagLogGroupCommand({ resourceArn: resourceArn.replace('legacy', 'gone'), tagKeys: ['team'] }),
      ),
      'ResourceNotFoundException',
      400,
    );
  });

  test("the project's log excerpt reads every page it is allowed", async () => {
    await restart({ pageSize: 2 });
    aws.setFunctionLogs('shop-main', ['one', 'two', 'three', 'Traceback: boom']);
    const now = aws.clock.now();
    const logs = await fetchFunctionLogs(
      clients.logs,
      { functionName: 'shop-main', startTime: now, endTime: now + 60_000 },
      depsFor(aws),
    );
    expect(logs.text).toContain('Traceback: boom');
    expect(aws.calls.operations('logs')).toEqual(['FilterLogEvents', 'FilterLogEvents']);
  });
});

describe('EventBridge', () => {
  test('a rule with targets cannot be deleted (ValidationException, 400); tags count only when the rule is created', async () => {
    await clients.events.send(
      new PutRuleCommand({
        Name: 'r',
        ScheduleExpression: 'rate(5 minutes)',
        Tags: [{ Key: 'a', Value: '1' }],
      }),
    );
    await clients.events.send(
      new PutRuleCommand({
        Name: 'r',
        ScheduleExpression: 'rate(10 minutes)',
        Tags: [{ Key: 'b', Value: '2' }],
      }),
    );
    const described = await clients.events.send(new DescribeRuleCommand({ Name: 'r' }));
    expect(described).toMatchObject({
      ScheduleExpression: 'rate(10 minutes)',
      Arn: `arn:aws:events:us-east-1:${ACCOUNT_ID}:rule/r`,
    });
    expect(
      (await clients.events.send(new ListTagsForResourceCommand({ ResourceARN: described.Arn }))).Tags,
    ).toEqual([{ Key: 'a', Value: '1' }]);
    await clients.events.send(
      new PutTargetsCommand({
        Rule: 'r',
        Targets: [{ Id: 't', Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f:live' }],
      }),
    );
    await expectAwsError(
      clients.events.send(new DeleteRuleCommand({ Name: 'r' })),
      'ValidationException',
      400,
      "Rule can't be deleted since it has targets.",
    );
    await clients.events.send(new RemoveTargetsCommand({ Rule: 'r', Ids: ['t'] }));
    await clients.events.send(new DeleteRuleCommand({ Name: 'r' }));
    await expectAwsError(
      clients.events.send(new DescribeRuleCommand({ Name: 'r' })),
      'ResourceNotFoundException',
      400,
      'Rule r does not exist on EventBus default.',
    );
    await expectAwsError(
      clients.events.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: 'rate(1 minutes)' })),
      'ValidationException',
      400,
      'Parameter ScheduleExpression is not valid.',
    );
  });

  test('ListRules pages with NextToken', async () => {
    await restart({ pageSize: 2 });
    for (const n of ['a', 'b', 'c']) aws.seed.rule(`shop-${n}`);
    const first = await clients.events.send(new ListRulesCommand({ NamePrefix: 'shop-' }));
    const second = await clients.events.send(
      new ListRulesCommand({ NamePrefix: 'shop-', NextToken: first.NextToken }),
    );
    expect([...first.Rules!, ...second.Rules!].map((r) => r.Name)).toEqual(['shop-a', 'shop-b', 'shop-c']);
  });

  test("the project's keep-warm creates the rule, target and permission, then finds it unchanged", async () => {
    aws.seed.function('shop-main', { alias: 'live', tags: tags('main') });
    const context = {
      project: 'shop',
      stage: 'main',
      functionName: 'shop-main',
      region: aws.region,
      accountId: ACCOUNT_ID,
      tags: tags('main'),
    };
    const input = {
      context,
      schedule: 'rate(5 minutes)',
      aliasArn: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:shop-main:live`,
    };
    await expect(ensureKeepWarm(clients, input, depsFor(aws))).resolves.toMatchObject({ action: 'created' });
    const rule = aws.account.rules.get(warmRuleName('shop-main'))!;
    expect(rule.tags).toEqual(tags('main'));
    expect([...rule.targets.values()]).toEqual([expect.objectContaining({ Arn: input.aliasArn })]);
    expect(aws.account.functions.get('shop-main')!.policies.get('live')!.statements).toHaveLength(1);
    aws.calls.clear();
    await expect(ensureKeepWarm(clients, input, depsFor(aws))).resolves.toMatchObject({
      action: 'unchanged',
    });
    expect(aws.calls.writes()).toEqual([]);
  });
});

describe('Resource Groups Tagging API', () => {
  test('GetResources filters by tag and type, pages with PaginationToken (empty on the last page), skips untagged resources', async () => {
    await restart({ pageSize: 2 });
    for (const s of ['a', 'b', 'c']) aws.seed.function(`shop-${s}`, { tags: tags(s) });
    aws.seed.function('untagged');
    aws.seed.httpApi('shop-a', tags('a'));
    const ask = (token?: string) =>
      clients.tagging.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: 'lambda-deploy:name', Values: ['shop'] }],
          ResourceTypeFilters: ['lambda:function'],
          PaginationToken: token,
        }),
      );
    const first = await ask();
    const second = await ask(first.PaginationToken);
    expect(
      [...first.ResourceTagMappingList!, ...second.ResourceTagMappingList!].map((m) =>
        m.ResourceARN!.split(':').at(-1),
      ),
    ).toEqual(['shop-a', 'shop-b', 'shop-c']);
    expect(second.PaginationToken).toBe('');
    const apis = await clients.tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['apigateway'] }));
    expect(apis.ResourceTagMappingList!.map((m) => m.ResourceARN)).toEqual([
      expect.stringMatching(/^arn:aws:apigateway:us-east-1::\/apis\/\w+$/),
    ]);
    await expectAwsError(
      clients.tagging.send(new GetResourcesCommand({ PaginationToken: 'forged' })),
      'InvalidParameterException',
      400,
    );
  });

  test('GetResources by ResourceARNList: the listed ARNs the index holds, unknown ones skipped; alone and at most 100', async () => {
    aws.seed.function('shop-a', { tags: tags('a') });
    aws.seed.function('untagged');
    const fn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${name}`;
    const found = await clients.tagging.send(
      new GetResourcesCommand({ ResourceARNList: [fn('untagged'), fn('shop-a'), fn('gone')] }),
    );
    expect(found.ResourceTagMappingList).toEqual([
      {
        ResourceARN: fn('shop-a'),
        Tags: expect.arrayContaining([{ Key: 'lambda-deploy:stage', Value: 'a' }]),
      },
    ]);
    for (const other of [
      { TagFilters: [{ Key: 'lambda-deploy:name' }] },
      { ResourceTypeFilters: ['lambda:function'] },
      { ResourcesPerPage: 10 },
      { PaginationToken: 'x' },
    ])
      await expectAwsError(
        clients.tagging.send(new GetResourcesCommand({ ResourceARNList: [fn('shop-a')], ...other })),
        'InvalidParameterException',
        400,
      );
    await expectAwsError(
      clients.tagging.send(
        new GetResourcesCommand({ ResourceARNList: Array.from({ length: 101 }, (_, i) => fn(`f${i}`)) }),
      ),
      'InvalidParameterException',
      400,
    );
  });

  test('each listed stage carries what prune judges by: its layers, a deploy or an update in progress', async () => {
    const layer = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:shop-deps:3`;
    aws.seed.function('shop-main', { tags: tags('main') }).latest.Layers = [{ Arn: layer, CodeSize: 1 }];
    const since = new Date(aws.clock.now()).toISOString();
    aws.seed.function('shop-pr-1', { tags: { ...tags('pr-1'), [DEPLOYING_TAG]: since } });
    aws.seed.function('shop-pr-2', { tags: { ...tags('pr-2'), [DEPLOYING_TAG]: 'not a date' } });
    aws.seed.function('shop-pr-3', { tags: tags('pr-3') });
    await clients.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'shop-pr-3', MemorySize: 256 }),
    );
    const stages = await listProjectStages(clients, 'shop', 'octo/shop', depsFor(aws));
    expect(stages.map((s) => [s.stage, s.layers, s.deployingSince?.toISOString(), s.updating])).toEqual([
      ['main', [layer], undefined, false],
      ['pr-1', [], since, false],
      // A deploying tag that is not a date is no deploy in progress.
      ['pr-2', [], undefined, false],
      ['pr-3', [], undefined, true],
    ]);
  });

  test('two functions tagged for one stage make one record: newest deploy and ref, any mark, every layer', async () => {
    const layer = (n: number) => `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:layer:shop-deps:${n}`;
    const since = new Date(aws.clock.now()).toISOString();
    // A leftover of a rename, deployed before the stage's own function and now mid-deploy.
    const old = aws.seed.function('shop-main-old', {
      tags: { ...tags('main'), [DEPLOYING_TAG]: since, 'lambda-deploy:ref': 'pull/3' },
    });
    old.latest.Layers = [{ Arn: layer(1), CodeSize: 1 }];
    old.latest.LastModified = '2026-01-01T00:00:00.000+0000';
    const own = aws.seed.function('shop-main', { tags: tags('main') });
    own.latest.Layers = [{ Arn: layer(2), CodeSize: 1 }];
    own.latest.LastModified = '2026-02-01T00:00:00.000+0000';
    const stages = await listProjectStages(clients, 'shop', 'octo/shop', depsFor(aws));
    expect(stages).toEqual([
      {
        stage: 'main',
        ref: 'main',
        functionName: 'shop-main',
        lastDeployed: new Date('2026-02-01T00:00:00.000Z'),
        deployingSince: new Date(since),
        updating: false,
        layers: [layer(1), layer(2)],
      },
    ]);
  });

  test("the project's stage listing trusts the function, not the index: a stale index entry is skipped", async () => {
    await restart({ pageSize: 1 });
    aws.seed.function('shop-main', { tags: tags('main') });
    aws.seed.staleTagIndex(`arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:shop-pr-9`, tags('pr-9'));
    const stages = await listProjectStages(clients, 'shop', 'octo/shop', depsFor(aws));
    expect(stages.map((s) => s.stage)).toEqual(['main']);
    expect(aws.calls.operations('tagging')).toEqual(['GetResources', 'GetResources']);
    expect(aws.calls.of({ operation: 'GetFunction' }).map((c) => c.error ?? 'ok')).toEqual([
      'ok',
      'ResourceNotFoundException',
    ]);
  });
});
