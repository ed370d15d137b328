import { afterEach, describe, expect, it } from '@jest/globals';
import { RecordingLogger } from '../../../src/util/logger.js';
import {
  ensureKeepWarm,
  removeKeepWarm,
  warmRuleName,
  WARMUP_INPUT,
} from '../../../src/resources/warm-up/keep-warm.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { stageContext } from '../../../fakes/aws/stage-fixtures.js';

const context = stageContext('main');
const ALIAS = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-main:live`;
const RULE = 'shop-main-warm';
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${RULE}`;
const tagList = Object.entries(context.tags).map(([Key, Value]) => ({ Key, Value }));
const ourTarget = { Id: 'lambda-deploy-live', Arn: ALIAS, Input: WARMUP_INPUT };

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS with the stage's function deployed (alias live, the stage's tags) unless `deployed: false`. */
async function account(options: { deployed?: boolean } = {}) {
  aws = await startFakeAws();
  const fake = aws;
  if (options.deployed !== false) fake.seed.function('shop-main', { alias: 'live', tags: context.tags });
  const clients = fake.clients();
  const deps = { logger: new RecordingLogger(), sleep: fake.clock.sleep, random: () => 1 };
  const calls = (operation: string) => fake.calls.of({ operation });
  const statements = () => fake.account.functions.get('shop-main')?.policies.get('live')?.statements ?? [];
  const ensure = (schedule?: string, input?: string) =>
    ensureKeepWarm(clients, { context, schedule, aliasArn: ALIAS, input }, deps);
  const remove = () => removeKeepWarm(clients, { context }, deps);
  return { fake, clients, deps, calls, statements, ensure, remove };
}

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
    const { fake, calls, statements, ensure } = await account();
    const result = await ensure('rate(5 minutes)');

    expect(result).toEqual({ ruleName: RULE, ruleArn: RULE_ARN, action: 'created' });
    expect(calls('PutRule')[0]!.input).toMatchObject({
      Name: RULE,
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Tags: tagList,
    });
    expect(calls('PutTargets')[0]!.input).toMatchObject({
      Rule: RULE,
      Targets: [{ Id: 'lambda-deploy-live', Arn: ALIAS, Input: '{"lambda-deploy":"warmup"}' }],
    });
    expect(calls('AddPermission')[0]!.input).toMatchObject({
      FunctionName: 'shop-main',
      Qualifier: 'live',
      Principal: 'events.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceArn: RULE_ARN,
    });
    const rule = fake.account.rules.get(RULE)!;
    expect(rule).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', tags: context.tags });
    expect([...rule.targets.values()]).toEqual([ourTarget]);
    expect(statements()).toEqual([
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Resource: ALIAS }),
    ]);
  });

  it('unchanged schedule: DescribeRule and ListTargetsByRule, nothing written', async () => {
    const { fake, ensure } = await account();
    await ensure('rate(5 minutes)');
    fake.calls.clear();

    const result = await ensure('rate(5 minutes)');

    expect(result.action).toBe('unchanged');
    expect(fake.calls.operations('events')).toEqual(['DescribeRule', 'ListTargetsByRule']);
    expect(fake.calls.operations('lambda')).toEqual([]);
  });

  it('a new schedule updates our rule in place (tags checked first, left as they are)', async () => {
    const { fake, calls, ensure } = await account();
    await ensure('rate(5 minutes)');
    fake.calls.clear();

    const result = await ensure('rate(10 minutes)');

    expect(result.action).toBe('updated');
    const put = calls('PutRule')[0]!.input;
    expect(put).toMatchObject({ Name: RULE, ScheduleExpression: 'rate(10 minutes)' });
    expect(put.Tags).toBeUndefined();
    expect(fake.account.rules.get(RULE)!.ScheduleExpression).toBe('rate(10 minutes)');
    // The target already points at live with the warmup event.
    expect(calls('PutTargets')).toHaveLength(0);
    // The permission is there already: Lambda answers 409, which is fine.
    expect(calls('AddPermission').map((c) => [c.status, c.error])).toEqual([
      [409, 'ResourceConflictException'],
    ]);
  });

  it('waits out a function update in progress (409) before adding the permission', async () => {
    const { fake, calls, statements, ensure } = await account();
    fake.faults.fail('AddPermission', 'ResourceConflictException', {
      message: 'The operation cannot be performed at this time. An update is in progress',
    });

    await ensure('rate(5 minutes)');

    expect(calls('AddPermission').map((c) => c.status)).toEqual([409, 201]);
    expect(fake.clock.sleep.calls).toHaveLength(1);
    expect(statements()).toHaveLength(1);
  });

  it('refuses to take over a rule of the same name without the stage tags', async () => {
    const { fake, calls, ensure } = await account();
    fake.seed.rule(RULE, {
      schedule: 'rate(1 hour)',
      tags: { team: 'other' },
      targets: [{ Id: 'theirs', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:q` }],
    });

    await expect(ensure('rate(5 minutes)')).rejects.toThrow(/does not carry this stage's lambda-deploy tags/);
    expect(calls('PutRule')).toHaveLength(0);
    expect(fake.account.rules.get(RULE)!.ScheduleExpression).toBe('rate(1 hour)');
  });

  it('reports a target EventBridge refused', async () => {
    const { fake, ensure } = await account();
    // PutTargets answers 200 and lists the target it did not take.
    fake.faults.answer('PutTargets', {
      FailedEntryCount: 1,
      FailedEntries: [
        { TargetId: 'lambda-deploy-live', ErrorCode: 'ValidationException', ErrorMessage: 'bad arn' },
      ],
    });
    await expect(ensure('rate(5 minutes)')).rejects.toThrow(/ValidationException: bad arn/);
  });

  it('a custom input replaces the warmup event', async () => {
    const { fake, calls, ensure } = await account();
    await ensure('rate(5 minutes)', '{"warm":true}');
    expect((calls('PutTargets')[0]!.input.Targets as { Input: string }[])[0]!.Input).toBe('{"warm":true}');
    expect(fake.account.rules.get(RULE)!.targets.get('lambda-deploy-live')!.Input).toBe('{"warm":true}');
  });

  it('EventBridge throttling (ThrottlingException, 400) is waited out', async () => {
    const { fake, calls, ensure } = await account();
    fake.faults.throttle('DescribeRule', 1).throttle('PutRule', 1).throttle('PutTargets', 1);
    await expect(ensure('rate(5 minutes)')).resolves.toMatchObject({ action: 'created' });
    expect(fake.calls.calls.filter((c) => c.error === 'ThrottlingException').map((c) => c.operation)).toEqual(
      ['DescribeRule', 'PutRule', 'PutTargets'],
    );
    expect(calls('PutRule').map((c) => c.status)).toEqual([400, 200]);
    expect(fake.account.rules.get(RULE)!.targets.size).toBe(1);
  });
});

describe('removing the rule (keep-warm unset, or undeploy)', () => {
  it('removes our tagged rule: targets, rule, permission', async () => {
    const { fake, calls, statements, ensure } = await account();
    await ensure('rate(5 minutes)');
    fake.calls.clear();

    const result = await ensure(undefined);

    expect(result.action).toBe('removed');
    expect(calls('RemoveTargets')[0]!.input).toMatchObject({ Rule: RULE, Ids: ['lambda-deploy-live'] });
    expect(calls('DeleteRule')[0]!.input).toMatchObject({ Name: RULE });
    expect(calls('RemovePermission')[0]!.input).toMatchObject({
      StatementId: 'lambda-deploy-warm',
      Qualifier: 'live',
    });
    expect(fake.account.rules.size).toBe(0);
    expect(statements()).toEqual([]);
  });

  it.each(['PutRule', 'PutTargets'])(
    'a branch stage deployed with the preview role: %s denied says the preview role may not make rules, and why',
    async (op) => {
      const { fake, ensure } = await account();
      fake.faults.deny(op);
      await expect(ensure('rate(5 minutes)')).rejects.toThrow(
        'The preview role may not create EventBridge rules or targets: IAM cannot limit which target a rule sends events to, ' +
          "so a pull request could send chosen events to production's queues. Set keep-warm only on stages deployed with the production role.",
      );
    },
  );

  it('leaves a rule that only matches by name', async () => {
    const { fake, deps, calls, remove } = await account();
    fake.seed.rule(RULE, { tags: {} });
    const result = await remove();
    expect(result.action).toBe('none');
    expect(calls('DeleteRule')).toHaveLength(0);
    expect(fake.account.rules.has(RULE)).toBe(true);
    expect(deps.logger.text('warning')).toMatch(/left in place/);
  });

  it('nothing to do when there is no rule, nor with no events permission at all (least-privilege policy without keep-warm)', async () => {
    const { fake, deps, remove } = await account();
    expect((await remove()).action).toBe('none');

    fake.calls.clear();
    fake.faults.deny('DescribeRule');
    expect((await remove()).action).toBe('none');
    expect(fake.calls.calls.map((c) => [c.operation, c.status])).toEqual([['DescribeRule', 400]]);
    // Whether the stage had a rule cannot be told: said (info: every deploy of such a policy), with what would let the deploy look.
    expect(deps.logger.text('warning')).toBe('');
    expect(deps.logger.text('info')).toContain('The deploy role needs events:DescribeRule');
  });

  it("the preview role's own Deny on DescribeRule (a rule without the lambda-deploy:name tag, or none): not this stage's, left alone", async () => {
    const { fake, deps, calls, remove } = await account();
    fake.seed.rule(RULE, { tags: {} });
    fake.faults.deny('DescribeRule', Infinity, { explicit: true });
    expect((await remove()).action).toBe('none');
    expect(calls('DeleteRule')).toHaveLength(0);
    expect(fake.account.rules.has(RULE)).toBe(true);
    expect(deps.logger.text('warning')).toBe('');
  });

  it.each([
    ['no Allow for events:DescribeRule', (fake: FakeAws) => fake.faults.deny('DescribeRule')],
    [
      "a Deny outside the role's policy (a service control policy)",
      (fake: FakeAws) =>
        fake.faults.fail('DescribeRule', 'AccessDeniedException', {
          times: Infinity,
          message: `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/deploy/s is not authorized to perform: events:DescribeRule on resource: ${RULE_ARN} with an explicit deny in a service control policy`,
        }),
    ],
  ])(
    'our rule, and %s: says (info) that the rule may be left invoking the function, naming the permissions',
    async (_, deny) => {
      const { fake, deps, remove } = await account();
      fake.seed.rule(RULE, { tags: context.tags, targets: [ourTarget] });
      deny(fake);
      expect((await remove()).action).toBe('none');
      expect(fake.account.rules.has(RULE)).toBe(true);
      expect(deps.logger.text('warning')).toBe('');
      const warning = deps.logger.text('info');
      expect(warning).toMatch(new RegExp(`Could not read the keep-warm rule ${RULE}: AccessDenied`));
      expect(warning).toContain(
        'The deploy role needs events:DescribeRule, events:ListTagsForResource, events:ListTargetsByRule, events:RemoveTargets and events:DeleteRule on rule/shop-*. ' +
          "keep-warm is unset, so the deploy removes the stage's rule if it has one: if it had keep-warm, its rule is left and still invokes shop-main:live.",
      );
    },
  );

  it.each(['RemoveTargets', 'DeleteRule'])(
    'our rule, and no Allow for events:%s: the removal fails naming the permission, never says removed',
    async (op) => {
      const { fake, deps, remove } = await account();
      fake.seed.rule(RULE, { tags: context.tags, targets: [ourTarget] });
      fake.faults.deny(op);
      await expect(remove()).rejects.toThrow(`The deploy role needs events:${op}.`);
      expect(fake.account.rules.has(RULE)).toBe(true);
      expect(deps.logger.text('info')).not.toContain('removed');
    },
  );

  it('a function already gone (undeploy removed it first) does not fail the removal', async () => {
    const { fake, calls, remove } = await account({ deployed: false });
    fake.seed.rule(RULE, { tags: context.tags });
    expect((await remove()).action).toBe('removed');
    expect(calls('RemoveTargets')).toHaveLength(0);
    expect(calls('RemovePermission').map((c) => [c.status, c.error])).toEqual([
      [404, 'ResourceNotFoundException'],
    ]);
    expect(fake.account.rules.size).toBe(0);
  });
});
