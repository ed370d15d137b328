import { rm } from 'node:fs/promises';
import { lineTokens } from './requirement-files.js';
import { localPathArgs, localPathEnvironment, localPaths } from './requirement-paths.js';

/**
 * The dependencies a build installed (pip's or npm's folder), kept for the
 * next build of the same session (serve --watch): a rebuild whose installer
 * inputs (requirements or lockfile, runtime, architecture, pip-args) have the
 * same key reuses the folder instead of installing again. One folder a kind:
 * a new key replaces (and removes) the previous one.
 */
export class InstallReuse {
  private readonly kept = new Map<string, { key: string; dir: string }>();

  /** The folder installed for `key`, when the last install of `kind` had it. */
  find(kind: 'pip' | 'npm', key: string): string | undefined {
    const found = this.kept.get(kind);
    return found?.key === key ? found.dir : undefined;
  }

  /** Keeps `dir` (now owned here) as `kind`'s install for `key`; removes the one it replaces. */
  async keep(kind: 'pip' | 'npm', key: string, dir: string): Promise<void> {
    const before = this.kept.get(kind);
    this.kept.set(kind, { key, dir });
    if (before && before.dir !== dir) await rm(before.dir, { recursive: true, force: true });
  }

  /** Removes every kept folder (the session ends). */
  async clear(): Promise<void> {
    const dirs = [...this.kept.values()].map((k) => k.dir);
    this.kept.clear();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Whether pip's result may hang on more than the requirements file's text: a
 * line naming a local path (`./lib`, `-e ../pkg`, `file:`, `wheels/x.whl`),
 * whose files can change while the file does not, or another file (`-r`,
 * `-c`, as pip takes them: `-rFILE`, `--requirem FILE`), whose text the key
 * does not cover. Such requirements are installed every time. (A folder of
 * wheels, `-f`, is an index: the key covers no index's new releases.)
 */
export function requirementsReadElsewhere(text: string): boolean {
  return (
    localPaths(text).length > 0 ||
    text.split(/\r?\n/).some((raw) => raw.trim().startsWith('-') && localPathArgs(lineTokens(raw)))
  );
}

/** The same for pip-args and pip's environment (PIP_CONSTRAINT, PIP_REQUIREMENT...): the key holds their words only. */
export function pipArgsReadElsewhere(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return localPathArgs(args) || localPathEnvironment(env);
}

/** An install that succeeded, handed from this build's temporary folders to the session's reuse. */
export async function keepInstall(
  reuse: InstallReuse,
  kind: 'pip' | 'npm',
  key: string,
  dir: string,
  temporary: string[],
): Promise<void> {
  temporary.splice(temporary.indexOf(dir), 1);
  await reuse.keep(kind, key, dir);
}
