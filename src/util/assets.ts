import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of files shipped with the action that are not JavaScript: the
 * Python adapter and the local runtime bootstraps (`runtime/` at the top of
 * the repository). Found by walking up from this module, so it works from
 * src/ under jest and from the ncc bundle in dist/.
 */
export function runtimeAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'runtime');
    if (existsSync(join(candidate, 'ASSETS'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('lambda-deploy: the runtime/ folder shipped with the action was not found');
}

/**
 * The version of the lambda-deploy package this code came with: the nearest
 * package.json above it that has a name (dist/ holds nameless ones that only
 * set the module type).
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
