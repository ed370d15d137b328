// Builds the committed bundles: dist/index.js (the action) and dist/cli/index.js (the CLI).
// `node scripts/build.mjs OUTDIR` builds elsewhere (check-dist and the end-to-end tests do).
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'dist');
const ncc = resolve('node_modules/@vercel/ncc/dist/ncc/cli.js');
rmSync(out, { recursive: true, force: true });

function bundle(entry, dir) {
  const args = [ncc, 'build', entry, '-o', dir, '--target', 'es2022', '--transpile-only', '--quiet'];
  return new Promise((done, fail) => {
    spawn(process.execPath, args, { stdio: 'inherit' }).on('close', (code) =>
      code === 0 ? done() : fail(new Error(`ncc build ${entry} exited with ${code}`)),
    );
  });
}

// Two independent bundles: built side by side (about half the time on two cores).
await Promise.all([bundle('src/index.ts', out), bundle('src/entry/cli/index.ts', join(out, 'cli'))]);

// The CLI runs as a bin: it needs a shebang and the executable bit.
const cli = join(out, 'cli', 'index.js');
const code = readFileSync(cli, 'utf8');
if (!code.startsWith('#!')) writeFileSync(cli, `#!/usr/bin/env node\n${code}`);
chmodSync(cli, 0o755);

// ncc copies any file its asset relocation takes for one the code reads (resolve(dir, 'tsconfig.json')
// once bundled every node_modules tsconfig.json): the bundles hold code and package.json only.
const assets = readdirSync(out, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && !/^(\d+\.)?index\.js$|^package\.json$/.test(e.name))
  .map((e) => join(e.parentPath, e.name));
if (assets.length) {
  console.error(
    `ncc copied files the bundles must not carry (an fs call on a literal path?):\n${assets.slice(0, 10).join('\n')}`,
  );
  process.exit(1);
}
