import { tagValue } from './stage-name.js';

/** The tags every resource of a stage carries; undeploy and prune trust nothing else. */
export const TagKeys = {
  Name: 'lambda-deploy:name',
  Stage: 'lambda-deploy:stage',
  Repository: 'lambda-deploy:repository',
  Ref: 'lambda-deploy:ref',
} as const;

export interface StageIdentity {
  /** Project name (the `name` input). */
  project: string;
  stage: string;
  /** owner/repo, or '' outside GitHub. */
  repository: string;
  /** Branch name or `pull/{number}`. */
  ref: string;
}

export function stageTags(id: StageIdentity): Record<string, string> {
  return {
    [TagKeys.Name]: tagValue(id.project),
    [TagKeys.Stage]: tagValue(id.stage),
    [TagKeys.Repository]: tagValue(id.repository),
    [TagKeys.Ref]: tagValue(id.ref),
  };
}

/** True only when both the project and the stage tags match: a name match alone never counts. */
export function tagsMatchStage(
  tags: Record<string, string> | undefined,
  project: string,
  stage: string,
): boolean {
  return tags?.[TagKeys.Name] === tagValue(project) && tags?.[TagKeys.Stage] === tagValue(stage);
}

/** True when the project tag matches (any stage): for prune and status. */
export function tagsMatchProject(tags: Record<string, string> | undefined, project: string): boolean {
  return tags?.[TagKeys.Name] === tagValue(project) && typeof tags?.[TagKeys.Stage] === 'string';
}
