import { tagValue } from './stage-name.js';

/** The tags every resource of a stage carries; undeploy and prune trust nothing else. */
export const TagKeys = {
  Name: 'lambda-deploy:name',
  Stage: 'lambda-deploy:stage',
  Repository: 'lambda-deploy:repository',
  Ref: 'lambda-deploy:ref',
} as const;

/**
 * Set on a stage's function while a deploy runs (value: when it started, ISO
 * 8601), removed when it ends: prune leaves such a stage alone.
 */
export const DEPLOYING_TAG = 'lambda-deploy:deploying';

/**
 * Set on a stage's function by every deploy that reaches it (value: when the
 * deploy started, ISO 8601), kept after it ends: an unchanged redeploy
 * changes no LastModified, and preview-ttl judges by the last deploy.
 */
export const DEPLOYED_TAG = 'lambda-deploy:deployed';

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

/**
 * The tags that say whose a resource is: the project, the stage and the
 * repository together. Two repositories may use the same `name` in one
 * account; a name match alone never makes a resource ours. (The ref changes
 * from deploy to deploy and says nothing about ownership.)
 */
export const OWNER_TAG_KEYS = [TagKeys.Name, TagKeys.Stage, TagKeys.Repository] as const;

/** GitHub treats owner/repo case-insensitively; the other tags compare exactly. */
function sameValue(key: string, have: string, want: string): boolean {
  return key === TagKeys.Repository ? have.toLowerCase() === want.toLowerCase() : have === want;
}

/**
 * Why a resource's tags do not make it the stage's (`expected` is the stage's
 * tags, see stageTags), or undefined when they do. Worded to follow "name
 * matches but ...".
 */
export function ownerMismatch(
  tags: Record<string, string> | undefined,
  expected: Record<string, string>,
): string | undefined {
  const ours = Object.keys(tags ?? {}).filter((k) => k.startsWith('lambda-deploy:'));
  if (!tags || ours.length === 0) return 'has no lambda-deploy tags';
  for (const key of OWNER_TAG_KEYS) {
    const have = tags[key];
    const want = expected[key] ?? '';
    if (have === undefined) return `has no ${key} tag`;
    if (!sameValue(key, have, want)) return `tag ${key} is '${have}'`;
  }
  return undefined;
}

/** The three owner tags of a stage, for ownerMismatch. */
export function ownerTags(owner: {
  project: string;
  stage: string;
  repository: string;
}): Record<string, string> {
  return {
    [TagKeys.Name]: tagValue(owner.project),
    [TagKeys.Stage]: tagValue(owner.stage),
    [TagKeys.Repository]: tagValue(owner.repository),
  };
}

/** True only when project, stage and repository tags all match the stage's: a name match alone never counts. */
export function tagsMatchStage(
  tags: Record<string, string> | undefined,
  expected: Record<string, string>,
): boolean {
  return ownerMismatch(tags, expected) === undefined;
}

/** True when the project and repository tags match (any stage): for prune and status. */
export function tagsMatchProject(
  tags: Record<string, string> | undefined,
  project: string,
  repository: string,
): boolean {
  if (!tags) return false;
  const have = tags[TagKeys.Repository];
  return (
    tags[TagKeys.Name] === tagValue(project) &&
    typeof tags[TagKeys.Stage] === 'string' &&
    have !== undefined &&
    sameValue(TagKeys.Repository, have, tagValue(repository))
  );
}
