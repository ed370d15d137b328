/**
 * Whether a uv.lock was locked from the pyproject.toml it is for (pure).
 * uv writes no hash: it records the project's own requirements in the lock
 * (its package's `[package.metadata] requires-dist`, which uv leaves out
 * when there are none), and `uv lock --check` / `uv sync --locked` refuse a
 * lock whose requirements are not the project's. A dependency added to
 * pyproject.toml without `uv lock` is in no lock, so it would not be
 * installed.
 *
 * Only the package NAMES are compared (PEP 503 form): uv normalizes each
 * requirement's specifier and marker (and simplifies markers against
 * requires-python) before it compares or writes them, which is not
 * mirrored here; a name added or removed is what leaves the function
 * without a module. [project] dependencies and optional-dependencies are
 * both in requires-dist (extras' with an `extra == ...` marker);
 * dependency groups are not (requires-dev), and are not installed.
 */
import { normalize } from './lock-walk.js';
import {
  isTable,
  parseToml,
  parseTomlSubset,
  TomlSubsetError,
  type TomlTable,
  type TomlValue,
} from './toml-subset.js';
import { folderOf } from './uv-lock.js';

/** A PEP 508 requirement's name, in PEP 503 form; undefined when it has none. */
function requirementName(requirement: TomlValue): string | undefined {
  if (typeof requirement !== 'string') return undefined;
  const name = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement)?.[1];
  return name && normalize(name);
}

/** The names of these requirement strings; undefined unless each is one. */
function namesOf(list: TomlValue | undefined): string[] | undefined {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  const names = list.map(requirementName);
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/**
 * The names [project] declares (dependencies and optional-dependencies); undefined when dynamic or not a list of requirements.
 * The project's own name (an extra of its own, `app[aws]`) is left out: it names no package to install, and
 * uv flattens it out of a dynamic-version project's requires-dist (hatchling's metadata) while a static one's keeps it.
 */
function declaredNames(pyproject: TomlTable): Set<string> | undefined {
  const project = pyproject.project;
  if (!isTable(project)) return undefined;
  const dynamic = Array.isArray(project.dynamic) ? project.dynamic : [];
  if (dynamic.includes('dependencies') || dynamic.includes('optional-dependencies')) return undefined;
  const optional = project['optional-dependencies'] ?? {};
  if (!isTable(optional)) return undefined;
  const lists = [project.dependencies, ...Object.values(optional)].map(namesOf);
  if (!lists.every((l) => l !== undefined)) return undefined;
  const own = typeof project.name === 'string' ? normalize(project.name) : undefined;
  return new Set((lists.flat() as string[]).filter((n) => n !== own));
}

/** The names the project's package in uv.lock (for `member`) records in requires-dist; undefined when there is not one such package. */
function lockedNames(lock: TomlTable, member: string): Set<string> | undefined {
  const packages = Array.isArray(lock.package) ? lock.package.filter(isTable) : [];
  const roots = packages.filter((p) => {
    const source = isTable(p.source) ? p.source : {};
    return folderOf(source.editable) === member || folderOf(source.virtual) === member;
  });
  if (roots.length !== 1) return undefined;
  const metadata = roots[0]!.metadata ?? {};
  const requiresDist = isTable(metadata) ? (metadata['requires-dist'] ?? []) : undefined;
  if (!Array.isArray(requiresDist)) return undefined;
  const names = requiresDist.map((r) =>
    isTable(r) && typeof r.name === 'string' ? normalize(r.name) : undefined,
  );
  const own = typeof roots[0]!.name === 'string' ? normalize(roots[0]!.name) : undefined;
  return names.every((n) => n !== undefined)
    ? new Set((names as string[]).filter((n) => n !== own))
    : undefined;
}

/** What pyproject.toml declares that uv.lock was not locked with (added), and the other way (removed); undefined when there is no telling. */
export function uvLockDifference(
  pyproject: string,
  lock: string,
  member = '.',
): { added: string[]; removed: string[] } | undefined {
  let declared: Set<string> | undefined;
  let locked: Set<string> | undefined;
  try {
    const lockRoot = parseTomlSubset(lock).root;
    if (lockRoot.version !== 1) return undefined;
    locked = lockedNames(lockRoot, member);
    declared = locked && declaredNames(parseToml(pyproject).root);
  } catch (error) {
    if (error instanceof TomlSubsetError) return undefined;
    throw error;
  }
  if (!declared || !locked) return undefined;
  return {
    added: [...declared].filter((n) => !locked.has(n)).sort(),
    removed: [...locked].filter((n) => !declared.has(n)).sort(),
  };
}

/**
 * The warning for a uv.lock whose project requirements name other packages
 * than `pyproject` declares (`pyprojectPath` and `lockPath` name them);
 * undefined when the names agree, or when there is no telling (dynamic
 * dependencies, no one package for the project in the lock, a pyproject
 * that is not TOML).
 */
export function staleUvLockWarning(
  pyproject: string,
  lock: string,
  pyprojectPath: string,
  lockPath: string,
  member = '.',
): string | undefined {
  const difference = uvLockDifference(pyproject, lock, member);
  if (!difference || (!difference.added.length && !difference.removed.length)) return undefined;
  const { added, removed } = difference;
  const what = [
    added.length && `pyproject.toml declares ${added.join(', ')}, which uv.lock was not locked with`,
    removed.length &&
      `uv.lock was locked with ${removed.join(', ')}, which pyproject.toml no longer declares`,
  ].filter(Boolean);
  return (
    `${lockPath} is out of date with ${pyprojectPath}: ${what.join('; ')} (uv lock --check fails on it). ` +
    'lambda-deploy installs what uv.lock pins, so a dependency added to pyproject.toml since is not installed ' +
    'and on Lambda the function cannot import it. Run uv lock and commit uv.lock.'
  );
}
