/**
 * The `build` init writes into the caller workflow: the reusable workflow runs
 * no build of its own, and Lambda does not read package.json's "main", so a
 * Node.js function whose handler a package.json script writes (TypeScript
 * compiled to dist/, not committed) would deploy without it. Written when
 * package.json has a build (or prepare) script and the handler's file is
 * missing or in an output folder git does not keep, with the package manager
 * of its lockfile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** What init reads of the function's folder (buildFacts), for initBuild to decide (pure). */
export interface BuildFacts {
  /** package.json's scripts; undefined without a readable package.json. */
  scripts?: Record<string, unknown>;
  /** The handler's candidate files (index.js, .mjs, .cjs), whether each is there and whether git keeps it. */
  handlerFiles: readonly { path: string; present: boolean; tracked?: boolean }[];
  /** tsconfig.json's compilerOptions.outDir, when it parses as JSON. */
  outDir?: string;
  lockfile?: 'npm' | 'pnpm' | 'yarn' | 'yarn-berry';
}

export interface InitBuild {
  /** The workflow's `build:`. */
  command: string;
  /** The script that writes the handler (build or prepare). */
  script: string;
  /** The handler's file it writes. */
  file: string;
  lockfile?: BuildFacts['lockfile'];
}

/** Folders builds write into and repositories do not keep. */
const OUTPUT_FOLDERS = ['dist', 'build', 'out'];

/** Commands that install git hooks (a prepare script's usual work), which build nothing. */
const HOOK_INSTALLER =
  /^((npx\s+)?(is-ci|husky(\s+install)?(\s+\S+)?|lefthook\s+install|simple-git-hooks)|node\s+\.husky\/\S+)$/;

/** Whether a script does more than install git hooks: `husky install` builds no handler. */
function builds(script: unknown): boolean {
  if (typeof script !== 'string') return false;
  return script.split(/&&|\|\||;/).some((part) => part.trim() !== '' && !HOOK_INSTALLER.test(part.trim()));
}

function topFolder(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '').split('/')[0] ?? '';
}

/** Undefined when nothing needs building: no script (or one that installs git hooks only), or the handler's file committed. */
export function initBuild(facts: BuildFacts): InitBuild | undefined {
  const script = ['build', 'prepare'].find((s) => builds(facts.scripts?.[s]));
  const [first] = facts.handlerFiles;
  if (!script || !first) return undefined;
  const outputs = [...OUTPUT_FOLDERS, ...(facts.outDir ? [topFolder(facts.outDir)] : [])];
  const present = facts.handlerFiles.find((f) => f.present);
  const file = present ?? first;
  // Committed where a build writes (the reusable workflow built nothing before): deployed as committed.
  if (present && (present.tracked || !outputs.includes(topFolder(present.path)))) return undefined;
  return { command: buildCommand(facts.lockfile, script), script, file: file.path, lockfile: facts.lockfile };
}

/**
 * Install (devDependencies too: the build needs them; the package leaves out
 * those npm's lockfile marks dev), then the script. npm ci and pnpm install
 * run the root's prepare script themselves. pnpm and yarn come through
 * corepack, which setup-node's Node.js carries.
 */
function buildCommand(lockfile: BuildFacts['lockfile'], script: string): string {
  const install = {
    npm: 'npm ci',
    // npm ci refuses to run without a lockfile; npm install writes one.
    none: 'npm install',
    pnpm: 'corepack enable && pnpm install --frozen-lockfile',
    yarn: 'corepack enable && yarn install --frozen-lockfile',
    'yarn-berry': 'corepack enable && yarn install --immutable',
  }[lockfile ?? 'none'];
  const runner = lockfile?.startsWith('yarn') ? 'yarn' : lockfile === 'pnpm' ? 'pnpm' : 'npm';
  if (script === 'prepare' && runner !== 'yarn') return install;
  return `${install} && ${runner} run ${script}`;
}

/** JSON, or JSON with comments and trailing commas as tsconfig.json allows (tsc --init writes comments). */
function readJson(path: string): unknown {
  try {
    const text = readFileSync(path, 'utf8')
      // Strings kept whole; comments dropped.
      .replace(
        /("(?:[^"\\\n]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
        (_, str: string | undefined) => str ?? '',
      )
      .replace(
        /("(?:[^"\\\n]|\\.)*")|,(\s*[}\]])/g,
        (_, str: string | undefined, close: string) => str ?? close,
      );
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The files among `paths` (relative to `folder`) git keeps; none outside a checkout or without git. */
function trackedFiles(folder: string, paths: readonly string[]): Set<string> {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--', ...paths], {
      cwd: folder,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return new Set(out.split('\0').filter(Boolean));
  } catch {
    return new Set();
  }
}

/** The lockfile npm, pnpm or yarn (1, or 2+ whose lockfile has __metadata) left in the folder. */
function lockfileOf(folder: string): BuildFacts['lockfile'] {
  if (['npm-shrinkwrap.json', 'package-lock.json'].some((f) => existsSync(join(folder, f)))) return 'npm';
  if (existsSync(join(folder, 'pnpm-lock.yaml'))) return 'pnpm';
  if (!existsSync(join(folder, 'yarn.lock'))) return undefined;
  return /^__metadata:/m.test(readFileSync(join(folder, 'yarn.lock'), 'utf8')) ? 'yarn-berry' : 'yarn';
}

/** The facts of `folder` for a Node.js handler whose candidate files are `handlerFiles`. */
export function buildFacts(folder: string, handlerFiles: readonly string[]): BuildFacts {
  const manifest = readJson(join(folder, 'package.json')) as { scripts?: unknown } | undefined;
  const tsconfig = readJson(join(folder, 'tsconfig.json')) as
    { compilerOptions?: { outDir?: unknown } } | undefined;
  const outDir = tsconfig?.compilerOptions?.outDir;
  const scripts = manifest?.scripts;
  const tracked = trackedFiles(folder, handlerFiles);
  return {
    ...(typeof scripts === 'object' && scripts !== null && { scripts: scripts as Record<string, unknown> }),
    handlerFiles: handlerFiles.map((path) => ({
      path,
      present: existsSync(join(folder, path)),
      tracked: tracked.has(posix.normalize(path.replace(/\\/g, '/'))),
    })),
    ...(typeof outDir === 'string' && { outDir }),
    lockfile: lockfileOf(folder),
  };
}
