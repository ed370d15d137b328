// Jest global setup: the end-to-end tests run bundles built from the current
// sources (built once per change of the sources, reused while they stay the
// same), never a dist/ that a change to src/ has left behind. The action bundle runs on
// the action's Node (the runner's once fetched: see actionNode in scripts/runner-node.mjs),
// the CLI bundle on jest's own.
// Every temp folder of the run (the suites', and those of the bundles, runtimes
// and Python processes they start) goes under one folder that global teardown
// removes: the suites need not clean up after themselves for /tmp to stay clean.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { cachedBuild } from '../../scripts/build-cache.mjs';
import { actionNode, recordActionNode } from '../../scripts/runner-node.mjs';

export default function buildBundlesUnderTest() {
  const dir = cachedBuild();
  process.env.LAMBDA_DEPLOY_DIST = join(dir, 'index.js');
  process.env.LAMBDA_DEPLOY_DIST_CLI = join(dir, 'cli', 'index.js');
  // Decided once: every suite starts dist/index.js on it (run-action.ts).
  const node = actionNode();
  process.env.LAMBDA_DEPLOY_ACTION_NODE = node.path;
  recordActionNode(node, basename(dir));
  console.log(
    `\nThe action bundle runs on Node ${node.version} (${node.path}: ${node.why}); the CLI bundle on ${process.version}.`,
  );
  // The workers and every process they start inherit it; os.tmpdir() and Python's tempfile read it.
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'lambda-deploy-tests-'));
  // `python3` on PATH (what the packager, the local runtime and the tests' zip checks start when
  // LAMBDA_DEPLOY_PYTHON is unset) may be a version manager's shim (pyenv's: a bash script that looks
  // the version up on every start, ~0.1 s of CPU, hundreds of starts in a run). Its interpreter's
  // folder goes first on PATH, as the shim itself does for the process it starts: the same Python.
  process.env.PATH = withoutPythonShim(process.env.PATH ?? '');
  // Tests reach only 127.0.0.1: where no region or credentials are given, the AWS SDK
  // would otherwise ask the instance metadata service (169.254.169.254) for them.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

/** PATH with the folder of the interpreter `python3` runs first, when `python3` on PATH is not that interpreter. */
function withoutPythonShim(path) {
  const found = path
    .split(delimiter)
    .map((dir) => join(dir || '.', 'python3'))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (!found) return path;
  let executable;
  try {
    executable = execFileSync(found, ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return path;
  }
  if (!executable || realpathSync(found) === realpathSync(executable)) return path;
  return `${dirname(executable)}${delimiter}${path}`;
}
