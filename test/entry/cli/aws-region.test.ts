/**
 * The CLI's region, as a terminal user has it: --aws-region, AWS_REGION /
 * AWS_DEFAULT_REGION, else the `region` of the AWS profile, found by the AWS
 * SDK in a temp shared config file (the SDK reads the process environment).
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../../src/entry/cli/cli.js';
import { testIo, type TestIo } from './io.js';

const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);

const SDK_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;
const saved = Object.fromEntries(SDK_VARIABLES.map((name) => [name, process.env[name]]));
let dir: string;
let config: string;

/** Sets the process environment the SDK reads; the CLI gets the same. */
function environment(vars: Partial<Record<(typeof SDK_VARIABLES)[number], string>>): TestIo {
  for (const name of SDK_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    // Never ask 169.254.169.254 for the instance's region.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    ...vars,
  });
  return testIo({
    ...process.env,
    GITHUB_WORKSPACE: process.cwd(),
    GITHUB_REPOSITORY: 'octo/shop',
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
}

beforeEach(() => {
  for (const m of [sts, tagging]) m.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  // A new file each test: the SDK caches the files it read by path.
  dir = mkdtempSync(join(tmpdir(), 'cli-region-'));
  config = join(dir, 'config');
  writeFileSync(config, '[default]\nregion = us-west-2\n\n[profile admin]\nregion = eu-west-1\n');
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI region', () => {
  test('AWS_PROFILE=admin, no AWS_REGION: the region of [profile admin]', async () => {
    const io = environment({ AWS_PROFILE: 'admin' });
    expect(await main(['status', '--name', 'shop'], io)).toBe(0);
    expect(io.stderr()).toContain('No stages of shop in eu-west-1.');
    expect(io.stderr()).not.toMatch(/error/);
  });

  test('no AWS_PROFILE: the region of [default]', async () => {
    const io = environment({});
    expect(await main(['status', '--name', 'shop'], io)).toBe(0);
    expect(io.stderr()).toContain('No stages of shop in us-west-2.');
  });

  test('--aws-region, then AWS_REGION, then AWS_DEFAULT_REGION come before the profile', async () => {
    let io = environment({ AWS_PROFILE: 'admin', AWS_REGION: 'ap-south-1' });
    expect(await main(['status', '--name', 'shop', '--aws-region', 'sa-east-1'], io)).toBe(0);
    expect(io.stderr()).toContain('No stages of shop in sa-east-1.');
    io = environment({ AWS_PROFILE: 'admin', AWS_REGION: 'ap-south-1' });
    expect(await main(['status', '--name', 'shop'], io)).toBe(0);
    expect(io.stderr()).toContain('No stages of shop in ap-south-1.');
    io = environment({ AWS_PROFILE: 'admin', AWS_DEFAULT_REGION: 'us-east-2' });
    expect(await main(['status', '--name', 'shop'], io)).toBe(0);
    expect(io.stderr()).toContain('No stages of shop in us-east-2.');
  });

  test('nothing gives a region: exit 2 naming every source, before AWS is asked anything', async () => {
    writeFileSync(config, '[profile admin]\noutput = json\n');
    const io = environment({ AWS_PROFILE: 'admin' });
    expect(await main(['status', '--name', 'shop'], io)).toBe(2);
    expect(io.stderr()).toContain(
      'error: --aws-region: is not set, nor AWS_REGION / AWS_DEFAULT_REGION, nor a region of AWS profile "admin" ' +
        `(${config}); expected a region like eu-west-1: --aws-region eu-west-1, or region = eu-west-1 ` +
        `under [profile admin] in ${config}\n`,
    );
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 0);
  });

  test("nothing gives a region, and an input is invalid too: the input's problem comes first", async () => {
    writeFileSync(config, '[profile admin]\noutput = json\n');
    const io = environment({ AWS_PROFILE: 'admin' });
    expect(await main(['deploy', '--name', 'shop', '--stage', 'x', '--memory', '64'], io)).toBe(2);
    expect(io.stderr()).toMatch(/memory: "64" is not valid/);
    expect(io.stderr()).not.toMatch(/aws-region/);
  });

  test('a region the SDK rejects: exit 2 naming the profile and what the SDK said', async () => {
    writeFileSync(config, '[profile admin]\nregion = eu west 1\n');
    const io = environment({ AWS_PROFILE: 'admin' });
    expect(await main(['status', '--name', 'shop'], io)).toBe(2);
    expect(io.stderr()).toMatch(
      /^error: --aws-region: is not set, and the region of AWS profile "admin" \(.*\) is not usable: .*eu west 1.*; expected a region like eu-west-1$/m,
    );
  });
});
