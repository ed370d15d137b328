import { publishSlimArchive } from '../../resources/artifacts/slim-artifact.js';
import { isMissingLayerVersion } from '../../resources/layers/dependencies-layer.js';
import { partitionOf } from '../../resources/execution-role/execution-role.js';
import { deployFunction, type FunctionResult } from '../../resources/function/lambda-function.js';
import { clearDeploying, markDeploying } from '../../resources/function/deploying-mark.js';
import {
  indexedFunctionTags,
  readStageFunction,
  type StageFunction,
  type StageFunctionQuery,
} from '../../resources/function/stage-function-read.js';
import { codeNeedsUpdate } from '../../resources/function/function-config.js';
import { gate, start, together, type Gate } from '../../aws/together.js';
import { HeldLogger } from '../../util/held-logger.js';
import { keepMasked } from '../../util/logger.js';
import type { GitHubContext } from '../../model/github-context.js';
import { type GatewayResult } from '../../resources/front-door/gateway-types.js';
import type { PackageResult } from '../../packaging/build-package-types.js';
import type { Plan } from '../../model/plan.js';
import type { DeployReport } from '../../model/outcome.js';
import { secretValues } from '../../settings/secret-values.js';
import type { Settings } from '../../model/settings.js';
import { openAwsSession, stageContext, type AwsSession } from '../aws-session.js';
import type { StageContext } from '../../model/stage-context.js';
import { packageStep } from '../package-pipeline.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { ownRoleNote, slimOutcome, type SlimTarget } from '../slim-deploy.js';
import { startAlongside } from './alongside-steps.js';
import { storePackage } from './artifact-upload.js';
import { countLayers, dependenciesLayer } from './deploy-layers.js';
import { addFunctionLogs, recordFailure } from './failure-report.js';
import { announceFrontDoor, afterSmokePassed } from './front-door-steps.js';
import {
  functionArn,
  functionInput,
  functionStorage,
  functionTags,
  type DeployingMark,
} from './function-input.js';
import { functionLogGroup } from './function-log-group.js';
import { functionValuesMask, hideFunctionValues, signedInNames } from './function-value-masks.js';
import { initialReport } from './initial-report.js';
import { startExecutionRole } from './stage-execution-role.js';
import { rollBack } from './stage-rollback.js';
import { stageSlimTarget } from './stage-slim-target.js';
import { smokeTestStage } from './stage-smoke-test.js';
import { warmStarts } from './warm-starts.js';

/**
 * build -> size check -> credentials -> upload -> function -> gateway ->
 * smoke test -> (rollback + logs on failure). Returns a report of what
 * happened; AWS errors after sign-in become a failed report, not a throw, so
 * the pull request and the Deployment hear about them too.
 */
