// dist/ must be exactly what the build produces from the committed sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cachedBuild } from './build-cache.mjs';

function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => relative(dir, f))
    .sort();
}

const fresh = cachedBuild();
const expected = files(fresh);
const actual = files('dist');
const problems = [];
for (const f of expected) {
  if (!actual.includes(f)) problems.push(`missing in dist/: ${f}`);
  else if (!readFileSync(join(fresh, f)).equals(readFileSync(join('dist', f))))
    problems.push(`differs: dist/${f}`);
}
for (const f of actual) if (!expected.includes(f)) problems.push(`not produced by the build: dist/${f}`);
if (problems.length) {
  console.error(
    `dist/ is not what the build produces. Run \`npm run build\` and commit dist/.\n${problems.join('\n')}`,
  );
  process.exit(1);
}
console.log(`dist/ matches the build (${expected.length} files).`);
