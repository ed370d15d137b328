/** One Allow statement for the grants with no condition, so the preview role's policy fits IAM's size limit. */
import type { PolicyStatement } from '../model/policy-document.js';

export const UNCONDITIONAL = 'Unconditional';

/**
 * Folds the Allow statements named (no Condition) into the Unconditional one: one statement instead of
 * several keeps the preview role's policy under IAM's size limit with 14 protected stages. It grants
 * nothing more: IAM checks an action only on its own service's resources, and no service's actions
 * meet another statement's resources of the same service (checked here, so a later edit cannot
 * make a cross product within one service: ListBucket on the artifacts, TagRole on the boundary).
 */
export function unconditionalGrants(
  statements: PolicyStatement[],
  sids: readonly string[],
): PolicyStatement[] {
  const into = statements.find((s) => s.Sid === UNCONDITIONAL)!;
  const folded = statements.filter((s) => s.Sid !== undefined && sids.includes(s.Sid));
  const services = (s: PolicyStatement) => new Set([s.Action ?? []].flat().map((a) => a.split(':')[0]));
  const seen = services(into);
  for (const s of folded) {
    const own = services(s);
    if (
      s.Effect !== 'Allow' ||
      s.Condition ||
      s.NotAction ||
      s.NotResource ||
      [...own].some((x) => seen.has(x))
    )
      throw new Error(`Statement ${s.Sid} cannot join ${UNCONDITIONAL}: it would grant more than it did.`);
    own.forEach((x) => seen.add(x));
    into.Action = [[into.Action ?? []].flat(), [s.Action ?? []].flat()].flat();
    into.Resource = [[into.Resource ?? []].flat(), [s.Resource ?? []].flat()].flat();
  }
  return statements.filter((s) => !folded.includes(s));
}
