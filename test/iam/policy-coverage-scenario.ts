/**
 * Part (b) of the policy coverage test: the real modules, driven through the
 * real SDK clients against the fake AWS account, every call recorded as the
 * code sent it. Imported dynamically by policy-coverage.test.ts only when all
 * the files exist.
 */
import type { GatewayKind } from '../../src/model/settings.js';
import type { FakeAws } from '../../fakes/aws/index.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { recordCalls, type RecordedCall } from '../support/policy-recorder.js';

/** The resource id or name at the end of an ARN (`.../function:NAME[:q]`, `/apis/ID`, `rule/NAME`). */
function arnMatch(arn: string, pattern: RegExp): string {
  return pattern.exec(arn)?.[1] ?? '';
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
  'fakes/aws/index.ts',
  'fakes/aws/deploy-sequence.ts',
  'fakes/aws/deployed-stage.ts',
  'fakes/aws/stage-fixtures.ts',
];

export interface Recorded {
  region: string;
  accountId: string;
  calls: RecordedCall[];
  /** The repository the scenario's stage tags name. */
  repository: string;
}

export const BOUNDARY = (accountId: string) => `arn:aws:iam::${accountId}:policy/shop-lambda-deploy-boundary`;

/** The tags, in the fake's state right now, of the resource an ARN names (undefined: none, or gone). */
function tagsIn(aws: FakeAws, arn: string): Record<string, string> | undefined {
  const a = aws.account;
  const [, kindOf, id = '', , stageOf] =
    /::\/(apis|restapis|usageplans|apikeys)\/([^/]+)(\/stages\/([^/]+))?$/.exec(arn) ?? [];
  if (kindOf === 'apis') {
    const http = a.httpApis.get(id);
    return stageOf
      ? (http?.stages.get(decodeURIComponent(stageOf))?.tags as Record<string, string>)
      : http?.Tags;
  }
  if (kindOf === 'restapis') {
    const rest = a.restApis.get(id);
    return stageOf
      ? (rest?.stages.get(decodeURIComponent(stageOf))?.tags as Record<string, string>)
      : rest?.tags;
  }
  if (kindOf === 'usageplans') return a.usagePlans.get(id)?.tags;
  if (kindOf === 'apikeys') return a.apiKeys.get(id)?.tags;
  return (
    a.functions.get(arnMatch(arn, /:function:([^:]+)$/))?.tags ??
    a.roles.get(arnMatch(arn, /:role\/(?:.*\/)?([^/]+)$/))?.Tags ??
    a.rules.get(arnMatch(arn, /:rule\/(.+)$/))?.tags ??
    a.logGroups.get(arnMatch(arn, /:log-group:([^:]+)$/))?.tags
  );
}

function record(aws: FakeAws, clients: object): RecordedCall[] {
  return recordCalls(clients as Parameters<typeof recordCalls>[0], [], {
    scope: { region: aws.region, accountId: aws.accountId },
    tagsOf: (arn) => tagsIn(aws, arn),
    boundaryOf: (arn) =>
      aws.account.roles.get(arnMatch(arn, /:role\/(?:.*\/)?([^/]+)$/))?.PermissionsBoundary,
  });
}

const deps = (aws?: FakeAws) => ({
  logger: new RecordingLogger(),
  sleep: aws ? aws.clock.sleep : recordingSleep(),
  random: () => 1,
  now: () => (aws ? aws.clock.date() : new Date()),
});

/**
 * Deploy (bucket, role and function created), redeploy with new code and a
 * new setting, an unchanged redeploy, a deploy to a bucket the user gave, and
 * a rollback after a failed smoke test.
 */
