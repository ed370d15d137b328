/**
 * What the tests of the CLI's `setup` and `init` start from: AWS mocked as a new
 * account, an environment with credentials, temp folders removed after each test.
 */
import { afterEach, beforeEach } from '@jest/globals';
// The mocks' matchers (toHaveReceivedCommand…) for the test files that import this one.
import 'aws-sdk-client-mock-jest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../../src/entry/cli/cli.js';
import { testIo } from './io.js';

export const iam = mockClient(IAMClient);
export const s3 = mockClient(S3Client);
export const sts = mockClient(STSClient);
export const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  GITHUB_WORKSPACE: process.cwd(),
} as NodeJS.ProcessEnv;
export const notFound = (name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });

/** Folders removed after each test. */
export const dirs: string[] = [];

export function tempRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-init-'));
  dirs.push(dir);
  return dir;
}

/** The test file's stdout and stderr, which its tests read and reset as plain variables. */
export interface Printed {
  reset(): void;
  add(stdout: string, stderr: string): void;
}

/**
 * Registers the hooks: before each test a new account (nothing there yet) and no
 * output; after it, its folders removed. Returns the CLI, which adds what it printed.
 */
export function setupCli(printed: Printed): (argv: string[]) => Promise<number> {
  beforeEach(() => {
    for (const m of [iam, s3, sts]) m.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/admin' });
    // A new account: nothing there yet.
    iam.on(ListRolesCommand).resolves({ Roles: [], IsTruncated: false });
    iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    iam.on(GetPolicyCommand).rejects(notFound('NoSuchEntityException'));
    iam.on(GetRoleCommand).rejects(notFound('NoSuchEntityException'));
    s3.on(HeadBucketCommand).rejects(notFound('NotFound'));
    printed.reset();
  });
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return async (argv) => {
    const io = testIo(env);
    const code = await main(argv, io);
    printed.add(io.stdout(), io.stderr());
    return code;
  };
}
