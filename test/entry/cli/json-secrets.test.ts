/**
 * What the CLI prints on stdout hides what it masked, as its stderr does: a
 * script reading `--json` (or a terminal's `key: value` lines) must not get a
 * secret that the progress lines showed as ***.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/entry/cli/cli.js';
import { testPython } from '../../support/vendor-wheels.js';
import { testIo, type TestIo } from './io.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../../examples/handler');
const PASSWORD = 'S3cretIndexPassw0rd';
const INDEX = `https://deploy:${PASSWORD}@127.0.0.1:9/simple`;

let root: string;
let app: string;
let io: TestIo;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cli-json-secrets-'));
  app = join(root, 'app');
  cpSync(EXAMPLE, app, { recursive: true });
  writeFileSync(join(app, 'requirements.txt'), 'requests==2.32.3\n');
  // A pip whose error quotes the index URL it was given, password and all; any other Python call is the real one.
  const python = join(root, 'python3');
  writeFileSync(
    python,
    [
      '#!/bin/sh',
      // pip runs through runtime/python/_lambda_deploy_pip.py.
      'case "$1" in *_lambda_deploy_pip.py)',
      '  for a in "$@"; do case "$a" in https://*) url="$a";; esac; done',
      '  echo "ERROR: Could not install packages due to an OSError: 401 Client Error: Unauthorized for url: $url/requests/" >&2',
      '  exit 1;;',
      'esac',
      `exec ${JSON.stringify(testPython())} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(python, 0o755);
  io = testIo({
    ...process.env,
    GITHUB_WORKSPACE: root,
    LAMBDA_DEPLOY_PYTHON: python,
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('a failure that quotes a masked value', () => {
  const argv = ['package', '--name', 'shop', '--path', '', '--pip-args', `--index-url ${INDEX}`];

  test('--json: the error hides it as stderr does', async () => {
    argv[4] = app;
    expect(await main([...argv, '--json'], io)).toBe(1);
    expect(io.stderr()).toContain('Unauthorized for url: https://deploy:***@127.0.0.1:9/simple/requests/');
    const printed = JSON.parse(io.stdout()) as { error: string; problems: string[] };
    expect(printed.error).toContain('Unauthorized for url: https://deploy:***@127.0.0.1:9/simple/requests/');
    expect(printed.problems).toEqual([printed.error]);
    expect(io.stdout()).not.toContain(PASSWORD);
    expect(io.stderr()).not.toContain(PASSWORD);
  });

  test('without --json: stdout stays empty, stderr hides it', async () => {
    argv[4] = app;
    expect(await main(argv, io)).toBe(1);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain('deploy:***@');
    expect(io.stderr()).not.toContain(PASSWORD);
  });
});
