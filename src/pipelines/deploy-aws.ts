import { defaultBucketName, publishArtifact } from '../resources/artifacts/artifact-bucket.js';
import { publishSlimArchive } from '../resources/artifacts/slim-artifact.js';
import { ensureDependenciesLayer, isMissingLayerVersion } from '../resources/layers/dependencies-layer.js';
import { layersUnzippedBytes } from '../resources/layers/layer-size.js';
import { PackageTooLargeError } from '../packaging/build-package-types.js';
import { installsRequirements } from '../packaging/python-requirements.js';
import { checkPackageSize, formatBytes } from '../packaging/size-check.js';
import { ensureKeepWarm, type KeepWarmResult } from '../resources/warm-up/keep-warm.js';
import {
  ensureProvisionedConcurrency,
  provisionedTag,
  removeOwnProvisionedConcurrency,
} from '../resources/warm-up/provisioned-concurrency.js';
import {
  ensureExecutionRole,
  partitionOf,
  readExecutionRole,
  type ExecutionRoleInput,
  type ExecutionRoleResult,
} from '../resources/execution-role/execution-role.js';
import { isProtectedStage } from './undeploy.js';
import { boundaryPolicyName } from '../resources/execution-role/execution-policy.js';
import { deployFunction, type FunctionResult } from '../resources/function/lambda-function.js';
import { clearDeploying, markDeploying } from '../resources/function/deploying-mark.js';
import {
  indexedFunctionTags,
  readStageFunction,
  type StageFunction,
} from '../resources/function/stage-function-read.js';
import { versionEnvironmentValues } from '../resources/function/function-versions.js';
import { apiKeyValueCommand } from '../model/api-key.js';
import { LIVE_ALIAS } from '../model/live-alias.js';
import { isAccessDenied } from '../aws/aws-call.js';
import { codeNeedsUpdate, strayLogGroup } from '../resources/function/function-config.js';
import { gate, start, together, type Gate } from '../aws/together.js';
import { HeldLogger } from '../util/held-logger.js';
import { keepMasked, type Logger } from '../util/logger.js';
import type { GitHubContext } from '../model/github-context.js';
import { checkFrontDoor, ensureGateway } from '../resources/front-door/gateway.js';
import { readPermissions } from '../resources/front-door/lambda-permission.js';
import { foreignStatements } from '../resources/front-door/resource-policy.js';
import {
  GATEWAY_TAG,
  oldFrontDoorKinds,
  removeOldFrontDoors,
} from '../resources/front-door/old-front-door.js';
import { type GatewayResult } from '../resources/front-door/gateway-types.js';
import { gatewayTimeoutWarning } from '../resources/front-door/gateway-timeout.js';
import type { PackageResult } from '../packaging/build-package-types.js';
import type { Plan } from '../model/plan.js';
import type { DeployReport } from '../model/outcome.js';
import { importFailureIn, importFix } from '../failure-hints/import-hints.js';
import { importHintContext } from '../failure-hints/import-hint-context.js';
import { blockedRuntimeFix, blockedRuntimeIn } from '../failure-hints/runtime-hints.js';
import { secretValues } from '../settings/secret-values.js';
import { setupOptionsFor } from '../model/setup-command.js';
import type { Settings } from '../model/settings.js';
import { Inputs } from '../settings/names.js';
import { LAMBDA_RUNTIME_SCHEDULE } from '../settings/runtime-schedule.js';
import { isPythonRuntime, RUNTIMES } from '../settings/settings.js';
import { inputName, type Surface } from '../settings/surface.js';
import { defaultLogGroup, fetchFunctionLogs, logGroupArn } from '../resources/logs/function-logs.js';
import { ensureFunctionLogGroup, type LogGroupInput } from '../resources/logs/stage-logs.js';
import { indexedTags } from '../resources/stage/indexed-tags.js';
import { rollbackAlias } from '../resources/function/rollback.js';
import { invokeSmokeTest, runSmokeTest } from '../smoke/smoke-test.js';
import { errorMessage } from '../util/retry.js';
import { realSleep } from '../util/sleep.js';
import { openAwsSession, stageContext, type AwsSession } from './aws-session.js';
import type { SmokeResult } from '../model/outcome.js';
import type { StageContext } from '../model/stage-context.js';
import { packageFacts, packageStep } from './package-pipeline.js';
import type { PipelineDeps } from './pipeline-deps.js';
import {
  ownRoleNote,
  slimEphemeralStorage,
  slimFunctionEnvironment,
  slimOutcome,
  slimTarget,
  type SlimTarget,
} from './slim-deploy.js';

const LOG_WINDOW_MARGIN_MS = 30_000;

