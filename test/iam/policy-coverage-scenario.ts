/**
 * Part (b) of the policy coverage test: the real modules, driven against the
 * stateful fakes their engineers wrote, every call recorded. Imported
 * dynamically by policy-coverage.test.ts only when all the files exist.
 */
import type { GatewayKind } from '../../src/model/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { recordCalls, type RecordedCall } from '../support/policy-recorder.js';

/** The resource id or name at the end of an ARN (`.../function:NAME[:q]`, `/apis/ID`, `rule/NAME`). */
function arnMatch(arn: string, pattern: RegExp): string | undefined {
  return pattern.exec(arn)?.[1];
}

/** The files part (b) needs, relative to the repository root. */
export const SCENARIO_FILES = [
  'src/resources/function/lambda-function.ts',
  'src/resources/artifacts/artifact-bucket.ts',
  'src/resources/execution-role/execution-role.ts',
  'src/resources/front-door/gateway.ts',
  'src/resources/function/rollback.ts',
  'src/pipelines/undeploy.ts',
  'src/pipelines/prune.ts',
  'test/support/fake-aws.ts',
  'test/support/aws-deploy-sequence.ts',
  'test/gateways/fake-aws.ts',
  'test/cleanup/fake-account.ts',
];

export interface Recorded {
  region: string;
  accountId: string;
  calls: RecordedCall[];
  /** The repository the scenario's stage tags name. */
  repository: string;
}

export const BOUNDARY = (accountId: string) => `arn:aws:iam::${accountId}:policy/shop-lambda-deploy-boundary`;

const deps = () => ({
  logger: new RecordingLogger(),
  sleep: recordingSleep(),
  random: () => 1,
  now: () => new Date(),
});

/**
 * Deploy (bucket, role and function created), redeploy with new code and a
 * new setting, an unchanged redeploy, a deploy to a bucket the user gave, and
 * a rollback after a failed smoke test.
 */
export async function deployScenario(options: { s3Bucket?: string; stage?: string } = {}): Promise<Recorded> {
  const { FakeAws } = await import('../support/fake-aws.js');
  const { deployStageToAws, writeZipFixture, tempDir } = await import('../support/aws-deploy-sequence.js');
  const { rollbackAlias } = await import('../../src/resources/function/rollback.js');
  const stageName = options.stage ?? 'pr-7';
  const production = stageName === 'main';
  const fake = new FakeAws();
  if (options.s3Bucket) fake.addBucket(options.s3Bucket);
  // What setup made before any preview runs: the bucket and the preview execution role.
  if (!production) {
    if (!options.s3Bucket) {
      const { ensureArtifactBucket } = await import('../../src/resources/artifacts/artifact-bucket.js');
      await ensureArtifactBucket(fake.s3, { region: fake.region, accountId: fake.accountId }, deps());
    }
    fake.roles.set('shop-lambda-deploy-preview', {
      arn: `arn:aws:iam::${fake.accountId}:role/shop-lambda-deploy-preview`,
      trust: '{}',
      tags: { 'lambda-deploy:name': 'shop' },
      policies: new Map(),
      refusalsLeft: 0,
    });
  }
  const name = (arn: string, re: RegExp) => arnMatch(arn, re) ?? '';
  const calls = recordCalls({ lambda: fake.lambda, s3: fake.s3, iam: fake.iam, sts: fake.sts }, [], {
    scope: { region: fake.region, accountId: fake.accountId },
    tagsOf: (arn) =>
      fake.functions.get(name(arn, /:function:([^:]+)$/))?.tags ??
      fake.roles.get(name(arn, /:role\/(.+)$/))?.tags,
    boundaryOf: (arn) => fake.roles.get(name(arn, /:role\/(.+)$/))?.boundary,
  });
  const clients = { lambda: fake.lambda, s3: fake.s3, iam: fake.iam, sts: fake.sts, region: fake.region };
  const dir = tempDir('policy-coverage-');
  const stage = {
    project: 'shop',
    stage: stageName,
    s3Bucket: options.s3Bucket,
    keepVersions: 2,
    executionRoleKind: production ? ('production' as const) : ('preview' as const),
    permissionsBoundary: BOUNDARY(fake.accountId),
  };

  await deployStageToAws(clients, { ...stage, zip: writeZipFixture(dir, 'a.zip', 4096, 1) }, deps());
  const second = await deployStageToAws(
    clients,
    { ...stage, zip: writeZipFixture(dir, 'b.zip', 4096, 2), environment: { MODE: 'two' } },
    deps(),
  );
  await deployStageToAws(
    clients,
    { ...stage, zip: writeZipFixture(dir, 'b.zip', 4096, 2), environment: { MODE: 'two' } },
    deps(),
  );
  // The newest version fails its smoke test: live goes back to the one before.
  const third = await deployStageToAws(
    clients,
    { ...stage, zip: writeZipFixture(dir, 'c.zip', 4096, 3), memory: 512 },
    deps(),
  );
  const rollback = await rollbackAlias(
    fake.lambda,
    {
      functionName: `shop-${stageName}`,
      previousVersion: second.fn.version,
      failedVersion: third.fn.version,
    },
    deps(),
  );
  if (!rollback.rolledBack) throw new Error(`scenario: rollback did not happen: ${rollback.message}`);
  return { region: fake.region, accountId: fake.accountId, calls, repository: 'octo/app' };
}

