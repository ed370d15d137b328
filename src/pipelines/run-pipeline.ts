import {
  pruneDependencyLayers,
  pruneSlimArchivesLogged,
  pruneStages,
  releaseClaimedLogGroupsLogged,
} from './prune.js';
import { createGitHubApi } from '../reporting/github-api.js';
import { isProtectedStage } from '../model/protected-stages.js';
import { ProtectedStageError, undeployStage } from './undeploy.js';
import { isPrivateRepository, type GitHubContext } from '../model/github-context.js';
import { stageInputKept, type Plan } from '../model/plan.js';
import { protectedListSource } from '../model/protected-stages.js';
import {
  reportDeploy,
  reportDeployError,
  reportDeployStart,
  reportUndeploy,
  type ReportOptions,
} from '../reporting/report.js';
import { keepMasked } from '../util/logger.js';
import { errorMessage } from '../util/retry.js';
import { deployReportJson, errorReportJson } from '../reporting/report-json.js';
import { runReport } from './report-pipeline.js';
import { redact } from '../util/redact.js';
import { defaultBucketName } from '../resources/artifacts/artifact-bucket.js';
import {
  renderClaimedLogGroupsSummary,
  renderPruneSummary,
  renderSlimPruneSummary,
} from '../reporting/summary.js';
import { formatBytes } from '../packaging/size-check.js';
import { secretValues } from '../settings/secret-values.js';
import { setupCommandFor } from '../model/setup-command.js';
import { runtimeSettingWarnings } from '../settings/adapter-settings.js';
import { SettingsError } from '../settings/settings.js';
import { pullRequestLimits } from '../settings/pull-request-limits.js';
import { refuseCaseVariantApiKey } from '../settings/api-key-case.js';
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';
import { executionPolicySizeProblem } from '../resources/execution-role/execution-role.js';
import type { Settings } from '../model/settings.js';
import { realSleep } from '../util/sleep.js';
import { WAIT_SCALE_VARIABLE, waitScaleFrom } from '../util/wait-scale.js';
import { checkAwsPrerequisites, openAwsSession } from './aws-session.js';
import { deployToAws } from './aws-deploy/deploy-aws.js';
import { deployLocally, type LocalStage } from './local-deploy/deploy-local.js';
import { packageStep } from './package-pipeline.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { PipelineResult } from './pipeline-result.js';

export interface PipelineRun {
  result: PipelineResult;
  /** Job summary Markdown ('' for none). */
  markdown: string;
  /** Set when the step must fail: the message for setFailed. */
  failure?: string;
  /** `target: local` with keepLocalRunning: the running stage. */
  local?: LocalStage;
}

function reportOptions(
  settings: Settings,
  plan: Plan,
  ctx: GitHubContext,
  deps: PipelineDeps,
  secrets: string[] = [],
): ReportOptions {
  return {
    ctx,
    token: settings.githubToken,
    pullRequest: plan.pullRequest,
    comment: settings.comment,
    deployment: settings.deployment,
    api: deps.github,
    protectedStages: settings.protectedStages,
    secrets: [...secretValues(settings, plan), ...secrets],
    commentLogs: settings.publicCommentLogs || isPrivateRepository(ctx),
    sleep: deps.sleep,
  };
}