/** Set on the function: whether this stage has a keep-warm rule ('on' / 'off'). */
const KEEP_WARM_TAG = 'lambda-deploy:keep-warm';

function functionTags(settings: Settings, stageTags: Record<string, string>): Record<string, string> {
  return {
    ...stageTags,
    [KEEP_WARM_TAG]: settings.keepWarm ? 'on' : 'off',
    [GATEWAY_TAG]: settings.gateway,
    ...provisionedTag(settings.provisionedConcurrency),
  };
}

function skippedSmoke(detail: string): SmokeResult {
  return { status: 'skipped', target: '', attempts: 0, detail, durationMs: 0 };
}

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

/** The deploy's error; where AWS refused the runtime itself (whatever our schedule says), which input to change and to what. */
function recordFailure(error: unknown, report: DeployReport, surface: Surface = 'action'): string {
  report.error = errorMessage(error);
  const blocked = blockedRuntimeIn(error);
  if (blocked)
    report.hint = blockedRuntimeFix(
      inputName(surface, Inputs.Runtime),
      blocked,
      LAMBDA_RUNTIME_SCHEDULE,
      RUNTIMES,
    );
  return report.error;
}

/**
 * A function that failed its smoke test because an import failed (Python: a
 * requirement not listed, or not installed for Lambda's platform; Node.js: a
 * package the build did not put in the zip): what to do, read from Lambda's
 * answer or the function's lines, added to the error.
 */
function addImportHint(settings: Settings, report: DeployReport, surface?: Surface): void {
  if (report.smoke.status !== 'failed' || !report.error) return;
  const failure = importFailureIn(`${report.smoke.detail}\n${report.logs ?? ''}`);
  const family = isPythonRuntime(settings.runtime) ? 'python' : 'node';
  const hint = failure
    ? importFix(family, failure, importHintContext(settings, 'lambda', surface))
    : undefined;
  if (hint) report.hint = hint;
}

/** Where a slim package's dependencies archive goes for this stage (its kind: production or preview). */
function stageSlimTarget(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  accountId: string,
  region: string,
): SlimTarget | undefined {
  if (!pkg.slim) return undefined;
  return slimTarget(pkg.slim, {
    project: settings.name,
    bucket: settings.s3Bucket,
    accountId,
    region,
    protectedStage: isProtectedStage(plan.stage, settings.protectedStages),
  });
}

/**
 * The plan with the signed-in account (its names are in the outputs), having
 * masked what that account makes a secret: run-pipeline masked before sign-in,
 * taking the account a role ARN names as public (see secretValues); signed in
 * to another, a value equal to that one is in no output, and the steps after
 * this take every value of the settings as masked already.
 */
function signedInNames(
  settings: Settings,
  plan: Plan,
  accountId: string,
  logger: Logger,
): Plan & { accountId: string } {
  const named = { ...plan, accountId };
  const maskedBefore = new Set(secretValues(settings, plan));
  for (const value of secretValues(settings, named)) if (!maskedBefore.has(value)) logger.mask(value);
  return named;
}

/**
 * The values of variables set outside the workflow (a key pasted in the
 * console): masked from here on unless they are already (`secrets` holds
 * what was masked), and redacted with the input's from the deploy's smoke
 * answers and logs (`hidden`).
 */
function hideFunctionValues(
  values: string[],
  lists: { hidden: string[]; secrets: readonly string[] },
  logger: Logger,
): void {
  for (const value of values) {
    if (lists.hidden.includes(value)) continue;
    if (!lists.secrets.includes(value)) logger.mask(value);
    lists.hidden.push(value);
  }
}

/**
 * Hides the environment values of the versions other than this deploy's that
 * served the stage in the log window: the one `live` pointed at before (and
 * goes back to on a rollback), and one another run moved it to. They may be
 * older than $LATEST's, all that environmentBefore knows: a key rotated in a
 * deploy that was rolled back is new in $LATEST and old in the version `live`
 * went back to. Returns why the logs stay out when a version's values could
 * not be read (its lines may show them).
 */
async function hideServedVersionValues(
  settings: Settings,
  fn: FunctionResult,
  report: DeployReport,
  session: AwsSession,
  lists: { hidden: string[]; secrets: string[] },
): Promise<string | undefined> {
  const { logger } = session.awsDeps;
  const served = new Set([fn.previousVersion, report.version].filter((v) => v && v !== fn.version));
  for (const version of served) {
    try {
      const values = await versionEnvironmentValues(
        session.clients.lambda,
        report.functionName,
        version,
        session.awsDeps,
      );
      hideFunctionValues(
        secretValues(settings, { ...report, accountId: session.accountId }, values),
        lists,
        logger,
      );
    } catch (error) {
      return (
        `The function's logs are left out: version ${version} served the stage during this deploy, and its ` +
        `environment values, which its log lines may show, could not be read to hide them (${errorMessage(error).replace(/\.$/, '')}). ` +
        `Read the logs in CloudWatch Logs (/aws/lambda/${report.functionName}).`
      );
    }
  }
  return undefined;
}