export async function deployToAws(
  settings: Settings,
  plan: Plan,
  ctx: GitHubContext,
  pipelineDeps: PipelineDeps,
): Promise<{ report: DeployReport; secrets: string[] }> {
  // Whatever a step masks (the API key, credentials, the function's values) also stays out of the report.
  const secrets: string[] = [];
  const deps = { ...pipelineDeps, logger: keepMasked(pipelineDeps.logger, secrets) };
  const now = deps.now ?? Date.now;
  const started = now();
  const { logger } = deps;
  let pkg = await packageStep(settings, deps);
  const session = await logger.group('Sign in to AWS', () => openAwsSession(settings, plan, ctx, deps));
  const context = stageContext(settings, plan, session);
  logger.info(
    `Deploying ${plan.functionName} (stage ${plan.stage}, ${plan.reason}) to account ${session.accountId} in ${context.region}`,
  );
  let slim = stageSlimTarget(settings, plan, pkg, session.accountId, context.region);

  const report = initialReport(settings, plan, pkg, slim);
  // `hidden`: values for the smoke answers; `secrets` for the report (logs: both).
  // Signed in, the account is known: a value equal to it is in function-arn, no secret.
  const named = signedInNames(settings, plan, session.accountId, logger);
  const lists = { hidden: secretValues(settings, named), secrets };
  let fn: (FunctionResult & { ephemeralStorageMb?: number | undefined }) | undefined;
  const marked: DeployingMark = { since: new Date(started).toISOString() };
  // The front door and keep-warm read while the function deploys, and write once it is done.
  const changing = gate<boolean>();
  const deployed = gate<FunctionResult>();
  const alongside = startAlongside(settings, context, session, deps, {
    changing: changing.promise,
    deployed: deployed.promise,
  });
  // Set once a rollback was tried: a failure after `live` moved and before it is not left serving.
  let rollbackTried = false;
  try {
    try {
      pkg = await countLayers(settings, pkg, session, deps);
      slim = stageSlimTarget(settings, plan, pkg, session.accountId, context.region);
      Object.assign(report, initialReport(settings, plan, pkg, slim));
      fn = await deployCode(settings, plan, context, pkg, session, deps, marked, changing, slim, alongside);
      if (pkg.slim && slim) report.slim = slimOutcome(pkg.slim, slim, fn.ephemeralStorageMb);
      deployed.open(fn);
    } catch (error) {
      changing.fail(error);
      deployed.fail(error);
      throw error;
    }
    hideFunctionValues(secretValues(settings, named, fn.environmentBefore), lists, logger);
    Object.assign(report, {
      functionArn: fn.functionArn,
      version: fn.version,
      previousVersion: fn.previousVersion,
      changed: fn.changed,
    });
    const gateway: GatewayResult = await logger.group(`Front door (${settings.gateway})`, alongside.gateway);
    Object.assign(report, {
      url: gateway.url,
      apiId: gateway.apiId,
      apiKeyId: gateway.apiKeyId,
      changed: report.changed || gateway.changed,
    });
    announceFrontDoor(settings, gateway, logger);
    report.notes = await warmStarts(settings, context, fn, session, await alongside.keepWarm());

    report.smoke = await smokeTestStage(settings, plan, gateway, session, lists.hidden, deps);
    if (report.smoke.status === 'failed') {
      report.error = `Smoke test failed: ${report.smoke.detail}`;
      rollbackTried = true;
      await rollBack(settings, report, fn, session, deps);
    } else {
      report.status = 'success';
      await afterSmokePassed(settings, plan, fn, session);
    }
  } catch (error) {
    // Said once, as the step's failure (which carries it); where it happened shows with debug (--verbose).
    logger.debug(recordFailure(error, report, deps.surface));
    // `live` moved to a version that then failed (its provisioned concurrency, its front door): not left on it.
    if (fn?.changed && !rollbackTried)
      await rollBack(settings, report, fn, session, deps, 'failed this deploy');
  }
  // Nothing of this deploy still runs when it reports (a failed function leaves them waiting).
  await alongside.settled();
  if (report.status === 'failure' && fn)
    await addFunctionLogs(settings, report, fn, started, session, lists, deps);
  if (marked.functionArn) await clearDeploying(session.clients.lambda, marked.functionArn, session.awsDeps);
  report.durationMs = now() - started;
  return { report, secrets };
}

/** AWS no longer creates functions with the runtime: a first deploy stops before it writes anything. */
function refuseBlockedCreate(settings: Settings, current: StageFunction): StageFunction {
  if (!current.existing && !current.unseen && settings.runtimeCreateRefusal)
    throw new Error(`Invalid input: ${settings.runtimeCreateRefusal}`);
  return current;
}

/**
 * What the first read of the stage's function checks: that its tags are this
 * stage's (the tagging index says whose it is when it may not be read), and
 * with a stage derived from a branch, that it is not another ref's.
 */
function stageFunctionQuery(
  settings: Settings,
  plan: Plan,
  context: StageContext,
  tags: Record<string, string>,
  { clients, awsDeps }: AwsSession,
): StageFunctionQuery {
  return {
    functionName: plan.functionName,
    tags,
    adopt: settings.adopt,
    indexedTags: indexedFunctionTags(clients.tagging, functionArn(context), awsDeps),
    stageBranch: plan.stageBranch,
  };
}

