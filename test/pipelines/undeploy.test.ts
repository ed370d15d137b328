import { GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import {
  ProtectedStageError,
  describeUndeploy,
  undeployStage,
  type UndeployTarget,
} from '../../src/pipelines/undeploy.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import {
  emptyWorld,
  fakeAccount,
  functionName,
  seedStage,
  tagsFor,
  type World,
} from '../cleanup/fake-account.js';

const PROJECT = 'shop';

function target(stage: string, extra: Partial<UndeployTarget> = {}): UndeployTarget {
  return {
    project: PROJECT,
    repository: 'acme/shop',
    stage,
    functionName: functionName(PROJECT, stage),
    removeLogs: false,
    dryRun: false,
    protectedStages: ['main', 'master', 'prod', 'production'],
    ...extra,
  };
}

async function undeploy(world: World, t: UndeployTarget) {
  const account = fakeAccount(world);
  const logger = new RecordingLogger();
  const sleep = recordingSleep();
  try {
    const outcome = await undeployStage(account.clients, t, { logger, sleep, random: () => 1 });
    return { outcome, account, logger, sleep };
  } finally {
    account.reset();
  }
}

describe('undeployStage: ownership is project, stage and repository together', () => {
  it('a same-name stage of another repository is left alone by undeploy', async () => {
    const world = emptyWorld();
    const theirs = { ...tagsFor(PROJECT, 'pr-1'), 'lambda-deploy:repository': 'other-org/shop' };
    seedStage(world, { project: PROJECT, stage: 'pr-1', gateway: 'rest-api', keepWarm: true, tags: theirs });
    const { outcome, account, logger } = await undeploy(world, target('pr-1'));
    expect(outcome.removed).toEqual([]);
    expect(account.changes()).toEqual([]);
    expect(world.functions.has('shop-pr-1')).toBe(true);
    expect(outcome.skipped.map((s) => s.why)).toContain(
      "name matches but tag lambda-deploy:repository is 'other-org/shop'",
    );
    expect(logger.text('warning')).toContain(
      "Skipped function shop-pr-1: name matches but tag lambda-deploy:repository is 'other-org/shop'",
    );
  });
});