/** Once the stage passed its smoke test: the old front door goes, and what may be a preview's is named. */
async function afterSmokePassed(
  settings: Settings,
  plan: Plan,
  fn: FunctionResult,
  session: AwsSession,
): Promise<void> {
  await removeOldFrontDoor(settings, plan, fn, session);
  await warnForeignPermissions(settings, plan, fn, session);
}

/**
 * The first production deploy of a protected stage another role deployed (it
 * ran as another execution role: a preview's, before the stage was
 * protected) names the statements on `live` that lambda-deploy did not add:
 * a pull request's credentials could have let their own API, or another
 * account, invoke it. They stay (its owner may have added them), named once.
 */
async function warnForeignPermissions(
  settings: Settings,
  plan: Plan,
  fn: FunctionResult,
  session: AwsSession,
): Promise<void> {
  if (fn.roleBefore === undefined || !isProtectedStage(plan.stage, settings.protectedStages)) return;
  const { logger } = session.awsDeps;
  const aliasArn = fn.aliasArn || `${fn.functionArn}:${LIVE_ALIAS}`;
  try {
    const target = { functionName: plan.functionName, qualifier: LIVE_ALIAS, aliasArn, stage: plan.stage };
    const foreign = foreignStatements(await readPermissions(session.clients.lambda, target, session.awsDeps));
    if (!foreign.length) return;
    logger.warning(
      `Protected stage ${plan.stage} was deployed by another role before (its function ran as ${fn.roleBefore || 'no role'}), ` +
        `and ${aliasArn} carries permissions lambda-deploy did not add: ${foreign.join('; ')}. ` +
        `A pull request could have added them: remove the ones you do not know (aws lambda remove-permission --function-name ${plan.functionName} --qualifier ${LIVE_ALIAS} --statement-id ID).`,
    );
  } catch (error) {
    logger.warning(`Could not check the permissions on ${aliasArn}: ${errorMessage(error)}`);
  }
}

/**
 * The front door of the gateway kind the stage had before, once the new one
 * passed the smoke test (see old-front-door.ts). A failure is a warning: the
 * stage works, and undeploy removes every kind.
 */
async function removeOldFrontDoor(
  settings: Settings,
  plan: Plan,
  fn: FunctionResult,
  session: AwsSession,
): Promise<void> {
  // A protected stage whose configuration changed has every other kind looked for, whatever its tag
  // says: the first production deploy of a stage a preview deployed always changes it (the execution
  // role), and no preview may write to it since. Unchanged redeploys pay no extra round trip.
  const distrustTag = fn.configChanged && isProtectedStage(plan.stage, settings.protectedStages);
  const kinds = oldFrontDoorKinds(fn.previousTags, fn.created, settings.gateway, distrustTag);
  if (!kinds.length) return;
  // One the tag does not name was not a switch.
  const named = fn.previousTags[GATEWAY_TAG];
  const { logger } = session.awsDeps;
  const target = {
    project: settings.name,
    stage: plan.stage,
    repository: plan.repository,
    functionName: plan.functionName,
    includeLogs: false,
  };
  try {
    const removed = await removeOldFrontDoors(session.clients, kinds, target, session.awsDeps);
    const switched = removed.filter((r) => named === undefined || r.kind === named);
    const stray = removed.filter((r) => !switched.includes(r));
    if (switched.length) {
      const was = [...new Set(switched.map((r) => r.kind))].join(' and ');
      logger.info(
        `gateway is now ${settings.gateway}: removed the ${was} front door of stage ${plan.stage} (${switched.map((r) => r.label).join(', ')}).`,
      );
    }
    if (stray.length)
      logger.warning(
        `Removed a front door of protected stage ${plan.stage} that its deploys did not set up (gateway is ${settings.gateway}): ` +
          `${stray.map((r) => r.label).join(', ')}. It carried lambda-deploy's tags or statements, so it was made while the stage was not protected (by a preview's credentials, perhaps).`,
      );
  } catch (error) {
    logger.warning(
      `gateway is now ${settings.gateway}, but the ${kinds.join(' or ')} front door stage ${plan.stage} had could not be removed: ${errorMessage(error).replace(/\.$/, '')}. ` +
        `The stage works through its new front door; the old one goes with undeploy, or with the next deploy once the role may remove it.`,
    );
  }
}

