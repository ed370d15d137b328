/**
 * The `build` init writes into the caller workflow: the reusable workflow runs
 * no build of its own, and Lambda does not read package.json's "main", so a
 * Node.js function whose handler a package.json script writes (TypeScript
 * compiled to dist/, not committed) would deploy without it. Written when
 * package.json has a build (or prepare) script and the handler's file is
 * missing or in an output folder git does not keep, with the package manager
 * of its lockfile; in a workspace (a monorepo's member), the root's, which
 * installs every member there, and also when the folder only has dependencies
 * to install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import {
  enclosingNodeWorkspace,
  lockfileIn,
  managerFacts,
  type ManagerFacts,
  type NodeLockfile,
  type NodeWorkspace,
} from './node-workspace.js';
import { corepackNote, unlistedNote, workspaceBlock, workspaceNote } from './workspace-build-notes.js';
import { shellWord, workspaceBuildOrder } from './workspace-build-order.js';
import { readJsonWithComments } from '../util/json-with-comments.js';
import { tsconfigOutDir } from '../util/tsconfig-out-dir.js';

/** What init reads of the function's folder (buildFacts), for initBuild to decide (pure). */
export interface BuildFacts extends ManagerFacts {
  /** package.json's scripts; undefined without a readable package.json. */
  scripts?: Record<string, unknown>;
  /** The handler's candidate files (index.js, .mjs, .cjs), whether each is there and whether git keeps it. */
  handlerFiles: readonly { path: string; present: boolean; tracked?: boolean }[];
  /** tsconfig.json's compilerOptions.outDir (or that of a file it extends), relative to the folder: `lib`. */
  outDir?: string;
  /** The folder's lockfile's package manager; in a workspace, the root's. */
  lockfile?: NodeLockfile;
  /** The workspace the folder is a member of (no lockfile of its own). */
  workspace?: NodeWorkspace;
  /** package.json's `dependencies`: what Lambda loads from node_modules at run time. */
  dependencies?: readonly string[];
  /** A folder with its own npm lockfile that a package.json's `workspaces` take: npm installs it alone only with --no-workspaces. */
  alone?: boolean;
  /** An npm workspace member's workspace packages with a build script, built before it (`@acme/shared`). */
  buildFirst?: readonly string[];
  /** An npm workspace member the root's lockfile does not list (a folder added since): npm ci refuses it. */
  unlisted?: boolean;
  /** Package.json files above the folder, looked at for a workspace, that do not parse (their path, the JSON error). */
  unparsable?: readonly { path: string; error: string }[];
}

export interface InitBuild {
  /** The workflow's `build:`; undefined when no command init can write makes the folder deployable (`notes` say why). */
  command?: string;
  /** The script that writes the handler (build or prepare); none when the build only installs (a workspace's). */
  script?: string;
  /** The handler's file it writes. */
  file?: string;
  lockfile?: BuildFacts['lockfile'];
  workspace?: NodeWorkspace;
  /** Next-step lines: what a workspace's build installs, the pnpm or Yarn corepack picks, why no build is written. */
  notes: string[];
}

/** Folders builds write into and repositories do not keep. */
const OUTPUT_FOLDERS = ['dist', 'build', 'out'];

/** Commands that install git hooks (a prepare script's usual work), which build nothing. */
const HOOK_INSTALLER =
  /^((npx\s+)?(is-ci|husky(\s+install)?(\s+\S+)?|lefthook\s+install|simple-git-hooks)|node\s+\.husky\/\S+)$/;

/** Bundlers: a script that runs one leaves no package for node_modules to hold (esbuild needs --bundle). */
const BUNDLER =
  /\b(esbuild\b[^&|;]*--bundle|tsup|ncc\s+build|webpack|rollup|rspack|parcel\s+build|bun\s+build)\b/;

/** Whether a script does more than install git hooks: `husky install` builds no handler. */
function builds(script: unknown): boolean {
  if (typeof script !== 'string') return false;
  return script.split(/&&|\|\||;/).some((part) => part.trim() !== '' && !HOOK_INSTALLER.test(part.trim()));
}

function topFolder(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '').split('/')[0] ?? '';
}

