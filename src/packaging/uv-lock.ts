/**
 * The requirements uv.lock pins for a project's own dependencies (pure):
 * what `uv export --no-dev --no-emit-project` would write, for a runner
 * without uv. From the project's package (source `editable = "."` or
 * `virtual = "."`; in a workspace, the member's folder: `uv export
 * --package <member>`) the walk follows `dependencies`, and `extra = [...]`
 * edges into a package's optional-dependencies; never the project's
 * dev-dependencies (dependency groups) nor its own extras. Markers combine
 * as lock-walk.ts says.
 *
 * pip installs the result without --no-deps: every locked package is pinned
 * (`==`, or a URL), so pip cannot pick another version of one, and its
 * resolver checks the set is consistent; a marker pip evaluates otherwise
 * than uv meant (pip decides them with the Python that runs it) then adds
 * the dependency a package's metadata asks for rather than silently leaving
 * out one the function imports.
 *
 * Other workspace members (and editable paths) it reaches are installed from
 * their folders, not editable (`name @ file:///...`: pip builds each into a
 * wheel); a virtual member is not installed, its dependencies are.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { indexesOf, withoutCredentials } from './lock-index.js';
import {
  LockfileError,
  markerOf,
  normalize,
  readLockToml,
  walkMarkers,
  withHashes,
  type LockExport,
} from './lock-walk.js';
import { isTable, type TomlTable, type TomlValue } from './toml-subset.js';

export class UvLockError extends LockfileError {
  constructor(message: string) {
    super(message);
    this.name = 'UvLockError';
  }
}

interface Edge {
  name: string;
  version?: string;
  source?: TomlTable;
  marker?: string;
  extras: string[];
}

interface LockPackage {
  name: string;
  version?: string;
  source: TomlTable;
  dependencies: Edge[];
  optional: Map<string, Edge[]>;
  /** The recorded hashes of its wheels and sdist. */
  hashes: unknown[];
  line?: number;
}

const SOURCE_KINDS = ['registry', 'git', 'url', 'path', 'directory', 'editable', 'virtual'];

/** Reads `[[package]]` tables strictly: a field of another type is an error naming the package's line. */
function packagesOf(root: TomlTable, lineOf: (t: TomlTable) => number | undefined): LockPackage[] {
  const where = (t: TomlTable, name?: string) =>
    `uv.lock${lineOf(t) ? ` line ${lineOf(t)}` : ''}${name ? ` (package ${name})` : ''}`;
  const list = root.package ?? [];
  if (!Array.isArray(list)) throw new UvLockError('uv.lock: package is not an array of [[package]] tables');
  return list.map((p) => {
    if (!isTable(p)) throw new UvLockError('uv.lock: package is not an array of [[package]] tables');
    const bad = (field: string, expected: string): never => {
      throw new UvLockError(
        `${where(p, typeof p.name === 'string' ? p.name : undefined)}: ${field} is not ${expected}`,
      );
    };
    const string = (v: TomlValue | undefined, field: string) =>
      v === undefined || typeof v === 'string' ? v : bad(field, 'a string');
    const name = string(p.name, 'name') ?? bad('name', 'given');
    const version = string(p.version, 'version');
    const source = p.source;
    if (!isTable(source) || Object.keys(source).filter((k) => SOURCE_KINDS.includes(k)).length !== 1)
      bad('source', `an inline table with one of ${SOURCE_KINDS.join(', ')}`);
    const edges = (v: TomlValue | undefined, field: string): Edge[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v)) return bad(field, 'an array of { name = ... } tables');
      return v.map((e) => {
        if (!isTable(e) || typeof e.name !== 'string') return bad(field, 'an array of { name = ... } tables');
        const extras = e.extra ?? [];
        if (!Array.isArray(extras) || !extras.every((x) => typeof x === 'string'))
          bad(`${field} ${e.name}'s extra`, 'an array of strings');
        if (e.source !== undefined && !isTable(e.source))
          bad(`${field} ${e.name}'s source`, 'an inline table');
        return {
          name: normalize(e.name),
          extras: (extras as string[]).map(normalize),
          ...(string(e.version, `${field} ${e.name}'s version`) !== undefined && {
            version: e.version as string,
          }),
          ...(e.source !== undefined && { source: e.source as TomlTable }),
          ...(string(e.marker, `${field} ${e.name}'s marker`) !== undefined && {
            marker: e.marker as string,
          }),
        };
      });
    };
    const optional = new Map<string, Edge[]>();
    const extras = p['optional-dependencies'] ?? {};
    if (!isTable(extras)) bad('optional-dependencies', 'a table');
    for (const [extra, list] of Object.entries(extras as TomlTable))
      optional.set(normalize(extra), edges(list, `optional-dependencies.${extra}`));
    const line = lineOf(p);
    const artifacts = [
      ...(Array.isArray(p.wheels) ? p.wheels : []),
      ...(p.sdist === undefined ? [] : [p.sdist]),
    ];
    return {
      name: normalize(name),
      source: source as TomlTable,
      dependencies: edges(p.dependencies, 'dependencies'),
      optional,
      hashes: artifacts.map((a) => (isTable(a) ? a.hash : undefined)),
      ...(version !== undefined && { version }),
      ...(line !== undefined && { line }),
    };
  });
}

