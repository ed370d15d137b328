/**
 * pip's installation report (`--report`, pip 22.2 and later): where each
 * installed distribution came from (`install[].download_info.url`, with
 * `archive_info`, `dir_info` or `vcs_info`, PEP 610). The requirements
 * files' paths and folders are checked before pip runs (requirement-paths.ts,
 * index-folders.ts), but a `--find-links` page or an index on disk inside the
 * repository may link to `file:///anywhere`, and a folder of wheels may hold
 * links leading out: only the report says which file pip took. Pure, but for
 * resolving links.
 */
import { dirname, resolve } from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { optionValues, parsePipArgs } from '../settings/pip-options.js';
import { redact } from '../util/redact.js';
import { isInside, realPath } from './lock-paths.js';
import { filePath, URL_LIKE } from './requirement-paths.js';

/** pip options and environment variables that name where packages come from. */
const SOURCE_OPTIONS = ['--find-links', '--index-url', '--extra-index-url', '--editable'];
const SOURCE_VARIABLES = ['PIP_FIND_LINKS', 'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_EDITABLE'];

/**
 * The local paths pip's own arguments and environment (the step's, with
 * its configuration files' entries) name as sources, read from `cwd`.
 */
export function localSourcePaths(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string[] {
  const values = [
    ...SOURCE_OPTIONS.flatMap((o) => optionValues(args, o)),
    ...parsePipArgs(args).positional.map((p) => p.arg),
    ...SOURCE_VARIABLES.flatMap((v) => (env[v] ?? '').trim().split(/\s+/)),
  ];
  return values.flatMap((v) => {
    if (!v) return [];
    const path = filePath(v) ?? (URL_LIKE.test(v) ? undefined : v);
    return path === undefined ? [] : [resolve(cwd, path)];
  });
}

/** Whether `path` is inside `root` as written or once links are followed (which the pull request's content decides). */
function inRepository(root: string, path: string): boolean {
  return isInside(resolve(root), resolve(path)) || isInside(realPath(root), realPath(path));
}

/**
 * Reads pip's configuration files for the folders they name, but for one
 * inside `root` (PIP_CONFIG_FILE naming a file in the checkout): its text
 * is the pull request's, so it counts as empty and names none.
 */
export function workflowConfigReader(root: string): (path: string) => string {
  return (path) => (inRepository(root, path) ? '' : readFileSync(path, 'utf8'));
}

/** An installed distribution and the URL pip took it from. */
export interface ReportedSource {
  name: string;
  version: string;
  url: string;
  /** archive (a wheel or sdist file), dir (a folder), vcs, or unknown. */
  kind: 'archive' | 'dir' | 'vcs' | 'unknown';
}

/** The `install` entries of a report's JSON text; throws on text that is no report. */
export function reportedSources(text: string): ReportedSource[] {
  const report = JSON.parse(text) as { install?: unknown };
  if (!report || typeof report !== 'object' || !Array.isArray(report.install))
    throw new Error('no "install" list');
  return report.install.flatMap((item: unknown) => {
    const { download_info: info, metadata } = (item ?? {}) as {
      download_info?: { url?: unknown; archive_info?: unknown; dir_info?: unknown; vcs_info?: unknown };
      metadata?: { name?: unknown; version?: unknown };
    };
    if (typeof info?.url !== 'string') return [];
    const kind = info.archive_info ? 'archive' : info.dir_info ? 'dir' : info.vcs_info ? 'vcs' : 'unknown';
    return [
      { name: String(metadata?.name ?? '?'), version: String(metadata?.version ?? '?'), url: info.url, kind },
    ];
  });
}

/**
 * The real folders a file: source may come from besides the repository:
 * those the workflow's pip-args, pip's environment and configuration files
 * name (`--find-links`, an index on disk), a file among them standing for
 * its folder. They are the workflow's and the runner's, not the pull
 * request's.
 */
export function trustedFolders(paths: readonly string[], root: string): string[] {
  return paths.flatMap((p) => {
    // A path inside the repository is the repository's, whatever the pull request links it to.
    if (inRepository(root, p)) return [];
    const real = realPath(p);
    try {
      return [statSync(real).isDirectory() ? real : dirname(real)];
    } catch {
      return [real];
    }
  });
}

/**
 * The first distribution pip installed from a local file (`file:` URL, or a
 * version control one on disk) whose real path lies outside `root` and the
 * `trusted` real folders, as a message naming it, the URL and the form
 * expected; undefined when all stay inside. http(s) sources are the index's
 * business.
 */
export function reportOutside(
  sources: readonly ReportedSource[],
  root: string,
  trusted: readonly string[] = [],
): string | undefined {
  const top = realPath(root);
  for (const source of sources) {
    const path = filePath(source.url);
    if (path === undefined) continue;
    const real = realPath(path);
    if (isInside(top, real) || trusted.some((t) => isInside(t, real))) continue;
    return (
      `${source.name}==${source.version} was installed from ${redact(source.url)} (${real}), outside the repository (${top}): ` +
      `a --find-links page, an index on disk or a folder of wheels inside the repository led pip to a file elsewhere on this machine, which lambda-deploy does not package, so that a pull request cannot package the runner's other files. ` +
      `Put the wheel inside ${top} (such as wheels/${source.name}-${source.version}-py3-none-any.whl with "--find-links wheels/") with no link leading out, or install it from an https:// index.`
    );
  }
  return undefined;
}