/** The folders a build writes into: dist, build, out and tsconfig.json's outDir. */
function outputFolders(facts: BuildFacts): string[] {
  return [...OUTPUT_FOLDERS, ...(facts.outDir ? [topFolder(facts.outDir)] : [])];
}

/**
 * The handler's file built here (tsc run by hand) in an output folder git
 * does not keep, with no script for the workflow's build to run: the
 * checkout the workflow deploys from lacks it, and nothing builds it there.
 * Undefined otherwise; the caller asks only inside a git checkout.
 */
export function unbuiltHandlerNote(facts: BuildFacts): string | undefined {
  if (['build', 'prepare'].some((s) => builds(facts.scripts?.[s]))) return undefined;
  const present = facts.handlerFiles.find((f) => f.present);
  if (!present || present.tracked) return undefined;
  const folder = topFolder(present.path);
  if (!outputFolders(facts).includes(folder)) return undefined;
  return (
    `${present.path} is here but not in git, in ${folder}/ where a build writes: the workflow's checkout will not have it, ` +
    `and package.json has no build script for the workflow to run. Add one ("build": "tsc") and run init again with --force, or commit ${present.path}.`
  );
}

/** The script that writes the handler and its file; undefined with none, or the handler's file committed. */
function handlerBuild(facts: BuildFacts): { script: string; file: string } | undefined {
  const script = ['build', 'prepare'].find((s) => builds(facts.scripts?.[s]));
  const [first] = facts.handlerFiles;
  if (!script || !first) return undefined;
  const outputs = outputFolders(facts);
  const present = facts.handlerFiles.find((f) => f.present);
  // Committed where a build writes (the reusable workflow built nothing before): deployed as committed.
  if (present && (present.tracked || !outputs.includes(topFolder(present.path)))) return undefined;
  return { script, file: (present ?? first).path };
}

/**
 * Undefined when nothing needs building: no script (or one that installs git
 * hooks only), or the handler's file committed; in a workspace, also when
 * the folder has no dependencies. A workspace member's build installs the
 * whole workspace at its root (the packaging installs only a folder with a
 * lockfile of its own); none is written where the package could not hold
 * what it installs (see workspaceBlock) or corepack would run a package
 * manager that does not read the lockfile.
 */
export function initBuild(facts: BuildFacts): InitBuild | undefined {
  const handler = handlerBuild(facts);
  const ws = facts.workspace;
  if (!handler && !(ws && facts.dependencies?.length)) return undefined;
  const manifest = ws && ws.at !== '.' ? `${ws.at}/package.json` : 'package.json';
  const corepack = corepackNote(facts.lockfile, facts, manifest);
  const base = { ...handler, lockfile: facts.lockfile, ...(ws && { workspace: ws }) };
  const bundles = BUNDLER.test(String(handler ? facts.scripts?.[handler.script] : ''));
  const blocked = ws ? workspaceBlock(ws, facts.dependencies ?? [], bundles) : undefined;
  if (blocked) return { ...base, notes: [blocked, ...(corepack ? [corepack.note] : [])] };
  if (corepack?.fails) return { ...base, notes: [corepack.note] };
  return {
    ...base,
    command: buildCommand(facts.lockfile, handler?.script, facts.alone, facts.buildFirst),
    notes: [
      ...(ws && facts.lockfile ? [workspaceNote(ws, facts.lockfile)] : []),
      ...(ws && facts.unlisted ? [unlistedNote(ws)] : []),
      ...(corepack ? [corepack.note] : []),
    ],
  };
}

/**
 * Install (devDependencies too: the build needs them; the package leaves out
 * those npm's lockfile marks dev), then the script. npm ci and pnpm install
 * run the prepare scripts themselves (a workspace's members' too). pnpm and
 * yarn come through corepack, which setup-node's Node.js carries. In a
 * workspace member's folder each installs the whole workspace at its root;
 * npm, in one with its own lockfile (`alone`), there with --no-workspaces.
 */
