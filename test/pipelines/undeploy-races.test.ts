/**
 * Undeploy against what real AWS does around it: two runs of one stage at
 * once (a re-run while the first still runs), throttling on every call,
 * resources another run removed between the listing and the delete, half-made stages, and
 * shared things the tagging index lists for the stage. Each run ends with the
 * stage gone and nothing else touched.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { changes } from '../../fakes/aws/call-summaries.js';
import { seedDeployedStage, tagsFor, type FrontDoor } from '../../fakes/aws/deployed-stage.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
import { functionName } from '../../src/model/stage-name.js';
import { undeployStage, type UndeployTarget } from '../../src/pipelines/undeploy.js';
import { RecordingLogger } from '../../src/util/logger.js';

const PROJECT = 'shop';

function target(stage: string): UndeployTarget {
  return {
    project: PROJECT,
    repository: 'acme/shop',
    stage,
    functionName: functionName(PROJECT, stage),
    removeLogs: true,
    dryRun: false,
    protectedStages: ['main', 'master', 'prod', 'production'],
  };
}

// Two items a page: every listing has to page.
let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws({ pageSize: 2 });
});
afterEach(() => aws.close());

/** Every run's log, to read after the runs. */
let loggers: RecordingLogger[] = [];

function undeploy(stage: string) {
  const logger = new RecordingLogger();
  loggers.push(logger);
  return undeployStage(aws.clients(), target(stage), { logger, sleep: aws.clock.sleep, random: () => 1 });
}

/** The stage pr-7 with every kind of resource, and its neighbour pr-70 that must survive. */
function seedTwo(gateway: FrontDoor) {
  seedDeployedStage(aws, { project: PROJECT, stage: 'pr-7', gateway, keepWarm: true });
  return seedDeployedStage(aws, { project: PROJECT, stage: 'pr-70', gateway, keepWarm: true });
}

function expectOnlyPr7Gone(neighbour: ReturnType<typeof seedTwo>) {
  const a = aws.account;
  expect(a.functions.has('shop-pr-7') || a.logGroups.has('/aws/lambda/shop-pr-7')).toBe(false);
  expect(a.rules.has('shop-pr-7-warm')).toBe(false);
  expect(a.functions.has(neighbour.functionName)).toBe(true);
  expect(a.logGroups.has(`/aws/lambda/${neighbour.functionName}`)).toBe(true);
  expect(a.rules.has(neighbour.ruleName!)).toBe(true);
  if (neighbour.apiId) expect(a.httpApis.has(neighbour.apiId) || a.restApis.has(neighbour.apiId)).toBe(true);
  if (neighbour.usagePlanId) expect(a.usagePlans.has(neighbour.usagePlanId)).toBe(true);
  if (neighbour.apiKeyId) expect(a.apiKeys.has(neighbour.apiKeyId)).toBe(true);
  const left = [
    ...a.httpApis.values(),
    ...a.restApis.values(),
    ...a.usagePlans.values(),
    ...a.apiKeys.values(),
  ];
  expect(
    left.map((r) => (r as { tags?: Record<string, string> }).tags?.['lambda-deploy:stage']),
  ).not.toContain('pr-7');
}

describe('two undeploys of one stage at once', () => {
  it.each<FrontDoor>(['rest-api', 'http-api', 'function-url'])(
    '%s: all three runs succeed, the stage is gone, its neighbour untouched',
    async (gateway) => {
      const neighbour = seedTwo(gateway);
      const runs = await Promise.allSettled([undeploy('pr-7'), undeploy('pr-7'), undeploy('pr-7')]);
      expect(runs.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
        'ok',
        'ok',
        'ok',
      ]);
      expectOnlyPr7Gone(neighbour);
      // The runs did meet: some found gone what another had listed and removed first.
      expect(aws.calls.calls.filter((c) => /NotFound/.test(c.error ?? '')).length).toBeGreaterThan(0);
      // Said as sentences: "Function shop-pr-7 was already gone.", not "function …".
      const gone = loggers
        .flatMap((l) => l.text('info').split('\n'))
        .filter((l) => l.endsWith(' was already gone.'));
      expect(gone.length).toBeGreaterThan(0);
      for (const line of gone) expect(line).toMatch(/^[A-Z]/);
      loggers = [];
    },
  );
});

