import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import {
  AddPermissionCommand,
  LambdaClient,
  RemovePermissionCommand,
  ResourceConflictException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { StageContext } from '../../../src/model/stage-context.js';
import { stageTags } from '../../../src/model/tags.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';
import {
  ensureKeepWarm,
  removeKeepWarm,
  warmRuleName,
  WARMUP_INPUT,
} from '../../../src/resources/warm-up/keep-warm.js';

const context: StageContext = {
  project: 'shop',
  stage: 'main',
  functionName: 'shop-main',
  region: 'eu-west-1',
  accountId: '123456789012',
  tags: stageTags({ project: 'shop', stage: 'main', repository: 'octo/shop', ref: 'main' }),
};
const ALIAS = 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main:live';
const RULE = 'shop-main-warm';
const RULE_ARN = `arn:aws:events:eu-west-1:123456789012:rule/${RULE}`;
const tagList = Object.entries(context.tags).map(([Key, Value]) => ({ Key, Value }));

const events = new EventBridgeClient({ region: 'eu-west-1' });
const lambda = new LambdaClient({ region: 'eu-west-1' });
const eventsMock = mockClient(events);
const lambdaMock = mockClient(lambda);
let deps: { logger: RecordingLogger; sleep: ReturnType<typeof recordingSleep>; random: () => number };

const notFound = () =>
  new ResourceNotFoundException({ message: `Rule ${RULE} does not exist.`, $metadata: {} });
const existingRule = (schedule: string) => ({
  Name: RULE,
  Arn: RULE_ARN,
  ScheduleExpression: schedule,
  State: 'ENABLED' as const,
});
const ourTarget = { Id: 'lambda-deploy-live', Arn: ALIAS, Input: WARMUP_INPUT };

beforeEach(() => {
  eventsMock.reset();
  lambdaMock.reset();
  deps = { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 };
});

describe('warmRuleName', () => {
  it('is {function}-warm, shortened past 64 characters with the project prefix kept', () => {
    expect(warmRuleName('shop-main')).toBe('shop-main-warm');
    const long = `shop-${'x'.repeat(59)}`;
    const name = warmRuleName(long);
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^shop-x+-[0-9a-f]{8}-warm$/);
    expect(warmRuleName(`${long.slice(0, -1)}y`)).not.toBe(name);
  });
});

describe('ensureKeepWarm', () => {
  it('creates the rule with the stage tags, targets live with the warmup event, allows EventBridge to invoke', async () => {
    eventsMock.on(DescribeRuleCommand).rejects(notFound());
    eventsMock.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
    eventsMock.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    lambdaMock.on(AddPermissionCommand).resolves({});

    const result = await ensureKeepWarm(
      { events, lambda },
      { context, schedule: 'rate(5 minutes)', aliasArn: ALIAS },
      deps,
    );

    expect(result).toEqual({ ruleName: RULE, ruleArn: RULE_ARN, action: 'created' });
    expect(eventsMock).toHaveReceivedCommandWith(PutRuleCommand, {
      Name: RULE,
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Tags: tagList,
    });
    expect(eventsMock).toHaveReceivedCommandWith(PutTargetsCommand, {
      Rule: RULE,
      Targets: [{ Id: 'lambda-deploy-live', Arn: ALIAS, Input: '{"lambda-deploy":"warmup"}' }],
    });
    expect(lambdaMock).toHaveReceivedCommandWith(AddPermissionCommand, {
      FunctionName: 'shop-main',
      Qualifier: 'live',
      Principal: 'events.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceArn: RULE_ARN,
    });
  });

  it('unchanged schedule: DescribeRule and ListTargetsByRule, nothing written', async () => {
    eventsMock.on(DescribeRuleCommand).resolves(existingRule('rate(5 minutes)'));
    eventsMock.on(ListTargetsByRuleCommand).resolves({ Targets: [ourTarget] });

    const result = await ensureKeepWarm(
      { events, lambda },
      { context, schedule: 'rate(5 minutes)', aliasArn: ALIAS },
      deps,
    );

    expect(result.action).toBe('unchanged');
    expect(eventsMock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'DescribeRuleCommand',
      'ListTargetsByRuleCommand',
    ]);
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  it('a new schedule updates our rule in place (tags checked first, left as they are)', async () => {
    eventsMock.on(DescribeRuleCommand).resolves(existingRule('rate(5 minutes)'));
    eventsMock.on(ListTargetsByRuleCommand).resolves({ Targets: [ourTarget] });
    eventsMock.on(ListTagsForResourceCommand).resolves({ Tags: tagList });
    eventsMock.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
    lambdaMock.on(AddPermissionCommand).rejects(
      new ResourceConflictException({
        message: 'The statement id (lambda-deploy-warm) provided already exists.',
        $metadata: {},
      }),
    );

    const result = await ensureKeepWarm(
      { events, lambda },
      { context, schedule: 'rate(10 minutes)', aliasArn: ALIAS },
      deps,
    );

    expect(result.action).toBe('updated');
    const put = eventsMock.commandCalls(PutRuleCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Name: RULE, ScheduleExpression: 'rate(10 minutes)' });
    expect(put?.Tags).toBeUndefined();
    // The target already points at live with the warmup event.
    expect(eventsMock).not.toHaveReceivedCommand(PutTargetsCommand);
    expect(lambdaMock).toHaveReceivedCommandTimes(AddPermissionCommand, 1);
  });

  it('waits out a function update in progress before adding the permission', async () => {
    eventsMock.on(DescribeRuleCommand).rejects(notFound());
    eventsMock.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
    eventsMock.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    lambdaMock
      .on(AddPermissionCommand)
      .rejectsOnce(
        new ResourceConflictException({
          message: 'The operation cannot be performed at this time. An update is in progress',
          $metadata: {},
        }),
      )
      .resolves({});

    await ensureKeepWarm({ events, lambda }, { context, schedule: 'rate(5 minutes)', aliasArn: ALIAS }, deps);

    expect(lambdaMock).toHaveReceivedCommandTimes(AddPermissionCommand, 2);
    expect(deps.sleep.calls).toHaveLength(1);
  });

  it('refuses to take over a rule of the same name without the stage tags', async () => {
    eventsMock.on(DescribeRuleCommand).resolves(existingRule('rate(1 hour)'));
    eventsMock
      .on(ListTargetsByRuleCommand)
      .resolves({ Targets: [{ Id: 'theirs', Arn: 'arn:aws:sqs:eu-west-1:1:q' }] });
    eventsMock.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'team', Value: 'other' }] });

    await expect(
      ensureKeepWarm({ events, lambda }, { context, schedule: 'rate(5 minutes)', aliasArn: ALIAS }, deps),
    ).rejects.toThrow(/does not carry this stage's lambda-deploy tags/);
    expect(eventsMock).not.toHaveReceivedCommand(PutRuleCommand);
  });

  it('reports a target EventBridge refused', async () => {
    eventsMock.on(DescribeRuleCommand).rejects(notFound());
    eventsMock.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
    eventsMock.on(PutTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [
        { TargetId: 'lambda-deploy-live', ErrorCode: 'ValidationException', ErrorMessage: 'bad arn' },
      ],
    });
    await expect(
      ensureKeepWarm({ events, lambda }, { context, schedule: 'rate(5 minutes)', aliasArn: ALIAS }, deps),
    ).rejects.toThrow(/ValidationException: bad arn/);
  });

  it('a custom input replaces the warmup event', async () => {
    eventsMock.on(DescribeRuleCommand).rejects(notFound());
    eventsMock.on(PutRuleCommand).resolves({ RuleArn: RULE_ARN });
    eventsMock.on(PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    lambdaMock.on(AddPermissionCommand).resolves({});
    await ensureKeepWarm(
      { events, lambda },
      { context, schedule: 'rate(5 minutes)', aliasArn: ALIAS, input: '{"warm":true}' },
      deps,
    );
    expect(eventsMock.commandCalls(PutTargetsCommand)[0]?.args[0].input.Targets?.[0]?.Input).toBe(
      '{"warm":true}',
    );
  });
});

