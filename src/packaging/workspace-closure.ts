/**
 * The packages a workspace member needs at run time, as the workspace root's
 * npm lockfile (v2/v3) records them (pure): from the member's `dependencies`
 * (and the optional and peer ones npm installed), each name resolved the way
 * Node.js does, from the requiring folder up to the root's node_modules, then
 * their own dependencies in turn. The folders it gives are the lockfile's
 * keys, relative to the workspace root. A workspace package npm linked
 * (`"link": true`) is followed to its folder, whose production dependencies
 * count in turn; each is given once, so a cycle of them ends.
 */

/**
 * A workspace package npm linked into node_modules (`node_modules/@acme/shared`
 * to `packages/shared`): its folder, relative to the root as the lockfile
 * writes it, and where the zip holds it (`at`), as npm installs it from a tarball.
 */
export interface WorkspaceSibling {
  name: string;
  folder: string;
  at: string;
}

/**
 * The folders to package, and the linked workspace packages among them, or
 * why the lockfile cannot give them (the caller then fails as before).
 */
export type WorkspaceClosure = { folders: string[]; siblings: WorkspaceSibling[] } | { unsupported: string };

interface LockEntry {
  version?: string;
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Where the zip holds the lockfile's folder `key`: a workspace package's own
 * node_modules goes with it, the member's is the zip's; any other as it is.
 */
export function zipPlace(key: string, member: string, siblings: readonly WorkspaceSibling[]): string {
  if (key.startsWith(`${member}/`)) return key.slice(member.length + 1);
  const sibling = siblings.find((s) => key.startsWith(`${s.folder}/`));
  return sibling ? sibling.at + key.slice(sibling.folder.length) : key;
}

/**
 * The member's folder (`packages/api`) in the lockfile's text; undefined when
 * it is not a workspace of it. `only`: start from these of its dependencies
 * alone (those its handler loads), not all of them.
 */
export function workspaceClosure(
  lockText: string,
  member: string,
  only?: readonly string[],
): WorkspaceClosure | undefined {
  let lock: unknown;
  try {
    lock = JSON.parse(lockText);
  } catch {
    return undefined;
  }
  if (!isRecord(lock) || (lock.lockfileVersion !== 2 && lock.lockfileVersion !== 3)) return undefined;
  const packages = lock.packages;
  if (!isRecord(packages) || !isRecord(packages[member])) return undefined;
  const entry = (key: string): LockEntry | undefined =>
    isRecord(packages[key]) ? (packages[key] as LockEntry) : undefined;
  // Node.js looks in <dir>/node_modules for each folder from the requiring one up, never in node_modules/node_modules.
  const resolve = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '') {
      if (!dir.endsWith('node_modules')) {
        const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
        if (entry(key)) return key;
      }
      if (!dir) return undefined;
    }
  };
  const folders = new Set<string>();
  const siblings = new Map<string, WorkspaceSibling>();
  const seen = new Set<string>([member]);
  const queue: { from: string; names: [string, boolean][] }[] = [
    { from: member, names: namesOf(entry(member)!).filter(([name]) => !only || only.includes(name)) },
  ];
  while (queue.length) {
    const { from, names } = queue.shift()!;
    for (const [name, required] of names) {
      const key = resolve(from, name);
      if (!key) {
        if (required) return { unsupported: `${name} (needed by ${from}) is not in the lockfile` };
        continue;
      }
      const found = entry(key)!;
      if (seen.has(key)) continue;
      seen.add(key);
      if (found.link) {
        const folder = found.resolved;
        const target = folder === undefined ? undefined : entry(folder);
        if (!folder || !target)
          return {
            unsupported: `${name} is linked to ${folder ?? 'a folder'} the lockfile does not describe`,
          };
        const at = zipPlace(key, member, [...siblings.values()]);
        const known = siblings.get(folder);
        // Linked from two places, it would sit at two places in the zip, each finding other dependencies.
        if (known && known.at !== at)
          return {
            unsupported: `the workspace package ${folder} is linked both at ${known.at} and at ${at}`,
          };
        if (known) continue;
        siblings.set(folder, { name, folder, at });
        // Its production dependencies, found from its real folder as Node.js does (not its devDependencies).
        queue.push({ from: folder, names: namesOf(target) });
        continue;
      }
      // The member's own node_modules is packaged with its files; what those need may lie above.
      if (!key.startsWith(`${member}/`)) folders.add(key);
      queue.push({ from: key, names: namesOf(found) });
    }
  }
  return { folders: [...folders].sort(), siblings: [...siblings.values()] };
}

/** The names a lockfile entry depends on, each with whether it must be there (optional and peer ones may be absent). */
function namesOf(e: LockEntry): [string, boolean][] {
  const names = new Map<string, boolean>();
  for (const n of Object.keys(e.peerDependencies ?? {})) names.set(n, false);
  for (const n of Object.keys(e.optionalDependencies ?? {})) names.set(n, false);
  for (const n of Object.keys(e.dependencies ?? {})) if (!names.has(n)) names.set(n, true);
  return [...names];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
