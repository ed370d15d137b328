/**
 * Folders and indexes on disk a requirements file has pip read packages
 * from (`--find-links`, `--index-url`, `--extra-index-url` lines) must stay
 * inside the repository, as its package paths must (requirement-paths.ts):
 * a pull request's requirements would otherwise have the deploy read files
 * from the runner outside the checkout (another job's workspace on a
 * self-hosted runner, the tool cache) into a package that is then served.
 * An http(s) index is the index's business. pip-args and pip's environment
 * (PIP_FIND_LINKS...) are the workflow's and the runner's, not checked.
 * Pure, but for resolving links and `exists`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { redact } from '../util/redact.js';
import { parsePipArgs } from '../settings/pip-options.js';
import { isInside, realPath } from './lock-paths.js';
import { lineTokens, type RequirementFile } from './requirement-files.js';
import { filePath, URL_LIKE } from './requirement-paths.js';

const INDEX_OPTIONS = ['--find-links', '--index-url', '--extra-index-url'];

/** The local path an index or links value names (a path, a `file:` URL's), or undefined for another URL. */
const localIndex = (value: string) => filePath(value) ?? (URL_LIKE.test(value) ? undefined : value);

/** Where something pip reads from is written (`file line N`), what, and its path. */
interface Source {
  where: string;
  written: string;
  path: string;
}

/** The sources of a requirements file's option lines; a relative --find-links is read as pip reads it (see below). */
function fileSources({ file, text }: RequirementFile, cwd: string, exists: (p: string) => boolean): Source[] {
  const found: Source[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const tokens = lineTokens(raw);
    if (!tokens[0]?.startsWith('-')) continue;
    for (const option of parsePipArgs(tokens).options) {
      if (!option.value || !option.names.some((n) => INDEX_OPTIONS.includes(n))) continue;
      // pip reads a file's --find-links value, as written (file:../x too), from the file's folder
      // when that is there, else from its own (req_file.py).
      const beside = resolve(dirname(file), option.value);
      const links = option.names.includes('--find-links') && exists(beside);
      const path = links ? beside : localIndex(option.value);
      if (path)
        found.push({ where: `${file} line ${i + 1}`, written: option.written, path: resolve(cwd, path) });
    }
  }
  return found;
}

/**
 * The first folder of packages or index on disk a requirements file (or one
 * it includes) names that leads outside `root` (the repository), links
 * resolved, as a message naming the file, the line, the value and the form
 * expected; undefined when all stay inside. pip runs in `cwd`.
 */
export function indexOutside(
  files: readonly RequirementFile[],
  cwd: string,
  root: string,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const top = realPath(root);
  const outside = files
    .flatMap((f) => fileSources(f, cwd, exists))
    .map((s) => ({ ...s, real: realPath(s.path) }))
    .find((s) => !isInside(top, s.real));
  if (!outside) return undefined;
  return (
    `${outside.where}: "${redact(outside.written)}" reads packages from ${outside.real}, outside the repository (${top}). ` +
    `lambda-deploy reads a folder of packages or an index on disk named in a requirements file only inside the repository, so that a pull request cannot package the runner's other files: ` +
    `give a folder inside ${top} (such as "--find-links wheels/", from the requirements file's folder) or an https:// index.`
  );
}