describe('removing the rule (keep-warm unset, or undeploy)', () => {
  it('removes our tagged rule: targets, rule, permission', async () => {
    eventsMock.on(DescribeRuleCommand).resolves(existingRule('rate(5 minutes)'));
    eventsMock.on(ListTagsForResourceCommand).resolves({ Tags: tagList });
    eventsMock.on(ListTargetsByRuleCommand).resolves({ Targets: [ourTarget] });
    eventsMock.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
    eventsMock.on(DeleteRuleCommand).resolves({});
    lambdaMock.on(RemovePermissionCommand).resolves({});

    const result = await ensureKeepWarm({ events, lambda }, { context, aliasArn: ALIAS }, deps);

    expect(result.action).toBe('removed');
    expect(eventsMock).toHaveReceivedCommandWith(RemoveTargetsCommand, {
      Rule: RULE,
      Ids: ['lambda-deploy-live'],
    });
    expect(eventsMock).toHaveReceivedCommandWith(DeleteRuleCommand, { Name: RULE });
    expect(lambdaMock).toHaveReceivedCommandWith(RemovePermissionCommand, {
      StatementId: 'lambda-deploy-warm',
      Qualifier: 'live',
    });
  });

  it('leaves a rule that only matches by name', async () => {
    eventsMock.on(DescribeRuleCommand).resolves(existingRule('rate(5 minutes)'));
    eventsMock.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    const result = await removeKeepWarm({ events, lambda }, { context }, deps);
    expect(result.action).toBe('none');
    expect(eventsMock).not.toHaveReceivedCommand(DeleteRuleCommand);
    expect(deps.logger.text('warning')).toMatch(/left in place/);
  });

  it('nothing to do when there is no rule, or no events permission at all (least-privilege policy without keep-warm)', async () => {
    eventsMock.on(DescribeRuleCommand).rejects(notFound());
    expect((await removeKeepWarm({ events, lambda }, { context }, deps)).action).toBe('none');

    eventsMock.reset();
    const denied = Object.assign(new Error('not authorized to perform: events:DescribeRule'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    eventsMock.on(DescribeRuleCommand).rejects(denied);
    expect((await removeKeepWarm({ events, lambda }, { context }, deps)).action).toBe('none');
    expect(eventsMock.calls()).toHaveLength(1);
  });

  it('a function already gone (undeploy removed it first) does not fail the removal', async () => {
    eventsMock.on(DescribeRuleCommand).resolves(existingRule('rate(5 minutes)'));
    eventsMock.on(ListTagsForResourceCommand).resolves({ Tags: tagList });
    eventsMock.on(ListTargetsByRuleCommand).resolves({ Targets: [] });
    eventsMock.on(DeleteRuleCommand).resolves({});
    lambdaMock.on(RemovePermissionCommand).rejects(
      Object.assign(new Error('Function not found'), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    expect((await removeKeepWarm({ events, lambda }, { context }, deps)).action).toBe('removed');
    expect(eventsMock).not.toHaveReceivedCommand(RemoveTargetsCommand);
  });
});
