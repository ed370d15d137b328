/**
 * The requirements poetry.lock pins for a project's main dependencies
 * (pure): what `poetry export --only main --without-hashes` would write,
 * for a runner without Poetry. Poetry 2's lock (lock-version 2.1) says it
 * per package: `groups` including "main", and `markers` (a string, or the
 * "main" entry of a table). Older locks (1.x, 2.0) have no per-package
 * markers (1.x's `category` says main or dev, not when), so the walk starts
 * at pyproject.toml's [tool.poetry.dependencies] (without python; the file
 * read as TOML 1.0, not as the lock's subset) and
 * follows `[package.dependencies]`, combining edge markers as lock-walk.ts
 * says. `optional = true` packages are the root's extras', which are not
 * installed; a package's own optional dependencies only come with an extra
 * an edge asks for. pip installs the result as uv-lock.ts explains.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { decideExtra } from './extra-marker.js';
import { indexesOf, withoutCredentials } from './lock-index.js';
import {
  LockfileError,
  markerOf,
  normalize,
  readLockToml,
  walkMarkers,
  withHashes,
  type LockExport,
  type WalkEdge,
} from './lock-walk.js';
import { readManifestToml, tableAt } from './manifest-toml.js';
import { isTable, type TomlTable, type TomlValue } from './toml-subset.js';

const LOCK_VERSIONS = ['1.0', '1.1', '2.0', '2.1'];

interface Dependency {
  name: string;
  version?: string;
  marker?: string;
  extras: string[];
  optional: boolean;
}

interface PoetryPackage {
  name: string;
  version: string;
  /** Poetry 2: whether the main group needs it, and when. */
  main?: { marker?: string };
  optional: boolean;
  source?: TomlTable;
  dependencies: Dependency[];
  extras: Map<string, string[]>;
  /** The recorded hashes of its files (lock-version 2: `files`; 1.x: [metadata.files]). */
  hashes: unknown[];
  at: string;
}

function fail(at: string, field: string, expected: string): never {
  throw new LockfileError(`${at}: ${field} is not ${expected}`);
}

function stringOf(v: TomlValue | undefined, at: string, field: string): string | undefined {
  return v === undefined || typeof v === 'string' ? v : fail(at, field, 'a string');
}

/** `name = "constraint"`, `{ version, markers, extras, optional }`, or an array of such tables (one per constraint). */
function dependenciesOf(table: TomlValue | undefined, at: string, field: string): Dependency[] {
  if (table === undefined) return [];
  if (!isTable(table)) return fail(at, field, 'a table');
  return Object.entries(table).flatMap(([name, spec]) => {
    const where = `${field} ${name}`;
    return (Array.isArray(spec) ? spec : [spec]).map((s): Dependency => {
      if (typeof s === 'string') return { name: normalize(name), version: s, extras: [], optional: false };
      if (!isTable(s)) return fail(at, where, 'a string or { version = ... } table');
      const extras = s.extras ?? [];
      if (!Array.isArray(extras) || !extras.every((x) => typeof x === 'string'))
        fail(at, `${where}'s extras`, 'an array of strings');
      if (s.optional !== undefined && typeof s.optional !== 'boolean')
        fail(at, `${where}'s optional`, 'true or false');
      const version = stringOf(s.version, at, `${where}'s version`);
      const marker = stringOf(s.markers, at, `${where}'s markers`);
      return {
        name: normalize(name),
        extras: (extras as string[]).map(normalize),
        optional: s.optional === true,
        ...(version !== undefined && { version }),
        ...(marker !== undefined && { marker }),
      };
    });
  });
}