/** Runs what the plan says. Pipelines talk through deps.logger only, so the action and the CLI share them. */
export async function runPipeline(
  settings: Settings,
  plan: Plan,
  ctx: GitHubContext,
  given: PipelineDeps,
): Promise<PipelineRun> {
  // Read (and refused when malformed) before anything is done, and given to every wait.
  const deps: PipelineDeps = { ...given, waitScale: given.waitScale ?? waitScaleSetting(given.env) };
  const { logger } = deps;
  // Before anything is logged: environment values, the token, passwords in pip-args.
  for (const secret of secretValues(settings, plan)) logger.mask(secret);
  // Said, as a build step may have set it: the log then shows why waits check so often.
  if (given.waitScale === undefined && deps.waitScale !== undefined && deps.waitScale < 1)
    logger.info(
      `${WAIT_SCALE_VARIABLE} is ${deps.waitScale}: the pauses between the checks of a wait (a function becoming ready, smoke test attempts) are ${deps.waitScale} of the usual; every wait keeps its time limit.`,
    );
  const needsAws = settings.target === 'aws' && plan.command !== 'package' && plan.command !== 'skip';
  if (needsAws && plan.fromFork) {
    const reason =
      'This pull request comes from a fork: GitHub gives such runs no OIDC token and no secrets, so lambda-deploy cannot sign in to AWS. Skipped; a maintainer can deploy it from a branch of this repository.';
    logger.warning(reason);
    return { result: { kind: 'skip', reason }, markdown: `### lambda-deploy skipped\n\n${reason}\n` };
  }

  // dry-run is undeploy's and prune's: a deploy run with it is real, and the log says so before anything changes.
  if (settings.dryRun && plan.command === 'deploy')
    logger.warning(
      `dry-run: true applies to undeploy and prune (it lists what they would remove); this run deploys stage ${plan.stage} for real. To build the package without deploying, set command: package.`,
    );
  switch (plan.command) {
    case 'skip':
      if (plan.keptProtected) {
        logger.warning(`${plan.reason}.`);
        return {
          result: { kind: 'skip', reason: plan.reason },
          markdown: `### lambda-deploy: protected stage kept\n\n${plan.reason}.\n`,
        };
      }
      logger.info(`Nothing to do: ${plan.reason}.`);
      return { result: { kind: 'skip', reason: plan.reason }, markdown: '' };
    case 'package':
      return runPackage({ settings, plan, ctx, deps });
    case 'deploy':
      return runDeploy({ settings, plan, ctx, deps });
    case 'undeploy':
      return runUndeploy({ settings, plan, ctx, deps });
    case 'prune':
      return runPrune({ settings, plan, ctx, deps });
    case 'report':
      return runReport(settings, plan, reportOptions(settings, plan, ctx, deps), deps);
  }
}

/** LAMBDA_DEPLOY_WAIT_SCALE; a malformed one is refused input, as a bad input is (the CLI's exit 2). */
function waitScaleSetting(env: NodeJS.ProcessEnv): number {
  try {
    return waitScaleFrom(env);
  } catch (error) {
    throw new SettingsError([errorMessage(error)]);
  }
}

/** What one command works with. */
interface CommandRun {
  settings: Settings;
  plan: Plan;
  ctx: GitHubContext;
  deps: PipelineDeps;
}

async function runPackage({ settings, plan, deps }: CommandRun): Promise<PipelineRun> {
  const { logger } = deps;
  const pkg = await packageStep(settings, deps);
  // A path in a folder removed at the end would send the reader looking for nothing.
  const where = (path: string) => (deps.temporaryOutDir ? '' : `: ${path}`);
  logger.info(`Package ready${where(pkg.zipPath)} (code-sha256 ${pkg.codeSha256})`);
  let markdown = `### 📦 ${settings.name} package\n\n| | |\n|---|---|\n| Zipped | ${formatBytes(pkg.packageBytes)} |\n| Unzipped | ${formatBytes(pkg.unpackedBytes)} |\n| Files | ${pkg.fileCount} |\n| code-sha256 | \`${pkg.codeSha256}\` |\n`;
  if (pkg.slim) {
    logger.info(`Dependencies archive (slim)${where(pkg.slim.archivePath)} (sha256 ${pkg.slim.sha256Hex})`);
    markdown += `| Dependencies (slim) | ${formatBytes(pkg.slim.bytes)} archive, ${formatBytes(pkg.slim.unpackedBytes)} unpacked at cold start |\n| Cold start | ${pkg.slim.estimate.measured}; ${pkg.slim.estimate.atMemory} |\n`;
  }
  return { result: { kind: 'package', stage: plan.stage, pkg }, markdown };
}