/** The report before anything is deployed: a failure until the stage passes its smoke test. */
function initialReport(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  slim: SlimTarget | undefined,
): DeployReport {
  return {
    status: 'failure',
    project: settings.name,
    stage: plan.stage,
    functionName: plan.functionName,
    functionArn: '',
    version: '',
    previousVersion: '',
    url: '',
    ...packageFacts(pkg),
    changed: false,
    rolledBack: false,
    smoke: skippedSmoke('not reached'),
    sha: plan.sha,
    durationMs: 0,
    target: 'aws',
    ...(pkg.slim && slim ? { slim: slimOutcome(pkg.slim, slim) } : {}),
  };
}

/**
 * What the smoke test sends to the front door (the API key) and whether API
 * Gateway's own 403 may be a REST API change not served yet (pure).
 */
export function frontDoorSmoke(gateway: GatewayResult): { apiKey?: string; frontDoorChanged: boolean } {
  return { apiKey: gateway.apiKeyValue, frontDoorChanged: gateway.kind === 'rest-api' && gateway.changed };
}

/** The smoke test through the front door, or an invoke of `live` when there is none. */
function smokeTestStage(
  settings: Settings,
  plan: Plan,
  gateway: GatewayResult,
  session: AwsSession,
  hidden: string[],
  deps: PipelineDeps,
): Promise<SmokeResult> {
  const { logger } = deps;
  const sleep = deps.sleep ?? realSleep;
  return logger.group('Smoke test', async () => {
    if (!settings.smokeTest) {
      // gateway: none has no URL: the function itself went unchecked.
      logger.info(
        `Smoke test skipped (smoke-test: false): nothing checked that ${gateway.url || 'the function'} answers.`,
      );
      return skippedSmoke('smoke-test: false');
    }
    if (settings.gateway === 'none')
      return invokeSmokeTest(
        session.clients.lambda,
        plan.functionName,
        { logger, sleep, surface: deps.surface },
        {
          path: settings.smokePath,
          expectStatus: settings.smokeStatus,
          contains: settings.smokeContains,
          timeoutSeconds: settings.smokeTimeout,
          secrets: hidden,
        },
      );
    return runSmokeTest(
      {
        url: gateway.url,
        path: settings.smokePath,
        expectStatus: settings.smokeStatus,
        contains: settings.smokeContains,
        timeoutSeconds: settings.smokeTimeout,
        ...frontDoorSmoke(gateway),
        secrets: hidden,
      },
      { logger, sleep, surface: deps.surface },
    );
  });
}

/** A failed deploy's function logs, then the hint they or the smoke test give on a failed import. */
async function addFunctionLogs(...args: Parameters<typeof readFunctionLogs>): Promise<void> {
  await readFunctionLogs(...args);
  addImportHint(args[0], args[1], args[6].surface);
}

/**
 * A failed deploy's function logs since it started, secrets redacted, into the
 * report and the log; left out when the values of a version that served the
 * stage meanwhile could not be read (see hideServedVersionValues).
 */
async function readFunctionLogs(
  settings: Settings,
  report: DeployReport,
  fn: FunctionResult,
  started: number,
  session: AwsSession,
  lists: { hidden: string[]; secrets: string[] },
  deps: PipelineDeps,
): Promise<void> {
  const { logger } = deps;
  // The version this deploy made live, alone: the one serving meanwhile logs in the same group.
  // One live before the deploy (nothing changed) has streams older than the window: all lines.
  const version = fn.changed && fn.version ? fn.version : undefined;
  const unread = await hideServedVersionValues(settings, fn, report, session, lists);
  // Only `version`'s lines are read when there is one: the values of the others cannot show.
  if (unread && version) logger.debug(unread);
  else if (unread) {
    report.logsNote = unread;
    logger.warning(unread);
    return;
  }
  const logs = await fetchFunctionLogs(
    session.clients.logs,
    // A margin for clock skew between the runner and CloudWatch, so the first lines are not cut.
    {
      functionName: report.functionName,
      ...(fn.logGroup && {
        logGroupName: fn.logGroup,
        logGroupArn: logGroupArn(session.clients.region, session.accountId, fn.logGroup),
      }),
      startTime: started - LOG_WINDOW_MARGIN_MS,
      endTime: (deps.now ?? Date.now)(),
      ...(version && { version }),
    },
    {
      logger,
      sleep: deps.sleep ?? realSleep,
      excerpt: { secrets: [...lists.hidden, ...lists.secrets] },
      ...(deps.surface && { surface: deps.surface }),
    },
  );
  report.logs = logs.text;
  report.logsNote = logs.note;
  if (logs.text) await logger.group('Function logs', async () => logger.untrusted(logs.text));
  else if (logs.note) logger.info(logs.note);
}

