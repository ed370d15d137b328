import { existsSync } from 'node:fs';
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
