/**
 * The workspace packages an npm workspace member depends on that have a
 * build script, in the order to build them (pure): npm ci runs their prepare
 * scripts, not build, and the member's build (tsc) and the packaging need
 * their built files. Read from the root's package-lock.json: each of the
 * member's dependencies (devDependencies too: the build needs them) npm
 * linked to a workspace folder, then theirs in turn, each after those it
 * depends on; a cycle ends where it began.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** The names to build first (`@acme/shared`), deepest first; none when the lockfile does not parse. */
export function workspaceBuildOrder(
  lockText: string,
  member: string,
  hasBuild: (folder: string) => boolean,
): string[] {
  let lock: unknown;
  try {
    lock = JSON.parse(lockText);
  } catch {
    return [];
  }
  const packages = isRecord(lock) && isRecord(lock.packages) ? lock.packages : {};
  const entry = (key: string) => (isRecord(packages[key]) ? packages[key] : undefined);
  // The workspace folder a name is linked to, as Node.js finds it from `from`: its own node_modules, then the root's.
  const linkedFolder = (from: string, name: string): string | undefined => {
    const found = entry(`${from}/node_modules/${name}`) ?? entry(`node_modules/${name}`);
    return found?.link === true && typeof found.resolved === 'string' ? found.resolved : undefined;
  };
  const order: string[] = [];
  const seen = new Set([member]);
  const visit = (folder: string): void => {
    const own = entry(folder) ?? {};
    for (const name of FIELDS.flatMap((f) => (isRecord(own[f]) ? Object.keys(own[f]) : []))) {
      const target = linkedFolder(folder, name);
      if (!target || seen.has(target)) continue;
      seen.add(target);
      visit(target);
      if (hasBuild(target)) order.push(name);
    }
  };
  visit(member);
  return order;
}

/** A word for bash: as it is when it holds only a package name's usual characters, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@./=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