const EVERY_CALL = [
  'GetResources',
  'GetFunction',
  'ListFunctionUrlConfigs',
  'GetApis',
  'GetRestApis',
  'GetUsagePlans',
  'GetApiKeys',
  'GetUsagePlanKeys',
  'ListRules',
  'events:ListTagsForResource',
  'ListTargetsByRule',
  'DescribeLogGroups',
  'DeleteUsagePlanKey',
  'UpdateUsagePlan',
  'DeleteUsagePlan',
  'DeleteApiKey',
  'DeleteRestApi',
  'DeleteApi',
  'RemoveTargets',
  'DeleteRule',
  'DeleteLogGroup',
  'DeleteFunction',
];

describe('throttling', () => {
  it('every call throttled twice: the undeploy waits it out and removes the stage, and only it', async () => {
    const neighbour = seedTwo('rest-api');
    for (const op of EVERY_CALL) aws.faults.throttle(op, 2);
    await undeploy('pr-7');
    expectOnlyPr7Gone(neighbour);
    expect(aws.calls.calls.filter((c) => c.error).length).toBeGreaterThan(EVERY_CALL.length);
  });
});

describe('half-made stages', () => {
  it('an HTTP API tagged for the stage whose function was never made (or is gone) is removed', async () => {
    const api = aws.seed.httpApi('shop-pr-7', tagsFor(PROJECT, 'pr-7')).ApiId;
    const outcome = await undeploy('pr-7');
    expect(changes(aws)).toEqual([`DeleteApi ${api}`]);
    expect(outcome.removed).toEqual([`HTTP API shop-pr-7 (${api})`]);
  });
});

describe('shared things the tagging index lists for the stage', () => {
  it('a custom domain name or VPC link tagged for the stage is reported, never deleted; IAM, S3 and layers are never asked', async () => {
    seedDeployedStage(aws, { project: PROJECT, stage: 'pr-7', gateway: 'http-api' });
    const domain = `arn:aws:apigateway:${REGION}::/domainnames/pr-7.shop.example.com`;
    const vpcLink = `arn:aws:apigateway:${REGION}::/vpclinks/v1a2b3`;
    aws.seed.staleTagIndex(domain, tagsFor(PROJECT, 'pr-7'));
    aws.seed.staleTagIndex(vpcLink, tagsFor(PROJECT, 'pr-7'));
    const outcome = await undeploy('pr-7');
    expect(outcome.skipped.map((s) => s.resource).sort()).toEqual([domain, vpcLink].sort());
    for (const s of outcome.skipped)
      expect(s.why).toBe('tagged for this stage, but lambda-deploy does not remove this kind of resource');
    expect(changes(aws).every((c) => /^Delete(Api|Function|LogGroup) /.test(c))).toBe(true);
    const services = new Set(aws.calls.calls.map((c) => c.service));
    for (const service of ['iam', 's3', 'sts']) expect(services.has(service as never)).toBe(false);
    expect(aws.calls.operations('lambda').filter((o) => /Layer/.test(o))).toEqual([]);
    expect(ACCOUNT_ID).toBe('123456789012');
  });
});

describe('the preview role', () => {
  it("removes another pull request's stage, by design: both are previews of this project, which its policy allows", async () => {
    seedDeployedStage(aws, { project: PROJECT, stage: 'pr-8', gateway: 'http-api' });
    denyUntaggedFunctions(aws, PROJECT);
    const outcome = await undeploy('pr-8');
    expect(outcome.removed).toHaveLength(3);
    expect(aws.account.functions.has('shop-pr-8')).toBe(false);
  });
});