async function runDeploy(asked: CommandRun): Promise<PipelineRun> {
  const { logger } = asked.deps;
  // Before anything is built or signed in: what the preview role may not do is no question for AWS.
  const limited =
    asked.settings.target === 'aws'
      ? pullRequestLimits(asked.settings, asked.ctx.eventName)
      : { settings: asked.settings, notices: [] };
  for (const notice of limited.notices) logger.info(notice);
  // A workflow's expression made the key: a terminal's --api-key is no expression.
  if (asked.settings.target === 'aws' && asked.deps.surface !== 'terminal')
    refuseCaseVariantApiKey(asked.settings, asked.plan);
  const run = { ...asked, settings: limited.settings };
  const { settings, plan, ctx, deps } = run;
  const uses = { app: Boolean(settings.app), keepWarm: Boolean(settings.keepWarm) };
  for (const warning of runtimeSettingWarnings(settings.environment, uses, deps.surface))
    logger.warning(warning);
  // The pull request hears how its code did on the runner; a loopback URL is no Deployment.
  const local = settings.target === 'local';
  const options = { ...reportOptions(settings, plan, ctx, deps), ...(local && { deployment: false }) };
  const target = { project: settings.name, stage: plan.stage, sha: plan.sha };
  // In progress from the start, so GitHub shows the deploy running and where its log is.
  Object.assign(options, await reportDeployStart(target, options, { logger, onCreated: deps.onDeployment }));
  // What the deploy masks (credentials, an API key) stays out of a failure's comment too.
  const masked: string[] = [];
  const tracked = { ...run, deps: { ...deps, logger: keepMasked(logger, masked) } };
  try {
    const done = await (local ? runLocalDeploy(tracked, options) : runAwsDeploy(tracked, options));
    deps.onDeployment?.(undefined);
    if (done.result.kind === 'deploy')
      deps.onReport?.(
        deployReportJson(done.result.outcome, {
          secrets: [...(options.secrets ?? []), options.token, ...masked],
          commentLogs: options.commentLogs !== false,
        }),
      );
    return done;
  } catch (error) {
    // A deploy that throws has no report of its own: the comment and the Deployment still say so.
    const secrets = [...(options.secrets ?? []), ...masked];
    await reportDeployError(
      error,
      { ...target, steps: deps.failedIn?.(error) },
      { ...options, secrets },
      { logger },
    );
    deps.onDeployment?.(undefined);
    const steps = deps.failedIn?.(error);
    deps.onReport?.(
      errorReportJson({ ...target, message: errorMessage(error), steps }, [...secrets, options.token]),
    );
    throw error;
  }
}

async function runLocalDeploy(
  { settings, plan, deps }: CommandRun,
  options: ReportOptions,
): Promise<PipelineRun> {
  const { report, stage } = await deployLocally(settings, plan, deps);
  const { markdown } = await reportDeploy(report, options, { logger: deps.logger });
  return {
    result: { kind: 'deploy', outcome: report },
    markdown,
    failure: failureMessage(report, options.secrets),
    local: stage,
  };
}

async function runAwsDeploy(
  { settings, plan, ctx, deps }: CommandRun,
  started: ReportOptions,
): Promise<PipelineRun> {
  // Refused before building and signing in: a preview run never writes IAM.
  if (
    settings.policyStatements &&
    !settings.executionRoleArn &&
    !isProtectedStage(plan.stage, settings.protectedStages)
  )
    throw new PreviewPolicyStatementsError(
      plan.stage,
      settings.protectedStages,
      setupCommandFor(settings, plan.repository, `${inputName('terminal', Inputs.PolicyStatements)} FILE`),
      deps.surface,
    );
  // IAM refuses an oversized policy only when it is written, after the upload.
  if (settings.policyStatements && !settings.executionRoleArn && settings.awsRegion) {
    const tooLarge = executionPolicySizeProblem({
      project: settings.name,
      policyStatements: settings.policyStatements,
      region: settings.awsRegion,
      bucket: settings.s3Bucket,
    });
    if (tooLarge) throw new SettingsError([tooLarge]);
  }
  // The region and a source of credentials, before minutes of packaging.
  await checkAwsPrerequisites(settings, plan, deps);
  const { report, secrets } = await deployToAws(settings, plan, ctx, deps);
  const options = { ...started, secrets: [...(started.secrets ?? []), ...secrets] };
  const { markdown } = await reportDeploy(report, options, { logger: deps.logger });
  return {
    result: { kind: 'deploy', outcome: report },
    markdown,
    failure: failureMessage(report, options.secrets),
  };
}

