/**
 * `deploy --target local` from a terminal with no AWS set up at all: no
 * region, no profile, no credentials. The help promises "no AWS account
 * needed"; the result names nothing that is gone when the command ends.
 */
import { afterAll, afterEach, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../../src/entry/cli/cli.js';
import { testPython } from '../../support/vendor-wheels.js';
import { localCliEnv, testIo } from './io.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../../examples/handler');
const sts = mockClient(STSClient);
const NO_AWS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
];
const saved = Object.fromEntries(NO_AWS.map((name) => [name, process.env[name]]));
const dir = mkdtempSync(join(tmpdir(), 'cli-deploy-local-'));
afterEach(() => {
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('deploy --target local needs no region, and prints no URL of the stage it stopped', async () => {
  const app = join(dir, 'app');
  cpSync(EXAMPLE, app, { recursive: true });
  writeFileSync(join(dir, 'config'), '');
  for (const name of NO_AWS) delete process.env[name];
  // An AWS config without a region, and never the instance metadata service.
  Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, 'config'), AWS_EC2_METADATA_DISABLED: 'true' });
  const io = testIo({
    ...process.env,
    GITHUB_WORKSPACE: dir,
    LAMBDA_DEPLOY_PYTHON: testPython(),
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
  const code = await main(
    ['deploy', '--name', 'demo', '--stage', 'demo', '--target', 'local', '--path', app, '--json'],
    io,
  );
  expect({ code, stderr: io.stderr() }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(io.stderr()).not.toMatch(/aws-region|error/);
  const result = JSON.parse(io.stdout()) as Record<string, unknown>;
  expect(result).toMatchObject({ stage: 'demo', 'function-name': 'demo-demo', changed: true });
  expect(result).not.toHaveProperty('url');
  expect(io.stderr()).toContain('The local stage stopped with the command: serve keeps one running.');
  expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
}, 60_000);

/** A script reads one --json field the same way whichever command printed it. */
test('--json: a field has one type across commands (byte counts numbers, flags booleans)', async () => {
  const app = join(dir, 'typed');
  cpSync(EXAMPLE, app, { recursive: true });
  const io = () => testIo(localCliEnv(dir));
  const packaged = io();
  expect(await main(['package', '--name', 'demo', '--path', app, '--json'], packaged)).toBe(0);
  const deployed = io();
  const deployArgs = [
    'deploy',
    '--name',
    'demo',
    '--stage',
    'demo',
    '--target',
    'local',
    '--path',
    app,
    '--json',
  ];
  expect(await main(deployArgs, deployed)).toBe(0);
  const types = (text: string) =>
    Object.fromEntries(Object.entries(JSON.parse(text) as object).map(([k, v]) => [k, typeof v]));
  const [fromPackage, fromDeploy] = [types(packaged.stdout()), types(deployed.stdout())];
  expect(fromPackage).toMatchObject({
    'package-bytes': 'number',
    'unpacked-bytes': 'number',
    files: 'number',
  });
  expect(fromDeploy).toMatchObject({
    'package-bytes': 'number',
    'unpacked-bytes': 'number',
    changed: 'boolean',
    'rolled-back': 'boolean',
    version: 'string',
    'code-sha256': 'string',
  });
  for (const field of Object.keys(fromPackage).filter((k) => k in fromDeploy))
    expect([field, fromDeploy[field]]).toEqual([field, fromPackage[field]]);
}, 90_000);

test.each([
  [
    'cannot start',
    'def handler(event, context):\n    return 1\n\n\nraise RuntimeError("boom at init")\n',
    /^error: .*boom at init/,
  ],
  [
    'fails its smoke test',
    'def handler(event, context):\n    raise RuntimeError("boom")\n',
    /^error: Smoke test failed: GET \S+ answered 502/,
  ],
])(
  'a deploy whose function %s says its error once on stderr, as the last line, and nothing on stdout',
  async (name, code, error) => {
    const app = join(dir, name.replace(/ /g, '-'));
    cpSync(EXAMPLE, app, { recursive: true });
    writeFileSync(join(app, 'app.py'), code);
    const io = testIo(localCliEnv(dir));
    const args = ['deploy', '--name', 'demo', '--stage', 'broken', '--target', 'local', '--path', app];
    expect(await main(args, io)).toBe(1);
    expect(io.stdout()).toBe('');
    const lines = io.stderr().trimEnd().split('\n');
    const last = lines.at(-1)!;
    expect(last).toMatch(error);
    const sentence = last.replace(/^error: /, '').split(/(?<=\.) /)[0]!;
    expect(lines.filter((l) => l.includes(sentence))).toEqual([last]);
  },
  90_000,
);