function buildCommand(
  lockfile: BuildFacts['lockfile'],
  script: string | undefined,
  alone?: boolean,
  buildFirst: readonly string[] = [],
): string {
  const install = {
    // Without --no-workspaces, npm ci in a member installs at the root, from the root's lockfile (or none).
    npm: alone ? 'npm ci --no-workspaces' : 'npm ci',
    // npm ci refuses to run without a lockfile; npm install writes one.
    none: 'npm install',
    pnpm: 'corepack enable && pnpm install --frozen-lockfile',
    yarn: 'corepack enable && yarn install --frozen-lockfile',
    'yarn-berry': 'corepack enable && yarn install --immutable',
  }[lockfile ?? 'none'];
  const runner = lockfile?.startsWith('yarn') ? 'yarn' : lockfile === 'pnpm' ? 'pnpm' : 'npm';
  const first =
    lockfile === 'npm' ? buildFirst.map((name) => `npm run build --workspace=${shellWord(name)}`) : [];
  const own = !script || (script === 'prepare' && runner !== 'yarn') ? [] : [`${runner} run ${script}`];
  return [install, ...first, ...own].join(' && ');
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

/**
 * The facts of `folder` for a Node.js handler whose candidate files are
 * `handlerFiles`; the workspace it is a member of, up to `top` (the
 * repository's folder; the folder's parent when not given).
 */
export function buildFacts(folder: string, handlerFiles: readonly string[], top?: string): BuildFacts {
  const manifest = readJsonWithComments(join(folder, 'package.json')) as
    { scripts?: unknown; dependencies?: unknown } | undefined;
  const unparsable: { path: string; error: string }[] = [];
  const enclosing = enclosingNodeWorkspace(folder, top ?? dirname(resolve(folder)), (path, error) =>
    unparsable.push({ path, error }),
  );
  const own = lockfileIn(folder)?.lockfile;
  const workspace = own ? undefined : enclosing;
  const lockFolder = workspace ? resolve(folder, relativeRoot(workspace)) : folder;
  const deps = manifest?.dependencies;
  const outDir = tsconfigOutDir(folder);
  const scripts = manifest?.scripts;
  const tracked = trackedFiles(folder, handlerFiles);
  return {
    ...(typeof scripts === 'object' && scripts !== null && { scripts: scripts as Record<string, unknown> }),
    handlerFiles: handlerFiles.map((path) => ({
      path,
      present: existsSync(join(folder, path)),
      tracked: tracked.has(posix.normalize(path.replace(/\\/g, '/'))),
    })),
    ...(outDir !== undefined && { outDir }),
    lockfile: workspace ? workspace.lockfile : own,
    ...(workspace && { workspace }),
    ...(own === 'npm' && enclosing?.kind === 'package.json' && { alone: true }),
    ...(workspace?.lockfile === 'npm' && rootLockFacts(lockFolder, workspace)),
    ...(typeof deps === 'object' && deps !== null && { dependencies: Object.keys(deps) }),
    ...(unparsable.length && { unparsable }),
    ...managerFacts(folder, lockFolder, top ?? folder),
  };
}

/** The workspace's root from the member's folder (`services/api` gives `../..`). */
function relativeRoot(ws: NodeWorkspace): string {
  return ws.member
    .split('/')
    .map(() => '..')
    .join('/');
}

/**
 * What the npm workspace root's lockfile says of the member: the workspace
 * packages it depends on whose build script runs before its own
 * (workspaceBuildOrder), and whether it lists the member at all.
 */
function rootLockFacts(root: string, ws: NodeWorkspace): Pick<BuildFacts, 'buildFirst' | 'unlisted'> {
  let lockText = '';
  try {
    lockText = readFileSync(join(root, ws.lockfileName ?? ''), 'utf8');
  } catch {
    return {};
  }
  const scripts = (folder: string) =>
    (
      readJsonWithComments(join(root, folder, 'package.json')) as
        { scripts?: Record<string, unknown> } | undefined
    )?.scripts;
  const buildFirst = workspaceBuildOrder(lockText, ws.member, (folder) => builds(scripts(folder)?.build));
  const packages = (readJsonText(lockText) as { packages?: unknown } | undefined)?.packages;
  // npm 7+'s lockfiles (v2, v3) list each workspace folder under packages.
  const unlisted = typeof packages === 'object' && packages !== null && !(ws.member in packages);
  return { buildFirst, ...(unlisted && { unlisted }) };
}

function readJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
