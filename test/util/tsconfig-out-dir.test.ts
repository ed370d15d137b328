import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsconfigOutDir } from '../../src/util/tsconfig-out-dir.js';

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