async function runUndeploy({ settings, plan, ctx, deps }: CommandRun): Promise<PipelineRun> {
  const { logger } = deps;
  if (settings.target === 'local')
    throw new Error(
      'target: "local" stages stop with the run; expected command deploy or package with target local.',
    );
  // Refused before signing in: a protected stage is never a question for AWS.
  if (isProtectedStage(plan.stage, settings.protectedStages))
    throw new ProtectedStageError(plan.stage, settings.protectedStages, deps.surface);
  const session = await logger.group('Sign in to AWS', () => openAwsSession(settings, plan, ctx, deps));
  const outcome = await undeployStage(
    session.clients,
    {
      project: settings.name,
      repository: plan.repository,
      stage: plan.stage,
      functionName: plan.functionName,
      removeLogs: settings.removeLogs,
      dryRun: settings.dryRun,
      protectedStages: settings.protectedStages,
      onlyIfDeployedFor: plan.onlyIfDeployedFor?.ref,
      stageBranch: plan.stageBranch,
    },
    session.awsDeps,
  );
  // Another branch's stage under this one's name: kept, and said where the run is looked at.
  if (outcome.keptForOtherRef) {
    const reason = outcome.keptForOtherRef;
    logger.warning(reason);
    return {
      result: { kind: 'skip', reason },
      markdown: `### lambda-deploy: stage kept\n\n${reason}\n`,
    };
  }
  if (outcome.notDeployedFor && plan.onlyIfDeployedFor) {
    const reason = stageInputKept(
      plan.reason,
      plan.onlyIfDeployedFor.eventStage,
      plan.stage,
      outcome.notDeployedFor,
    );
    logger.info(`Nothing to do: ${reason}.`);
    return { result: { kind: 'skip', reason }, markdown: '' };
  }
  const { markdown } = await reportUndeploy(outcome, reportOptions(settings, plan, ctx, deps), {
    logger,
  });
  return { result: { kind: 'undeploy', outcome }, markdown };
}

async function runPrune({ settings, plan, ctx, deps }: CommandRun): Promise<PipelineRun> {
  const { logger } = deps;
  const sleep = deps.sleep ?? realSleep;
  if (settings.target === 'local')
    throw new Error('target: "local" has nothing to prune; expected target aws.');
  const session = await logger.group('Sign in to AWS', () => openAwsSession(settings, plan, ctx, deps));
  // The same client the reports use (tests give a recorder).
  const github =
    deps.github ??
    createGitHubApi({
      apiUrl: ctx.apiUrl,
      repository: ctx.repository,
      token: settings.githubToken,
      logger,
      sleep,
    });
  const lines = await pruneStages(
    session.clients,
    github,
    {
      project: settings.name,
      repository: plan.repository,
      protectedStages: settings.protectedStages,
      previewTtl: settings.previewTtl,
      dryRun: settings.dryRun,
      removeLogs: settings.removeLogs,
      now: new Date((deps.now ?? Date.now)()),
    },
    session.awsDeps,
  );
  const claimed = await releaseClaimedLogGroupsLogged(
    session.clients,
    { project: settings.name, dryRun: settings.dryRun },
    session.awsDeps,
  );
  if (settings.dependenciesLayer) {
    const pruned = await pruneDependencyLayers(
      session.clients,
      settings.name,
      settings.dryRun,
      session.awsDeps,
      new Date((deps.now ?? Date.now)()),
    );
    if (pruned.length)
      logger.info(
        `${settings.dryRun ? 'Would delete' : 'Deleted'} unused dependency layer versions: ${pruned.join(', ')}`,
      );
  }
  const slim = await pruneSlimArchivesLogged(
    session.clients,
    {
      project: settings.name,
      bucket: settings.s3Bucket || defaultBucketName(session.accountId, session.clients.region),
      accountId: session.accountId,
      dryRun: settings.dryRun,
      now: new Date((deps.now ?? Date.now)()),
    },
    session.awsDeps,
  );
  const failed = lines.filter((l) => l.action === 'failed');
  return {
    result: { kind: 'prune', lines, dryRun: settings.dryRun },
    markdown:
      renderPruneSummary(settings.name, lines) +
      renderClaimedLogGroupsSummary(claimed, settings.dryRun) +
      renderSlimPruneSummary(slim, settings.dryRun),
    failure: failed.length
      ? `Prune could not remove ${failed.map((l) => l.stage).join(', ')}: see the summary.`
      : undefined,
  };
}

