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

/** Creates the deployment and marks it in progress. Throws GitHubApiError. */
export async function startDeployment(
  api: GitHubApi,
  target: DeploymentTarget,
  deps: { logger: Logger },
): Promise<number> {
  const environment = environmentName(target.project, target.stage);
  const transient = target.transient ?? isPullRequestStage(target.stage);
  const production = !transient && (target.protectedStages ?? []).includes(target.stage.toLowerCase());
  const { id } = await api.createDeployment({
    ref: target.ref,
    environment,
    description: `lambda-deploy ${target.project} to ${target.stage}`,
    transientEnvironment: transient,
    productionEnvironment: production,
  });
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
  /** The stage's URL (success). */
  url?: string;
  /** This workflow run (failure, and a link for success too). */
  runUrl?: string;
  /** One line; GitHub keeps 140 characters. */
  description?: string;
}

/** success with environment_url, or failure/error with log_url pointing at the run. Throws GitHubApiError. */
export async function finishDeployment(
  api: GitHubApi,
  deploymentId: number,
  result: DeploymentResult,
): Promise<void> {
  await api.createDeploymentStatus(deploymentId, {
    state: result.status,
    environmentUrl: result.status === 'success' && result.url ? result.url : undefined,
    logUrl: result.runUrl || undefined,
    description: result.description,
  });
}

/**
 * After undeploy: every deployment of the environment that we created becomes inactive
 * (created by the token's login; when that cannot be read, those with our description).
 * Another tool's deployments of an environment of the same name stay. Returns how many.
 * Throws GitHubApiError.
 */
export async function deactivateEnvironment(
  api: GitHubApi,
  environment: string,
  deps: { logger: Logger },
): Promise<number> {
  const [listed, self] = await Promise.all([
    api.listDeployments(environment),
    api.viewerLogin().catch(() => undefined),
  ]);
  const deployments = listed.filter((d) =>
    self && d.creator ? d.creator === self : (d.description ?? '').startsWith('lambda-deploy '),
  );
  for (const d of deployments) {
    await api.createDeploymentStatus(d.id, { state: 'inactive', description: 'Stage removed' });
  }
  deps.logger.debug(`Marked ${deployments.length} deployment(s) of ${environment} inactive.`);
  return deployments.length;
}
