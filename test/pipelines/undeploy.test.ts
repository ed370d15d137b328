import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { changes } from '../../fakes/aws/call-summaries.js';
import { seedDeployedStage, tagsFor } from '../../fakes/aws/deployed-stage.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
import { functionName } from '../../src/model/stage-name.js';
import {
  ProtectedStageError,
  describeUndeploy,
  undeployStage,
  type UndeployTarget,
} from '../../src/pipelines/undeploy.js';
import { RecordingLogger } from '../../src/util/logger.js';

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

// Two items a page: every listing the undeploy makes has to page.
let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws({ pageSize: 2 });
});
afterEach(() => aws.close());

const seedStage = (options: Parameters<typeof seedDeployedStage>[1]) => seedDeployedStage(aws, options);
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

/** One undeploy run: the call log and the waits are this run's only. */
async function undeploy(t: UndeployTarget, surface?: 'terminal') {
  aws.calls.clear();
  const logger = new RecordingLogger();
  const waitedBefore = aws.clock.sleep.calls.length;
  const deps = { logger, sleep: aws.clock.sleep, random: () => 1, ...(surface && { surface }) };
  const outcome = await undeployStage(aws.clients(), t, deps);
  return { outcome, logger, sleeps: aws.clock.sleep.calls.slice(waitedBefore) };
}

