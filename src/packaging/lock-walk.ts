/**
 * What uv.lock and poetry.lock readers share (pure): the lockfile's error,
 * reading its TOML, and the walk that gives each package reached from the
 * project the markers of the paths that reach it. A package reached by
 * several paths gets the OR of them, each path the AND of its edges'
 * markers; the markers stay strings for pip to evaluate.
 */
import { parsePipArgs } from '../settings/pip-options.js';
import type { LockIndex } from './lock-index.js';
import { parseTomlSubset, TomlSubsetError } from './toml-subset.js';

/** A lockfile that cannot stand for a requirements file; the message starts with the lockfile's name. */
export class LockfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockfileError';
  }
}

/** The requirement lines (and the indexes other than PyPI they come from, when any), or why the lockfile cannot stand for a requirements file here. */
export type LockExport = { requirements: string[]; indexes?: LockIndex[] } | { unsupported: string };

/** PEP 503: how lockfiles write names, and how they compare. */
export function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The lockfile's TOML, or an error naming `lockfile` and the line it cannot read. */
export function readLockToml(text: string, lockfile: string) {
  try {
    return parseTomlSubset(text);
  } catch (error) {
    if (error instanceof TomlSubsetError)
      throw new LockfileError(`${lockfile} line ${error.line}: ${error.reason}`);
    throw error;
  }
}

/** A conjunction of edge markers, sorted and distinct; [] is always true. */
type Term = string[];

function subset(a: Term, b: Term): boolean {
  return a.every((m) => b.includes(m));
}

/** The marker of an OR of ANDs; undefined when one of them is always true. */
export function markerOf(terms: readonly Term[]): string | undefined {
  if (terms.some((t) => !t.length)) return undefined;
  return terms
    .map((t) => t.map((m) => (t.length > 1 && / or /.test(m) ? `(${m})` : m)).join(' and '))
    .join(' or ');
}

/** An edge of the walk: the package it reaches, its marker, and the extras of that package it asks for. */
export interface WalkEdge<P> {
  to: P;
  marker?: string;
  extras: readonly string[];
}

/**
 * From `root`, the paths' markers of each package (and extra of one, '' for
 * the package itself) reached through `edgesOf`, as a minimal OR of ANDs;
 * a cycle adds nothing new, so this ends.
 */
export function walkMarkers<P>(
  root: P,
  edgesOf: (p: P, extra: string) => readonly WalkEdge<P>[],
): Map<P, Map<string, Term[]>> {
  const terms = new Map<P, Map<string, Term[]>>();
  const queue: { p: P; extra: string; term: Term }[] = [];
  const reach = (p: P, extra: string, term: Term) => {
    const byExtra = terms.get(p) ?? new Map<string, Term[]>();
    terms.set(p, byExtra);
    const known = byExtra.get(extra) ?? [];
    if (known.some((t) => subset(t, term))) return;
    byExtra.set(extra, [...known.filter((t) => !subset(term, t)), term]);
    queue.push({ p, extra, term });
  };
  reach(root, '', []);
  while (queue.length) {
    const { p, extra, term } = queue.shift()!;
    for (const edge of edgesOf(p, extra)) {
      const childTerm = edge.marker && !term.includes(edge.marker) ? [...term, edge.marker].sort() : term;
      reach(edge.to, '', childTerm);
      for (const e of edge.extras) reach(edge.to, e, childTerm);
    }
  }
  return terms;
}

/** A recorded artifact hash pip can check: `sha256:<hex>` (or sha384, sha512). */
const HASH = /^(sha256|sha384|sha512):([0-9a-f]+)$/i;

/** An md5 hash, which old locks record and pip refuses (it checks sha256, sha384, sha512 only). */
const MD5 = /^md5:([0-9a-f]+)$/i;

/**
 * The requirement line with a `--hash` option for each distinct artifact
 * hash the lockfile records for it (pip accepts a file with any of them).
 * A lock recording only md5 ones gets those (`--hash=md5:`), which turn
 * checking off as no hash would (see hashChecked) and say why.
 */
export function withHashes(line: string, hashes: readonly unknown[]): string {
  const options = (pattern: RegExp, name?: string) => [
    ...new Set(
      hashes.flatMap((h) => {
        const m = typeof h === 'string' ? pattern.exec(h.trim()) : null;
        return m ? [`--hash=${name ?? m[1]!.toLowerCase()}:${m.at(-1)!.toLowerCase()}`] : [];
      }),
    ),
  ];
  const checked = options(HASH);
  const found = checked.length ? checked : options(MD5, 'md5');
  return found.length ? `${line} ${found.join(' ')}` : line;
}

/** Whether the line has a hash pip checks (not only md5 ones). */
const checkedHash = (line: string) => /\s--hash=sha(256|384|512):/.test(line);

/** Whether the lock records only md5 hashes for the line, which pip does not check. */
export const onlyMd5 = (line: string) => !checkedHash(line) && /\s--hash=md5:/.test(line);

/** A requirement from a source archive (`name @ .../x.tar.gz`), which pip builds. */
const SOURCE_ARCHIVE =
  /^([^\s@[;]+)(?:\[[^\]]*\])?\s+@\s+\S+?\.(?:tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip)(?:[#?]\S*)?(?:\s|$)/i;

/**
 * The packages of lines that are source archives: pip builds each, and
 * installs the build tools it asks for (setuptools...) without checking
 * any hash (its isolated build environment), hash-checking mode or not.
 */
export function sourceArchives(lines: readonly string[]): string[] {
  return lines.flatMap((l) => SOURCE_ARCHIVE.exec(l)?.[1] ?? []);
}

/**
 * The first pip-args argument that adds requirements of its own (`-r
 * other.txt`, `-e ./lib`, or a requirement named among the options, as
 * `boto3-stubs`), as it is written: the lockfile has no hashes for them, so
 * pip in hash-checking mode would refuse them. Read as pip reads them: the
 * value of an option (`--extra-index URL`) is none, `--req FILE` is `-r`.
 */
export function addedRequirements(pipArgs: readonly string[] = []): string | undefined {
  const { options, positional } = parsePipArgs(pipArgs);
  const adding = [
    ...options.filter((o) => o.names.includes('--requirement') || o.names.includes('--editable')),
    ...positional.map(({ arg, at }) => ({ written: arg, at })),
  ];
  return adding.sort((a, b) => a.at - b.at)[0]?.written;
}

/**
 * The lines for pip's hash-checking mode, which is all or nothing (one
 * `--hash` turns it on, and then every requirement needs one): as they are
 * when every line has its hashes; else all without, and the first line that
 * has none (a git, folder or URL entry, or a package the lock records no
 * hash for), which says why pip checks nothing. `added`: requirements
 * pip-args adds (see addedRequirements), which turn checking off too.
 */
export function hashChecked(
  lines: readonly string[],
  added?: string,
): { requirements: string[]; unhashed?: string } {
  const unhashed = added ?? lines.find((l) => !checkedHash(l));
  if (unhashed === undefined) return { requirements: [...lines] };
  return { requirements: lines.map((l) => l.replace(/\s+--hash=\S+/g, '')), unhashed };
}
