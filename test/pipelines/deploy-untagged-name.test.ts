/**
 * The whole AWS deploy as the preview role sees Lambda under its policy: every
 * call but CreateFunction on a function `shop-*` without the lambda-deploy:name
 * tag is refused (fakes/aws/preview-iam.ts), the stage's own function before it
 * exists too. A new preview stage deploys with every front door; a function of
 * that name made by hand stops the deploy, naming it, and nothing is written.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
import { seedDeployedStage, tagsFor } from '../../fakes/aws/deployed-stage.js';
import { undeployStage } from '../../src/pipelines/undeploy.js';
import { RecordingLogger } from '../../src/util/logger.js';

const KINDS = ['http-api', 'rest-api', 'function-url', 'none'] as const;

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  denyUntaggedFunctions(aws, 'shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

const deploy = (gateway: string) => deployApp(aws, dir, { inputs: { stage: 'pr-7', gateway } });
const lambdaCalls = () => aws.calls.of({ service: 'lambda' });

describe('a preview stage under the preview role, whose first reads are refused', () => {
  it.each(KINDS)(
    'gateway %s: a new stage is created, tagged, and deployed; the next deploy too',
    async (kind) => {
      const first = await deploy(kind);
      expect([first.report.status, first.failure]).toEqual(['success', undefined]);
      const fn = aws.account.functions.get('shop-pr-7')!;
      expect(fn.tags).toMatchObject({ 'lambda-deploy:name': 'shop', 'lambda-deploy:stage': 'pr-7' });
      const denied = lambdaCalls().filter((c) => c.status === 403);
      // Only reads before the function existed were refused.
      expect(denied.length).toBeGreaterThan(0);
      expect(denied.every((c) => /^(Get|List)/.test(c.operation))).toBe(true);

      aws.calls.clear();
      const again = await deploy(kind);
      expect([again.report.status, again.failure]).toEqual(['success', undefined]);
    },
  );

  it.each(KINDS)(
    'gateway %s: a stage whose function was deleted by hand (its front door left) is deployed again',
    async (kind) => {
      expect((await deploy(kind)).report.status).toBe('success');
      aws.account.functions.delete('shop-pr-7');
      const again = await deploy(kind);
      expect([again.report.status, again.failure]).toEqual(['success', undefined]);
      expect(aws.account.functions.get('shop-pr-7')?.tags['lambda-deploy:stage']).toBe('pr-7');
    },
  );

  it.each(KINDS)(
    'gateway %s: a function of that name made by hand is left alone: the deploy stops naming it, nothing written',
    async (kind) => {
      const handMade = aws.seed.function('shop-pr-7', { tags: { STAGE: 'pr-7' } });
      handMade.latest.Environment = { Variables: { DB_PASSWORD: 'hunter2' } };
      const before = structuredClone(handMade.latest);

      const result = await deploy(kind);

      expect(result.report.status).toBe('failure');
      expect(result.failure).toMatch(
        /Function shop-pr-7 exists but was not created by lambda-deploy \(it has no lambda-deploy:name tag\), so this deploy leaves it alone: nothing was created or changed\./,
      );
      expect(JSON.stringify(result.logger.lines)).not.toContain('hunter2');
      const fn = aws.account.functions.get('shop-pr-7')!;
      expect(fn.latest).toEqual(before);
      expect(fn.tags).toEqual({ STAGE: 'pr-7' });
      const writes = lambdaCalls().filter((c) => !/^(Get|List)/.test(c.operation));
      expect(writes.map((c) => `${c.operation} ${c.status}`)).toEqual(['CreateFunction 409']);
      // Nor its log group: that hand-made function would log into one a preview may read.
      expect(aws.calls.of({ service: 'logs', operation: 'CreateLogGroup' })).toHaveLength(0);
      expect(aws.account.logGroups.has('/aws/lambda/shop-pr-7')).toBe(false);
      expect(aws.calls.of({ service: 'apiGatewayV2', operation: 'CreateApi' })).toHaveLength(0);
      expect(aws.calls.of({ service: 'apiGateway', operation: 'CreateRestApi' })).toHaveLength(0);
    },
  );
});

describe('keep-warm on a branch stage under the preview role (its policy has no EventBridge writes)', () => {
  it('the deploy stops saying keep-warm is for the production role, not that a read permission is missing', async () => {
    // The preview role has no events:PutRule: IAM refuses it whatever the rule.
    aws.faults.deny('PutRule');
    const result = await deployApp(aws, dir, {
      inputs: { stage: 'feature-x', gateway: 'none', 'keep-warm': 'rate(5 minutes)' },
    });
    expect(result.report.status).toBe('failure');
    expect(result.failure).toContain(
      'The preview role may not create EventBridge rules or targets: IAM cannot limit which target a rule sends events to',
    );
    expect(result.failure).not.toContain('needs events:DescribeRule');
    expect(aws.account.rules.size).toBe(0);
  });

  it('a rule of that name made by hand is not written (PutRule would change it)', async () => {
    const handMade = aws.seed.rule('shop-feature-x-warm', { targets: [] });
    const before = structuredClone(handMade);
    const result = await deployApp(aws, dir, {
      inputs: { stage: 'feature-x', gateway: 'none', 'keep-warm': 'rate(5 minutes)' },
    });
    expect(result.failure).toContain('The preview role may not create EventBridge rules or targets');
    expect(aws.calls.of({ service: 'events' }).filter((c) => !/^(Describe|List)/.test(c.operation))).toEqual(
      [],
    );
    expect(aws.account.rules.get('shop-feature-x-warm')).toEqual(before);
  });
});

describe('keep-warm unset: the deploy looks for the stage rule to remove it', () => {
  const RULE = 'shop-pr-7-warm';
  const keepWarmLines = (r: { logger: RecordingLogger }, level: 'warning' | 'info' = 'warning') =>
    r.logger
      .text(level)
      .split('\n')
      .filter((l) => l.includes(RULE));

  it("the preview role's own Deny (no such rule, or one without the tag): not the stage's, nothing said", async () => {
    const result = await deploy('none');
    expect(result.report.status).toBe('success');
    expect(aws.calls.of({ operation: 'DescribeRule' })[0]).toMatchObject({ fault: 'deny' });
    expect(keepWarmLines(result)).toEqual([]);
  });

  it('a role without events:DescribeRule (no Deny, an Allow missing): the deploy goes on, saying (info: a policy made without keep-warm has none) that a rule the stage had is left invoking it', async () => {
    aws.faults.allow('*').deny('events:DescribeRule');
    aws.seed.rule(RULE, { tags: tagsFor('shop', 'pr-7', 'octo/shop') });
    const result = await deploy('none');
    expect(result.report.status).toBe('success');
    expect(keepWarmLines(result)).toEqual([]);
    expect(keepWarmLines(result, 'info')).toEqual([
      expect.stringMatching(
        /The deploy role needs events:DescribeRule, .* and events:DeleteRule on rule\/shop-\*\. .*its rule is left and still invokes shop-pr-7:live\.$/,
      ),
    ]);
    expect(aws.account.rules.has(RULE)).toBe(true);
  });
});

/**
 * A role that lacks lambda:GetFunction (a policy written by hand or for an older
 * release, or the production role): AWS says no policy allows the read, where the
 * preview role's Deny says an explicit deny. That is a permission to add, not a
 * function to take as absent.
 */
