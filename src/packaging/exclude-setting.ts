/** How a "Left out ..." note tells the user to keep what was left out: the exclude or include setting, pasteable. */
import { Inputs, type InputName } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';

/**
 * Patterns as a list input's setting: repeated flags on the command line; in
 * the action one YAML value that can be pasted as it is, quoted (a bare `!`
 * starts a YAML tag) with `\n` between patterns (the input's list is one a line).
 */
function listSetting(input: InputName, patterns: readonly string[], surface: Surface): string {
  // A name may hold a quote or backslash: a shell's '\'' and a JSON string (YAML reads one) keep it.
  if (surface === 'terminal')
    return patterns.map((p) => `${inputName(surface, input)} '${p.replace(/'/g, "'\\''")}'`).join(' ');
  return `${inputName(surface, input)}: ${JSON.stringify(patterns.join('\n'))}`;
}

/**
 * A path as a pattern matching it alone: glob characters escaped, and a leading `!` (a negation)
 * or `#` (a comment line in the list) too, as picomatch reads `\x` as x.
 */
export const literalPattern = (path: string): string =>
  path.replace(/[\\*?[\]{}()]/g, '\\$&').replace(/^[!#]/, '\\$&');

/**
 * The exclude setting that also holds the `!patterns` `added`: on the command line their flags,
 * which add to those given; in the action the whole input, the user's `exclude` (as the input
 * reader gives it: no default of ours) and `added` after them, none twice, as a pasted value
 * replaces the one there (`tests/` left out stays left out).
 */
export function excludeSetting(
  exclude: readonly string[],
  added: readonly string[],
  surface: Surface,
): string {
  const patterns = surface === 'terminal' ? added : [...new Set([...exclude, ...added])];
  return listSetting(Inputs.Exclude, patterns, surface);
}

/**
 * The include setting that also names `added`: on the command line their flags, which add to
 * those given; in the action the whole input, the patterns set and `added` after them, as a
 * pasted value replaces the one there.
 */
export function includeSetting(
  include: readonly string[],
  added: readonly string[],
  surface: Surface,
): string {
  return listSetting(Inputs.Include, surface === 'terminal' ? added : [...include, ...added], surface);
}
