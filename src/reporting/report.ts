/**
 * Tells GitHub what a deploy or an undeploy did: the sticky pull request
 * comment and the Deployment statuses. A missing permission or a GitHub
 * outage is a warning: the deploy itself has already happened.
 */
import type { GitHubContext } from '../model/github-context.js';
import type { UndeployOutcome } from '../model/outcome.js';
import type { Logger } from '../util/logger.js';
import type { Sleep } from '../util/sleep.js';
import { errorMessage } from '../util/retry.js';
import {
  deactivateEnvironment,
  deactivateSuperseded,
  environmentKind,
  environmentName,
  finishDeployment,
  startDeployment,
} from './deployment.js';
import { createGitHubApi, isPermissionError, type GitHubApi } from './github-api.js';
import {
  commentMarker,
  renderDeployComment,
  renderUndeployComment,
  upsertStickyComment,
  type StickyResult,
} from './pr-comment.js';
import { cutText, redact } from '../util/redact.js';
import { renderFailureSummary } from './failure-summary.js';
import {
  MAX_MESSAGE_CHARS,
  renderDeploySummary,
  renderUndeploySummary,
  type RenderOptions as Render,
} from './summary.js';
import { type DeployReport } from '../model/outcome.js';
import { missingReportDescription, renderMissingReport, type MissingReport } from './missing-report.js';

export interface ReportOptions {
  ctx: GitHubContext;
  /** github-token; with neither token nor api nothing is posted. */
  token?: string;
  /** The pull request number on pull request events; no comment without it. */
  pullRequest?: number;
  comment: boolean;
  deployment: boolean;
  /** Injected in tests; built from token and ctx.apiUrl otherwise. */
  api?: GitHubApi;
  /** protected-stages: these are production environments. */
  protectedStages?: readonly string[];
  /** Values that must not appear in what is posted (API key...); the token is added. */
  secrets?: readonly (string | undefined)[];
  /** From startDeployment at the start of the run; created here when absent. */
  deploymentId?: number;
  /** Put the function's (redacted) logs in the PR comment; false: the summary only (public-comment-logs). */
  commentLogs?: boolean;
  /** Waits between retried GitHub calls (tests: a recording sleep). */
  sleep?: Sleep;
}

export interface ReportResult {
  /** The job summary Markdown (main.ts writes it). */
  markdown: string;
  comment?: StickyResult;
  deploymentId?: number;
  /** Inactive deployments after an undeploy. */
  deactivated?: number;
  /** The warnings logged (permission missing, GitHub failing). */
  warnings: string[];
}

type Deps = { logger: Logger };

const COMMENT_PERMISSION = 'pull-requests: write';
const DEPLOYMENT_PERMISSION = 'deployments: write';

/** The pull request's head, not the merge commit GITHUB_SHA points at, so the Deployment shows on the PR's commit. */
export function deploymentRef(ctx: GitHubContext, fallbackSha: string): string {
  const pr = ctx.payload.pull_request as { head?: { sha?: unknown } } | undefined;
  const head = pr?.head?.sha;
  return typeof head === 'string' && head ? head : fallbackSha || ctx.sha;
}

function apiFor(options: ReportOptions, deps: Deps): GitHubApi | undefined {
  if (options.api) return options.api;
  if (!options.token || !options.ctx.repository) return undefined;
  deps.logger.mask(options.token);
  return createGitHubApi({
    token: options.token,
    apiUrl: options.ctx.apiUrl,
    repository: options.ctx.repository,
    logger: deps.logger,
    sleep: options.sleep,
  });
}

/** What both reports start from: the secrets to hide, the render options, the summary. */
function startReport(options: ReportOptions, summary: (render: Render) => string) {
  const secrets = [...(options.secrets ?? []), options.token];
  const render: Render = { secrets, runUrl: options.ctx.runUrl || undefined };
  const result: ReportResult = { markdown: summary(render), warnings: [] };
  const wantsComment = options.comment && options.pullRequest !== undefined;
  return { secrets, render, result, wantsComment };
}

/** Runs one GitHub step; a failure becomes a warning naming the permission when that is the cause. */
async function attempt<T>(
  what: string,
  permission: string,
  warnings: string[],
  deps: Deps,
  secrets: readonly (string | undefined)[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    const detail = redact(errorMessage(error), secrets);
    const message = isPermissionError(error)
      ? `Could not ${what}: the token lacks \`${permission}\` (add \`permissions: ${permission}\` to the job; pull requests from forks get a read-only token). ${detail}`
      : `Could not ${what}: ${detail}`;
    deps.logger.warning(message);
    warnings.push(message);
    return undefined;
  }
}

/** The stage's sticky comment on the pull request, or a warning (attempt): never throws. */
function postComment(
  api: GitHubApi,
  comment: { pullRequest: number; project: string; stage: string; body: string; create?: boolean },
  result: { warnings: string[] },
  deps: Deps,
  secrets: readonly (string | undefined)[],
  what = 'post the pull request comment',
) {
  return attempt(what, COMMENT_PERMISSION, result.warnings, deps, secrets, () =>
    upsertStickyComment(api, comment, deps),
  );
}