/** The requirement line of a locked package (without its marker), `hashed` when its recorded hashes apply, or none for a virtual one (nothing to install). */
function requirementOf(
  p: LockPackage,
  projectDir: string,
): { line: string; hashed?: boolean } | { virtual: true } {
  const { source } = p;
  const at = `uv.lock${p.line ? ` line ${p.line}` : ''} (package ${p.name})`;
  if (typeof source.registry === 'string') {
    if (!p.version) throw new UvLockError(`${at}: a package from a registry has no version`);
    return { line: `${p.name}==${p.version}`, hashed: true };
  }
  const subdirectory = typeof source.subdirectory === 'string' ? `#subdirectory=${source.subdirectory}` : '';
  if (typeof source.git === 'string') {
    // `https://host/repo?rev=main&subdirectory=pkg#<commit>`: the commit pins it, whatever the branch says now.
    const hash = source.git.lastIndexOf('#');
    const commit = hash < 0 ? '' : source.git.slice(hash + 1);
    if (!/^[0-9a-f]{7,64}$/i.test(commit))
      throw new UvLockError(
        `${at}: the git source ${withoutCredentials(source.git)} names no commit after "#"`,
      );
    const url = source.git.slice(0, hash);
    const query = url.indexOf('?');
    const repository = query < 0 ? url : url.slice(0, query);
    const sub = new URLSearchParams(query < 0 ? '' : url.slice(query + 1)).get('subdirectory');
    const git = repository.startsWith('git+') ? repository : `git+${repository}`;
    return { line: `${p.name} @ ${git}@${commit}${sub ? `#subdirectory=${sub}` : subdirectory}` };
  }
  if (typeof source.url === 'string')
    return { line: `${p.name} @ ${source.url}${subdirectory}`, hashed: !subdirectory };
  const local = typeof source.path === 'string' ? source.path : source.directory;
  // A folder has no hash pip can check; an archive (`path`) has the one uv recorded.
  if (typeof local === 'string')
    return {
      line: `${p.name} @ ${pathToFileURL(resolve(projectDir, local)).href}${subdirectory}`,
      hashed: typeof source.path === 'string' && !subdirectory,
    };
  // A workspace member (or an editable path) is installed, not editable: pip builds its folder into a wheel.
  if (typeof source.editable === 'string')
    return { line: `${p.name} @ ${pathToFileURL(resolve(projectDir, source.editable)).href}` };
  // A virtual member (no build system) is never installed itself; the walk takes in its dependencies.
  return { virtual: true };
}

/** `packages/api/`, `./packages/api`: `packages/api`; `.` and `` stay `.`. */
export function folderOf(path: unknown): string | undefined {
  return typeof path === 'string' ? path.replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.' : undefined;
}

/**
 * The requirement lines uv.lock (in `projectDir`) pins for the project in
 * its folder, or for the workspace member in `member` (relative to
 * projectDir, forward slashes): see the module comment. In a workspace,
 * what it cannot export is an error naming the member, never a deploy
 * without dependencies.
 */
export function uvLockRequirements(text: string, projectDir: string, member = '.'): LockExport {
  const { root, lineOf } = readLockToml(text, 'uv.lock');
  if (root.version !== 1)
    throw new UvLockError(
      `uv.lock: version = ${JSON.stringify(root.version ?? null)}; lambda-deploy reads uv.lock version 1 (run uv lock with a uv it knows, or write requirements.txt with uv export)`,
    );
  const manifest = root.manifest;
  const members = (isTable(manifest) && Array.isArray(manifest.members) ? manifest.members : []).map((m) =>
    normalize(String(m)),
  );
  const packages = packagesOf(root, lineOf);
  const roots = packages.filter(
    (p) => folderOf(p.source.editable) === member || folderOf(p.source.virtual) === member,
  );
  // A lock with [manifest] members is a workspace's: what cannot be exported fails rather than deploying without dependencies.
  const workspace = member !== '.' || members.length > 0;
  if (roots.length !== 1) {
    const found = roots.length
      ? `it has ${roots.length} packages from ${member === '.' ? "the project's folder" : `the member's folder ${member}`}`
      : `no package in it is ${member === '.' ? 'the project itself' : `the workspace member in ${member}`} (source editable = "${member}" or virtual = "${member}")`;
    if (!workspace) return { unsupported: found };
    const listed = members.length ? `; its workspace members are ${members.join(', ')}` : '';
    throw new UvLockError(
      `uv.lock: ${found}${listed}${member === '.' && !roots.length ? ": set path to a member's folder" : ''}`,
    );
  }
  const project = roots[0]!;
  if (members.length && !members.includes(project.name))
    throw new UvLockError(
      `uv.lock${project.line ? ` line ${project.line}` : ''} (package ${project.name}): the package from ${member} is not among the workspace members [manifest] lists (${members.join(', ')})`,
    );
  const byName = new Map<string, LockPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);

  const target = (edge: Edge, from: LockPackage): LockPackage => {
    const found = byName.get(edge.name) ?? [];
    // A name locked in several versions (forked resolution): the edge names its version (and source).
    const picked =
      found.length > 1
        ? found.filter(
            (p) =>
              p.version === edge.version &&
              (!edge.source || JSON.stringify(p.source) === JSON.stringify(edge.source)),
          )
        : found;
    if (picked.length === 1) return picked[0]!;
    const at = `uv.lock${from.line ? ` line ${from.line}` : ''} (package ${from.name})`;
    throw new UvLockError(
      found.length
        ? `${at}: depends on ${edge.name}${edge.version ? ` ${edge.version}` : ''}, and uv.lock has ${found.length} versions of it without telling which`
        : `${at}: depends on ${edge.name}, which uv.lock does not list (run uv lock again)`,
    );
  };

  // The project's own extras are not installed: only its dependencies are walked.
  const terms = walkMarkers(project, (p, extra) =>
    (extra ? (p.optional.get(extra) ?? []) : p.dependencies).map((edge) => ({
      to: target(edge, p),
      extras: edge.extras,
      ...(edge.marker !== undefined && { marker: edge.marker }),
    })),
  );

  const lines: string[] = [];
  const indexes = indexesOf();
  for (const [p, byExtra] of terms) {
    if (p === project) continue;
    if (typeof p.source.registry === 'string') indexes.add(p.source.registry, p.name);
    const requirement = requirementOf(p, projectDir);
    if ('virtual' in requirement) continue;
    const marker = markerOf(byExtra.get('') ?? []);
    const line = marker ? `${requirement.line} ; ${marker}` : requirement.line;
    lines.push(requirement.hashed ? withHashes(line, p.hashes) : line);
  }
  const other = indexes.found();
  return { requirements: lines.sort(), ...(other.length && { indexes: other }) };
}
