/**
 * `npm run bench`: performance figures of lambda-deploy. Each section is a
 * function returning its figures; add sections below.
 */
import { runPackagingBench } from './packaging-bench.js';

async function main(): Promise<void> {
  await runPackagingBench();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
