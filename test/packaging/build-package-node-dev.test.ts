/** buildPackage of a Node.js function leaves out the packages only devDependencies need. */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWorkspace, names } from './build-workspace.js';

const { project, options } = buildWorkspace();

describe('a Node.js function: packages only devDependencies need are left out', () => {
  const manifest = (name: string, version: string): string => JSON.stringify({ name, version });
  /** An npm-installed tree: production, dev-only (top-level, scoped, nested) and devOptional/optional packages. */
  const tree: Record<string, string> = {
    'index.mjs': 'export const handler = async () => ({ statusCode: 200 });\n',
    'package.json': '{"name":"svc","version":"1.0.0"}',
    'node_modules/left-pad/package.json': manifest('left-pad', '1.3.0'),
    'node_modules/left-pad/index.js': 'module.exports = () => "";\n',
    'node_modules/left-pad/node_modules/pad-test/package.json': manifest('pad-test', '0.1.0'),
    'node_modules/left-pad/node_modules/pad-util/package.json': manifest('pad-util', '0.2.0'),
    'node_modules/typescript/package.json': manifest('typescript', '5.6.3'),
    'node_modules/typescript/lib/tsc.js': '// the compiler\n',
    'node_modules/@types/node/package.json': manifest('@types/node', '22.0.0'),
    'node_modules/jest/package.json': manifest('jest', '29.7.0'),
    'node_modules/jest/node_modules/pretty-format/package.json': manifest('pretty-format', '29.7.0'),
    'node_modules/fsevents/package.json': manifest('fsevents', '2.3.3'),
    'node_modules/opt-prod/package.json': manifest('opt-prod', '1.0.0'),
  };
  const packages = {
    '': { name: 'svc', version: '1.0.0' },
    'node_modules/left-pad': { version: '1.3.0' },
    'node_modules/left-pad/node_modules/pad-test': { version: '0.1.0', dev: true },
    'node_modules/left-pad/node_modules/pad-util': { version: '0.2.0' },
    'node_modules/typescript': { version: '5.6.3', dev: true },
    'node_modules/@types/node': { version: '22.0.0', dev: true },
    'node_modules/jest': { version: '29.7.0', dev: true },
    'node_modules/jest/node_modules/pretty-format': { version: '29.7.0', dev: true },
    'node_modules/fsevents': { version: '2.3.3', devOptional: true },
    'node_modules/opt-prod': { version: '1.0.0', optional: true },
    'node_modules/not-installed': { version: '1.0.0', dev: true },
  };
  const lockfile = (lockfileVersion: number): string =>
    JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion, requires: true, packages });
  const node = { runtime: 'nodejs22.x', handler: 'index.handler' } as const;
  const all = Object.keys(tree).sort();
  const without = (prefixes: string[]): string[] =>
    all.filter((f) => !prefixes.some((p) => f.startsWith(`${p}/`)));
  const devOnly = [
    'node_modules/typescript',
    'node_modules/@types/node',
    'node_modules/jest',
    'node_modules/left-pad/node_modules/pad-test',
  ];

  async function build(
    name: string,
    extra: Record<string, string>,
    overrides: Partial<BuildPackageOptions> = {},
  ) {
    const path = project(name, { ...tree, ...extra });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { ...node, ...overrides }), { logger });
    return { entries: await names(result.zipPath), log: logger.text('info') };
  }

  it('leaves out the folders package-lock.json (v3) marks dev, nested ones too, and says so', async () => {
    const { entries, log } = await build('dev-v3', { 'package-lock.json': lockfile(3) });
    expect(entries).toEqual([...without(devOnly), 'package-lock.json'].sort());
    expect(log).toContain(
      'Left out 4 packages only devDependencies need: @types/node, jest, pad-test, typescript (package-lock.json); ' +
        'package one anyway by naming its folder in include, or with exclude: "!node_modules/@types/node".',
    );
  });

  it("reads npm's hidden lockfile (node_modules/.package-lock.json, v2) when there is no package-lock.json", async () => {
    const { entries, log } = await build('dev-hidden', { 'node_modules/.package-lock.json': lockfile(2) });
    expect(entries).toEqual([...without(devOnly), 'node_modules/.package-lock.json'].sort());
    expect(log).toContain('(node_modules/.package-lock.json)');
  });

  it('reads npm-shrinkwrap.json before package-lock.json, as npm does when both exist', async () => {
    const { entries, log } = await build('dev-shrinkwrap', {
      'npm-shrinkwrap.json': lockfile(3),
      // A stale package-lock.json that npm ignores next to the shrinkwrap: read, it would leave nothing out.
      'package-lock.json': lockfile(1),
    });
    expect(entries).toEqual([...without(devOnly), 'npm-shrinkwrap.json', 'package-lock.json'].sort());
    expect(log).toContain('(npm-shrinkwrap.json)');
  });

  it('packages a dev-only folder the include globs name, or an exclude negation reaches', async () => {
    const included = await build(
      'dev-include',
      { 'package-lock.json': lockfile(3) },
      {
        include: ['index.mjs', 'node_modules/**', 'node_modules/typescript', 'pad-test'],
      },
    );
    expect(included.entries).toEqual(
      without(['node_modules/@types/node', 'node_modules/jest']).filter((f) => f !== 'package.json'),
    );
    const negated = await build(
      'dev-negated',
      { 'package-lock.json': lockfile(3) },
      { exclude: ['!node_modules/jest'] },
    );
    expect(negated.entries).toEqual(
      [
        ...without([
          'node_modules/typescript',
          'node_modules/@types/node',
          'node_modules/left-pad/node_modules/pad-test',
        ]),
        'package-lock.json',
      ].sort(),
    );
  });

  it('leaves node_modules as it is without a lockfile, with a v1 one, or one that describes another install', async () => {
    expect((await build('dev-none', {})).entries).toEqual(all);
    expect((await build('dev-v1', { 'package-lock.json': lockfile(1) })).entries).toEqual(
      [...all, 'package-lock.json'].sort(),
    );
    const stale = await build('dev-stale', {
      'package-lock.json': lockfile(3),
      'node_modules/typescript/package.json': manifest('typescript', '5.0.0'),
    });
    expect(stale.entries).toEqual([...all, 'package-lock.json'].sort());
    expect(stale.log).toContain(
      'package-lock.json does not match node_modules (node_modules/typescript holds 5.0.0, the lockfile says 5.6.3)',
    );
    expect(stale.log).not.toContain('Left out');
  });

  it("leaves out node_modules/.bin links into a left-out package (esbuild's is its 10 MB binary), keeps the others", async () => {
    const path = project('dev-bin', {
      ...tree,
      'package-lock.json': lockfile(3),
      'node_modules/typescript/bin/tsc': '#!/usr/bin/env node\n',
      'node_modules/left-pad/bin/pad': '#!/usr/bin/env node\n',
    });
    mkdirSync(join(path, 'node_modules/.bin'));
    symlinkSync('../typescript/bin/tsc', join(path, 'node_modules/.bin/tsc'));
    symlinkSync('../left-pad/bin/pad', join(path, 'node_modules/.bin/pad'));
    const result = await buildPackage(options(path, node), { logger: new RecordingLogger() });
    const entries = await names(result.zipPath);
    expect(entries).toContain('node_modules/.bin/pad');
    expect(entries).not.toContain('node_modules/.bin/tsc');
  });

  it("a TypeScript function built by the reusable workflow's build (npm ci && npm run build): dist/handler.js, not the compiler", async () => {
    // npm ci installed the devDependencies too (typescript) and wrote its hidden lockfile; tsc wrote dist/.
    const { entries, log } = await build(
      'built-ts',
      {
        'package.json': JSON.stringify({
          name: 'svc',
          version: '1.0.0',
          main: 'dist/handler.js',
          scripts: { build: 'tsc' },
          devDependencies: { typescript: '^5.6.3' },
        }),
        'package-lock.json': lockfile(3),
        'node_modules/.package-lock.json': lockfile(3),
        'node_modules/.cache/tsc/state.json': '{}',
        'src/handler.ts': 'export const handler = async () => ({ statusCode: 200 });\n',
        'tsconfig.json': '{"compilerOptions":{"outDir":"dist"}}',
        'dist/handler.js': 'exports.handler = async () => ({ statusCode: 200 });\n',
      },
      { handler: 'dist/handler.handler' },
    );
    expect(entries).toContain('dist/handler.js');
    expect(entries.filter((e) => /^node_modules\/(typescript|\.cache)\//.test(e))).toEqual([]);
    expect(log).toContain(
      'Left out 4 packages only devDependencies need: @types/node, jest, pad-test, typescript',
    );
    // The rest of the folder is packaged as it is, less the TypeScript sources (see build-package-typescript.test.ts).
    expect(entries).toEqual(expect.arrayContaining(['package.json', 'node_modules/left-pad/index.js']));
    expect(entries).not.toContain('src/handler.ts');
    expect(entries).not.toContain('tsconfig.json');
  });

  it("leaves pnpm's node_modules alone", async () => {
    const { entries } = await build('dev-pnpm', {
      'package-lock.json': lockfile(3),
      'node_modules/.modules.yaml': 'layoutVersion: 5\n',
    });
    expect(entries).toEqual([...all, 'node_modules/.modules.yaml', 'package-lock.json'].sort());
  });
});
