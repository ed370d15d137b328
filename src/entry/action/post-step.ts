import * as core from '@actions/core';
import { createGitHubApi } from '../../reporting/github-api.js';
import { errorMessage } from '../../util/retry.js';
import { readActionSettings } from './action-inputs.js';
import { readGitHubContext } from './runner-context.js';

/** What the main step keeps for its post step (GITHUB_STATE; STATE_* in the post step). */
export const PostState = {
  /** Set by the main step: the next run of dist/index.js in this job is the post step. */
  IsPost: 'isPost',
  /** The GitHub Deployment the deploy started and has not ended yet ('' once ended). */
  DeploymentId: 'deploymentId',
} as const;

/** The main step: marks the post step, and keeps the started Deployment for it. */
export function keepForPostStep(): (deploymentId: number | undefined) => void {
  core.saveState(PostState.IsPost, 'true');
  return (id) => core.saveState(PostState.DeploymentId, id === undefined ? '' : String(id));
}

export function isPostStep(): boolean {
  return core.getState(PostState.IsPost) === 'true';
}

/** Said on a Deployment a cancelled job left in progress (GitHub keeps 140 characters). */
export const STOPPED_DESCRIPTION =
  'The deploy stopped before it finished (job cancelled or runner lost): the stage serves this version or the one before.';

/**
 * The post step (action.yml `post`), run at the end of the job, also after a
 * cancelled main step: a Deployment the deploy started and never ended would
 * show "in progress" for good, so it ends in `error`. Never fails the job.
 */
export async function runPostStep(): Promise<void> {
  const id = Number(core.getState(PostState.DeploymentId));
  if (!Number.isSafeInteger(id) || id <= 0) return;
  try {
    const settings = readActionSettings();
    const ctx = readGitHubContext();
    const api = createGitHubApi({
      token: settings.githubToken,
      apiUrl: ctx.apiUrl,
      repository: ctx.repository,
    });
    await api.createDeploymentStatus(id, {
      state: 'error',
      description: STOPPED_DESCRIPTION,
      ...(ctx.runUrl ? { logUrl: ctx.runUrl } : {}),
    });
    core.info(`GitHub Deployment ${id}: the deploy did not finish; its status is now error.`);
  } catch (error) {
    core.warning(
      `GitHub Deployment ${id} was left in progress by a deploy that did not finish, and could not be ended: ${errorMessage(error)}`,
    );
  }
}