export async function deployScenario(options: { s3Bucket?: string; stage?: string } = {}): Promise<Recorded> {
  const { startFakeAws } = await import('../../fakes/aws/index.js');
  const { deployStageToAws } = await import('../../fakes/aws/deploy-sequence.js');
  const { writeZipFixture } = await import('../../fakes/aws/zip.js');
  const { tempDir } = await import('../support/aws-deploy-sequence.js');
  const { rollbackAlias } = await import('../../src/resources/function/rollback.js');
  const stageName = options.stage ?? 'pr-7';
  const production = stageName === 'main';
  const aws = await startFakeAws();
  try {
    const { lambda, s3, iam, sts, region } = aws.clients();
    if (options.s3Bucket) aws.seed.bucket(options.s3Bucket);
    // What setup made: the boundary policy, and the bucket and preview execution role a preview runs with.
    aws.seed.setup('shop');
    if (!production && !options.s3Bucket) {
      const { ensureArtifactBucket } = await import('../../src/resources/artifacts/artifact-bucket.js');
      await ensureArtifactBucket(s3, { region, accountId: aws.accountId }, deps(aws));
    }
    const { tagging, logs } = aws.clients();
    const calls = record(aws, { lambda, s3, iam, sts, tagging, logs });
    const clients = { lambda, s3, iam, sts, tagging, logGroups: logs, region };
    // As IAM answers the preview role on a function without the lambda-deploy:name tag, as one not
    // made yet is: the first deploy's reads are refused, and CreateFunction tells.
    if (!production)
      aws.faults.deny('GetFunction', 1, { explicit: true }).deny('GetAlias', 1, { explicit: true });
    const dir = tempDir('policy-coverage-');
    const stage = {
      project: 'shop',
      stage: stageName,
      s3Bucket: options.s3Bucket,
      keepVersions: 2,
      executionRoleKind: production ? ('production' as const) : ('preview' as const),
      permissionsBoundary: BOUNDARY(aws.accountId),
    };

    await deployStageToAws(clients, { ...stage, zip: writeZipFixture(dir, 'a.zip', 4096, 1) }, deps(aws));
    // A production redeploy adds policy-statements: the role's policy is rewritten, after a look at the boundary.
    const statements = [{ Sid: 'Orders', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }];
    const second = await deployStageToAws(
      clients,
      {
        ...stage,
        zip: writeZipFixture(dir, 'b.zip', 4096, 2),
        environment: { MODE: 'two' },
        ...(production && { policyStatements: statements }),
      },
      deps(aws),
    );
    await deployStageToAws(
      clients,
      { ...stage, zip: writeZipFixture(dir, 'b.zip', 4096, 2), environment: { MODE: 'two' } },
      deps(aws),
    );
    // The newest version fails its smoke test: live goes back to the one before.
    const third = await deployStageToAws(
      clients,
      { ...stage, zip: writeZipFixture(dir, 'c.zip', 4096, 3), memory: 512 },
      deps(aws),
    );
    const rollback = await rollbackAlias(
      lambda,
      {
        functionName: `shop-${stageName}`,
        previousVersion: second.fn.version,
        failedVersion: third.fn.version,
      },
      deps(aws),
    );
    if (!rollback.rolledBack) throw new Error(`scenario: rollback did not happen: ${rollback.message}`);
    return { region, accountId: aws.accountId, calls, repository: 'octo/app' };
  } finally {
    await aws.close();
  }
}

/** The front door created, then redeployed unchanged; with an API key, again after the key is disabled. */
export async function gatewayScenario(kind: GatewayKind, stage = 'pr-42'): Promise<Recorded> {
  const { startFakeAws } = await import('../../fakes/aws/index.js');
  const { gatewayInput, seedStageFunction, stageContext } = await import('../../fakes/aws/stage-fixtures.js');
  const { ensureGateway } = await import('../../src/resources/front-door/gateway.js');
  const aws = await startFakeAws({ pageSize: 2 });
  try {
    // As IAM answers the preview role: no listing of /apikeys (the code then reads its usage plan's links).
    if (stage !== 'main') aws.faults.deny('GetApiKeys');
    const context = stageContext(stage);
    // The function exists with the stage's tags: the deploy made it before the front door.
    seedStageFunction(aws, context);
    const clients = aws.clients();
    const calls = record(aws, clients);
    const input = gatewayInput(
      {
        // API keys are the production role's: a preview's REST API has none.
        apiKey: kind === 'rest-api' && stage === 'main',
        ...(kind === 'rest-api' && stage === 'main' && { quota: { limit: 1000, period: 'DAY' as const } }),
      },
      context,
    );
    const first = await ensureGateway(kind, clients, input, deps(aws));
    await ensureGateway(kind, clients, input, deps(aws));
    // The owner disables the key (it leaked): the next deploy replaces it and deletes the disabled one.
    if (first.apiKeyId) {
      aws.account.apiKeys.get(first.apiKeyId)!.enabled = false;
      const third = await ensureGateway(kind, clients, input, deps(aws));
      if (third.apiKeyId === first.apiKeyId || aws.account.apiKeys.has(first.apiKeyId))
        throw new Error('scenario: the disabled API key was not replaced');
    }
    return { region: aws.region, accountId: aws.accountId, calls, repository: 'octo/shop' };
  } finally {
    await aws.close();
  }
}

