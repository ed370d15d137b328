/**
 * A refused install closes with what it stopped: package wrote no zip and serve
 * served nothing of the build; neither deploys, so neither says "Nothing was deployed".
 */
import { afterAll, afterEach, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { buildWheel } from '../../support/vendor-wheels.js';
import { localCliEnv, testIo } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-build-failure-words-'));
const home = process.cwd();
afterEach(() => process.chdir(home));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A function whose requirements pin tinydep to a hash its wheel does not have. */
function project(): string[] {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'app.py'), 'def handler(event, context):\n    return {"statusCode": 200}\n');
  writeFileSync(join(dir, 'src', 'requirements.txt'), `tinydep==1.0 --hash=sha256:${'0'.repeat(64)}\n`);
  const wheels = join(dir, 'wheels');
  mkdirSync(wheels, { recursive: true });
  buildWheel(wheels, { name: 'tinydep', version: '1.0', files: { 'tinydep/__init__.py': '' } });
  process.chdir(dir);
  return [
    '--name',
    'demo',
    '--path',
    'src',
    '--handler',
    'app.handler',
    '--pip-args',
    `--no-index --find-links ${wheels}`,
  ];
}

test.each([
  ['package', 'No zip was written.'],
  ['serve', 'This build was not served.'],
])(
  '%s: a hash mismatch closes with "%s", not "Nothing was deployed."',
  async (command, closing) => {
    const args = project();
    const io = testIo(localCliEnv(dir));
    const code = await main([command, ...args, ...(command === 'serve' ? ['--port', '0'] : [])], io);
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/pip refused tinydep 1\.0 .*or the file was tampered with\. /);
    expect(io.stderr()).toContain(`or the file was tampered with. ${closing}\n`);
    expect(io.stderr()).not.toContain('Nothing was deployed');
  },
  60_000,
);