/** A step on the GitHub Deployment, or a warning naming deployments: write (attempt): never throws. */
function recordDeployment<T>(
  result: { warnings: string[] },
  deps: Deps,
  secrets: readonly (string | undefined)[],
  fn: () => Promise<T>,
): Promise<T | undefined> {
  return attempt('record the GitHub Deployment', DEPLOYMENT_PERMISSION, result.warnings, deps, secrets, fn);
}

export async function reportDeploy(
  outcome: DeployReport,
  options: ReportOptions,
  deps: Deps,
): Promise<ReportResult> {
  // The commit the reports name is the one the Deployment is on: a pull request's head, which the
  // reader pushed and finds in the pull request, not the merge commit GITHUB_SHA points at.
  const shown: DeployReport = { ...outcome, sha: deploymentRef(options.ctx, outcome.sha) };
  const { secrets, render, result, wantsComment } = startReport(options, (r) =>
    renderDeploySummary(shown, r),
  );
  if (!wantsComment && !options.deployment) return result;
  const api = apiFor(options, deps);
  if (!api) {
    deps.logger.debug('No github-token or repository: no pull request comment and no GitHub Deployment.');
    return result;
  }

  if (wantsComment) {
    const body = renderDeployComment(shown, { ...render, omitLogs: options.commentLogs === false });
    const { project, stage } = outcome;
    const pullRequest = options.pullRequest as number;
    result.comment = await postComment(api, { pullRequest, project, stage, body }, result, deps, secrets);
  }

  if (options.deployment) {
    result.deploymentId = await recordDeployment(result, deps, secrets, async () => {
      const id =
        options.deploymentId ??
        (await startDeployment(
          api,
          {
            project: outcome.project,
            stage: outcome.stage,
            ref: deploymentRef(options.ctx, outcome.sha),
            protectedStages: options.protectedStages,
            runUrl: options.ctx.runUrl,
          },
          deps,
        ));
      await finishDeployment(api, id, {
        status: outcome.status,
        url: outcome.url,
        runUrl: options.ctx.runUrl,
        description: statusDescription(outcome, secrets),
      });
      return id;
    });
  }
  if (outcome.status === 'success' && result.deploymentId !== undefined)
    await supersede(api, outcome, result.deploymentId, options, {
      ...deps,
      warnings: result.warnings,
      secrets,
    });
  return result;
}

/** The final status's one line. */
function statusDescription(outcome: DeployReport, secrets: readonly (string | undefined)[]): string {
  if (outcome.status === 'success') return `Version ${outcome.version} is live`;
  return redact(
    outcome.rolledBack
      ? `Failed; rolled back to version ${outcome.version}`
      : `Failed: ${outcome.error ?? outcome.smoke.detail}`,
    secrets,
  );
}

/** Our earlier successes of a pull request or production environment go inactive: GitHub leaves those. */
async function supersede(
  api: GitHubApi,
  outcome: Pick<DeployReport, 'project' | 'stage'>,
  current: number,
  options: ReportOptions,
  deps: Deps & { warnings: string[]; secrets: readonly (string | undefined)[] },
): Promise<void> {
  const kind = environmentKind({ stage: outcome.stage, protectedStages: options.protectedStages });
  if (!kind.transient && !kind.production) return;
  const environment = environmentName(outcome.project, outcome.stage);
  await attempt(
    'mark earlier GitHub Deployments inactive',
    DEPLOYMENT_PERMISSION,
    deps.warnings,
    deps,
    deps.secrets,
    () => deactivateSuperseded(api, environment, current, deps),
  );
}

/**
 * command: report without the deploy's report (GitHub dropped the output): the comment and the
 * Deployment's final status say what did arrive, checked (the job's result, its URL), and point at
 * the run's log for the rest. Never throws.
 */
export async function reportMissing(
  missing: MissingReport,
  target: DeployTarget,
  options: ReportOptions,
  deps: Deps,
): Promise<ReportResult> {
  const { secrets, result, wantsComment } = startReport(options, () =>
    renderMissingReport(missing, { ...target, runUrl: options.ctx.runUrl }),
  );
  const wantsStatus = options.deployment && options.deploymentId !== undefined;
  const api = wantsComment || wantsStatus ? apiFor(options, deps) : undefined;
  if (!api) return result;
  if (wantsComment) {
    const body = `${commentMarker(target.project, target.stage)}\n\n${result.markdown}`;
    const comment = { ...target, pullRequest: options.pullRequest as number, body };
    result.comment = await postComment(api, comment, result, deps, secrets);
  }
  if (wantsStatus) {
    const id = options.deploymentId as number;
    result.deploymentId = await recordDeployment(result, deps, secrets, async () => {
      await finishDeployment(api, id, {
        status: missing.result,
        url: missing.url,
        runUrl: options.ctx.runUrl,
        description: missingReportDescription(missing),
      });
      return id;
    });
  }
  if (missing.result === 'success' && result.deploymentId !== undefined)
    await supersede(api, target, result.deploymentId, options, {
      ...deps,
      warnings: result.warnings,
      secrets,
    });
  return result;
}

