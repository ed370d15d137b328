/**
 * What init's next steps say of a Node.js build it writes, or does not
 * write (pure): what a workspace member's build installs at the root, why a
 * pnpm or Yarn workspace's dependencies need a bundle, and which pnpm or Yarn
 * corepack runs without a packageManager field.
 */
import type { ManagerFacts, NodeLockfile, NodeWorkspace } from './node-workspace.js';

const MANAGER: Record<NodeLockfile, string> = {
  npm: 'npm',
  pnpm: 'pnpm',
  yarn: 'Yarn',
  'yarn-berry': 'Yarn',
};

function declaredBy(ws: NodeWorkspace): string {
  return `the ${ws.lockfile ? `${MANAGER[ws.lockfile]} ` : ''}workspace at ${rootName(ws)} (${ws.kind === 'pnpm' ? 'its pnpm-workspace.yaml' : "its package.json's workspaces"} takes ${ws.member})`;
}

/** The workspace's root, as the repository's folder names it. */
function rootName(ws: NodeWorkspace): string {
  return ws.at === '.' ? "the repository's root" : ws.at;
}

/** A file or folder at the workspace's root, as the repository's folder names it. */
function atRoot(ws: NodeWorkspace, name: string): string {
  return ws.at === '.' ? `${name} at the repository's root` : `${ws.at}/${name}`;
}

function shown(names: readonly string[]): string {
  const sorted = [...names].sort();
  return sorted.slice(0, 5).join(', ') + (sorted.length > 5 ? `, … (${sorted.length} in all)` : '');
}

/**
 * Why no build is written for a workspace member, or undefined: the root
 * has no lockfile (npm ci and pnpm's frozen install refuse to run, and any
 * other install takes that day's versions), or pnpm or Yarn would install
 * the function's dependencies where the package cannot hold them (pnpm: as
 * links into the root's node_modules/.pnpm; Yarn: hoisted to the root, which
 * only npm's lockfile lets the packaging take from), unless the build bundles them.
 */
export function workspaceBlock(
  ws: NodeWorkspace,
  dependencies: readonly string[],
  bundles: boolean,
): string | undefined {
  if (!ws.lockfile)
    return (
      `${ws.member} is a member of ${declaredBy(ws)}, whose root has no lockfile: no build written, since npm ci and pnpm install --frozen-lockfile refuse to run without one, ` +
      `and another install would take whatever versions are newest that day. Run the install at ${rootName(ws)} (npm install, pnpm install or yarn install), commit the lockfile it writes, and run init again with --force.`
    );
  if (ws.lockfile === 'npm' || !dependencies.length || bundles) return undefined;
  const where =
    ws.lockfile === 'pnpm'
      ? `installs them as links into ${atRoot(ws, 'node_modules/.pnpm')}, whose packages' own dependencies the zip of ${ws.member} would lose`
      : `hoists them into ${atRoot(ws, 'node_modules')}, outside ${ws.member}: only npm's lockfile lets the packaging take them from there`;
  return (
    `${ws.member} is a member of ${declaredBy(ws)}, and its package.json lists dependencies (${shown(dependencies)}): no build written, ` +
    `since ${MANAGER[ws.lockfile]} ${where}, and Lambda would fail with "Cannot find module" (the deploy refuses it first). ` +
    `Bundle the function in its build script (esbuild --bundle --platform=node, say: its packages then belong in devDependencies) and run init again with --force; ` +
    `or deploy with the action, after a step of your own that writes a folder holding the function with its dependencies as plain folders, as its path` +
    (ws.lockfile === 'pnpm'
      ? ' (pnpm --filter <package> --prod deploy <folder>, with node-linker=hoisted).'
      : '.')
  );
}

/** What a workspace member's build installs, and where the packaging finds it. */
export function workspaceNote(ws: NodeWorkspace, lockfile: NodeLockfile): string {
  const lock = atRoot(ws, ws.lockfileName ?? '');
  if (lockfile === 'npm')
    return (
      `${ws.member} is a member of ${declaredBy(ws)}: npm ci, run in ${ws.member}, installs the whole workspace from ${lock}, hoisting the function's dependencies into ${atRoot(ws, 'node_modules')}; ` +
      `the packaging takes those its code loads from there, as that lockfile resolves them (a workspace package it depends on as npm packs it, after the build runs its build script, if it has one, before the function's: npm ci runs only its prepare).`
    );
  return (
    `${ws.member} is a member of ${declaredBy(ws)}: ${MANAGER[lockfile]}'s install, run in ${ws.member}, installs the whole workspace from ${lock}; ` +
    'the function loads no dependency at run time (a bundle), so leave its node_modules out of the package (exclude: "node_modules/**").'
  );
}