/** AWS no longer creates functions with the runtime: a first deploy stops before it writes anything. */
function refuseBlockedCreate(settings: Settings, current: StageFunction): StageFunction {
  if (!current.existing && !current.unseen && settings.runtimeCreateRefusal)
    throw new Error(`Invalid input: ${settings.runtimeCreateRefusal}`);
  return current;
}

/** The lambda-deploy:deploying mark of this run: when it started, and the function once marked. */
interface DeployingMark {
  since: string;
  functionArn?: string;
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
  const upload = start(awsDeps, () => uploadArtifact(settings, pkg, session, uploadLog, mayWrite.promise));
  const roleLog = new HeldLogger(deps.logger);
  const executionRole = startExecutionRole(settings, plan, session, tags, roleLog);
  let current: StageFunction;
  // Before anything is uploaded or changed: a function that is not this stage's is refused.
  const indexedTags = indexedFunctionTags(clients.tagging, functionArn(context), awsDeps);
  const query = { functionName: plan.functionName, tags, adopt: settings.adopt, indexedTags };
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
 * The stage's log group, tagged for it (see ensureFunctionLogGroup), made
 * before CreateFunction (alongside the upload) so that Lambda logs into it
 * rather than making one without tags; nothing when the function logs to a
 * group of its owner's choosing (LoggingConfig). A function this role may not
 * read (`unseen`: a new preview stage's) may be someone else's: its group is
 * made only once CreateFunction made it ours, while Lambda makes it Active
 * (`whenCreated`), so before anything can invoke it and with no round trip of
 * its own; a CreateFunction that fails leaves no group. Its lines go to
 * `logger`: the execution role's, at the head of the Function group.
 */
function functionLogGroup(
  context: StageContext,
  session: AwsSession,
  current: StageFunction,
  logger: Logger,
): { before(): Promise<void>; whenCreated?: () => Promise<void> } {
  const name = defaultLogGroup(context.functionName);
  const own = current.existing?.config.LoggingConfig?.LogGroup;
  const ensure = async (whose: Pick<LogGroupInput, 'functionIsOurs' | 'functionExisted'>) => {
    // A stray group (another function's of the project) is left: the deploy sends the logs back here.
    if (own && own !== name && !strayLogGroup(own, context.functionName, context.project)) return;
    const arn = logGroupArn(context.region, session.accountId, name);
    const deps = { ...session.awsDeps, logger };
    const indexed = indexedTags(session.clients.tagging, `log group ${name}`, arn, deps);
    await ensureFunctionLogGroup(
      session.clients.logs,
      { name, arn, tags: context.tags, ...whose, indexedTags: indexed },
      deps,
    );
  };
  const existed = !!current.existing;
  if (current.unseen)
    return {
      before: async () => undefined,
      whenCreated: () => ensure({ functionIsOurs: true, functionExisted: false }),
    };
  return { before: () => ensure({ functionIsOurs: existed, functionExisted: existed }) };
}

/**
 * Masks the values of the function's variables the settings do not already
 * hide, as soon as the function is read (and read again): an error may quote
 * them before the deploy ends (Lambda's answer over 4 KB quotes every variable).
 */
function functionValuesMask(
  settings: Settings,
  /** The stage's names and account: a value equal to one is in an output, no secret. */
  stage: StageContext,
  logger: Logger,
  /** The function as read: its variables are masked at once. */
  existing: StageFunction['existing'],
): (values: readonly string[]) => void {
  const known = new Set(secretValues(settings, stage));
  const mask = (values: readonly string[]) => {
    for (const value of secretValues(settings, stage, values)) if (!known.has(value)) logger.mask(value);
  };
  mask(Object.values(existing?.config.Environment?.Variables ?? {}));
  return mask;
}

/** The stage's execution role, as ensureExecutionRole takes it: production or preview by the stage. */
function executionRoleInput(
  settings: Settings,
  plan: Plan,
  session: AwsSession,
  tags: Record<string, string>,
): ExecutionRoleInput {
  const { clients, accountId } = session;
  const partition = partitionOf(clients.region);
  return {
    project: settings.name,
    executionRoleArn: settings.executionRoleArn,
    accountId,
    region: clients.region,
    tags,
    policyStatements: settings.policyStatements,
    kind: isProtectedStage(plan.stage, settings.protectedStages) ? 'production' : 'preview',
    partition,
    permissionsBoundary: `arn:${partition}:iam::${accountId}:policy/${boundaryPolicyName(settings.name)}`,
    // The artifact bucket: the slim archives' read grant, as setup wrote it.
    bucket: settings.s3Bucket || defaultBucketName(accountId, clients.region),
    setup: setupOptionsFor(settings, plan.repository),
  };
}

/**
 * The stage's execution role, read alongside the function. `first()`: a role
 * not there yet is made (on a preview, refused) before anything else is
 * written, so a first deploy before setup (no permissions boundary, no preview
 * role) fails having made nothing, not even the bucket; a later deploy's role
 * is there, and is brought up to date alongside the upload as before.
 */
function startExecutionRole(
  settings: Settings,
  plan: Plan,
  session: AwsSession,
  tags: Record<string, string>,
  logger: Logger,
) {
  const { clients, awsDeps } = session;
  const deps = { ...awsDeps, logger };
  const input = executionRoleInput(settings, plan, session, tags);
  const read = start(awsDeps, () => readExecutionRole(clients.iam, input, deps));
  const ensure = async () =>
    ensureExecutionRole(
      clients.iam,
      input,
      deps,
      input.executionRoleArn ? undefined : { role: await read.result() },
    );
  let made: Promise<ExecutionRoleResult> | undefined;
  return {
    async first(): Promise<void> {
      if (input.executionRoleArn || (await read.result())) return;
      made = ensure();
      await made;
    },
    result: () => (made ??= ensure()),
    settled: () => read.settled(),
  };
}

/** ARN of the stage's function, as Lambda names it: known before the function is read. */
function functionArn(context: StageContext): string {
  const partition = partitionOf(context.region);
  return `arn:${partition}:lambda:${context.region}:${context.accountId}:function:${context.functionName}`;
}

/** The URL, and a warning when the front door gives up before the function's timeout. */
function announceFrontDoor(settings: Settings, gateway: GatewayResult, logger: Logger): void {
  if (gateway.url) logger.info(`URL: ${gateway.url}`);
  // Without the key that URL answers {"message":"Forbidden"}: say so next to it (the id only, never the value).
  if (gateway.url && gateway.apiKeyId)
    logger.info(
      `API key required: send its value as the x-api-key header (key ${gateway.apiKeyId}: ${apiKeyValueCommand(gateway.apiKeyId)}).`,
    );
  const tooLong = gatewayTimeoutWarning(settings.gateway, settings.timeout);
  if (tooLong) logger.warning(tooLong);
}

/** ARN of the stage's `live` alias. */
function liveAliasArn(context: StageContext): string {
  return `${functionArn(context)}:${LIVE_ALIAS}`;
}

/**
 * Starts the front door and keep-warm: they read now (sequential: they wait
 * until asked) and write once `deployed` settles. `checked`: what the front
 * door refuses, which deployCode waits for before it writes the function.
 * Their log lines are held and shown in their own place in the job log.
 */
function startAlongside(
  settings: Settings,
  context: StageContext,
  session: AwsSession,
  deps: PipelineDeps,
  pending: { changing: Promise<boolean>; deployed: Promise<FunctionResult> },
) {
  const { clients, awsDeps } = session;
  const aliasArn = liveAliasArn(context);
  const gatewayLog = new HeldLogger(deps.logger);
  const warmLog = new HeldLogger(deps.logger);
  const deployed = pending.deployed.then((fn) => ({ aliasArn: fn.aliasArn, changed: fn.changed }));
  // Awaited once the front door has read what it reads; a failed function is no unhandled rejection meanwhile.
  deployed.catch(() => undefined);
  const gatewayDeps = { logger: gatewayLog, sleep: awsDeps.sleep, sequential: awsDeps.sequential };
  // Read while the function is read: deployCode waits for it before it writes (see checkFrontDoor).
  const checked = start(awsDeps, () =>
    checkFrontDoor(settings.gateway, clients.lambda, { context, aliasArn }, gatewayDeps),
  );
  const gateway = start(awsDeps, async () =>
    ensureGateway(
      settings.gateway,
      clients,
      {
        context,
        aliasArn,
        throttleRate: settings.throttleRate,
        throttleBurst: settings.throttleBurst,
        apiKey: settings.apiKey,
        quota: settings.quota,
        invokeMode: settings.invokeMode,
        protectedStage: isProtectedStage(context.stage, settings.protectedStages),
        pending: { changing: pending.changing, deployed },
        // Refused before the function existed (the preview role reads one without tags so): the
        // front door reads it again once the function is deployed.
        checked: await checked.result().catch((error: unknown) => {
          if (isAccessDenied(error)) return undefined;
          throw error;
        }),
      },
      gatewayDeps,
    ),
  );
  const keepWarm = start(awsDeps, () =>
    ensureKeepWarm(
      clients,
      { context, schedule: settings.keepWarm, aliasArn, ready: pending.deployed },
      { ...awsDeps, logger: warmLog },
    ),
  );
  return {
    checked: () => checked.result(),
    gateway: async () => {
      gatewayLog.release();
      return gateway.result();
    },
    keepWarm: async () => {
      warmLog.release();
      return keepWarm.result();
    },
    settled: async () => {
      await Promise.all([checked.settled(), gateway.settled(), keepWarm.settled()]);
      gatewayLog.release();
      warmLog.release();
    },
  };
}

async function rollBack(
  settings: Settings,
  report: DeployReport,
  fn: FunctionResult,
  session: AwsSession,
  deps: PipelineDeps,
  failure?: string,
) {
  report.failedVersion = fn.version;
  if (!settings.rollback) {
    report.rollbackMessage = `rollback: false, so stage ${report.stage} keeps serving the failing version ${fn.version}.`;
  } else if (!fn.changed) {
    report.rollbackMessage = `Nothing changed in this deploy, so version ${fn.version} was already live before it: nothing to roll back.`;
  } else {
    const result = await rollbackAlias(
      session.clients.lambda,
      {
        functionName: report.functionName,
        previousVersion: fn.previousVersion,
        failedVersion: fn.version,
        ...(failure && { failure }),
      },
      session.awsDeps,
    );
    report.rollbackMessage = result.message;
    if (result.rolledBack) {
      report.rolledBack = true;
      report.version = fn.previousVersion;
    } else if (result.supersededBy) {
      report.version = result.supersededBy;
    }
  }
  // Said once: a rollback as a line where it happened; anything else (the stage serves the failing
  // version) in the step's failure, which carries it, and here only with debug.
  if (report.rolledBack) deps.logger.info(report.rollbackMessage);
  else deps.logger.debug(report.rollbackMessage);
}

/**
 * Lambda counts attached layers in the 250 MB unzipped limit: measured once
 * signed in, before anything is uploaded. A Python package that fits alone
 * but not with its layers is built again with them counted, so that `slim`
 * (auto or true) moves its requirements out of the zip, as it does for a
 * package too large alone; any other is refused.
 */
async function countLayers(
  settings: Settings,
  pkg: PackageResult,
  session: AwsSession,
  deps: PipelineDeps,
): Promise<PackageResult> {
  if (!settings.layers.length) return pkg;
  const sizes = await layersUnzippedBytes(session.clients.lambda, settings.layers, session.awsDeps);
  const check = checkPackageSize({
    ...(session.awsDeps.surface && { surface: session.awsDeps.surface }),
    unpackedBytes: pkg.unpackedBytes + (pkg.dependencies?.unpackedBytes ?? 0),
    layerBytes: sizes.totalBytes,
    files: pkg.largest,
  });
  session.awsDeps.logger.info(
    `Layers: ${formatBytes(sizes.totalBytes)} unzipped${sizes.exact ? '' : ' at least (from their zipped sizes)'}, counted in the 250 MB limit`,
  );
  if (!check.error) return pkg;
  const slimPossible = !pkg.slim && settings.slim !== 'false' && installsRequirements(settings);
  if (!slimPossible) throw new PackageTooLargeError(check.error);
  deps.logger.info(
    `The package and its layers together pass Lambda's 250 MB limit: building it again with the layers counted (slim: ${settings.slim}).`,
  );
  return packageStep(settings, deps, sizes.totalBytes);
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
  query: Parameters<typeof readStageFunction>[1],
): Promise<FunctionResult> {
  const { clients, awsDeps } = session;
  // The index again: a function this role may not read is told apart from one a parallel run made.
  const deploy = (layers: string[], known?: StageFunction) =>
    deployFunction(
      clients.lambda,
      { ...functionInput(settings, plan, pkg, { ...made, layers }), indexedTags: query.indexedTags },
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

/** With dependencies-layer: the requirements' layer, reused while its content key is unchanged (`publish`: published again). */
async function dependenciesLayer(
  settings: Settings,
  pkg: PackageResult,
  session: AwsSession,
  publish = false,
): Promise<string[]> {
  const layer = pkg.dependencies;
  if (!layer) return [];
  const { clients, accountId, awsDeps } = session;
  const uploaded = await publishArtifact(
    clients.s3,
    {
      bucket: settings.s3Bucket,
      region: clients.region,
      accountId,
      name: settings.name,
      zipPath: layer.zipPath,
      sha256Hex: layer.sha256Hex,
      codeSha256: layer.codeSha256,
    },
    awsDeps,
  );
  const result = await ensureDependenciesLayer(
    clients.lambda,
    {
      project: settings.name,
      runtime: settings.runtime,
      architecture: settings.architecture,
      key: layer.key,
      zipPath: layer.zipPath,
      codeSha256: layer.codeSha256,
      bucket: uploaded.bucket,
      s3Key: uploaded.key,
      publish,
    },
    awsDeps,
  );
  return [result.layerVersionArn];
}

/** keep-warm schedule and provisioned concurrency on `live`; returns notes for the summary (cost). */
async function warmStarts(
  settings: Settings,
  context: StageContext,
  fn: FunctionResult,
  session: AwsSession,
  warm: KeepWarmResult,
): Promise<string[]> {
  const { clients, awsDeps } = session;
  const notes: string[] = [];
  if (warm.action !== 'none' && warm.action !== 'unchanged')
    awsDeps.logger.info(`Keep-warm rule ${warm.ruleName}: ${warm.action}`);
  if (settings.keepWarm) notes.push(`Kept warm by ${warm.ruleName} (${settings.keepWarm}).`);
  if (settings.provisionedConcurrency !== undefined) {
    const pc = await ensureProvisionedConcurrency(
      clients.lambda,
      {
        functionName: context.functionName,
        count: settings.provisionedConcurrency,
        memoryMb: settings.memory,
        architecture: settings.architecture,
      },
      awsDeps,
    );
    if (pc.costNote) notes.push(pc.costNote);
  } else {
    const { functionArn, previousTags } = fn;
    await removeOwnProvisionedConcurrency(
      clients.lambda,
      { functionName: context.functionName, functionArn, previousTags },
      awsDeps,
    );
  }
  return notes;
}

/** The package to the artifact bucket (content-addressed), once `mayWrite` opens. */
function uploadArtifact(
  settings: Settings,
  pkg: PackageResult,
  session: AwsSession,
  logger: HeldLogger,
  mayWrite: Promise<void>,
) {
  const { clients, accountId, awsDeps } = session;
  return publishArtifact(
    clients.s3,
    {
      bucket: settings.s3Bucket,
      region: clients.region,
      accountId,
      name: settings.name,
      zipPath: pkg.zipPath,
      sha256Hex: pkg.sha256Hex,
      codeSha256: pkg.codeSha256,
    },
    { ...awsDeps, logger },
    mayWrite,
  );
}

/** The /tmp to set on the function and its tags, from the function as read before the deploy. */
function functionStorage(pkg: PackageResult, current: StageFunction) {
  const existing = current.existing;
  return slimEphemeralStorage(
    pkg.slim,
    existing && {
      variables: existing.config.Environment?.Variables,
      sizeMb: existing.config.EphemeralStorage?.Size,
      tags: existing.tags,
    },
  );
}

/** What the function is deployed with, once its role, layers and artifact are there. */
function functionInput(
  settings: Settings,
  plan: Plan,
  pkg: PackageResult,
  made: {
    slim: SlimTarget | undefined;
    accountId: string;
    current: StageFunction;
    layers: string[];
    role: { roleArn: string; created: boolean };
    artifact: { bucket: string; key: string };
    marked: DeployingMark;
    tags: Record<string, string>;
    maskValues: (values: readonly string[]) => void;
    whenCreated?: (() => Promise<void>) | undefined;
  },
): Parameters<typeof deployFunction>[1] {
  const storage = functionStorage(pkg, made.current);
  return {
    functionName: plan.functionName,
    runtime: settings.runtime,
    handler: pkg.handler,
    memory: settings.memory,
    timeout: settings.timeout,
    architecture: settings.architecture,
    environment: slimFunctionEnvironment(settings.environment, made.slim, made.accountId),
    ephemeralStorageMb: storage.ephemeralStorageMb,
    layers: [...made.layers, ...settings.layers],
    roleArn: made.role.roleArn,
    description: `lambda-deploy ${settings.name} stage ${plan.stage}`,
    tags: { ...made.tags, ...storage.tags },
    code: {
      bucket: made.artifact.bucket,
      key: made.artifact.key,
      codeSha256: pkg.codeSha256,
      zipPath: pkg.zipPath,
    },
    keepVersions: settings.keepVersions,
    protectedStage: isProtectedStage(plan.stage, settings.protectedStages),
    roleJustCreated: made.role.created,
    adopt: settings.adopt,
    deployingSince: made.marked.since,
    maskValues: made.maskValues,
    ...(made.whenCreated && { whenCreated: made.whenCreated }),
  };
}