describe('a role without lambda:GetFunction (no Deny: an Allow missing)', () => {
  beforeEach(() => {
    aws.faults.allow('*').deny('GetFunction');
  });

  it('a new stage: the deploy stops naming the permission, and creates nothing', async () => {
    const result = await deploy('http-api');
    expect(result.report.status).toBe('failure');
    expect(result.failure).toMatch(
      /^Could not read function shop-pr-7: AccessDeniedException: .*because no identity-based policy allows the lambda:GetFunction action\. The deploy role needs lambda:GetFunction\./,
    );
    expect(aws.calls.of({ service: 'lambda', operation: 'CreateFunction' })).toHaveLength(0);
    expect(aws.account.functions.has('shop-pr-7')).toBe(false);
  });
});

const undeploy = () =>
  undeployStage(
    aws.clients(),
    {
      project: 'shop',
      repository: 'octo/shop',
      stage: 'pr-7',
      functionName: 'shop-pr-7',
      removeLogs: true,
      dryRun: false,
      protectedStages: ['main'],
    },
    { logger: new RecordingLogger(), sleep: aws.clock.sleep, random: () => 1 },
  );

describe('undeploy of a preview stage under the preview role', () => {
  it('a stage never deployed (its function refused to read, as one that does not exist is): nothing to remove', async () => {
    const outcome = await undeploy();
    expect(outcome.removed).toEqual([]);
  });

  it('a deployed stage: removed, function and log group (the deploy made it, tagged)', async () => {
    expect((await deploy('http-api')).report.status).toBe('success');
    const outcome = await undeploy();
    expect(outcome.removed).toEqual(
      expect.arrayContaining(['function shop-pr-7', 'log group /aws/lambda/shop-pr-7']),
    );
    expect(aws.account.functions.has('shop-pr-7')).toBe(false);
  });

  it('an EventBridge rule named like the stage made by hand: left alone', async () => {
    aws.seed.rule('shop-pr-7-nightly', {
      targets: [{ Id: 'a', Arn: 'arn:aws:sqs:us-east-1:123456789012:q' }],
    });
    expect((await deploy('none')).report.status).toBe('success');
    const outcome = await undeploy();
    expect(outcome.removed).toContain('function shop-pr-7');
    expect(aws.account.rules.has('shop-pr-7-nightly')).toBe(true);
    expect(aws.calls.of({ service: 'events', operation: 'DeleteRule' })).toHaveLength(0);
  });

  it('a role without lambda:GetFunction (no Deny, an Allow missing): undeploy stops naming the permission', async () => {
    aws.faults.allow('*').deny('GetFunction');
    await expect(undeploy()).rejects.toThrow(/The deploy role needs lambda:GetFunction\./);
  });

  it('a role without events:ListTagsForResource (no Deny, an Allow missing): undeploy stops naming the permission', async () => {
    aws.seed.rule('shop-pr-7-warm', { targets: [] });
    aws.faults.allow('*').deny('events:ListTagsForResource');
    await expect(undeploy()).rejects.toThrow(/The deploy role needs events:ListTagsForResource\./);
    expect(aws.account.rules.has('shop-pr-7-warm')).toBe(true);
  });

  it.each(['ListTargetsByRule', 'RemoveTargets', 'DeleteRule'])(
    "the stage's keep-warm rule, and a role without events:%s (no Deny, an Allow missing): undeploy stops naming the permission, the rule not reported removed",
    async (op) => {
      aws.seed.rule('shop-pr-7-warm', {
        tags: tagsFor('shop', 'pr-7', 'octo/shop'),
        targets: [
          { Id: 'lambda-deploy-live', Arn: 'arn:aws:lambda:us-east-1:123456789012:function:shop-pr-7:live' },
        ],
      });
      aws.faults.allow('*').deny(`events:${op}`);
      const error = await undeploy().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(
        new RegExp(`^Undeploy of stage pr-7 stopped: .*The deploy role needs events:${op}\\.`),
      );
      expect(error?.message).not.toContain('Removed before the failure: EventBridge rule');
      expect(aws.account.rules.has('shop-pr-7-warm')).toBe(true);
    },
  );

  it('a function of that name made by hand, and its log group: left alone', async () => {
    aws.seed.function('shop-pr-7', { tags: { STAGE: 'pr-7' } });
    aws.seed.logGroup('/aws/lambda/shop-pr-7');
    const outcome = await undeploy();
    expect(outcome.removed).toEqual([]);
    expect(aws.account.functions.has('shop-pr-7')).toBe(true);
    expect(aws.calls.of({ service: 'lambda', operation: 'DeleteFunction' })).toHaveLength(0);
    expect(aws.calls.of({ service: 'logs', operation: 'DeleteLogGroup' })).toHaveLength(0);
  });
});

