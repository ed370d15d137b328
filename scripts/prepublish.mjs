// npm publish runs this first (prepublishOnly). Publishing is a release step:
// it needs LAMBDA_DEPLOY_PUBLISH=1 (the release workflow sets it) and a dist/
// that is exactly what the sources build, so nothing goes out by accident.
import { execFileSync } from 'node:child_process';

if (process.env.LAMBDA_DEPLOY_PUBLISH !== '1') {
  console.error(
    'Refusing to publish: publishing is part of a release (see README, Releases). Set LAMBDA_DEPLOY_PUBLISH=1 to publish on purpose.',
  );
  process.exit(1);
}
execFileSync(process.execPath, ['scripts/check-dist.mjs'], { stdio: 'inherit' });