/** What a deploy is of, before it has an outcome. */
export interface DeployTarget {
  project: string;
  stage: string;
  /** GITHUB_SHA (a pull request's head is read from ctx). */
  sha: string;
}

/**
 * At the start of a deploy: the Deployment, in progress with the run as its log, so GitHub shows
 * the deploy running. Gives the options for the end: the id to finish, or `deployment: false` when
 * the token may not write Deployments (warned once, not again at the end). Never throws.
 */
export async function reportDeployStart(
  target: DeployTarget,
  options: ReportOptions,
  deps: Deps & { onCreated?: (id: number) => void },
): Promise<Pick<ReportOptions, 'deployment' | 'deploymentId'>> {
  const api = options.deployment ? apiFor(options, deps) : undefined;
  if (!api) return { deployment: options.deployment };
  const secrets = [...(options.secrets ?? []), options.token];
  let refused = false;
  const id = await attempt('record the GitHub Deployment', DEPLOYMENT_PERMISSION, [], deps, secrets, () =>
    startDeployment(
      api,
      {
        ...target,
        ref: deploymentRef(options.ctx, target.sha),
        protectedStages: options.protectedStages,
        runUrl: options.ctx.runUrl,
      },
      deps,
    ).catch((error: unknown) => {
      refused = isPermissionError(error);
      throw error;
    }),
  );
  // Another failure (GitHub down) is tried again at the end, which creates the Deployment then.
  return { deployment: !refused, deploymentId: id };
}

/**
 * A deploy that threw before it had an outcome (a packaging error, pip failing, no credentials):
 * the pull request comment says so, and the Deployment started for it ends in `error` rather than
 * staying in progress. The job summary is the caller's (main.ts writes it for every failure).
 * `steps`: where it failed, the log's groups. Never throws.
 */
export async function reportDeployError(
  error: unknown,
  failed: DeployTarget & { steps?: string[] },
  options: ReportOptions,
  deps: Deps,
): Promise<ReportResult> {
  const secrets = [...(options.secrets ?? []), options.token];
  const message = cutText(redact(errorMessage(error), secrets), MAX_MESSAGE_CHARS, secrets);
  const steps = failed.steps?.length ? failed.steps : [];
  const markdown = renderFailureSummary(
    {
      project: failed.project,
      command: 'deploy',
      stage: failed.stage,
      steps: steps.length ? steps : ['Deploy'],
      inGroup: steps.length > 0,
      runUrl: options.ctx.runUrl || undefined,
      error: message,
    },
    secrets.filter((v): v is string => Boolean(v)),
  );
  const result: ReportResult = { markdown, warnings: [] };
  const wantsComment = options.comment && options.pullRequest !== undefined;
  const wantsStatus = options.deployment && options.deploymentId !== undefined;
  const api = wantsComment || wantsStatus ? apiFor(options, deps) : undefined;
  if (!api) return result;
  if (wantsComment) {
    const { project, stage } = failed;
    const pullRequest = options.pullRequest as number;
    result.comment = await postComment(
      api,
      { pullRequest, project, stage, body: markdown },
      result,
      deps,
      secrets,
    );
  }
  if (wantsStatus) {
    const id = options.deploymentId as number;
    result.deploymentId = await recordDeployment(result, deps, secrets, async () => {
      const description = redact(`Failed: ${message}`.replace(/\s+/g, ' '), secrets);
      await finishDeployment(api, id, { status: 'error', runUrl: options.ctx.runUrl, description });
      return id;
    });
  }
  return result;
}

export async function reportUndeploy(
  outcome: UndeployOutcome,
  options: ReportOptions,
  deps: Deps,
): Promise<ReportResult> {
  const { secrets, render, result, wantsComment } = startReport(options, (r) =>
    renderUndeploySummary(outcome, r),
  );
  // A dry run removed nothing: the environment stays active.
  const wantsDeployment = options.deployment && !outcome.dryRun;
  if (!wantsComment && !wantsDeployment) return result;
  const api = apiFor(options, deps);
  if (!api) {
    deps.logger.debug(
      'No github-token or repository: no pull request comment and no GitHub Deployment update.',
    );
    return result;
  }
  if (wantsComment) {
    const comment = {
      pullRequest: options.pullRequest as number,
      project: outcome.project,
      stage: outcome.stage,
      body: renderUndeployComment(outcome, render),
      // A stage that was never there (closed before its first deploy) is news only to a comment we wrote.
      create: outcome.removed.length > 0 || outcome.skipped.length > 0,
    };
    const what = 'update the pull request comment';
    result.comment = await postComment(api, comment, result, deps, secrets, what);
  }
  if (wantsDeployment) {
    result.deactivated = await attempt(
      'mark the GitHub Deployment inactive',
      DEPLOYMENT_PERMISSION,
      result.warnings,
      deps,
      secrets,
      () => deactivateEnvironment(api, environmentName(outcome.project, outcome.stage), deps),
    );
  }
  return result;
}
