/** How a "Left out ..." note tells the user to keep what was left out: the exclude setting, pasteable. */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';

/**
 * `!patterns` as the exclude setting: repeated flags on the command line;
 * in the action one YAML value that can be pasted as it is, quoted (a bare
 * `!` starts a YAML tag) with `\n` between patterns (the input's list is one
 * a line).
 */
export function excludeSetting(patterns: readonly string[], surface: Surface): string {
  // A name may hold a quote or backslash: a shell's '\'' and a JSON string (YAML reads one) keep it.
  if (surface === 'terminal')
    return patterns
      .map((p) => `${inputName(surface, Inputs.Exclude)} '${p.replace(/'/g, "'\\''")}'`)
      .join(' ');
  return `exclude: ${JSON.stringify(patterns.join('\n'))}`;
}
