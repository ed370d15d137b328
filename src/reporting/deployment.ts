/**
 * GitHub Deployments, one environment per project and stage, so the
 * pull request and the repository's Environments panel link to the URL.
 *
 * Naming: environment `{project}/{stage}` (e.g. `shop/pr-12`, `shop/main`):
 * one repository can hold several projects without their stages colliding,
 * and the panel groups a project's stages together.
 * - pull request stages (`pr-{n}`) are transient: GitHub marks them gone when
 *   they are superseded or undeployed;
 * - protected stages (`protected-stages`, by default main, master, prod,
 *   production) are production environments; everything else is not.
 */
import type { Logger } from '../util/logger.js';
import type { GitHubApi } from './github-api.js';

export function environmentName(project: string, stage: string): string {
  return `${project}/${stage}`;
}

export function isPullRequestStage(stage: string): boolean {
  return /^pr-\d+$/.test(stage);
}

export interface DeploymentTarget {
  project: string;
  stage: string;
  /** The commit deployed: the pull request's head sha on pull request events, else GITHUB_SHA. */
  ref: string;
  /** Stages that undeploy/prune refuse to remove; they are the production environments. */
  protectedStages?: readonly string[];
  /** Pull request stages by default. */
  transient?: boolean;
  /** This workflow run: the in_progress status links to its log. */
  runUrl?: string;
}

/** Pull request stages are transient, protected ones production. Pure. */
export function environmentKind(target: Pick<DeploymentTarget, 'stage' | 'protectedStages' | 'transient'>): {
  transient: boolean;
  production: boolean;
} {
  const transient = target.transient ?? isPullRequestStage(target.stage);
  const production = !transient && (target.protectedStages ?? []).includes(target.stage.toLowerCase());
  return { transient, production };
}

/** Creates the deployment and marks it in progress. Throws GitHubApiError. */
export async function startDeployment(
  api: GitHubApi,
  target: DeploymentTarget,
  deps: { logger: Logger; onCreated?: (id: number) => void },
): Promise<number> {
  const environment = environmentName(target.project, target.stage);
  const { transient, production } = environmentKind(target);
  const { id } = await api.createDeployment({
    ref: target.ref,
    environment,
    description: `lambda-deploy ${target.project} to ${target.stage}`,
    transientEnvironment: transient,
    productionEnvironment: production,
  });
  // Kept before anything else can happen to the run: a job cancelled from now on leaves it to end.
  deps.onCreated?.(id);
  await api.createDeploymentStatus(id, {
    state: 'in_progress',
    logUrl: target.runUrl || undefined,
    description: 'Deploying',
  });
  deps.logger.debug(`Created GitHub deployment ${id} of ${environment}.`);
  return id;
}

export interface DeploymentResult {
  /** error: the deploy stopped with an exception before it had an outcome (packaging, pip...). */
  status: 'success' | 'failure' | 'error';
  /**
   * The stage's URL. A failure's too: the stage still answers there (the
   * previous version after a rollback, the failing one on a first deploy).
   */
  url?: string;
  /** This workflow run (failure, and a link for success too). */
  runUrl?: string;
  /** One line; GitHub keeps 140 characters. */
  description?: string;
}

/**
 * The final status: log_url points at the run; environment_url at the stage
 * whenever it has a URL, failure or not, so "View deployment" opens what it
 * serves. Throws GitHubApiError.
 */
export async function finishDeployment(
  api: GitHubApi,
  deploymentId: number,
  result: DeploymentResult,
): Promise<void> {
  await api.createDeploymentStatus(deploymentId, {
    state: result.status,
    environmentUrl: result.url || undefined,
    logUrl: result.runUrl || undefined,
    description: result.description,
  });
}

/**
 * The deployments of an environment that we created: our description, and (when the token's
 * login can be read) that login as creator. The login alone is not enough: every step of the
 * workflow that deploys with github.token has it. Another tool's deployments of an environment
 * of the same name are never ours. Newest first.
 */
async function ourDeployments(api: GitHubApi, environment: string) {
  const [listed, self] = await Promise.all([
    api.listDeployments(environment),
    api.viewerLogin().catch(() => undefined),
  ]);
  return listed
    .filter(
      (d) =>
        (d.description ?? '').startsWith('lambda-deploy ') && (!self || !d.creator || d.creator === self),
    )
    .sort((a, b) => b.id - a.id);
}

/**
 * After undeploy: every deployment of the environment that we created becomes inactive
 * (created by the token's login; when that cannot be read, those with our description).
 * Another tool's deployments of an environment of the same name stay. Only those not inactive
 * yet get a status: superseded ones (ours, or GitHub's auto_inactive) already are, and a
 * long-lived stage has hundreds, each write counting against GitHub's secondary rate limit on
 * content creation (reads do not). Returns how many it marked. Throws GitHubApiError.
 */
export async function deactivateEnvironment(
  api: GitHubApi,
  environment: string,
  deps: { logger: Logger },
): Promise<number> {
  let count = 0;
  for (const d of await ourDeployments(api, environment)) {
    if ((await api.latestDeploymentState(d.id)) === 'inactive') continue;
    await api.createDeploymentStatus(d.id, { state: 'inactive', description: 'Stage removed' });
    count++;
  }
  deps.logger.debug(`Marked ${count} deployment(s) of ${environment} inactive.`);
  return count;
}

/**
 * After a success: our earlier deployments of the environment that ended in success become
 * inactive, so only the one serving shows active. GitHub does this itself (auto_inactive) only for
 * environments neither transient nor production, so the caller asks for those two kinds only. A
 * failed deployment keeps its state (it is history, not a live one); another tool's are never
 * touched. Walks newest first and stops at the first inactive one: everything before it was made
 * inactive by the run (or undeploy) that did that. Returns how many. Throws GitHubApiError.
 */
export async function deactivateSuperseded(
  api: GitHubApi,
  environment: string,
  current: number,
  deps: { logger: Logger },
): Promise<number> {
  let count = 0;
  for (const d of await ourDeployments(api, environment)) {
    if (d.id >= current) continue;
    const state = await api.latestDeploymentState(d.id);
    if (state === 'inactive') break;
    if (state !== 'success') continue;
    await api.createDeploymentStatus(d.id, {
      state: 'inactive',
      description: 'Superseded by a newer deploy',
    });
    count++;
  }
  deps.logger.debug(`Marked ${count} earlier deployment(s) of ${environment} inactive.`);
  return count;
}
