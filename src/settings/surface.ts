import type { Surface } from '../model/surface.js';
import type { InputName } from './names.js';

export type { Surface };

/** The input's name for the surface: `pip-args`, or the CLI's flag `--pip-args`. */
export function inputName(surface: Surface, input: InputName): string {
  return surface === 'action' ? input : `--${input}`;
}

/**
 * How to set `input` to `value`, said for the surface: `pip-args: --no-index`
 * or `--pip-args "--no-index"`; quoted where a shell would split or expand it
 * (spaces, quotes, redirections, `$`, parentheses, and glob characters like `tests/**`).
 */
export function settingOf(surface: Surface, input: InputName, value: string): string {
  if (surface === 'action') return `${input}: ${value}`;
  return `${inputName(surface, input)} ${/[\s"'<>|&;$*?[\]()]/.test(value) ? `"${value}"` : value}`;
}