/** Undeploy of a stage with the front door of `kind` (and a keep-warm rule), then prune of the closed pull requests. */
export async function cleanupScenario(
  kind: GatewayKind,
  keepWarm: boolean,
): Promise<Recorded & { undeployCalls: RecordedCall[] }> {
  const { startFakeAws } = await import('../../fakes/aws/index.js');
  const { seedDeployedStage } = await import('../../fakes/aws/deployed-stage.js');
  const { undeployStage } = await import('../../src/pipelines/undeploy.js');
  const { pruneStages, pruneSlimArchives, releaseClaimedLogGroupsLogged } =
    await import('../../src/pipelines/prune.js');
  const { defaultBucketName } = await import('../../src/resources/artifacts/artifact-bucket.js');
  const aws = await startFakeAws({ pageSize: 2 });
  try {
    const seed = (stage: string, ref: string) =>
      seedDeployedStage(aws, { project: 'shop', stage, gateway: kind, keepWarm, ref });
    const seeded = seed('pr-7', 'pull/7');
    seed('pr-8', 'pull/8');
    seed('main', 'main');
    // A hand-made function whose group a pull request made, tagged as its preview's: prune untags it.
    aws.seed.function('shop-legacy', {});
    aws.seed.logGroup('/aws/lambda/shop-legacy', {
      tags: {
        'lambda-deploy:name': 'shop',
        'lambda-deploy:stage': 'pr-9',
        'lambda-deploy:repository': 'acme/shop',
      },
    });
    // As IAM answers the preview role that undeploys the pull request: no listing of /apikeys.
    aws.faults.deny('GetApiKeys', 1);
    const clients = aws.clients();
    const calls = record(aws, clients);
    const outcome = await undeployStage(
      clients,
      {
        project: 'shop',
        repository: 'acme/shop',
        stage: 'pr-7',
        functionName: seeded.functionName,
        removeLogs: true,
        dryRun: false,
        protectedStages: ['main'],
      },
      deps(aws),
    );
    if (outcome.removed.length === 0) throw new Error('scenario: undeploy removed nothing');
    const undeployCalls = [...calls];
    const lines = await pruneStages(
      clients,
      { listBranches: async () => ['main'], getPullRequestState: async () => 'closed' },
      {
        project: 'shop',
        repository: 'acme/shop',
        protectedStages: ['main'],
        dryRun: false,
        removeLogs: true,
        now: aws.clock.date(),
      },
      deps(aws),
    );
    if (!lines.some((l) => l.action === 'removed'))
      throw new Error(`scenario: prune removed nothing: ${JSON.stringify(lines)}`);
    const claimed = await releaseClaimedLogGroupsLogged(
      clients,
      { project: 'shop', dryRun: false },
      deps(aws),
    );
    if (!claimed.claimed.some((g) => g.released))
      throw new Error(`scenario: claimed groups: ${JSON.stringify(claimed)}`);
    // A slim archive of each kind that no version names any more, two days old: prune deletes them.
    const bucket = defaultBucketName(aws.accountId, aws.region);
    for (const kind of ['production', 'preview'])
      aws.seed.object(bucket, `lambda-deploy-slim/shop/${kind}/${'a'.repeat(64)}.tar.gz`, Buffer.from('x'), {
        lastModified: aws.clock.now() - 48 * 3_600_000,
      });
    const slim = await pruneSlimArchives(
      clients,
      { project: 'shop', bucket, accountId: aws.accountId, dryRun: false, now: aws.clock.date() },
      deps(aws),
    );
    if (slim.deleted.length !== 2) throw new Error(`scenario: slim prune: ${JSON.stringify(slim)}`);
    return { region: aws.region, accountId: aws.accountId, calls, undeployCalls, repository: 'acme/shop' };
  } finally {
    await aws.close();
  }
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

/**
 * Prune as the preview role runs it (a default branch that is not a production branch): IAM's
 * answers to that role stood in by the fakes' denials, on the protected stage's function and log
 * group (ProtectedStages) and on untagged look-alikes (denyUntaggedFunctions). A closed pull
 * request's stage and a deleted branch's go, with their log groups; main stays.
 */
export async function previewPruneScenario(kind: GatewayKind): Promise<
  Recorded & {
    lines: { stage: string; action: string }[];
    slim: { deleted: unknown[]; skipped?: string };
    layers: string[];
    claimed: { claimed: unknown[]; unchecked: string[] };
    denied: (call: RecordedCall) => boolean;
  }
> {
  const { startFakeAws } = await import('../../fakes/aws/index.js');
  const { seedDeployedStage } = await import('../../fakes/aws/deployed-stage.js');
  const { denyUntaggedFunctions } = await import('../../fakes/aws/preview-iam.js');
  const { pruneStages, pruneDependencyLayers, pruneSlimArchivesLogged, releaseClaimedLogGroupsLogged } =
    await import('../../src/pipelines/prune.js');
  const { defaultBucketName } = await import('../../src/resources/artifacts/artifact-bucket.js');
  const aws = await startFakeAws({ pageSize: 2 });
  try {
    for (const [stage, ref] of [
      ['pr-7', 'pull/7'],
      ['feature-gone', 'feature-gone'],
      ['main', 'main'],
    ] as const)
      seedDeployedStage(aws, { project: 'shop', stage, gateway: kind, ref });
    aws.seed.function('shop-legacy', {});
    aws.seed.logGroup('/aws/lambda/shop-legacy', {
      tags: {
        'lambda-deploy:name': 'shop',
        'lambda-deploy:stage': 'pr-9',
        'lambda-deploy:repository': 'acme/shop',
      },
    });
    const bucket = defaultBucketName(aws.accountId, aws.region);
    aws.seed.object(bucket, `lambda-deploy-slim/shop/preview/${'a'.repeat(64)}.tar.gz`, Buffer.from('x'), {
      lastModified: aws.clock.now() - 48 * 3_600_000,
    });
    const protectedName = /(^|:function:|log-group:)(\/aws\/lambda\/)?shop-main(:|$)/;
    const namesProtected = (input: Record<string, unknown>) =>
      [input.FunctionName, input.logGroupName, input.logGroupIdentifier, input.resourceArn].some(
        (v) => typeof v === 'string' && protectedName.test(decodeURIComponent(v)),
      );
    aws.faults.denyWhen(
      '*',
      ({ service, input }) => ['lambda', 'logs'].includes(service) && namesProtected(input),
    );
    denyUntaggedFunctions(aws, 'shop');
    // As IAM answers the preview role: no listing of /apikeys.
    aws.faults.deny('GetApiKeys');
    const clients = aws.clients();
    const calls = record(aws, clients);
    const lines = await pruneStages(
      clients,
      {
        listBranches: async () => ['main'],
        getPullRequestState: async () => 'closed',
      },
      {
        project: 'shop',
        repository: 'acme/shop',
        protectedStages: ['main'],
        dryRun: false,
        removeLogs: true,
        now: aws.clock.date(),
      },
      deps(aws),
    );
    const claimed = await releaseClaimedLogGroupsLogged(
      clients,
      { project: 'shop', dryRun: false },
      deps(aws),
    );
    const layers = await pruneDependencyLayers(clients, 'shop', false, deps(aws), aws.clock.date());
    const slim = await pruneSlimArchivesLogged(
      clients,
      { project: 'shop', bucket, accountId: aws.accountId, dryRun: false, now: aws.clock.date() },
      deps(aws),
    );
    const denied = (c: RecordedCall) =>
      ['lambda', 'logs'].includes(c.service) && namesProtected(c.input as Record<string, unknown>);
    return {
      region: aws.region,
      accountId: aws.accountId,
      calls,
      repository: 'acme/shop',
      lines,
      slim,
      layers,
      claimed,
      denied,
    };
  } finally {
    await aws.close();
  }
}