/** For an npm workspace member its root's lockfile does not list: npm ci refuses to install from it. */
export function unlistedNote(ws: NodeWorkspace): string {
  const lock = ws.lockfileName ?? 'package-lock.json';
  return `${atRoot(ws, lock)} does not list ${ws.member}, and npm ci refuses a lockfile out of step with the workspace's package.json files: run npm install at ${rootName(ws)} and commit ${lock}.`;
}

/** The pnpm release that writes each pnpm-lock.yaml lockfileVersion. */
function pnpmFor(version: string | undefined): number | undefined {
  if (!version) return undefined;
  if (version.startsWith('5.3')) return 6;
  if (version.startsWith('5.4')) return 7;
  if (version.startsWith('6.')) return 8;
  return version.startsWith('9.') ? 9 : undefined;
}

/**
 * Which pnpm or Yarn `corepack enable` then runs: packageManager's, else
 * (corepack's default with no last-known-good file, as on a fresh runner)
 * the newest release of the registry's `pnpm` or `yarn` package, which for
 * Yarn is Yarn 1: it cannot read a Yarn 2+ lockfile, unless .yarnrc.yml's
 * yarnPath names the release to run (`fails`: no build then). Undefined for npm.
 */
export function corepackNote(
  lockfile: NodeLockfile | undefined,
  facts: ManagerFacts,
  manifest: string,
): { note: string; fails?: boolean } | undefined {
  if (!lockfile || lockfile === 'npm') return undefined;
  const name = lockfile === 'pnpm' ? 'pnpm' : 'yarn';
  const pinned = /^(pnpm|yarn|npm)@/.exec(facts.packageManager ?? '')?.[1];
  if (pinned && pinned !== name)
    return {
      fails: true,
      note: `${manifest}'s ${facts.pinnedBy ?? 'packageManager'} (${facts.packageManager}) names ${pinned}, which corepack runs in place of ${name} (whose lockfile is there) or refuses: no build written; make ${facts.pinnedBy ?? 'packageManager'} name the ${name} that wrote the lockfile (corepack use ${name}@<version>) and run init again with --force.`,
    };
  if (pinned) return undefined;
  const release = pnpmFor(facts.lockfileVersion);
  const pin =
    lockfile === 'pnpm'
      ? `pnpm@${release ?? '<version>'}`
      : lockfile === 'yarn'
        ? 'yarn@1'
        : 'yarn@<version>';
  const howToPin = `pin it: run corepack use ${pin} where ${manifest} is (it writes packageManager there) and commit it`;
  if (lockfile === 'pnpm')
    return {
      note: `${manifest} has no packageManager field, so corepack runs the newest pnpm on the npm registry when the build runs, which may not be the pnpm that wrote pnpm-lock.yaml (lockfileVersion ${facts.lockfileVersion ?? 'unknown'}${release ? `: pnpm ${release}${release === 9 ? ' or later' : ''}` : ''}); ${howToPin}.`,
    };
  if (lockfile === 'yarn' || facts.yarnPath)
    return {
      note: `${manifest} has no packageManager field, so corepack runs the newest Yarn 1 on the npm registry${facts.yarnPath ? ", which hands over to the release .yarnrc.yml's yarnPath names" : ''}; ${howToPin}.`,
    };
  return {
    fails: true,
    note: `${manifest} has no packageManager field (nor .yarnrc.yml a yarnPath), so corepack would run Yarn 1, the npm registry's newest yarn, which does not read this yarn.lock (Yarn 2 or later's): no build written; ${howToPin.replace('pin it', 'pin the Yarn that wrote it')}, then run init again with --force.`,
  };
}

/**
 * A package.json above the function's folder that does not parse: npm and Yarn refuse it too, but
 * init cannot tell whether its `workspaces` take the folder, so it said so rather than guess.
 * `path` is relative to the repository's folder.
 */
export function unparsableNote(path: string, error: string): string {
  const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : "the repository's root";
  return `${path} does not parse as JSON (${error}): init took ${folder} for no workspace; fix it, then run init again with --force.`;
}