describe('the log group of a preview stage, under the preview role', () => {
  const GROUP = '/aws/lambda/shop-pr-7';
  const logsCall = (operation: string) => aws.calls.of({ service: 'logs', operation });

  it('a new stage: the deploy makes it with the stage tags once CreateFunction made the function ours, before anything runs it', async () => {
    // The wait for State Active takes real time, so what runs alongside it shows in the call log.
    aws.faults.latency('GetFunctionConfiguration', 40, { real: true });
    const result = await deploy('function-url');
    expect([result.report.status, result.failure]).toEqual(['success', undefined]);
    expect(aws.account.logGroups.get(GROUP)?.tags).toMatchObject({
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'pr-7',
      'lambda-deploy:repository': expect.any(String),
      'lambda-deploy:ref': expect.any(String),
    });
    const order = aws.calls.of().map((c) => `${c.operation} ${c.status < 300 ? 'ok' : c.status}`);
    const created = order.indexOf('CreateLogGroup ok');
    expect(created).toBeGreaterThan(order.indexOf('CreateFunction ok'));
    expect(order.indexOf('CreateFunction ok')).toBeGreaterThan(-1);
    expect(created).toBeLessThan(order.indexOf('CreateFunctionUrlConfig ok'));
    // Sent while the new function becomes Active (before the wait's last poll answered), not after the
    // whole function deploy: no round trip of its own.
    const published = aws.calls.of({ operation: 'PublishVersion' })[0]!.seq;
    const waits = aws.calls.of({ operation: 'GetFunctionConfiguration' }).filter((c) => c.seq < published);
    expect(waits.length).toBeGreaterThan(0);
    expect(logsCall('CreateLogGroup')[0]!.wall.start).toBeLessThan(waits.at(-1)!.wall.end);
    // Its lines are the preview's own: readable, and removable by its undeploy.
    aws.setFunctionLogs('shop-pr-7', ['hello']);
    expect(aws.account.logGroups.get(GROUP)?.tags['lambda-deploy:name']).toBe('shop');

    aws.calls.clear();
    expect((await deploy('function-url')).report.status).toBe('success');
    // A redeploy only reads it: its tags open it to the preview role.
    expect(logsCall('ListTagsForResource').map((c) => c.status)).toEqual([200]);
    expect(logsCall('CreateLogGroup')).toHaveLength(0);
    expect(logsCall('TagResource')).toHaveLength(0);
  });

  it("a new stage's first run (the smoke test's Invoke) finds the group there, tagged: Lambda never makes it untagged", async () => {
    const result = await deployApp(aws, dir, {
      inputs: { stage: 'pr-7', gateway: 'none', 'smoke-test': 'true' },
    });
    expect([result.report.status, result.report.smoke.status]).toEqual(['success', 'passed']);
    const order = aws.calls.of().map((c) => `${c.operation} ${c.status < 300 ? 'ok' : c.status}`);
    expect(order.indexOf('Invoke ok')).toBeGreaterThan(order.indexOf('CreateLogGroup ok'));
    expect(order.indexOf('CreateLogGroup ok')).toBeGreaterThan(-1);
    expect(aws.account.logGroups.get(GROUP)?.tags['lambda-deploy:stage']).toBe('pr-7');
  });

  it('CreateFunction refused (the package unreadable): no log group is left behind', async () => {
    aws.faults.fail('CreateFunction', 'InvalidParameterValueException', { times: Infinity });
    const result = await deploy('none');
    expect(result.report.status).toBe('failure');
    expect(aws.calls.of({ operation: 'CreateFunction' }).length).toBeGreaterThan(0);
    expect(logsCall('CreateLogGroup')).toHaveLength(0);
    expect(aws.account.logGroups.has(GROUP)).toBe(false);
  });

  it('a stage deployed before the deploy made its group (Lambda made it, untagged): deploy and undeploy go on, leaving it for prune', async () => {
    seedDeployedStage(aws, {
      project: 'shop',
      stage: 'pr-7',
      gateway: 'none',
      tags: tagsFor('shop', 'pr-7', 'octo/shop'),
      untaggedLogGroup: true,
    });
    const result = await deploy('none');
    expect([result.report.status, result.failure]).toEqual(['success', undefined]);
    expect(result.logger.text('info')).toMatch(
      /Log group \/aws\/lambda\/shop-pr-7 is there and this role may not read its tags/,
    );
    // gateway: none has no URL to name.
    expect(result.logger.text('info')).toContain(
      'Smoke test skipped (smoke-test: false): nothing checked that the function answers.',
    );
    expect(aws.account.logGroups.get(GROUP)?.tags).toEqual({});
    expect(logsCall('TagResource')).toHaveLength(0);

    // Undeploy does not fail: the group and its function are left for prune (production role),
    // which finds the stage by the function and removes both.
    const outcome = await undeploy();
    expect(outcome.removed).toEqual([]);
    expect(outcome.skipped).toEqual([
      { resource: `log group ${GROUP}`, why: expect.stringMatching(/its function is left too/) },
    ]);
    expect(aws.account.logGroups.has(GROUP)).toBe(true);
    expect(aws.account.functions.has('shop-pr-7')).toBe(true);
    expect(logsCall('DeleteLogGroup')[0]).toMatchObject({ fault: 'deny' });

    aws.faults.allow('*');
    const byProduction = await undeploy();
    expect(byProduction.removed).toEqual(['log group /aws/lambda/shop-pr-7', 'function shop-pr-7']);
  });
});

