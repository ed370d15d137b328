/**
 * Whose a stage derived from a branch name is. Two branches can come out as one
 * stage: `Feature/Login` had to change to fit, so it got a hash
 * (`feature-login-1ce27709`), and a branch can be named exactly that. The
 * stage's function names the ref it was last deployed for (tag
 * lambda-deploy:ref): a deploy refuses, and a branch's undeploy keeps, a stage
 * whose function names another ref. Pure.
 */
import { branchStage, hashedStageStart, MAX_TAG_VALUE_LENGTH, tagValue } from './stage-name.js';

/**
 * The ref in stage `stage`'s lambda-deploy:ref tag when it is another branch
 * whose own name comes out as this stage, else undefined. Exact, as git
 * compares branch names: `Main` and `main` are two branches. The branch's
 * name is cleaned and cut as its own deploy's tag was; a tag that had to be
 * cleaned or cut claims the hashed stages its name's start gives. Not a claim: no tag or
 * an empty one (deployed before the tag), and a ref whose stage is another
 * (a pull request, a git tag or a branch deployed here through a stage input,
 * which shares a stage on purpose: a rollback of production from a tag must
 * not stop the branch's next push).
 */
export function otherRefOfStage(
  refTag: string | undefined,
  branch: string,
  stage: string | undefined,
): string | undefined {
  if (!refTag || refTag === tagValue(branch)) return undefined;
  if (branchStage(refTag) === stage) return refTag;
  return stage !== undefined && mayBeCleaned(refTag) && isHashedStageOf(stage, refTag) ? refTag : undefined;
}

/**
 * A tag value that may not be the name it was made from: a character AWS
 * refuses became `-` (`fix/#12` is held as `fix/-12`), or the name was cut.
 * Its stage's hash was of the name, which the tag no longer gives.
 */
function mayBeCleaned(refTag: string): boolean {
  return refTag.includes('-') || refTag.length >= MAX_TAG_VALUE_LENGTH;
}

/** `stage` is a hashed stage with the start `name`'s stage would have (the hash itself unchecked). */
function isHashedStageOf(stage: string, name: string): boolean {
  const start = `${hashedStageStart(name)}-`;
  return stage.startsWith(start) && /^[0-9a-f]{8}$/.test(stage.slice(start.length));
}

/**
 * What follows "tag lambda-deploy:ref" where the claim on `stage` came from the
 * name's start (see mayBeCleaned): the tag is no branch's exact name, and
 * whoever looks for that branch must not take the stage for an orphan. Else ''.
 */
export function cleanedRefNote(ref: string, stage: string): string {
  return branchStage(ref) === stage
    ? ''
    : ', which holds that name cleaned or cut as AWS requires: a character a tag may not hold became -';
}

/** A ref tag as a sentence names it: `pull request #7`, `branch 'Feature/Login'`, `'refs/tags/v1'`. */
export function describeRef(ref: string): string {
  const pull = /^pull\/(\d+)$/.exec(ref);
  if (pull) return `pull request #${pull[1]}`;
  return ref.startsWith('refs/') ? `'${ref}'` : `branch '${ref}'`;
}