async function deployCode(
  settings: Settings,
  plan: Plan,
  context: StageContext,
  pkg: PackageResult,
  session: AwsSession,
  deps: PipelineDeps,
  marked: DeployingMark,
  changing: Gate<boolean>,
  slim: SlimTarget | undefined,
  /** What the front door refuses, read alongside the function: awaited before the function is written. */
  frontDoor: { checked(): Promise<unknown> },
): Promise<FunctionResult & { ephemeralStorageMb: number | undefined }> {
  const { clients, accountId, awsDeps } = session;
  const tags = functionTags(settings, context.tags);
  // The artifact is looked for while the function is read; it is written only once the function is known to be ours.
  const mayWrite = gate<void>();
  const uploadLog = new HeldLogger(deps.logger);
  const upload = start(awsDeps, () => storePackage(settings, pkg, session, uploadLog, mayWrite.promise));
  const roleLog = new HeldLogger(deps.logger);
  const executionRole = startExecutionRole(settings, plan, session, tags, roleLog);
  let current: StageFunction;
  // Before anything is uploaded or changed: a function that is not this stage's is refused.
  const query = stageFunctionQuery(settings, plan, context, tags, session);
  try {
    current = refuseBlockedCreate(settings, await readStageFunction(clients.lambda, query, awsDeps));
    // What the front door refuses (a private function URL on `live`), read meanwhile: refused before anything is written.
    // A first deploy has no `live` yet, so nothing to refuse: it does not wait.
    if (current.existing && current.alias) await frontDoor.checked();
    await executionRole.first();
  } catch (error) {
    mayWrite.fail(error);
    await Promise.all([upload.settled(), executionRole.settled()]);
    throw error;
  }
  mayWrite.open();
  const { existing, alias } = current;
  const maskValues = functionValuesMask(settings, context, deps.logger, existing);
  const logGroup = functionLogGroup(context, session, current, roleLog);
  const made = { slim, accountId, current, marked, tags, whenCreated: logGroup.whenCreated };
  changing.open(
    !existing || !alias || codeNeedsUpdate(existing.config, pkg.codeSha256, settings.architecture),
  );
  const [artifact, , role, , layers] = await together(
    awsDeps,
    () => upload.result(),
    async () => {
      const arn = existing?.config.FunctionArn;
      if (!arn) return;
      await markDeploying(clients.lambda, arn, marked.since, awsDeps);
      marked.functionArn = arn;
    },
    () => executionRole.result(),
    () => logGroup.before(),
    () => dependenciesLayer(settings, pkg, { ...session, awsDeps: { ...awsDeps, logger: uploadLog } }),
    // Written only now: the function is known to be this stage's.
    async () =>
      pkg.slim && slim
        ? publishSlimArchive(
            clients.s3,
            {
              bucket: settings.s3Bucket,
              region: clients.region,
              accountId,
              project: settings.name,
              kind: slim.kind,
              slim: pkg.slim,
            },
            { ...awsDeps, logger: uploadLog },
          )
        : undefined,
  );
  await deps.logger.group('Upload', async () => uploadLog.release());
  return deps.logger.group('Function', async () => {
    roleLog.release();
    if (slim && settings.executionRoleArn)
      deps.logger.warning(
        ownRoleNote(settings.executionRoleArn, settings.name, slim, partitionOf(clients.region)),
      );
    const input = { ...made, layers, role, artifact, maskValues };
    const result = await deployWithLayers(settings, plan, pkg, session, input, query);
    marked.functionArn ??= result.functionArn || undefined;
    // The report says the /tmp that is set, which may be the owner's rather than slim's.
    return { ...result, ephemeralStorageMb: functionStorage(pkg, current).ephemeralStorageMb };
  });
}

/**
 * deployFunction with the layers made for it. A prune running meanwhile may
 * delete the dependencies layer's version this deploy reused, between its
 * lookup and CreateFunction / UpdateFunctionConfiguration, which Lambda then
 * refuses: the layer is published again, once, and the function deployed
 * with the new version (read again: the refused attempt may have changed it).
 * A second refusal fails the deploy as any error does.
 */
async function deployWithLayers(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  session: AwsSession,
  made: Parameters<typeof functionInput>[3],
  query: StageFunctionQuery,
): Promise<FunctionResult> {
  const { clients, awsDeps } = session;
  // The index again: a function this role may not read is told apart from one a parallel run made.
  const deploy = (layers: string[], known?: StageFunction) =>
    deployFunction(
      clients.lambda,
      {
        ...functionInput(settings, plan, pkg, { ...made, layers }),
        indexedTags: query.indexedTags,
        stageBranch: query.stageBranch,
      },
      awsDeps,
      known,
    );
  const reused = pkg.dependencies ? made.layers[0] : undefined;
  try {
    return await deploy(made.layers, made.current);
  } catch (error) {
    if (!reused || !isMissingLayerVersion(error, reused)) throw error;
    awsDeps.logger.warning(
      `The dependencies layer version ${reused} no longer exists (a prune deleted it while this deploy ` +
        'used it): publishing the layer again, once.',
    );
    const layers = await dependenciesLayer(settings, pkg, session, true);
    return deploy(layers, await readStageFunction(clients.lambda, query, awsDeps));
  }
}
