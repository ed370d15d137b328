/**
 * serve with a --port something else holds: said before the build (pip can take
 * minutes), naming --port and its value and what to do.
 */
import { afterAll, afterEach, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { buildWheel } from '../../support/vendor-wheels.js';
import { localCliEnv, testIo } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-serve-port-'));
const home = process.cwd();
afterEach(() => process.chdir(home));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('serve on a port in use fails before the build: --port, its value, what to do; pip never runs', async () => {
  const held = createServer();
  await new Promise<void>((done) => held.listen(0, '127.0.0.1', done));
  const port = (held.address() as AddressInfo).port;
  try {
    mkdirSync(join(dir, 'src', 'wheels'), { recursive: true });
    writeFileSync(
      join(dir, 'src', 'app.py'),
      'def handler(event, context):\n    return {"statusCode": 200}\n',
    );
    writeFileSync(join(dir, 'src', 'requirements.txt'), 'tinydep==1.0\n');
    const wheels = join(dir, 'wheels');
    mkdirSync(wheels);
    buildWheel(wheels, { name: 'tinydep', version: '1.0', files: { 'tinydep/__init__.py': '' } });
    process.chdir(dir);
    const io = testIo(localCliEnv(dir));
    const args = ['serve', '--name', 'demo', '--path', 'src', '--handler', 'app.handler'];
    const code = await main(
      [...args, '--port', String(port), '--pip-args', `--no-index --find-links ${wheels}`],
      io,
    );
    expect(code).not.toBe(0);
    expect(io.stderr()).toContain(
      `--port: ${port} on 127.0.0.1 is already in use (another serve?); expected a free port: stop what listens there, or choose another with --port (--port 0: any free one)`,
    );
    // Checked before the build: no install ran.
    expect(io.stdout() + io.stderr()).not.toMatch(/Installing requirements|tinydep/);
  } finally {
    held.close();
  }
}, 60_000);

test('serve with a bad flag value and a port in use: the flag is said first, the port not checked', async () => {
  const held = createServer();
  await new Promise<void>((done) => held.listen(0, '127.0.0.1', done));
  const port = (held.address() as AddressInfo).port;
  try {
    mkdirSync(join(dir, 'bad-flag', 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'bad-flag', 'src', 'app.py'),
      'def handler(event, context):\n    return {"statusCode": 200}\n',
    );
    process.chdir(join(dir, 'bad-flag'));
    const io = testIo(localCliEnv(join(dir, 'bad-flag')));
    const code = await main(
      ['serve', '--name', 'demo', '--path', 'src', '--port', String(port), '--gateway', 'bogus'],
      io,
    );
    expect(code).not.toBe(0);
    expect(io.stderr()).toMatch(/--gateway.*"bogus"/);
    expect(io.stderr()).not.toContain('--port');
  } finally {
    held.close();
  }
}, 60_000);
