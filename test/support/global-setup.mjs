// Jest global setup: the end-to-end tests run bundles built from the current
// sources (built once per change of the sources, reused while they stay the
// same), never a dist/ that a change to src/ has left behind.
// Every temp folder of the run (the suites', and those of the bundles, runtimes
// and Python processes they start) goes under one folder that global teardown
// removes: the suites need not clean up after themselves for /tmp to stay clean.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedBuild } from '../../scripts/build-cache.mjs';

export default function buildBundlesUnderTest() {
  const dir = cachedBuild();
  process.env.LAMBDA_DEPLOY_DIST = join(dir, 'index.js');
  process.env.LAMBDA_DEPLOY_DIST_CLI = join(dir, 'cli', 'index.js');
  // The workers and every process they start inherit it; os.tmpdir() and Python's tempfile read it.
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'lambda-deploy-tests-'));
  // Tests reach only 127.0.0.1: where no region or credentials are given, the AWS SDK
  // would otherwise ask the instance metadata service (169.254.169.254) for them.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}