describe('undeployStage: one sequence per front door', () => {
  it('http-api: deletes the API, then the function', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-7', gateway: 'http-api' });
    const { outcome, account } = await undeploy(world, target('pr-7'));
    expect(account.changes()).toEqual([`DeleteApi ${s.apiId}`, 'DeleteFunction shop-pr-7']);
    expect(outcome.removed).toEqual([`HTTP API shop-pr-7 (${s.apiId})`, 'function shop-pr-7']);
    expect(world.functions.size + world.httpApis.size).toBe(0);
    // Logs stay without remove-logs.
    expect(world.logGroups.has('/aws/lambda/shop-pr-7')).toBe(true);
  });

  it('rest-api: unlinks the key, detaches the stage, deletes plan, key, API, then the function', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-8', gateway: 'rest-api' });
    const { outcome, account } = await undeploy(world, target('pr-8'));
    expect(account.changes()).toEqual([
      `DeleteUsagePlanKey ${s.usagePlanId} ${s.apiKeyId}`,
      `UpdateUsagePlan ${s.usagePlanId} remove /apiStages ${s.apiId}:live`,
      `DeleteUsagePlan ${s.usagePlanId}`,
      `DeleteApiKey ${s.apiKeyId}`,
      `DeleteRestApi ${s.apiId}`,
      'DeleteFunction shop-pr-8',
    ]);
    expect(outcome.removed).toHaveLength(4);
    expect(world.restApis.size + world.usagePlans.size + world.apiKeys.size + world.functions.size).toBe(0);
    // Key values are never asked for (the fake throws if they are).
    expect(account.calls.some((c) => c.startsWith('GetApiKeys'))).toBe(true);
  });

  it('rest-api with the preview role (no listing of /apikeys): the key is still found, by tag and plan, and removed', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-9', gateway: 'rest-api' });
    const account = fakeAccount(world);
    account.mocks.apiGateway.on(GetApiKeysCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await undeployStage(account.clients, target('pr-9'), {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
      random: () => 1,
    });
    expect(account.changes()).toContain(`DeleteApiKey ${s.apiKeyId}`);
    expect(world.apiKeys.size).toBe(0);
  });

  it('function-url: deletes the URL on live, then the function', async () => {
    const world = emptyWorld();
    seedStage(world, { project: PROJECT, stage: 'feature-x', gateway: 'function-url' });
    const { account } = await undeploy(world, target('feature-x'));
    expect(account.changes()).toEqual([
      'DeleteFunctionUrlConfig shop-feature-x:live',
      'DeleteFunction shop-feature-x',
    ]);
  });

  it('none: deletes only the function', async () => {
    const world = emptyWorld();
    seedStage(world, { project: PROJECT, stage: 'feature-y', gateway: 'none' });
    const { account, outcome } = await undeploy(world, target('feature-y'));
    expect(account.changes()).toEqual(['DeleteFunction shop-feature-y']);
    expect(describeUndeploy(outcome)).toBe('stage feature-y: removed 1 resource (function shop-feature-y)');
  });

  it('keep-warm rule: removes its targets, then the rule, before the function', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-9', gateway: 'http-api', keepWarm: true });
    const { account } = await undeploy(world, target('pr-9'));
    expect(account.changes()).toEqual([
      `DeleteApi ${s.apiId}`,
      'RemoveTargets shop-pr-9-keep-warm live',
      'DeleteRule shop-pr-9-keep-warm',
      'DeleteFunction shop-pr-9',
    ]);
    expect(world.rules.size).toBe(0);
  });

  it('removeLogs: deletes the log group last', async () => {
    const world = emptyWorld();
    seedStage(world, { project: PROJECT, stage: 'pr-3', gateway: 'none' });
    const { account, outcome } = await undeploy(world, target('pr-3', { removeLogs: true }));
    expect(account.changes()).toEqual(['DeleteFunction shop-pr-3', 'DeleteLogGroup /aws/lambda/shop-pr-3']);
    expect(outcome.removed).toContain('log group /aws/lambda/shop-pr-3');
    expect(world.logGroups.size).toBe(0);
  });
});