describe('undeployStage: ownership is project, stage and repository together', () => {
  it('a same-name stage of another repository is left alone by undeploy', async () => {
    const theirs = { ...tagsFor(PROJECT, 'pr-1'), 'lambda-deploy:repository': 'other-org/shop' };
    seedStage({ project: PROJECT, stage: 'pr-1', gateway: 'rest-api', keepWarm: true, tags: theirs });
    const { outcome, logger } = await undeploy(target('pr-1'));
    expect(outcome.removed).toEqual([]);
    expect(changes(aws)).toEqual([]);
    expect(aws.account.functions.has('shop-pr-1')).toBe(true);
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
    const s = seedStage({ project: PROJECT, stage: 'pr-7', gateway: 'http-api' });
    const { outcome, logger } = await undeploy(target('pr-7'));
    expect(changes(aws)).toEqual([`DeleteApi ${s.apiId}`, 'DeleteFunction shop-pr-7']);
    expect(outcome.removed).toEqual([`HTTP API shop-pr-7 (${s.apiId})`, 'function shop-pr-7']);
    expect(aws.account.functions.size + aws.account.httpApis.size).toBe(0);
    // Logs stay without remove-logs, and the log says so.
    expect(aws.account.logGroups.has('/aws/lambda/shop-pr-7')).toBe(true);
    expect(logger.text('info')).toContain('Kept log group /aws/lambda/shop-pr-7: remove-logs is false.');
    // The job summary says so too: it reads the outcome.
    expect(outcome.keptLogGroups).toEqual(['/aws/lambda/shop-pr-7']);
  });

  it("in a terminal, the kept log group names the CLI's flag that removes it", async () => {
    seedStage({ project: PROJECT, stage: 'pr-8', gateway: 'http-api' });
    const { logger } = await undeploy(target('pr-8'), 'terminal');
    expect(logger.text('info')).toContain('Kept log group /aws/lambda/shop-pr-8 (--remove-logs removes it).');
    expect(logger.text('info')).not.toContain('remove-logs is false');
  });

  it('rest-api: unlinks the key, detaches the stage, deletes plan, key, API, then the function', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-8', gateway: 'rest-api' });
    const { outcome } = await undeploy(target('pr-8'));
    expect(changes(aws)).toEqual([
      `DeleteUsagePlanKey ${s.usagePlanId} ${s.apiKeyId}`,
      `UpdateUsagePlan ${s.usagePlanId} remove /apiStages ${s.apiId}:pr-8`,
      `DeleteUsagePlan ${s.usagePlanId}`,
      `DeleteApiKey ${s.apiKeyId}`,
      `DeleteRestApi ${s.apiId}`,
      'DeleteFunction shop-pr-8',
    ]);
    expect(outcome.removed).toHaveLength(4);
    const { restApis, usagePlans, apiKeys, functions } = aws.account;
    expect(restApis.size + usagePlans.size + apiKeys.size + functions.size).toBe(0);
    // The keys are listed, their values never asked for.
    const keyReads = [
      ...aws.calls.of({ operation: 'GetApiKeys' }),
      ...aws.calls.of({ operation: 'GetApiKey' }),
    ];
    expect(aws.calls.of({ operation: 'GetApiKeys' }).length).toBeGreaterThan(0);
    for (const read of keyReads) {
      expect(read.input.includeValues).not.toBe('true');
      expect(read.input.includeValue).not.toBe('true');
    }
  });

  it('rest-api with the preview role (no listing of /apikeys): the key is still found, by tag and plan, and removed', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-9', gateway: 'rest-api' });
    aws.faults.deny('GetApiKeys');
    await undeploy(target('pr-9'));
    expect(aws.calls.of({ operation: 'GetApiKeys' })[0]?.error).toBe('AccessDeniedException');
    expect(changes(aws)).toContain(`DeleteApiKey ${s.apiKeyId}`);
    expect(aws.account.apiKeys.size).toBe(0);
  });

  it('rest-api with the preview role, its plan made before usage plan writes were taken away: the denied detach says prune removes it', async () => {
    seedStage({ project: PROJECT, stage: 'pr-9', gateway: 'rest-api' });
    aws.faults.deny('GetApiKeys').deny('UpdateUsagePlan'); // as IAM answers the preview role
    const error = (await undeploy(target('pr-9')).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(
      "The preview role may not change usage plans (a change could attach production's API stage to a preview's plan), " +
        'and AWS deletes no plan that still lists an API stage: remove this stage with the production role ' +
        '(the scheduled prune does, or undeploy run with that role).',
    );
    expect(aws.account.restApis.size).toBe(1);
  });

  it.each([
    ['the production role (lists /apikeys)', false],
    ['the preview role (tagging API and plan links only)', true],
  ])(
    'rest-api: every key made for the stage goes, also one a failed create left unlinked: %s',
    async (_, preview) => {
      const s = seedStage({ project: PROJECT, stage: 'pr-9', gateway: 'rest-api' });
      // A CreateApiKey that took effect but failed, linked to no plan.
      const orphan = aws.seed.apiKey('shop-pr-9', tagsFor(PROJECT, 'pr-9')).id;
      if (preview) aws.faults.deny('GetApiKeys');
      await undeploy(target('pr-9'));
      expect(changes(aws)).toEqual(
        expect.arrayContaining([`DeleteApiKey ${s.apiKeyId}`, `DeleteApiKey ${orphan}`]),
      );
      expect(aws.account.apiKeys.size).toBe(0);
    },
  );

  it("rest-api: another project's key linked to the stage's usage plan loses the link only, and the skip says so", async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-8', gateway: 'rest-api' });
    const shared = aws.seed.apiKey('billing-partner', tagsFor('billing', 'main')).id;
    aws.account.usagePlans.get(s.usagePlanId!)!.keyIds.push(shared);
    // The preview role cannot list /apikeys: the plan's links are the only way to the shared key.
    aws.faults.deny('GetApiKeys');
    const { outcome } = await undeploy(target('pr-8'));
    expect(changes(aws)).toContain(`DeleteUsagePlanKey ${s.usagePlanId} ${shared}`);
    expect(changes(aws)).toContain(`DeleteApiKey ${s.apiKeyId}`);
    expect(changes(aws)).not.toContain(`DeleteApiKey ${shared}`);
    expect([...aws.account.apiKeys.keys()]).toEqual([shared]);
    expect(outcome.skipped).toEqual([
      {
        resource: `API key billing-partner (${shared})`,
        why: "is linked to a usage plan of this stage but tag lambda-deploy:name is 'billing' (only the link is removed)",
      },
    ]);
  });

  it('rest-api: listing the API keys failing for another reason than a denial stops the undeploy before any removal', async () => {
    seedStage({ project: PROJECT, stage: 'pr-8', gateway: 'rest-api' });
    aws.faults.fail('GetApiKeys', 'BadRequestException');
    await expect(undeploy(target('pr-8'))).rejects.toThrow(
      /list the API keys named shop-pr-8\*.*BadRequestException/,
    );
    expect(changes(aws)).toEqual([]);
  });

  it("rest-api: the stage's API, usage plan, key and links on a listing's later pages are found all the same", async () => {
    // Two a page: everything of other projects listed first pushes the stage's own to page two.
    for (const n of ['a', 'b']) {
      aws.seed.restApi(`billing-${n}`, tagsFor('billing', n));
      aws.seed.usagePlan(`billing-${n}`, tagsFor('billing', n));
    }
    const theirKeys = ['a', 'b'].map((n) => aws.seed.apiKey(`shop-pr-8-${n}`, tagsFor('billing', n)).id);
    const s = seedStage({ project: PROJECT, stage: 'pr-8', gateway: 'rest-api' });
    const plan = aws.account.usagePlans.get(s.usagePlanId!)!;
    plan.keyIds = [...theirKeys, s.apiKeyId!];
    await undeploy(target('pr-8'));
    expect(changes(aws)).toEqual(
      expect.arrayContaining([
        ...[...theirKeys, s.apiKeyId].map((k) => `DeleteUsagePlanKey ${s.usagePlanId} ${k}`),
        `DeleteUsagePlan ${s.usagePlanId}`,
        `DeleteApiKey ${s.apiKeyId}`,
        `DeleteRestApi ${s.apiId}`,
      ]),
    );
    expect([...aws.account.restApis.values()].map((a) => a.name).sort()).toEqual(['billing-a', 'billing-b']);
    expect([...aws.account.usagePlans.values()].map((p) => p.name).sort()).toEqual([
      'billing-a',
      'billing-b',
    ]);
    expect([...aws.account.apiKeys.keys()].sort()).toEqual([...theirKeys].sort());
  });

  it('function-url: deletes the URL on live, then the function', async () => {
    seedStage({ project: PROJECT, stage: 'feature-x', gateway: 'function-url' });
    await undeploy(target('feature-x'));
    expect(changes(aws)).toEqual([
      'DeleteFunctionUrlConfig shop-feature-x:live',
      'DeleteFunction shop-feature-x',
    ]);
  });

  it('none: deletes only the function', async () => {
    seedStage({ project: PROJECT, stage: 'feature-y', gateway: 'none' });
    const { outcome } = await undeploy(target('feature-y'));
    expect(changes(aws)).toEqual(['DeleteFunction shop-feature-y']);
    // After the "Removed …" line of each: a count, not the list again.
    expect(describeUndeploy(outcome)).toBe('Stage feature-y of shop: 1 resource removed.');
  });

  it('keep-warm rule: removes its targets, then the rule, before the function', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-9', gateway: 'http-api', keepWarm: true });
    await undeploy(target('pr-9'));
    expect(changes(aws)).toEqual([
      `DeleteApi ${s.apiId}`,
      `RemoveTargets ${s.ruleName} lambda-deploy-live`,
      `DeleteRule ${s.ruleName}`,
      'DeleteFunction shop-pr-9',
    ]);
    expect(aws.account.rules.size).toBe(0);
  });

  it('removeLogs: a log group the tagging index lists for the stage under another name goes too', async () => {
    seedStage({ project: PROJECT, stage: 'pr-3', gateway: 'none' });
    aws.seed.logGroup('/custom/shop-pr-3-audit', { tags: tagsFor(PROJECT, 'pr-3') });
    aws.seed.logGroup('/custom/shop-pr-4-audit', { tags: tagsFor(PROJECT, 'pr-4') });
    const { outcome } = await undeploy(target('pr-3', { removeLogs: true }));
    expect(changes(aws)).toEqual([
      'DeleteLogGroup /aws/lambda/shop-pr-3',
      'DeleteLogGroup /custom/shop-pr-3-audit',
      'DeleteFunction shop-pr-3',
      'DeleteLogGroup /aws/lambda/shop-pr-3',
    ]);
    expect(outcome.skipped).toEqual([]);
    expect([...aws.account.logGroups.keys()]).toEqual(['/custom/shop-pr-4-audit']);
  });

  it.each([
    [
      'its lambda-deploy tags taken off since (prune released it: a function made by hand logs there)',
      {},
      'has no lambda-deploy tags',
    ],
    ['tagged for another stage since', tagsFor(PROJECT, 'pr-5'), "tag lambda-deploy:stage is 'pr-5'"],
  ])(
    'removeLogs: a log group the tagging index still lists for the stage, %s, is left: its own tags decide',
    async (_, now, why) => {
      const group = '/aws/lambda/shop-legacy';
      aws.seed.logGroup(group, { tags: now });
      aws.seed.staleTagIndex(
        `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${group}`,
        tagsFor(PROJECT, 'pr-4'),
      );
      const { outcome } = await undeploy(target('pr-4', { removeLogs: true }));
      expect(changes(aws)).toEqual([]);
      expect(aws.account.logGroups.has(group)).toBe(true);
      expect(outcome.skipped).toEqual([
        {
          resource: `log group ${group}`,
          why: `listed by the tagging API for this stage, but its own tags disagree: ${why}`,
        },
      ]);
    },
  );

  it.each([
    ['under another name', 'pr-4', 'shop-legacy', false],
    ["under the stage's own name", 'staging', 'shop-staging', false],
    ['under another name, undeployed by the preview role', 'pr-4', 'shop-legacy', true],
  ])(
    'removeLogs: a group tagged for the stage whose function, made by hand %s, is there without our tags holds its logs: left',
    async (_, stage, fn, preview) => {
      // Pull-request code may create /aws/lambda/{name}-* tagged for the project before such a function
      // first logs (README, the hole IAM cannot close); prune releases it and never deletes its logs.
      if (preview) denyUntaggedFunctions(aws, PROJECT);
      aws.seed.function(fn, { tags: { team: 'legacy' } });
      aws.seed.logGroup(`/aws/lambda/${fn}`, { tags: tagsFor(PROJECT, stage) });
      const { outcome } = await undeploy(target(stage, { removeLogs: true }));
      expect(changes(aws)).toEqual([]);
      expect(aws.account.logGroups.has(`/aws/lambda/${fn}`)).toBe(true);
      expect(outcome.skipped).toEqual(
        expect.arrayContaining([
          {
            resource: `log group /aws/lambda/${fn}`,
            why: expect.stringMatching(
              new RegExp(
                `^belongs to function ${fn}, whose .*(no lambda-deploy tags|no lambda-deploy:name tag)`,
              ),
            ),
          },
        ]),
      );
    },
  );

  it("removeLogs: a group tagged for the stage whose function (another name of the stage's) is gone goes", async () => {
    aws.seed.logGroup('/aws/lambda/shop-pr-4-old', { tags: tagsFor(PROJECT, 'pr-4') });
    const { outcome } = await undeploy(target('pr-4', { removeLogs: true }));
    expect(changes(aws)).toEqual(['DeleteLogGroup /aws/lambda/shop-pr-4-old']);
    expect(outcome.skipped).toEqual([]);
  });

  it('removeLogs: a log group the tagging index lists for the stage, gone since, is no error', async () => {
    aws.seed.staleTagIndex(
      `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/custom/gone`,
      tagsFor(PROJECT, 'pr-4'),
    );
    const { outcome } = await undeploy(target('pr-4', { removeLogs: true }));
    expect(changes(aws)).toEqual([]);
    expect(outcome.skipped).toEqual([]);
  });

  it('a keep-warm rule left without targets is deleted without a RemoveTargets (EventBridge wants 1-100 ids)', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-9', gateway: 'none', keepWarm: true });
    aws.account.rules.get(s.ruleName!)!.targets.clear();
    await undeploy(target('pr-9'));
    expect(changes(aws)).toEqual([`DeleteRule ${s.ruleName}`, 'DeleteFunction shop-pr-9']);
  });

  it('a rule the tagging index lists for the stage: gone since, it is no error; retagged since, its own tags say it is not ours', async () => {
    seedStage({ project: PROJECT, stage: 'pr-5', gateway: 'none' });
    aws.seed.staleTagIndex(
      `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/deleted-cron`,
      tagsFor(PROJECT, 'pr-5'),
    );
    const moved = aws.seed.rule('moved-cron', { tags: tagsFor(PROJECT, 'pr-6') });
    aws.seed.staleTagIndex(moved.Arn, tagsFor(PROJECT, 'pr-5'));
    const { outcome } = await undeploy(target('pr-5'));
    expect(changes(aws)).toEqual(['DeleteFunction shop-pr-5']);
    expect(outcome.skipped).toEqual([
      {
        resource: 'EventBridge rule moved-cron',
        why: "listed by the tagging API for this stage, but its own tags disagree: tag lambda-deploy:stage is 'pr-6'",
      },
    ]);
    expect(aws.account.rules.has('moved-cron')).toBe(true);
  });

  it('removeLogs: deletes the log group while its function still vouches for it, and once more after the function', async () => {
    seedStage({ project: PROJECT, stage: 'pr-3', gateway: 'none' });
    const { outcome } = await undeploy(target('pr-3', { removeLogs: true }));
    // The second delete catches a group a last invocation recreated in between (none here: 404, quiet).
    expect(changes(aws)).toEqual([
      'DeleteLogGroup /aws/lambda/shop-pr-3',
      'DeleteFunction shop-pr-3',
      'DeleteLogGroup /aws/lambda/shop-pr-3',
    ]);
    expect(outcome.removed).toEqual(['log group /aws/lambda/shop-pr-3', 'function shop-pr-3']);
    expect(aws.account.logGroups.size).toBe(0);
  });

  it('removeLogs: a log group delete that is refused leaves the function, so undeploy again removes both', async () => {
    seedStage({ project: PROJECT, stage: 'pr-3', gateway: 'none' });
    // The preview role's Untagged Deny on a group Lambda made untagged for a stage deployed before: not a failure.
    aws.faults.deny('DeleteLogGroup', 1, { explicit: true });
    const first = await undeploy(target('pr-3', { removeLogs: true }));
    expect(first.outcome.removed).toEqual([]);
    expect(first.outcome.skipped).toEqual([
      {
        resource: 'log group /aws/lambda/shop-pr-3',
        why: expect.stringMatching(/^this role may not delete it, so its function is left too/),
      },
    ]);
    expect(first.logger.text('warning')).toContain('Left log group /aws/lambda/shop-pr-3');
    // Without the function nothing would tie an untagged group to the stage: prune would never find it.
    expect(aws.account.functions.has('shop-pr-3')).toBe(true);
    const again = await undeploy(target('pr-3', { removeLogs: true }));
    expect(again.outcome.skipped).toEqual([]);
    expect(aws.account.logGroups.size + aws.account.functions.size).toBe(0);
  });

  it('removeLogs: a role with no Allow for logs:DeleteLogGroup is a policy to fix: undeploy stops, naming it, and removes nothing', async () => {
    seedStage({ project: PROJECT, stage: 'pr-3', gateway: 'none' });
    aws.faults.deny('DeleteLogGroup', 1);
    await expect(undeploy(target('pr-3', { removeLogs: true }))).rejects.toThrow(
      /Undeploy of stage pr-3 stopped: .*logs:DeleteLogGroup.*Running undeploy again continues where it stopped/,
    );
    expect(aws.account.functions.has('shop-pr-3')).toBe(true);
    expect(aws.account.logGroups.has('/aws/lambda/shop-pr-3')).toBe(true);
    const again = await undeploy(target('pr-3', { removeLogs: true }));
    expect(again.outcome.skipped).toEqual([]);
    expect(aws.account.logGroups.size + aws.account.functions.size).toBe(0);
  });

  it('removeLogs: a role with no Allow for logs:ListTagsForResource, on a group whose function is gone, stops the undeploy', async () => {
    seedStage({ project: PROJECT, stage: 'pr-3', gateway: 'none', untaggedLogGroup: true });
    aws.account.functions.delete('shop-pr-3');
    aws.faults.deny('logs:ListTagsForResource');
    await expect(undeploy(target('pr-3', { removeLogs: true }))).rejects.toThrow(/logs:ListTagsForResource/);
    expect(aws.account.logGroups.has('/aws/lambda/shop-pr-3')).toBe(true);
  });
});

