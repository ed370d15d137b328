/**
 * Packages a lockfile pins from another index than PyPI (pure): uv.lock's
 * `source = { registry = URL }`, poetry.lock's `[package.source] type =
 * "legacy"`, Pipfile.lock's `"index"`. Each is written as `name==version`,
 * which pip looks for only on the index it is set to (PyPI, unless pip-args
 * or PIP_INDEX_URL say otherwise): the build warns when nothing reaches it.
 */
import { Inputs } from '../settings/names.js';
import { inputName, type Surface } from '../settings/surface.js';

/** An index the lock's packages come from that is not PyPI: its name (when the lock gives one), URL (credentials hidden) and packages. */
export interface LockIndex {
  name?: string;
  url: string;
  packages: string[];
}

/** PyPI's index, as lockfiles write it. */
function isPyPI(url: string): boolean {
  return /^https?:\/\/(pypi\.org|pypi\.python\.org)\/(simple|pypi)\/?$/i.test(url);
}

/**
 * The URL without a user or password (lockfile sources may hold them, or ${VARS} for them):
 * up to the authority's last @, as URL parsers read it, so an unencoded @ in a password goes too.
 */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/** Collects the packages of each index that is not PyPI, in the order met. */
export function indexesOf() {
  const indexes = new Map<string, LockIndex>();
  return {
    add(url: string, pkg: string, name?: string) {
      if (isPyPI(url)) return;
      const key = name ?? url;
      const known = indexes.get(key) ?? {
        ...(name !== undefined && { name }),
        url: withoutCredentials(url),
        packages: [],
      };
      if (!known.packages.includes(pkg)) known.packages.push(pkg);
      indexes.set(key, known);
    },
    found: (): LockIndex[] => [...indexes.values()],
  };
}

/**
 * The warning for packages locked from another index, unless pip-args or
 * pip's PIP_INDEX_URL / PIP_EXTRA_INDEX_URL (in `env`, pip's environment)
 * name its host: pip would look for them on PyPI (or the index pip is set to).
 */
export function otherIndexWarning(
  index: LockIndex,
  lockfile: string,
  pipArgs: readonly string[],
  surface: Surface = 'action',
  env: NodeJS.ProcessEnv = {},
): string | undefined {
  let host: string | undefined;
  try {
    host = new URL(index.url).host.replace(/^.*@/, '');
  } catch {
    host = undefined;
  }
  const named = [...pipArgs, env.PIP_INDEX_URL ?? '', env.PIP_EXTRA_INDEX_URL ?? ''];
  if (host && named.some((a) => a.includes(host))) return undefined;
  const shown = index.packages.slice(0, 8).join(', ') + (index.packages.length > 8 ? ', …' : '');
  const from = index.name === undefined ? index.url : `"${index.name}" (${index.url})`;
  return (
    `${lockfile} pins ${index.packages.length === 1 ? 'a package' : `${index.packages.length} packages`} (${shown}) from the index ${from}, ` +
    `which lambda-deploy installs by version from the index pip is set to: add --extra-index-url (or --index-url) with that URL to ${inputName(surface, Inputs.PipArgs)}, or set PIP_EXTRA_INDEX_URL to it (which keeps its credentials out of the arguments).`
  );
}
