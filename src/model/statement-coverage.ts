/**
 * Whether a permissions boundary lets an identity policy's statement take
 * effect: IAM allows a call only when both the role's policy and its
 * boundary allow it. Pure.
 *
 * Sound rather than complete: a statement is called covered only when each
 * of its actions and resources falls under one Allow statement of the
 * boundary (IAM's `*` and `?` patterns; action names ignore case, ARNs do
 * not) whose condition is absent or the very same, or when the boundary
 * holds the statement itself. NotAction, NotResource and differing
 * conditions are not reasoned about: such a statement is reported as not
 * covered, a warning at worst, never a gap left unsaid.
 */

type Json = Record<string, unknown>;

/** JSON with every object's keys sorted: two statements written with their keys in another order compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Json)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A policy element that may be one string or a list of them; undefined when it is anything else. */
function strings(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  return list.length > 0 && list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
}

/**
 * Whether the IAM pattern `outer` matches everything `inner` (itself a
 * pattern) matches: `*` spans anything, `?` one character that is not a
 * wildcard standing for more (`*`).
 */
export function patternCovers(outer: string, inner: string, ignoreCase: boolean): boolean {
  const source = [...outer]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '[^*]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(inner);
}

function allows(outer: Json, action: string, resource: string, condition: string): boolean {
  if (outer.Effect !== 'Allow') return false;
  if (outer.Condition !== undefined && canonicalJson(outer.Condition) !== condition) return false;
  const actions = strings(outer.Action);
  const resources = strings(outer.Resource);
  return (
    !!actions &&
    !!resources &&
    actions.some((a) => patternCovers(a, action, true)) &&
    resources.some((r) => patternCovers(r, resource, false))
  );
}

/** Whether `boundary` (its Statement element: one statement or a list) lets `statement` take effect. */
export function coveredByBoundary(statement: unknown, boundary: unknown): boolean {
  const held = [boundary ?? []].flat().filter((s): s is Json => !!s && typeof s === 'object');
  const s = statement as Json;
  // A Deny takes effect whatever the boundary allows.
  if (s.Effect === 'Deny') return true;
  const whole = canonicalJson(statement);
  if (held.some((b) => canonicalJson(b) === whole)) return true;
  const actions = strings(s.Action);
  const resources = strings(s.Resource);
  if (s.Effect !== 'Allow' || !actions || !resources) return false;
  const condition = s.Condition === undefined ? '' : canonicalJson(s.Condition);
  return actions.every((action) =>
    resources.every((resource) => held.some((b) => allows(b, action, resource, condition))),
  );
}