describe('undeployStage: the tag guard', () => {
  /**
   * Stage pr-1 of project "shop" has function shop-pr-1. Around it: APIs and
   * keys with its exact name but other owners, a same-named function of
   * project "shop-pr" stage "1" would collide, so the function decoy is the
   * one that owns the name here, and near names of other stages.
   */
  function seedDecoys() {
    // The real stage: an HTTP API and a keep-warm rule.
    const ours = seedStage({ project: PROJECT, stage: 'pr-1', gateway: 'http-api', keepWarm: true });
    // Another project's HTTP API and REST API with the very same name.
    const other1 = aws.seed.httpApi('shop-pr-1', tagsFor('shop-pr', '1')).ApiId;
    const other2 = aws.seed.restApi('shop-pr-1', tagsFor('billing', 'pr-1')).id;
    const otherKey = aws.seed.apiKey('shop-pr-1-key', tagsFor('billing', 'pr-1')).id;
    // No tags at all, same name.
    const untagged = aws.seed.httpApi('shop-pr-1').ApiId;
    aws.seed.rule('shop-pr-1-cron', { targets: [{ Id: 'x', Arn: `${fnArn('shop-pr-1')}:live` }] });
    // Right project, another stage, same name prefix.
    const pr10 = seedStage({ project: PROJECT, stage: 'pr-10', gateway: 'rest-api', keepWarm: true });
    const pr1b = seedStage({ project: PROJECT, stage: 'pr-1-b', gateway: 'http-api' });
    // An HTTP API of another stage: listed with every API, never considered.
    aws.seed.httpApi('shop-pr-10', tagsFor(PROJECT, 'pr-10'));
    // A usage plan with our name but someone else's tags.
    const otherPlan = aws.seed.usagePlan('shop-pr-1', tagsFor('billing', 'pr-1')).id;
    return { ours, other1, other2, otherKey, untagged, pr10, pr1b, otherPlan };
  }

  it('removes only the stage whose tags match; every decoy is skipped or never touched', async () => {
    const d = seedDecoys();
    const { outcome } = await undeploy(target('pr-1', { removeLogs: true }));
    expect(changes(aws)).toEqual([
      `DeleteApi ${d.ours.apiId}`,
      `RemoveTargets ${d.ours.ruleName} lambda-deploy-live`,
      `DeleteRule ${d.ours.ruleName}`,
      'DeleteLogGroup /aws/lambda/shop-pr-1',
      'DeleteFunction shop-pr-1',
      'DeleteLogGroup /aws/lambda/shop-pr-1',
    ]);
    // Decoys survive.
    expect([...aws.account.httpApis.keys()]).toHaveLength(4);
    for (const id of [d.other1, d.untagged, d.pr1b.apiId!]) expect(aws.account.httpApis.has(id)).toBe(true);
    expect(aws.account.restApis.has(d.other2)).toBe(true);
    expect(aws.account.apiKeys.has(d.otherKey)).toBe(true);
    expect(aws.account.usagePlans.has(d.otherPlan)).toBe(true);
    expect(aws.account.rules.has('shop-pr-1-cron')).toBe(true);
    expect(aws.account.functions.has('shop-pr-10')).toBe(true);
    expect(aws.account.functions.has('shop-pr-1-b')).toBe(true);
    expect(aws.account.rules.has(d.pr10.ruleName!)).toBe(true);
    expect(aws.account.logGroups.has('/aws/lambda/shop-pr-10')).toBe(true);

    const skipped = Object.fromEntries(outcome.skipped.map((s) => [s.resource, s.why]));
    // Exactly these: pr-10's API, plan, key and rule share the name prefix (a listing by prefix returns them)
    // but are not named for pr-1, so they are not even considered.
    expect(outcome.skipped.map((s) => s.resource).sort()).toEqual(
      [
        `HTTP API shop-pr-1 (${d.other1})`,
        `HTTP API shop-pr-1 (${d.untagged})`,
        `HTTP API shop-pr-1-b (${d.pr1b.apiId})`,
        `REST API shop-pr-1 (${d.other2})`,
        `usage plan shop-pr-1 (${d.otherPlan})`,
        `API key shop-pr-1-key (${d.otherKey})`,
        'EventBridge rule shop-pr-1-cron',
      ].sort(),
    );
    expect(skipped[`HTTP API shop-pr-1 (${d.other1})`]).toBe(
      "name matches but tag lambda-deploy:name is 'shop-pr'",
    );
    expect(skipped[`HTTP API shop-pr-1 (${d.untagged})`]).toBe('name matches but has no lambda-deploy tags');
    expect(skipped[`REST API shop-pr-1 (${d.other2})`]).toBe(
      "name matches but tag lambda-deploy:name is 'billing'",
    );
    expect(skipped[`API key shop-pr-1-key (${d.otherKey})`]).toBe(
      "name matches but tag lambda-deploy:name is 'billing'",
    );
    expect(skipped[`usage plan shop-pr-1 (${d.otherPlan})`]).toBe(
      "name matches but tag lambda-deploy:name is 'billing'",
    );
    expect(skipped['EventBridge rule shop-pr-1-cron']).toBe('name matches but has no lambda-deploy tags');
    expect(skipped[`HTTP API shop-pr-1-b (${d.pr1b.apiId})`]).toBe(
      "name matches but tag lambda-deploy:stage is 'pr-1-b'",
    );
  });

  it('a function with the stage name but another project tags is left, with its log group', async () => {
    // Project "shop-pr", stage "1" owns the function name shop-pr-1 as well.
    seedStage({ project: 'shop-pr', stage: '1', gateway: 'http-api' });
    const { outcome } = await undeploy(target('pr-1', { removeLogs: true }));
    expect(changes(aws)).toEqual([]);
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

  it.each([
    [
      'another repository',
      { 'lambda-deploy:repository': 'other-org/shop' },
      "tag lambda-deploy:repository is 'other-org/shop'",
    ],
    ['another project', { 'lambda-deploy:name': 'shop-pr' }, "tag lambda-deploy:name is 'shop-pr'"],
    ['another stage', { 'lambda-deploy:stage': 'pr-50' }, "tag lambda-deploy:stage is 'pr-50'"],
  ])(
    "removeLogs: our function's log group, tagged for %s (kept when that stage was undeployed), is left: its tags are not ours",
    async (_, theirs, why) => {
      // Another repository's stage pr-5 was undeployed with remove-logs off; ours took the function name since.
      seedStage({ project: PROJECT, stage: 'pr-5', gateway: 'none' });
      aws.account.logGroups.get('/aws/lambda/shop-pr-5')!.tags = { ...tagsFor(PROJECT, 'pr-5'), ...theirs };
      const { outcome } = await undeploy(target('pr-5', { removeLogs: true }));
      expect(changes(aws)).toEqual(['DeleteFunction shop-pr-5']);
      expect(aws.account.logGroups.has('/aws/lambda/shop-pr-5')).toBe(true);
      expect(outcome.skipped).toEqual([
        {
          resource: 'log group /aws/lambda/shop-pr-5',
          why: `belongs to function shop-pr-5 of this stage, but its own tags name another owner (${why})`,
        },
      ]);
    },
  );

  it('removeLogs: the group Lambda made untagged follows its function; the preview role, which may not read its tags, takes it as such', async () => {
    seedStage({ project: PROJECT, stage: 'pr-5', gateway: 'none', untaggedLogGroup: true });
    const { outcome } = await undeploy(target('pr-5', { removeLogs: true }));
    expect(outcome.removed).toEqual(['log group /aws/lambda/shop-pr-5', 'function shop-pr-5']);
    seedStage({ project: PROJECT, stage: 'pr-6', gateway: 'none', untaggedLogGroup: true });
    aws.faults.deny('logs:ListTagsForResource', Number.POSITIVE_INFINITY, { explicit: true });
    aws.faults.deny('DeleteLogGroup', 1, { explicit: true });
    const preview = await undeploy(target('pr-6', { removeLogs: true }));
    // As before: the refused delete leaves the function, so prune (production role) removes both.
    expect(preview.outcome.skipped.map((s) => s.why)).toEqual([
      expect.stringMatching(/^this role may not delete it, so its function is left too/),
    ]);
    expect(aws.account.functions.has('shop-pr-6')).toBe(true);
  });

  it('a function with the stage name and no tags at all is left', async () => {
    seedStage({ project: PROJECT, stage: 'pr-1', gateway: 'function-url', tags: {} });
    const { outcome } = await undeploy(target('pr-1'));
    expect(changes(aws)).toEqual([]);
    expect(outcome.skipped).toEqual([
      { resource: 'function shop-pr-1', why: 'name matches but has no lambda-deploy tags' },
    ]);
  });

  it('a function found by its tags under another name is ours; the tagging index alone is re-checked', async () => {
    aws.seed.function('shop-renamed', { alias: 'live', tags: tagsFor(PROJECT, 'pr-4') });
    // A stale index entry: the tags changed since the index saw it.
    aws.seed.function('shop-retagged', { alias: 'live', tags: tagsFor(PROJECT, 'pr-5') });
    aws.seed.staleTagIndex(fnArn('shop-retagged'), tagsFor(PROJECT, 'pr-4'));
    const { outcome } = await undeploy(target('pr-4'));
    expect(changes(aws)).toEqual(['DeleteFunction shop-renamed']);
    expect(outcome.skipped).toEqual([
      {
        resource: 'function shop-retagged',
        why: "listed by the tagging API for this stage, but its own tags disagree: tag lambda-deploy:stage is 'pr-5'",
      },
    ]);
  });
});

describe('undeployStage: front doors found by their tags', () => {
  it('an HTTP or REST API renamed by hand is found through the tagging index and removed; its tags are the proof', async () => {
    const http = aws.seed.httpApi('renamed-by-hand', tagsFor(PROJECT, 'pr-4')).ApiId;
    const rest = aws.seed.restApi('also-renamed', tagsFor(PROJECT, 'pr-4')).id;
    const { outcome } = await undeploy(target('pr-4'));
    expect(changes(aws).sort()).toEqual([`DeleteApi ${http}`, `DeleteRestApi ${rest}`]);
    expect(outcome.skipped).toEqual([]);
  });
});

describe('undeployStage: idempotence, refusals, retries, dry run', () => {
  it('undeploying twice: the second run finds nothing and succeeds', async () => {
    seedStage({ project: PROJECT, stage: 'pr-2', gateway: 'rest-api', keepWarm: true });
    const first = await undeploy(target('pr-2', { removeLogs: true }));
    expect(first.outcome.removed.length).toBeGreaterThan(0);
    const second = await undeploy(target('pr-2', { removeLogs: true }));
    expect(changes(aws)).toEqual([]);
    expect(second.outcome.removed).toEqual([]);
    expect(describeUndeploy(second.outcome)).toBe('Stage pr-2 of shop: nothing to remove.');
    expect(second.logger.text('info')).toContain('nothing to remove');
  });

  it('a stale index entry for a deleted function counts as already gone', async () => {
    aws.seed.staleTagIndex(fnArn('shop-pr-6'), tagsFor(PROJECT, 'pr-6'));
    const { outcome } = await undeploy(target('pr-6'));
    expect(changes(aws)).toEqual([]);
    expect(describeUndeploy(outcome)).toBe('Stage pr-6 of shop: nothing to remove.');
  });

  it.each([['main'], ['prod'], ['Production']])(
    'refuses protected stage %s before any AWS call',
    async (stage) => {
      seedStage({ project: PROJECT, stage: stage.toLowerCase(), gateway: 'http-api' });
      const deps = { logger: new RecordingLogger(), sleep: aws.clock.sleep };
      await expect(undeployStage(aws.clients(), target(stage), deps)).rejects.toThrow(ProtectedStageError);
      await expect(undeployStage(aws.clients(), target(stage), deps)).rejects.toThrow(/protected-stages/);
      expect(aws.calls.calls).toEqual([]);
      expect(aws.account.functions.size).toBe(1);
    },
  );

  it('says the refusal with the input in a workflow and the flag in a terminal, and whether the list is the default', async () => {
    seedStage({ project: PROJECT, stage: 'main', gateway: 'http-api' });
    const deps = { logger: new RecordingLogger(), sleep: aws.clock.sleep };
    await expect(undeployStage(aws.clients(), target('main'), deps)).rejects.toThrow(
      'Stage "main" is listed in protected-stages (not set in the workflow, so its default: main, master, prod, production): undeploy and prune never remove it. ' +
        'To remove it on purpose, run undeploy with the protected-stages input set without "main", like protected-stages: master,prod,production.',
    );
    await expect(
      undeployStage(aws.clients(), target('main'), { ...deps, surface: 'terminal' }),
    ).rejects.toThrow(
      'Stage "main" is a protected stage (--protected-stages not given, so its default: main, master, prod, production): undeploy never removes it. ' +
        'To remove it on purpose, run undeploy with --protected-stages listing the stages to keep, without "main", like --protected-stages master,prod,production.',
    );
    // A list of the user's own: named as theirs, no default claimed.
    const own = target('main', { protectedStages: ['main', 'live'] });
    await expect(undeployStage(aws.clients(), own, deps)).rejects.toThrow(
      'Stage "main" is listed in protected-stages (the protected-stages input: main, live): undeploy and prune never remove it. ' +
        'To remove it on purpose, run undeploy with the protected-stages input set without "main", like protected-stages: live.',
    );
    await expect(undeployStage(aws.clients(), own, { ...deps, surface: 'terminal' })).rejects.toThrow(
      'Stage "main" is a protected stage (--protected-stages: main, live): undeploy never removes it. ' +
        'To remove it on purpose, run undeploy with --protected-stages listing the stages to keep, without "main", like --protected-stages live.',
    );
    expect(aws.calls.calls).toEqual([]);
  });

  it('waits out TooManyRequestsException on DeleteRestApi with backoff', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-11', gateway: 'rest-api' });
    aws.faults.throttle('DeleteRestApi', 3);
    const { sleeps, logger } = await undeploy(target('pr-11'));
    expect(changes(aws).filter((c) => c === `DeleteRestApi ${s.apiId}`)).toHaveLength(4);
    expect(sleeps).toEqual([2000, 4000, 8000]);
    expect(aws.account.restApis.size).toBe(0);
    expect(logger.text('info')).toMatch(
      /TooManyRequestsException while trying to delete REST API shop-pr-11 .*; trying again in 2.0 s/,
    );
  });

  it('waits out ResourceConflictException on DeleteFunction (an update in progress)', async () => {
    seedStage({ project: PROJECT, stage: 'pr-12', gateway: 'none' });
    aws.faults.fail('DeleteFunction', 'ResourceConflictException', { times: 2 });
    const { sleeps } = await undeploy(target('pr-12'));
    expect(changes(aws)).toEqual([
      'DeleteFunction shop-pr-12',
      'DeleteFunction shop-pr-12',
      'DeleteFunction shop-pr-12',
    ]);
    expect(sleeps).toHaveLength(2);
    expect(aws.account.functions.size).toBe(0);
  });

  it('removeLogs after the function is gone: a tagged log group goes, an untagged one is left and reported', async () => {
    aws.seed.logGroup('/aws/lambda/shop-pr-20', { tags: tagsFor(PROJECT, 'pr-20') });
    aws.seed.logGroup('/aws/lambda/shop-pr-21');
    await undeploy(target('pr-20', { removeLogs: true }));
    expect(changes(aws)).toEqual(['DeleteLogGroup /aws/lambda/shop-pr-20']);
    const untagged = await undeploy(target('pr-21', { removeLogs: true }));
    expect(changes(aws)).toEqual([]);
    expect(untagged.outcome.skipped).toEqual([
      {
        resource: 'log group /aws/lambda/shop-pr-21',
        why: 'its function is gone and its own tags do not tie it to this stage (has no lambda-deploy tags)',
      },
    ]);
    expect(describeUndeploy(untagged.outcome)).toBe('Stage pr-21 of shop: nothing to remove.');
  });

  it('dryRun lists what would go and removes nothing', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-13', gateway: 'rest-api', keepWarm: true });
    const { outcome, logger } = await undeploy(target('pr-13', { dryRun: true, removeLogs: true }));
    expect(changes(aws)).toEqual([]);
    expect(outcome.dryRun).toBe(true);
    expect(outcome.removed).toEqual([
      `usage plan shop-pr-13 (${s.usagePlanId})`,
      `API key shop-pr-13 (${s.apiKeyId})`,
      `REST API shop-pr-13 (${s.apiId})`,
      `EventBridge rule ${s.ruleName}`,
      'log group /aws/lambda/shop-pr-13',
      'function shop-pr-13',
    ]);
    expect(describeUndeploy(outcome)).toBe('Stage pr-13 of shop: 6 resources would be removed.');
    expect(logger.text('info')).toContain('Would remove function shop-pr-13.');
    expect(aws.account.functions.size).toBe(1);
  });

  it('a usage plan of someone else holding our REST API: the failure says which and how to fix it', async () => {
    const s = seedStage({ project: PROJECT, stage: 'pr-14', gateway: 'rest-api' });
    const foreign = aws.seed.usagePlan('partner-plan', {}, [{ apiId: s.apiId!, stage: s.restStage! }]);
    const error = await undeployStage(aws.clients(), target('pr-14'), {
      logger: new RecordingLogger(),
      sleep: aws.clock.sleep,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/Could not delete REST API shop-pr-14 .*: BadRequestException/);
    expect((error as Error).message).toContain(`usage plan partner-plan (${foreign.id})`);
    expect((error as Error).message).toContain('Removed before the failure: usage plan shop-pr-14');
    // The function stays: the front door was not gone yet.
    expect(aws.account.functions.has('shop-pr-14')).toBe(true);
  });

  it('AccessDenied names the permission the deploy role lacks', async () => {
    seedStage({ project: PROJECT, stage: 'pr-15', gateway: 'none' });
    aws.faults.deny('DeleteFunction');
    await expect(
      undeployStage(aws.clients(), target('pr-15'), {
        logger: new RecordingLogger(),
        sleep: aws.clock.sleep,
      }),
    ).rejects.toThrow(
      /Could not delete function shop-pr-15: AccessDeniedException.*\. The deploy role needs lambda:DeleteFunction\./,
    );
    expect(aws.calls.of({ operation: 'DeleteFunction' })).toHaveLength(1);
  });
});
