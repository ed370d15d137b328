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

/** The time a DEPLOYING_TAG or DEPLOYED_TAG holds; undefined when unreadable. */
export function tagTime(text: string | undefined): Date | undefined {
  const date = text ? new Date(text) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

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

/**
 * Why this stage may not use a resource of its name that lambda-deploy tagged
 * for another project or repository (`resource`: "Function shop-api-main"),
 * or undefined when both tags are ours or the resource has no project tag (a
 * stage of ours, or one lambda-deploy did not make: the caller's business).
 * Project names can share resource names, `{name}-{stage}` with a hyphen in
 * either: `shop`'s stage `api-main` and `shop-api`'s stage `main` are both
 * `shop-api-main`, and a pull request of `shop` may make it before `shop-api`
 * deploys main. The message names the holder and how to free the name.
 */
export function otherOwnerRefusal(
  resource: string,
  tags: Record<string, string>,
  expected: Record<string, string>,
): string | undefined {
  const theirs = tags[TagKeys.Name];
  if (theirs === undefined) return undefined;
  const stage = tags[TagKeys.Stage] ?? '?';
  const repository = tags[TagKeys.Repository] ?? '';
  const ours = expected[TagKeys.Name] ?? '?';
  if (theirs !== ours)
    return (
      `${resource} belongs to lambda-deploy project ${theirs} (stage ${stage}, repository ${repository || '(none)'}), not ${ours}; ` +
      "lambda-deploy never changes another project's resources. " +
      sharedNameAdvice(ours, expected[TagKeys.Stage] ?? '?', theirs, stage)
    );
  const want = expected[TagKeys.Repository] ?? '';
  if (sameValue(TagKeys.Repository, repository, want)) return undefined;
  return (
    `${resource} is stage ${stage} of repository ${repository || '(none)'}, not of ` +
    `${want || 'this run (whose repository is unknown: set GITHUB_REPOSITORY=owner/repo)'} (tag ${TagKeys.Repository}); ` +
    "lambda-deploy never changes another repository's stage. Choose another name for this project."
  );
}

/**
 * What frees a name two projects' stages share. `{a}-…` names are more
 * `a-b`'s than `a`'s: `a`'s stage `b-main` gives way (another stage), while
 * `a-b`'s stage `main` may have `a`'s removed (by `a`'s production role).
 */
function sharedNameAdvice(ours: string, ourStage: string, theirs: string, theirStage: string): string {
  if (theirs.startsWith(`${ours}-`))
    return `Project ${theirs}'s names start with ${theirs}-, as this project's stages ${theirs.slice(ours.length + 1)}-… do: choose another stage than ${ourStage}.`;
  if (ours.startsWith(`${theirs}-`))
    return (
      `Its stage ${theirStage} took the name of this project's stage ${ourStage} (names starting ${ours}- are this project's): ` +
      `have that stage removed ("npx github:org/lambda-deploy undeploy --name ${theirs} --stage ${theirStage}", with ${theirs}'s production role) and deploy again, or choose another name or stage.`
    );
  return 'Choose another name or stage.';
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
