// Builds the committed bundles: dist/index.js (the action) and dist/cli/index.js (npx lambda-deploy).
// `node scripts/build.mjs OUTDIR` builds elsewhere (check-dist compares the two).
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'dist');
const ncc = resolve('node_modules/@vercel/ncc/dist/ncc/cli.js');
rmSync(out, { recursive: true, force: true });
const bundles = [
  ['src/index.ts', out],
  ['src/cli/index.ts', join(out, 'cli')],
];
for (const [entry, dir] of bundles) {
  execFileSync(
    process.execPath,
    [ncc, 'build', entry, '-o', dir, '--target', 'es2022', '--transpile-only', '--quiet'],
    {
      stdio: 'inherit',
    },
  );
}
// The CLI runs as a bin: it needs a shebang and the executable bit.
const cli = join(out, 'cli', 'index.js');
const code = readFileSync(cli, 'utf8');
if (!code.startsWith('#!')) writeFileSync(cli, `#!/usr/bin/env node\n${code}`);
chmodSync(cli, 0o755);
