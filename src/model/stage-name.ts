import { createHash } from 'node:crypto';

/** Longest stage we make: leaves room for the project name in a 64-character function name. */
export const MAX_STAGE_LENGTH = 40;
/** Lambda's limit on a function name. */
export const MAX_FUNCTION_NAME_LENGTH = 64;

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}

/**
 * What an invalid stage name becomes when cleaned as a branch's name is
 * (`Feature_X` -> `feature-x`), cut to the longest stage; undefined when
 * nothing is left. Unlike branchStage, no hash: a name to suggest, which
 * may be another stage's.
 */
export function cleanedStage(text: string): string | undefined {
  return slugOf(text).slice(0, MAX_STAGE_LENGTH).replace(/-+$/, '') || undefined;
}

/**
 * The stage of a branch: lower-case `[a-z0-9-]`, at most 40 characters.
 * A branch whose name had to change to fit (case, slashes, dots, unicode,
 * length), or that would look like a pull-request stage, gets a hash of its
 * original name, so `feature/Login` and `feature-login` never share a stage.
 */
export function branchStage(branch: string): string {
  const slug = slugOf(branch);
  const fits = slug === branch && slug.length <= MAX_STAGE_LENGTH && !/^pr-\d+$/.test(slug);
  if (fits) return slug;
  return `${hashedStageStart(branch)}-${shortHash(branch)}`;
}

/** Lower-case `[a-z0-9-]` with no outer hyphens: how a branch's name becomes its stage, before any hash. */
function slugOf(branch: string): string {
  return branch
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * What comes before the hash in the stage of a branch whose name had to
 * change: the same for the name as its tag value holds it (cleaned, cut),
 * which no longer gives the hash.
 */
export function hashedStageStart(branch: string): string {
  return (
    slugOf(branch)
      .slice(0, MAX_STAGE_LENGTH - 9)
      .replace(/-+$/, '') || 'b'
  );
}

/** The stage of pull request `number`. */
export function pullRequestStage(number: number): string {
  return `pr-${number}`;
}

/** `{name}-{stage}`, shortened with a hash of the whole when past Lambda's 64 characters. */
export function functionName(project: string, stage: string): string {
  const full = `${project}-${stage}`;
  if (full.length <= MAX_FUNCTION_NAME_LENGTH) return full;
  return `${full.slice(0, MAX_FUNCTION_NAME_LENGTH - 9).replace(/-+$/, '')}-${shortHash(full)}`;
}

/**
 * A value AWS accepts in a tag: letters, digits, spaces and `_ . : / = + - @`,
 * at most 256 characters. Anything else becomes `-`.
 */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{N}\p{Zs}_.:/=+\-@]/gu, '-').slice(0, MAX_TAG_VALUE_LENGTH);
}

/** AWS's limit on a tag value. */
export const MAX_TAG_VALUE_LENGTH = 256;