/** Reads `[[package]]` tables strictly: a field of another type is an error naming the package's line. */
function packagesOf(root: TomlTable, lineOf: (t: TomlTable) => number | undefined): PoetryPackage[] {
  const list = root.package ?? [];
  const notArray = () => new LockfileError('poetry.lock: package is not an array of [[package]] tables');
  if (!Array.isArray(list)) throw notArray();
  return list.map((p) => {
    if (!isTable(p)) throw notArray();
    const line = lineOf(p);
    const named = typeof p.name === 'string' ? ` (package ${p.name})` : '';
    const at = `poetry.lock${line ? ` line ${line}` : ''}${named}`;
    const name = stringOf(p.name, at, 'name') ?? fail(at, 'name', 'given');
    const version = stringOf(p.version, at, 'version') ?? fail(at, 'version', 'given');
    if (p.optional !== undefined && typeof p.optional !== 'boolean') fail(at, 'optional', 'true or false');
    if (p.source !== undefined && !isTable(p.source)) fail(at, 'source', 'a table');
    let main: PoetryPackage['main'];
    if (p.groups !== undefined) {
      if (!Array.isArray(p.groups) || !p.groups.every((g) => typeof g === 'string'))
        fail(at, 'groups', 'an array of strings');
      const markers = isTable(p.markers) ? p.markers.main : p.markers;
      const marker = stringOf(markers, at, isTable(p.markers) ? 'markers.main' : 'markers');
      if (p.groups.includes('main')) main = marker === undefined ? {} : { marker };
    }
    const extras = new Map<string, string[]>();
    const extrasTable = p.extras ?? {};
    if (!isTable(extrasTable)) fail(at, 'extras', 'a table');
    for (const [extra, requirements] of Object.entries(extrasTable as TomlTable)) {
      if (!Array.isArray(requirements) || !requirements.every((r) => typeof r === 'string'))
        fail(at, `extras.${extra}`, 'an array of strings');
      // "name (>=1.0)", or "name[extra] >=1.0 ; marker": the name leads.
      extras.set(
        normalize(extra),
        (requirements as string[]).map((r) => normalize(/^\s*([A-Za-z0-9._-]+)/.exec(r)?.[1] ?? r)),
      );
    }
    return {
      name: normalize(name),
      version,
      optional: p.optional === true,
      dependencies: dependenciesOf(p.dependencies, at, 'dependencies'),
      extras,
      hashes: Array.isArray(p.files) ? p.files.map((f) => (isTable(f) ? f.hash : undefined)) : [],
      at,
      ...(main && { main }),
      ...(isTable(p.source) && { source: p.source }),
    };
  });
}

/** Sources whose files pip can check by the hashes poetry.lock records: not a git checkout nor a folder. */
function hashable(p: PoetryPackage): boolean {
  const type = p.source?.type;
  return (
    type === undefined ||
    type === 'legacy' ||
    ((type === 'url' || type === 'file') && !p.source!.subdirectory)
  );
}

/** The requirement line of a locked package (without its marker). */
function requirementOf(p: PoetryPackage, projectDir: string): string {
  const source = p.source;
  const type = source?.type;
  // No source is PyPI; "legacy" is another index, which the user's pip-args reach.
  if (type === undefined || type === 'legacy') return `${p.name}==${p.version}`;
  const url = stringOf(source!.url, p.at, 'source.url') ?? fail(p.at, 'source.url', 'given');
  const sub = stringOf(source!.subdirectory, p.at, 'source.subdirectory');
  const subdirectory = sub ? `#subdirectory=${sub}` : '';
  if (type === 'git') {
    // The resolved commit pins it, whatever the branch or tag says now.
    const commit = stringOf(source!.resolved_reference, p.at, 'source.resolved_reference');
    if (!commit || !/^[0-9a-f]{7,64}$/i.test(commit))
      throw new LockfileError(
        `${p.at}: the git source ${withoutCredentials(url)} names no commit in resolved_reference`,
      );
    // scp-like "git@github.com:org/repo.git" is ssh://git@github.com/org/repo.git to pip.
    const scp = /^([\w.-]+@[\w.-]+):(?!\/\/)(.*)$/.exec(url);
    const repository = scp ? `ssh://${scp[1]}/${scp[2]}` : url;
    const git = repository.startsWith('git+') ? repository : `git+${repository}`;
    return `${p.name} @ ${git}@${commit}${subdirectory}`;
  }
  if (type === 'url') return `${p.name} @ ${url}${subdirectory}`;
  if (type === 'directory' || type === 'file')
    return `${p.name} @ ${pathToFileURL(resolve(projectDir, url)).href}${subdirectory}`;
  return fail(p.at, 'source.type', 'git, url, directory, file or legacy');
}

