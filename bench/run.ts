/**
 * `npm run bench`: performance figures of lambda-deploy, each printed side by
 * side with its baseline in the same run.
 */
import { runAwsCallsBench } from './aws-calls.js';
import { runDeployPathBench } from './deploy-path.js';
import { runPackagingBench } from './packaging-bench.js';
import { runServeBench } from './serve-bench.js';
import { runSlimBench } from './slim-bench.js';

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'aws') await runAwsCallsBench();
  if (!only || only === 'aws' || only === 'deploy-path') await runDeployPathBench();
  if (!only || only === 'serve') await runServeBench();
  if (!only || only === 'packaging') await runPackagingBench();
  if (!only || only === 'slim') await runSlimBench();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