describe('undeployStage: the tag guard', () => {
  /**
   * Stage pr-1 of project "shop" has function shop-pr-1. Around it: APIs and
   * keys with its exact name but other owners, a same-named function of
   * project "shop-pr" stage "1" would collide, so the function decoy is the
   * one that owns the name here, and near names of other stages.
   */
  function decoyWorld(): { world: World; ours: ReturnType<typeof seedStage> } {
    const world = emptyWorld();
    // The real stage: an HTTP API and a keep-warm rule.
    const ours = seedStage(world, { project: PROJECT, stage: 'pr-1', gateway: 'http-api', keepWarm: true });
    // Another project's HTTP API and REST API with the very same name.
    world.httpApis.set('other1', { name: 'shop-pr-1', tags: tagsFor('shop-pr', '1') });
    world.restApis.set('other2', { name: 'shop-pr-1', tags: tagsFor('billing', 'pr-1') });
    world.apiKeys.set('otherkey', { name: 'shop-pr-1-key', tags: tagsFor('billing', 'pr-1') });
    // No tags at all, same name.
    world.httpApis.set('untagged', { name: 'shop-pr-1', tags: {} });
    world.rules.set('shop-pr-1-cron', { tags: {}, targets: ['x'] });
    // Right project, another stage, same name prefix.
    seedStage(world, { project: PROJECT, stage: 'pr-10', gateway: 'rest-api', keepWarm: true });
    seedStage(world, { project: PROJECT, stage: 'pr-1-b', gateway: 'http-api' });
    // A usage plan with our name but someone else's tags.
    world.usagePlans.set('otherplan', {
      name: 'shop-pr-1',
      tags: tagsFor('billing', 'pr-1'),
      apiStages: [],
      keys: [],
    });
    return { world, ours };
  }

  it('removes only the stage whose tags match; every decoy is skipped or never touched', async () => {
    const { world, ours } = decoyWorld();
    const { account, outcome } = await undeploy(world, target('pr-1', { removeLogs: true }));
    expect(account.changes()).toEqual([
      `DeleteApi ${ours.apiId}`,
      'RemoveTargets shop-pr-1-keep-warm live',
      'DeleteRule shop-pr-1-keep-warm',
      'DeleteFunction shop-pr-1',
      'DeleteLogGroup /aws/lambda/shop-pr-1',
    ]);
    // Decoys survive.
    expect([...world.httpApis.keys()].sort()).toEqual(
      ['other1', 'untagged', expect.stringMatching(/^h/)].sort(),
    );
    expect(world.restApis.has('other2')).toBe(true);
    expect(world.apiKeys.has('otherkey')).toBe(true);
    expect(world.usagePlans.has('otherplan')).toBe(true);
    expect(world.rules.has('shop-pr-1-cron')).toBe(true);
    expect(world.functions.has('shop-pr-10')).toBe(true);
    expect(world.functions.has('shop-pr-1-b')).toBe(true);
    expect(world.rules.has('shop-pr-10-keep-warm')).toBe(true);
    expect(world.logGroups.has('/aws/lambda/shop-pr-10')).toBe(true);

    const skipped = Object.fromEntries(outcome.skipped.map((s) => [s.resource, s.why]));
    expect(skipped['HTTP API shop-pr-1 (other1)']).toBe(
      "name matches but tag lambda-deploy:name is 'shop-pr'",
    );
    expect(skipped['HTTP API shop-pr-1 (untagged)']).toBe('name matches but has no lambda-deploy tags');
    expect(skipped['REST API shop-pr-1 (other2)']).toBe(
      "name matches but tag lambda-deploy:name is 'billing'",
    );
    expect(skipped['API key shop-pr-1-key (otherkey)']).toBe(
      "name matches but tag lambda-deploy:name is 'billing'",
    );
    expect(skipped['usage plan shop-pr-1 (otherplan)']).toBe(
      "name matches but tag lambda-deploy:name is 'billing'",
    );
    expect(skipped['EventBridge rule shop-pr-1-cron']).toBe('name matches but has no lambda-deploy tags');
    expect(Object.entries(skipped).find(([r]) => r.startsWith('HTTP API shop-pr-1-b'))?.[1]).toBe(
      "name matches but tag lambda-deploy:stage is 'pr-1-b'",
    );
  });

  it('a function with the stage name but another project tags is left, with its log group', async () => {
    const world = emptyWorld();
    // Project "shop-pr", stage "1" owns the function name shop-pr-1 as well.
    seedStage(world, { project: 'shop-pr', stage: '1', gateway: 'http-api' });
    const { account, outcome } = await undeploy(world, target('pr-1', { removeLogs: true }));
    expect(account.changes()).toEqual([]);
    expect(outcome.removed).toEqual([]);
    expect(outcome.skipped).toEqual(
      expect.arrayContaining([
        { resource: 'function shop-pr-1', why: "name matches but tag lambda-deploy:name is 'shop-pr'" },
        {
          resource: 'log group /aws/lambda/shop-pr-1',
          why: "belongs to function shop-pr-1, whose name matches but tag lambda-deploy:name is 'shop-pr'",
        },
      ]),
    );
  });

  it('a function with the stage name and no tags at all is left', async () => {
    const world = emptyWorld();
    world.functions.set('shop-pr-1', {
      tags: {},
      lastModified: '2026-01-01T00:00:00.000+0000',
      urls: ['live'],
    });
    const { account, outcome } = await undeploy(world, target('pr-1'));
    expect(account.changes()).toEqual([]);
    expect(outcome.skipped).toEqual([
      { resource: 'function shop-pr-1', why: 'name matches but has no lambda-deploy tags' },
    ]);
  });

  it('a function found by its tags under another name is ours; the tagging index alone is re-checked', async () => {
    const world = emptyWorld();
    world.functions.set('shop-renamed', {
      tags: tagsFor(PROJECT, 'pr-4'),
      lastModified: '2026-01-01T00:00:00.000+0000',
      urls: [],
    });
    // A stale index entry: the tags changed since the index saw it.
    world.functions.set('shop-retagged', {
      tags: tagsFor(PROJECT, 'pr-5'),
      lastModified: '2026-01-01T00:00:00.000+0000',
      urls: [],
    });
    world.staleIndex.push({
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:shop-retagged',
      tags: tagsFor(PROJECT, 'pr-4'),
    });
    const { account, outcome } = await undeploy(world, target('pr-4'));
    expect(account.changes()).toEqual(['DeleteFunction shop-renamed']);
    expect(outcome.skipped).toEqual([
      {
        resource: 'function shop-retagged',
        why: "listed by the tagging API for this stage, but its own tags disagree: tag lambda-deploy:stage is 'pr-5'",
      },
    ]);
  });
});

