/**
 * What a Python import hint knows of the package (import-hints.ts):
 * the requirements file it installs, read here, and Lambda's platform.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImportHintContext } from './import-hints.js';
import type { Settings } from '../model/settings.js';

/** The files a project without a requirements file is installed from, in the order packaging reads them. */
const PROJECT_FILES = ['uv.lock', 'poetry.lock', 'Pipfile.lock', 'pyproject.toml', 'Pipfile'];

/** The hint's context for `settings`' function; without a readable requirements file, only the platform. */
export function importHintContext(
  settings: Pick<Settings, 'path' | 'requirements' | 'runtime' | 'architecture'>,
): ImportHintContext {
  const platform = `${settings.runtime} ${settings.architecture}`;
  const file =
    settings.requirements ??
    PROJECT_FILES.map((name) => join(settings.path, name)).find((f) => existsSync(f));
  if (!file) return { platform };
  try {
    return { platform, requirementsFile: basename(file), requirementsText: readFileSync(file, 'utf8') };
  } catch {
    return { platform }; // a hint, not a reason to fail: it then says to add the requirement
  }
}
