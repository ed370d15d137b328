import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtJavaScript, tsconfigOutDir, tsconfigOutput } from '../../src/util/tsconfig-out-dir.js';

function project(files: Record<string, string>, prefix = 'tsconfig-out-dir-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('tsconfigOutDir', () => {
  it('reads "./base" as base.json where a folder named base is there too, as tsc does (a file, not the folder)', () => {
    const dir = project({
      'tsconfig.json': '{"extends": "./base"}',
      'base.json': '{"compilerOptions": {"outDir": "lib"}}',
      'base/readme.txt': '',
    });
    expect(tsconfigOutDir(dir)).toBe('lib');
  });

  it('reads no device or pipe an extends names (a pull request could name /dev/zero): no outDir, at once', () => {
    const dir = project({ 'tsconfig.json': '{"extends": "/dev/zero", "compilerOptions": {}}' });
    expect(tsconfigOutDir(dir)).toBeUndefined();
    const linked = project({});
    symlinkSync('/dev/zero', join(linked, 'tsconfig.json'));
    expect(tsconfigOutDir(linked)).toBeUndefined();
  });

  it('puts the folder for ${configDir} as it is, a "$&" in its name too (no replacement pattern)', () => {
    const dir = project({ 'tsconfig.json': '{"compilerOptions": {"outDir": "${configDir}/dist"}}' }, 'a$&b-');
    expect(tsconfigOutDir(dir)).toBe('dist');
  });

  it('reads an extends written with backslashes (on Windows) as tsc does anywhere: its slashes', () => {
    const dir = project({
      'tsconfig.json': JSON.stringify({ extends: '.\\configs\\base' }),
      'configs/base.json': '{"compilerOptions": {"outDir": "../lib"}}',
    });
    expect(tsconfigOutDir(dir)).toBe('lib');
  });
});

describe('tsconfigOutput', () => {
  it('reads rootDir as outDir is read: relative to the file that sets it, through extends; `.` for the folder itself', () => {
    const dir = project({
      'tsconfig.json': '{ "extends": "./configs/base.json", "compilerOptions": { "outDir": ".\\\\build" } }',
      'configs/base.json': '{\n  // shared\n  "compilerOptions": { "rootDir": "../src", },\n}\n',
    });
    expect(tsconfigOutput(dir)).toEqual({ outDir: 'build', rootDir: 'src' });
    const top = project({
      'tsconfig.json': '{ "compilerOptions": { "outDir": "dist", "rootDir": "${configDir}" } }',
    });
    expect(tsconfigOutput(top)).toEqual({ outDir: 'dist', rootDir: '.' });
    expect(tsconfigOutput(project({ 'tsconfig.json': '{}' }))).toEqual({ outDir: undefined });
  });
});

describe('builtJavaScript', () => {
  const there =
    (...files: string[]) =>
    (f: string) =>
      files.includes(f);
  it.each([
    [
      'rootDir src',
      'src/a/index.ts',
      { outDir: 'dist', rootDir: 'src' },
      there('dist/a/index.js'),
      'dist/a/index.js',
    ],
    [
      'rootDir .',
      'src/index.ts',
      { outDir: 'dist', rootDir: '.' },
      there('dist/src/index.js', 'dist/index.js'),
      'dist/src/index.js',
    ],
    [
      'a source outside rootDir',
      'lib/index.ts',
      { outDir: 'dist', rootDir: 'src' },
      there('dist/index.js', 'dist/lib/index.js'),
      undefined,
    ],
    [
      '.cts to .cjs, rootDir found by tsc',
      'src/api.cts',
      { outDir: 'out' },
      there('out/api.cjs'),
      'out/api.cjs',
    ],
    ['an outDir outside the folder', 'src/index.ts', { outDir: '../dist' }, () => true, undefined],
    ['no outDir', 'src/index.ts', {}, () => true, undefined],
  ])('%s', (_what, source, output, isThere, built) => {
    expect(builtJavaScript(source, output, isThere, () => false)).toBe(built);
  });
});