describe('the log group of a stage deployed before, under the production role', () => {
  it('an untagged one of our function is tagged for the stage; one tagged for another project is left, and the deploy stops', async () => {
    aws.faults.allow('*');
    seedDeployedStage(aws, {
      project: 'shop',
      stage: 'pr-7',
      gateway: 'none',
      tags: tagsFor('shop', 'pr-7', 'octo/shop'),
      untaggedLogGroup: true,
    });
    const result = await deploy('none');
    expect([result.report.status, result.failure]).toEqual(['success', undefined]);
    expect(aws.account.logGroups.get('/aws/lambda/shop-pr-7')?.tags).toMatchObject({
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'pr-7',
    });

    aws.account.logGroups.get('/aws/lambda/shop-pr-7')!.tags = { 'lambda-deploy:name': 'shop-admin' };
    aws.calls.clear();
    const again = await deploy('none');
    // The function would go on logging where shop-admin's roles read: refused before it changes.
    expect(again.report.status).toBe('failure');
    expect(again.failure).toContain(
      'Log group /aws/lambda/shop-pr-7 belongs to lambda-deploy project shop-admin (stage ?, repository (none)), not shop',
    );
    expect(aws.calls.of({ service: 'lambda', operation: 'UpdateFunctionCode' })).toHaveLength(0);
    expect(aws.calls.of({ service: 'logs', operation: 'TagResource' })).toHaveLength(0);
    expect(aws.account.logGroups.get('/aws/lambda/shop-pr-7')?.tags).toEqual({
      'lambda-deploy:name': 'shop-admin',
    });
  });
});
