/**
 * What an import hint knows of the package (import-hints.ts): a Python
 * function's requirements file, read here, and Lambda's platform; a Node.js
 * function's package.json and how the build filled its node_modules, decided
 * by the packager's own rules, so the hint says what the build did.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImportHintContext, NodePackaging } from './import-hints.js';
import type { Settings } from '../model/settings.js';
import { devOnlyFolders } from '../packaging/npm-lockfiles.js';
import { packageName } from '../packaging/dev-dependencies.js';
import { npmInstallPlan } from '../packaging/npm-install.js';
import { isPythonRuntime } from '../settings/runtimes.js';
import type { Surface } from '../settings/surface.js';

/** The files a project without a requirements file is installed from, in the order packaging reads them. */
const PROJECT_FILES = ['uv.lock', 'poetry.lock', 'Pipfile.lock', 'pyproject.toml', 'Pipfile'];

/**
 * The hint's context for `settings`' function, which ran `runsOn` (Lambda or
 * the local runtime), said to `surface` (the action's inputs unless given);
 * without a readable requirements file or package.json, only the platform.
 */
export function importHintContext(
  settings: Pick<Settings, 'path' | 'requirements' | 'runtime' | 'architecture'>,
  runsOn: 'lambda' | 'local' = 'local',
  surface?: Surface,
): ImportHintContext {
  const context = importHintContextFor(settings, runsOn);
  return surface ? { ...context, surface } : context;
}

function importHintContextFor(
  settings: Pick<Settings, 'path' | 'requirements' | 'runtime' | 'architecture'>,
  runsOn: 'lambda' | 'local',
): ImportHintContext {
  const platform = `${settings.runtime} ${settings.architecture}`;
  if (!isPythonRuntime(settings.runtime)) return { platform, runsOn, node: nodePackaging(settings.path) };
  const file =
    settings.requirements ??
    PROJECT_FILES.map((name) => join(settings.path, name)).find((f) => existsSync(f));
  if (!file) return { platform, runsOn };
  try {
    return {
      platform,
      runsOn,
      requirementsFile: basename(file),
      requirementsText: readFileSync(file, 'utf8'),
    };
  } catch {
    return { platform, runsOn }; // a hint, not a reason to fail: it then says to add the requirement
  }
}

/** package.json's lists and node_modules' origin, as the build decides them (npm-lockfiles.ts, npm-installed-files.ts). */
function nodePackaging(path: string): NodePackaging {
  const manifestFile = join(path, 'package.json');
  if (!existsSync(manifestFile)) return { manifest: 'missing', install: { from: 'none' } };
  let text: string;
  let manifest: NodePackaging['manifest'];
  try {
    text = readFileSync(manifestFile, 'utf8');
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const names = (field: string) => {
      const value = parsed[field];
      return typeof value === 'object' && value !== null ? Object.keys(value) : [];
    };
    manifest = {
      dependencies: names('dependencies'),
      devDependencies: names('devDependencies'),
      optionalDependencies: names('optionalDependencies'),
    };
  } catch {
    return { install: { from: 'none' } }; // unreadable: the hint gives its general advice
  }
  const plan = npmInstallPlan(text, (f) => existsSync(join(path, f)));
  if (plan && 'install' in plan) return { manifest, install: { from: 'npm-ci', lockfile: plan.lockfile } };
  if (!existsSync(join(path, 'node_modules'))) return { manifest, install: { from: 'none' } };
  const devOnly = devOnlyFolders(path);
  if (!devOnly) return { manifest, install: { from: 'folder' } };
  // Top-level folders only: a nested one is a copy some package needs, not what the function loads.
  const packages = [...devOnly.folders].filter((f) => f.split('node_modules/').length === 2).map(packageName);
  return { manifest, install: { from: 'folder', devOnly: { lockfile: devOnly.lockfile, packages } } };
}
