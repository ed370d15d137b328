/**
 * pip's options that would let it build a package from source, as `pip-args`
 * or a requirements file may give them. Pure, and read by both the settings
 * (pip-args is refused before anything runs) and pip-install.ts (the
 * requirements file, before pip runs).
 */
import { parsePipArgs } from './pip-options.js';

/** The packages a --no-binary/--only-binary value names, in words. */
export function packagesOf(value: string): string {
  const names = value.split(',').filter((n) => n && !n.startsWith(':'));
  return value.includes(':all:') || value.includes(':none:') || !names.length
    ? 'every package'
    : names.join(', ');
}

/**
 * The first option in `args` (`--no-binary X`, `--only-binary :none:`) that
 * lets pip build a package from source, as the user wrote it. pip compiles
 * such a build for the machine it runs on, never for --platform: on its
 * command line pip refuses these next to --platform (obscurely), but from a
 * requirements file it takes them and builds. `--only-binary` naming
 * packages only repeats ours.
 */
export function binaryOverride(args: readonly string[]): string | undefined {
  // Read as pip reads them: `--no-bi=:all:` is --no-binary (see pip-options.ts).
  for (const found of parsePipArgs(args).options) {
    const option = ['--no-binary', '--only-binary'].find((o) => found.names.includes(o));
    if (!option) continue;
    const value = found.value ?? '';
    const lastNone = value.split(',').lastIndexOf(':none:');
    // pip reads the list in order: `:all:` after `:none:` undoes it.
    const builds =
      option === '--no-binary'
        ? value.split(',').some((n, j) => n && n !== ':none:' && j > lastNone)
        : lastNone >= 0 && !value.split(',').slice(lastNone).includes(':all:');
    if (builds) return `${option} ${value}`;
  }
  return undefined;
}
