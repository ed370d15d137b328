/**
 * Whose a stage derived from a branch name is. Two branches can come out as one
 * stage: `Feature/Login` had to change to fit, so it got a hash
 * (`feature-login-1ce27709`), and a branch can be named exactly that. The
 * stage's function names the ref it was last deployed for (tag
 * lambda-deploy:ref): a deploy refuses, and a branch's undeploy keeps, a stage
 * whose function names another ref. Pure.
 */
import { tagValue } from './stage-name.js';

/**
 * The ref in a stage's lambda-deploy:ref tag when it is not `branch`, else
 * undefined: the branch's own, or unknown (no tag or an empty one: deployed
 * before the tag, or with a stage input outside git). Exact, as git compares
 * branch names: `Main` and `main` are two branches. The branch's name is
 * cleaned and cut as its own deploy's tag was.
 */
export function otherRefOfStage(refTag: string | undefined, branch: string): string | undefined {
  if (!refTag || refTag === tagValue(branch)) return undefined;
  return refTag;
}

/** A ref tag as a sentence names it: `pull request #7`, `branch 'Feature/Login'`, `'refs/tags/v1'`. */
export function describeRef(ref: string): string {
  const pull = /^pull\/(\d+)$/.exec(ref);
  if (pull) return `pull request #${pull[1]}`;
  return ref.startsWith('refs/') ? `'${ref}'` : `branch '${ref}'`;
}