/** The front door created, then redeployed unchanged. */
export async function gatewayScenario(kind: GatewayKind, stage = 'pr-42'): Promise<Recorded> {
  const { FakeAws, gatewayInput, stageContext, REGION, ACCOUNT } = await import('../gateways/fake-aws.js');
  const { ensureGateway } = await import('../../src/resources/front-door/gateway.js');
  const fake = new FakeAws();
  // As IAM answers the preview role: no listing of /apikeys (the code then reads its usage plan's links).
  if (stage !== 'main') fake.deny('GetApiKeys');
  const context = stageContext(stage);
  const api = (arn: string, re: RegExp) => arnMatch(arn, re) ?? '';
  const calls = recordCalls(fake.clients, [], {
    scope: { region: REGION, accountId: ACCOUNT },
    tagsOf: (arn) => {
      // The function exists with the stage's tags: the deploy made it before the front door.
      if (arn.endsWith(`:function:${context.functionName}`)) return context.tags;
      const [, kindOf, id, , stageOf] =
        /::\/(apis|restapis|usageplans|apikeys)\/([^/]+)(\/stages\/([^/]+))?$/.exec(arn) ?? [];
      if (!kindOf || !id) return undefined;
      if (kindOf === 'apis') {
        const http = fake.httpApis.get(id);
        return stageOf ? http?.stages.get(decodeURIComponent(stageOf))?.Tags : http?.api.Tags;
      }
      if (kindOf === 'restapis') {
        const rest = fake.restApis.get(id);
        return stageOf ? rest?.stages.get(stageOf)?.tags : rest?.api.tags;
      }
      if (kindOf === 'usageplans') return fake.plans.get(api(arn, /\/usageplans\/([^/]+)$/))?.plan.tags;
      return fake.apiKeys.get(id)?.tags;
    },
  });
  const input = gatewayInput(
    {
      apiKey: kind === 'rest-api',
      ...(kind === 'rest-api' && { quota: { limit: 1000, period: 'DAY' as const } }),
    },
    context,
  );
  for (let i = 0; i < 2; i++) await ensureGateway(kind, fake.clients, input, deps());
  return { region: REGION, accountId: ACCOUNT, calls, repository: 'octo/shop' };
}