/** `policy-statements` on a stage that is not protected: where those statements belong instead. */
export class PreviewPolicyStatementsError extends Error {
  constructor(
    stage: string,
    protectedStages: readonly string[],
    /** The setup command with `--policy-statements FILE` (see setupCommandFor). */
    setup: string,
    surface: Surface = 'action',
  ) {
    super(
      surface === 'terminal'
        ? terminalPreviewStatements(stage, protectedStages, setup)
        : `policy-statements: stage "${stage}" is a preview, not listed in protected-stages (${protectedListSource(protectedStages)}), and a preview run never changes IAM: ` +
            `no job that can run pull-request code may write an execution role. ` +
            `Put the statements in ${setup} (run once with administrator credentials; it writes the production execution role and its boundary, and --preview-policy-statements the previews'), ` +
            `or set policy-statements only on the production deploy, whose role may change its execution role under the permissions boundary setup made.`,
    );
    this.name = 'PreviewPolicyStatementsError';
  }
}

/** The CLI's deploy has no --protected-stages: a protected stage is one of the default list, chosen with --stage. */
function terminalPreviewStatements(stage: string, protectedStages: readonly string[], setup: string): string {
  const flag = inputName('terminal', Inputs.PolicyStatements);
  const example = protectedStages[0] ? ` (${inputName('terminal', Inputs.Stage)} ${protectedStages[0]})` : '';
  return (
    `${flag}: stage "${stage}" is a preview (not one of the protected stages: ${protectedStages.join(', ') || 'none'}), and a preview deploy never changes IAM. ` +
    `Put the statements in ${setup} (run once with administrator credentials; it writes the production execution role and its boundary, and --preview-policy-statements the previews'), ` +
    `or pass ${flag} only when deploying a protected stage${example}, whose role may change its execution role under the permissions boundary setup made.`
  );
}

/**
 * The step's failure message: setFailed prints it past the logger, so it is redacted here.
 * A rollback that went through was its own line already; one that did not (the stage
 * serves the failing version) belongs to the failure.
 */
function failureMessage(
  report: {
    status: string;
    error?: string;
    hint?: string;
    rollbackMessage?: string;
    rolledBack?: boolean;
    stage: string;
  },
  secrets: readonly (string | undefined)[] = [],
): string | undefined {
  if (report.status === 'success') return undefined;
  const cause = [
    report.error ?? `Deploy of stage ${report.stage} failed.`,
    report.rolledBack ? '' : report.rollbackMessage,
  ]
    .filter(Boolean)
    .join(' ');
  // The hint on a line of its own, as the summary's Fix line.
  return redact(report.hint ? `${cause}\nFix: ${report.hint}` : cause, secrets);
}
