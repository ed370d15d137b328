// Jest global setup: the end-to-end tests run bundles built from the current
// sources (built once per change of the sources, reused while they stay the
// same), never a dist/ that a change to src/ has left behind.
import { join } from 'node:path';
import { cachedBuild } from '../../scripts/build-cache.mjs';

export default function buildBundlesUnderTest() {
  const dir = cachedBuild();
  process.env.LAMBDA_DEPLOY_DIST = join(dir, 'index.js');
  process.env.LAMBDA_DEPLOY_DIST_CLI = join(dir, 'cli', 'index.js');
}