/** Undeploy of a stage with the front door of `kind` (and a keep-warm rule), then prune of the closed pull requests. */
export async function cleanupScenario(
  kind: GatewayKind,
  keepWarm: boolean,
): Promise<Recorded & { undeployCalls: RecordedCall[] }> {
  const { emptyWorld, fakeAccount, seedStage } = await import('../cleanup/fake-account.js');
  const { undeployStage } = await import('../../src/pipelines/undeploy.js');
  const { pruneStages } = await import('../../src/pipelines/prune.js');
  const world = emptyWorld();
  const seeded = seedStage(world, { project: 'shop', stage: 'pr-7', gateway: kind, keepWarm, ref: 'pull/7' });
  seedStage(world, { project: 'shop', stage: 'pr-8', gateway: kind, keepWarm, ref: 'pull/8' });
  seedStage(world, { project: 'shop', stage: 'main', gateway: kind, keepWarm, ref: 'main' });
  const account = fakeAccount(world);
  // As IAM answers the preview role that undeploys the pull request: no listing of /apikeys.
  const { GetApiKeysCommand } = await import('@aws-sdk/client-api-gateway');
  account.mocks.apiGateway.on(GetApiKeysCommand).rejects(
    Object.assign(new Error('not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    }),
  );
  const id = (arn: string, re: RegExp) => arnMatch(arn, re) ?? '';
  const calls = recordCalls(account.clients, [], {
    scope: { region: account.clients.region, accountId: '123456789012' },
    tagsOf: (arn) =>
      world.functions.get(id(arn, /:function:([^:]+)$/))?.tags ??
      world.httpApis.get(id(arn, /::\/apis\/([^/]+)$/))?.tags ??
      world.restApis.get(id(arn, /::\/restapis\/([^/]+)$/))?.tags ??
      world.usagePlans.get(id(arn, /::\/usageplans\/([^/]+)$/))?.tags ??
      world.apiKeys.get(id(arn, /::\/apikeys\/([^/]+)$/))?.tags ??
      world.rules.get(id(arn, /:rule\/(.+)$/))?.tags ??
      world.logGroups.get(id(arn, /:log-group:([^:]+)$/))?.tags,
  });
  const outcome = await undeployStage(
    account.clients,
    {
      project: 'shop',
      repository: 'acme/shop',
      stage: 'pr-7',
      functionName: seeded.functionName,
      removeLogs: true,
      dryRun: false,
      protectedStages: ['main'],
    },
    deps(),
  );
  if (outcome.removed.length === 0) throw new Error('scenario: undeploy removed nothing');
  const undeployCalls = [...calls];
  const lines = await pruneStages(
    account.clients,
    { listBranches: async () => ['main'], getPullRequestState: async () => 'closed' },
    {
      project: 'shop',
      repository: 'acme/shop',
      protectedStages: ['main'],
      dryRun: false,
      removeLogs: true,
      now: new Date(),
    },
    deps(),
  );
  if (!lines.some((l) => l.action === 'removed'))
    throw new Error(`scenario: prune removed nothing: ${JSON.stringify(lines)}`);
  return {
    region: account.clients.region,
    accountId: '123456789012',
    calls,
    undeployCalls,
    repository: 'acme/shop',
  };
}

/** Keep-warm created then removed, provisioned concurrency set then removed, the dependencies layer published, sized, pruned. */
export async function warmAndLayerScenario(): Promise<Recorded> {
  const { mockClient } = await import('aws-sdk-client-mock');
  const ev = await import('@aws-sdk/client-eventbridge');
  const lm = await import('@aws-sdk/client-lambda');
  const { ensureKeepWarm } = await import('../../src/resources/warm-up/keep-warm.js');
  const { ensureProvisionedConcurrency } =
    await import('../../src/resources/warm-up/provisioned-concurrency.js');
  const { ensureDependenciesLayer, layersUnzippedBytes, pruneLayerVersions } =
    await import('../../src/resources/layers/dependencies-layer.js');
  const { stageTags } = await import('../../src/model/tags.js');
  const region = 'eu-west-1';
  const accountId = '123456789012';
  const events = new ev.EventBridgeClient({ region });
  const lambda = new lm.LambdaClient({ region });
  const eventsMock = mockClient(events);
  const lambdaMock = mockClient(lambda);
  let ruleExists = false;
  const calls = recordCalls({ events, lambda }, [], {
    scope: { region, accountId },
    tagsOf: (arn) =>
      arn === `arn:aws:lambda:${region}:${accountId}:function:shop-pr-7` ||
      (ruleExists && arn === `arn:aws:events:${region}:${accountId}:rule/shop-pr-7-warm`)
        ? context.tags
        : undefined,
  });
  const context = {
    project: 'shop',
    stage: 'pr-7',
    functionName: 'shop-pr-7',
    region,
    accountId,
    tags: stageTags({ project: 'shop', stage: 'pr-7', repository: 'octo/shop', ref: 'pull/7' }),
  };
  const ruleArn = `arn:aws:events:${region}:${accountId}:rule/shop-pr-7-warm`;
  const aliasArn = `arn:aws:lambda:${region}:${accountId}:function:shop-pr-7:live`;
  const layerArn = `arn:aws:lambda:${region}:${accountId}:layer:shop-deps`;
  try {
    eventsMock
      .on(ev.DescribeRuleCommand)
      .rejectsOnce(new ev.ResourceNotFoundException({ message: 'no rule', $metadata: {} }));
    eventsMock.on(ev.DescribeRuleCommand).resolves({
      Name: 'shop-pr-7-warm',
      Arn: ruleArn,
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
    });
    eventsMock.on(ev.PutRuleCommand).callsFake(() => {
      ruleExists = true;
      return { RuleArn: ruleArn };
    });
    eventsMock.on(ev.PutTargetsCommand).resolves({ FailedEntryCount: 0 });
    eventsMock
      .on(ev.ListTagsForResourceCommand)
      .resolves({ Tags: Object.entries(context.tags).map(([Key, Value]) => ({ Key, Value })) });
    eventsMock
      .on(ev.ListTargetsByRuleCommand)
      .resolves({ Targets: [{ Id: 'lambda-deploy-live', Arn: aliasArn }] });
    eventsMock.on(ev.RemoveTargetsCommand).resolves({});
    eventsMock.on(ev.DeleteRuleCommand).callsFake(() => {
      ruleExists = false;
      return {};
    });
    lambdaMock.on(lm.AddPermissionCommand).resolves({});
    lambdaMock.on(lm.RemovePermissionCommand).resolves({});
    await ensureKeepWarm({ events, lambda }, { context, schedule: 'rate(5 minutes)', aliasArn }, deps());
    await ensureKeepWarm({ events, lambda }, { context, schedule: 'rate(10 minutes)', aliasArn }, deps());
    await ensureKeepWarm({ events, lambda }, { context, aliasArn }, deps());

    lambdaMock
      .on(lm.GetProvisionedConcurrencyConfigCommand)
      .rejectsOnce(new lm.ProvisionedConcurrencyConfigNotFoundException({ message: 'none', $metadata: {} }))
      .resolves({ RequestedProvisionedConcurrentExecutions: 1, Status: 'READY' });
    lambdaMock.on(lm.PutProvisionedConcurrencyConfigCommand).resolves({ Status: 'IN_PROGRESS' });
    lambdaMock.on(lm.DeleteProvisionedConcurrencyConfigCommand).resolves({});
    await ensureProvisionedConcurrency(lambda, { functionName: 'shop-pr-7', count: 1 }, deps());
    await ensureProvisionedConcurrency(lambda, { functionName: 'shop-pr-7', count: 0 }, deps());

    lambdaMock.on(lm.ListLayerVersionsCommand).resolves({
      LayerVersions: [1, 2].map((v) => ({
        LayerVersionArn: `${layerArn}:${v}`,
        Version: v,
        // Version 2 names the key but holds other content: read (GetLayerVersion), not reused.
        Description: v === 2 ? 'lambda-deploy:key=k1' : `lambda-deploy:key=old${v}`,
        CompatibleRuntimes: ['python3.12'],
        CompatibleArchitectures: ['x86_64'],
      })),
    });
    lambdaMock.on(lm.GetLayerVersionCommand).resolves({ Content: { CodeSha256: 'other' } });
    lambdaMock
      .on(lm.PublishLayerVersionCommand)
      .resolves({ LayerVersionArn: `${layerArn}:3`, Version: 3, Content: { CodeSha256: 'x' } });
    lambdaMock.on(lm.GetLayerVersionByArnCommand).resolves({ Content: { CodeSize: 10 } });
    lambdaMock.on(lm.DeleteLayerVersionCommand).resolves({});
    await ensureDependenciesLayer(
      lambda,
      {
        project: 'shop',
        runtime: 'python3.12',
        architecture: 'x86_64',
        key: 'k1',
        zipPath: '/nonexistent.zip',
        codeSha256: 'x',
        bucket: `lambda-deploy-${accountId}-${region}`,
        s3Key: 'lambda-deploy/shop/layer-k1.zip',
      },
      deps(),
    );
    await layersUnzippedBytes(lambda, [`${layerArn}:3`], deps());
    await pruneLayerVersions(lambda, { project: 'shop', inUse: new Set([`${layerArn}:2`]) }, deps());
  } finally {
    eventsMock.restore();
    lambdaMock.restore();
  }
  return { region, accountId, calls, repository: 'octo/shop' };
}