/** The requirement lines poetry.lock pins for the main dependencies `pyproject` declares (see the module comment). */
export function poetryLockRequirements(text: string, pyproject: string, projectDir: string): LockExport {
  const { root, lineOf } = readLockToml(text, 'poetry.lock');
  const metadata = root.metadata;
  const version = isTable(metadata) ? metadata['lock-version'] : undefined;
  if (typeof version !== 'string' || !LOCK_VERSIONS.includes(version))
    throw new LockfileError(
      `poetry.lock: [metadata] lock-version = ${JSON.stringify(version ?? null)}; lambda-deploy reads lock-version ${LOCK_VERSIONS.join(', ')} (run poetry lock with a Poetry it knows, or write requirements.txt with poetry export)`,
    );
  const packages = packagesOf(root, lineOf);
  // lock-version 1.x keeps the hashes apart, by package name.
  const files = isTable(metadata) && isTable(metadata.files) ? metadata.files : {};
  for (const [name, list] of Object.entries(files))
    for (const p of packages)
      if (p.name === normalize(name) && Array.isArray(list))
        p.hashes.push(...list.map((f) => (isTable(f) ? f.hash : undefined)));
  const lines = (chosen: [PoetryPackage, string | undefined][]): LockExport => {
    const indexes = indexesOf();
    const requirements = chosen.map(([p, marker]) => {
      // A "legacy" source is another index, pinned by version: pip reaches it only through pip-args.
      const { type, url, reference } = p.source ?? {};
      if (type === 'legacy' && typeof url === 'string')
        indexes.add(url, p.name, typeof reference === 'string' && reference ? reference : undefined);
      const line = marker ? `${requirementOf(p, projectDir)} ; ${marker}` : requirementOf(p, projectDir);
      return hashable(p) ? withHashes(line, p.hashes) : line;
    });
    const other = indexes.found();
    return { requirements: requirements.sort(), ...(other.length && { indexes: other }) };
  };
  if (version === '2.1')
    return lines(packages.filter((p) => p.main && !p.optional).map((p) => [p, p.main!.marker]));

  const byName = new Map<string, PoetryPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  // pyproject.toml is TOML 1.0 as people write it (the lock's subset would refuse or misread it).
  const manifest = readManifestToml(pyproject, 'pyproject.toml');
  const poetry = tableAt(manifest.root, 'tool', 'poetry');
  const table = poetry?.dependencies;
  const line = isTable(table) ? manifest.lineOf(table) : undefined;
  const project = {
    name: 'pyproject.toml',
    at: 'pyproject.toml [tool.poetry.dependencies]',
    dependencies: dependenciesOf(
      table,
      `pyproject.toml${line ? ` line ${line}` : ''}`,
      '[tool.poetry.dependencies]',
    ).filter((d) => d.name !== 'python'),
    extras: new Map<string, string[]>(),
  };
  type Node = typeof project | PoetryPackage;
  const target = (d: Dependency, from: Node): PoetryPackage | undefined => {
    const found = byName.get(d.name) ?? [];
    // Several locked versions (one per constraint): the edge's exact version picks one.
    const picked =
      found.length > 1 ? found.filter((p) => d.version?.replace(/^==?/, '') === p.version) : found;
    // Poetry keeps an edge whose markers the project's Pythons never meet, without locking its package.
    if (picked.length <= 1 && found.length <= 1) return picked[0];
    throw new LockfileError(
      `${from.at}: depends on ${d.name} ${d.version ?? ''}, and poetry.lock has ${found.length} versions of it without telling which`,
    );
  };
  const terms = walkMarkers<Node>(project, (p, extra) => {
    const wanted = extra ? (p.extras.get(extra) ?? []) : undefined;
    // Optional dependencies come only with the extra that names them; the project's own extras are not installed.
    return p.dependencies
      .filter((d) => (wanted ? wanted.includes(d.name) : !d.optional))
      .flatMap((d): WalkEdge<Node>[] => {
        const to = target(d, p);
        // Followed through an extra: its `extra ==` clauses are decided here, as pip reads `extra` as "".
        const marker = wanted ? decideExtra(d.marker, extra) : d.marker;
        return to && marker !== false ? [{ to, extras: d.extras, ...(marker && { marker }) }] : [];
      });
  });
  const chosen: [PoetryPackage, string | undefined][] = [];
  for (const [p, byExtra] of terms)
    if (p !== project) chosen.push([p as PoetryPackage, markerOf(byExtra.get('') ?? [])]);
  return lines(chosen);
}