describe('undeployStage: idempotence, refusals, retries, dry run', () => {
  it('undeploying twice: the second run finds nothing and succeeds', async () => {
    const world = emptyWorld();
    seedStage(world, { project: PROJECT, stage: 'pr-2', gateway: 'rest-api', keepWarm: true });
    const first = await undeploy(world, target('pr-2', { removeLogs: true }));
    expect(first.outcome.removed.length).toBeGreaterThan(0);
    const second = await undeploy(world, target('pr-2', { removeLogs: true }));
    expect(second.account.changes()).toEqual([]);
    expect(second.outcome.removed).toEqual([]);
    expect(describeUndeploy(second.outcome)).toBe('stage pr-2: nothing to remove');
    expect(second.logger.text('info')).toContain('nothing to remove');
  });

  it('a stale index entry for a deleted function counts as already gone', async () => {
    const world = emptyWorld();
    world.staleIndex.push({
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:shop-pr-6',
      tags: tagsFor(PROJECT, 'pr-6'),
    });
    const { account, outcome } = await undeploy(world, target('pr-6'));
    expect(account.changes()).toEqual([]);
    expect(describeUndeploy(outcome)).toBe('stage pr-6: nothing to remove');
  });

  it.each([['main'], ['prod'], ['Production']])(
    'refuses protected stage %s before any AWS call',
    async (stage) => {
      const world = emptyWorld();
      seedStage(world, { project: PROJECT, stage: stage.toLowerCase(), gateway: 'http-api' });
      const account = fakeAccount(world);
      try {
        await expect(
          undeployStage(account.clients, target(stage), {
            logger: new RecordingLogger(),
            sleep: recordingSleep(),
          }),
        ).rejects.toThrow(ProtectedStageError);
        await expect(
          undeployStage(account.clients, target(stage), {
            logger: new RecordingLogger(),
            sleep: recordingSleep(),
          }),
        ).rejects.toThrow(/protected-stages/);
        expect(account.calls).toEqual([]);
        expect(world.functions.size).toBe(1);
      } finally {
        account.reset();
      }
    },
  );

  it('waits out TooManyRequestsException on DeleteRestApi with backoff', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-11', gateway: 'rest-api' });
    world.throttleRestDeletes = 3;
    const { account, sleep, logger } = await undeploy(world, target('pr-11'));
    expect(account.calls.filter((c) => c === `DeleteRestApi ${s.apiId}`)).toHaveLength(4);
    expect(sleep.calls).toEqual([2000, 4000, 8000]);
    expect(world.restApis.size).toBe(0);
    expect(logger.text('info')).toMatch(
      /DeleteRestApi on REST API shop-pr-11 .*TooManyRequestsException; trying again in 2 s/,
    );
  });

  it('waits out ResourceConflictException on DeleteFunction (an update in progress)', async () => {
    const world = emptyWorld();
    seedStage(world, { project: PROJECT, stage: 'pr-12', gateway: 'none' });
    world.functionConflicts = 2;
    const { account, sleep } = await undeploy(world, target('pr-12'));
    expect(account.changes()).toEqual([
      'DeleteFunction shop-pr-12',
      'DeleteFunction shop-pr-12',
      'DeleteFunction shop-pr-12',
    ]);
    expect(sleep.calls).toHaveLength(2);
  });

  it('removeLogs after the function is gone: a tagged log group goes, an untagged one is left and reported', async () => {
    const world = emptyWorld();
    world.logGroups.set('/aws/lambda/shop-pr-20', { tags: tagsFor(PROJECT, 'pr-20') });
    world.logGroups.set('/aws/lambda/shop-pr-21', { tags: {} });
    const tagged = await undeploy(world, target('pr-20', { removeLogs: true }));
    expect(tagged.account.changes()).toEqual(['DeleteLogGroup /aws/lambda/shop-pr-20']);
    const untagged = await undeploy(world, target('pr-21', { removeLogs: true }));
    expect(untagged.account.changes()).toEqual([]);
    expect(untagged.outcome.skipped).toEqual([
      {
        resource: 'log group /aws/lambda/shop-pr-21',
        why: 'its function is gone and its own tags do not tie it to this stage (has no lambda-deploy tags)',
      },
    ]);
    expect(describeUndeploy(untagged.outcome)).toBe('stage pr-21: nothing to remove');
  });

  it('dryRun lists what would go and removes nothing', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-13', gateway: 'rest-api', keepWarm: true });
    const { account, outcome, logger } = await undeploy(
      world,
      target('pr-13', { dryRun: true, removeLogs: true }),
    );
    expect(account.changes()).toEqual([]);
    expect(outcome.dryRun).toBe(true);
    expect(outcome.removed).toEqual([
      `usage plan shop-pr-13 (${s.usagePlanId})`,
      `API key shop-pr-13 (${s.apiKeyId})`,
      `REST API shop-pr-13 (${s.apiId})`,
      'EventBridge rule shop-pr-13-keep-warm',
      'function shop-pr-13',
      'log group /aws/lambda/shop-pr-13',
    ]);
    expect(describeUndeploy(outcome)).toMatch(/^stage pr-13: would remove 6 resources/);
    expect(logger.text('info')).toContain('Would remove function shop-pr-13.');
    expect(world.functions.size).toBe(1);
  });

  it('a usage plan of someone else holding our REST API: the failure says which and how to fix it', async () => {
    const world = emptyWorld();
    const s = seedStage(world, { project: PROJECT, stage: 'pr-14', gateway: 'rest-api' });
    world.usagePlans.set('foreign', {
      name: 'partner-plan',
      tags: {},
      apiStages: [{ apiId: s.apiId ?? '', stage: 'live' }],
      keys: [],
    });
    const account = fakeAccount(world);
    try {
      const error = await undeployStage(account.clients, target('pr-14'), {
        logger: new RecordingLogger(),
        sleep: recordingSleep(),
      }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /DeleteRestApi on REST API shop-pr-14 .* failed: BadRequestException/,
      );
      expect((error as Error).message).toContain('usage plan partner-plan (foreign)');
      expect((error as Error).message).toContain('Removed before the failure: usage plan shop-pr-14');
      // The function stays: the front door was not gone yet.
      expect(world.functions.has('shop-pr-14')).toBe(true);
    } finally {
      account.reset();
    }
  });

  it('AccessDenied names the permission the deploy role lacks', async () => {
    const world = emptyWorld();
    seedStage(world, { project: PROJECT, stage: 'pr-15', gateway: 'none' });
    const account = fakeAccount(world);
    const { DeleteFunctionCommand } = await import('@aws-sdk/client-lambda');
    account.mocks.lambda.on(DeleteFunctionCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: lambda:DeleteFunction'), {
        name: 'AccessDeniedException',
      }),
    );
    try {
      await expect(
        undeployStage(account.clients, target('pr-15'), {
          logger: new RecordingLogger(),
          sleep: recordingSleep(),
        }),
      ).rejects.toThrow(
        /DeleteFunction on function shop-pr-15 failed: AccessDeniedException.*the deploy role needs lambda:DeleteFunction/,
      );
      expect(account.mocks.lambda).toHaveReceivedCommandTimes(DeleteFunctionCommand, 1);
    } finally {
      account.reset();
    }
  });
});
