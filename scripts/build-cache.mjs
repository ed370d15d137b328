// A build of the current sources, made once and reused while they do not change:
// the end-to-end tests run it (never a stale dist/), and check-dist compares dist/ with it.
// `node scripts/build-cache.mjs` prints its folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** Inside the repository, so the bundles find runtime/ by walking up as they do from dist/. */
const CACHE = join(ROOT, '.tmp', 'build-cache');
/** What the bundles are made of: sources, build settings and the installed dependency tree. */
const INPUTS = [
  'src',
  'scripts/build.mjs',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'node_modules/.package-lock.json',
];

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map((f) => join(path, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** SHA-256 over the names and contents of every input file. */
export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((p) => filesUnder(join(ROOT, p)))) {
    hash.update(`${relative(ROOT, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The folder holding index.js and cli/index.js built from the current sources. */
export function cachedBuild() {
  const dir = join(CACHE, sourceHash());
  if (existsSync(join(dir, 'cli', 'index.js'))) return dir;
  mkdirSync(CACHE, { recursive: true });
  // Older builds are of sources that no longer exist; a partial one is another run's, unless abandoned.
  for (const old of readdirSync(CACHE)) {
    const path = join(CACHE, old);
    if (!old.includes('.partial-') || Date.now() - statSync(path).mtimeMs > 10 * 60_000)
      rmSync(path, { recursive: true, force: true });
  }
  const partial = `${dir}.partial-${process.pid}`;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), partial], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  try {
    renameSync(partial, dir);
  } catch (error) {
    // Another run finished the same build first: use theirs.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(dir, 'cli', 'index.js'))) throw error;
  }
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(cachedBuild());
}
