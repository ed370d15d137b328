import { describe, expect, it } from '@jest/globals';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import {
  configFingerprint,
  diffConfig,
  type DesiredConfig,
} from '../../src/resources/function/function-config.js';
import { prepareLocalSlim } from '../../src/pipelines/local-deploy/local-slim.js';
import {
  ownRoleNote,
  slimEphemeralStorage,
  slimFunctionEnvironment,
  slimTarget,
} from '../../src/pipelines/slim-deploy.js';
import type { SlimPackage } from '../../src/packaging/slim-package.js';
import { renderDeploySummary } from '../../src/reporting/summary.js';
import { renderDeployComment } from '../../src/reporting/pr-comment.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { successOutcome } from '../reporting/outcomes.js';

const SHA = 'c0ffee'.repeat(10) + 'abcd';
const where = { project: 'shop', accountId: '123456789012', region: 'eu-west-1' };

describe('slimTarget', () => {
  it('puts a protected stage in production’s folder, any other in the previews’, in the default or given bucket', () => {
    expect(slimTarget({ sha256Hex: SHA }, { ...where, protectedStage: true })).toEqual({
      bucket: 'lambda-deploy-123456789012-eu-west-1',
      key: `lambda-deploy-slim/shop/production/${SHA}.tar.gz`,
      kind: 'production',
    });
    expect(slimTarget({ sha256Hex: SHA }, { ...where, protectedStage: false, bucket: 'team' })).toEqual({
      bucket: 'team',
      key: `lambda-deploy-slim/shop/preview/${SHA}.tar.gz`,
      kind: 'preview',
    });
  });
});

describe('the function’s settings', () => {
  const target = slimTarget({ sha256Hex: SHA }, { ...where, protectedStage: false });

  it('adds the archive’s variables to the workflow’s (ours win a clash), none without slim', () => {
    expect(
      slimFunctionEnvironment({ A: '1', LAMBDA_DEPLOY_SLIM_KEY: 'mine' }, target, '123456789012'),
    ).toEqual({
      A: '1',
      LAMBDA_DEPLOY_SLIM_BUCKET: target.bucket,
      LAMBDA_DEPLOY_SLIM_KEY: target.key,
      LAMBDA_DEPLOY_SLIM_OWNER: '123456789012',
    });
    expect(slimFunctionEnvironment({ A: '1' }, undefined)).toEqual({ A: '1' });
  });

  it('sets the storage when slim, resets it once slim is off, leaves anyone else’s alone', () => {
    const slimVars = { LAMBDA_DEPLOY_SLIM_KEY: target.key };
    const tag = (value: string) => ({ 'lambda-deploy:tmp-before-slim': value });
    expect(slimEphemeralStorage({ ephemeralStorageMb: 2048 }, undefined)).toEqual({
      ephemeralStorageMb: 2048,
      tags: tag('512/2048'),
    });
    // Slim before the tag existed: the size was slim's.
    expect(slimEphemeralStorage(undefined, { variables: slimVars, sizeMb: 896 })).toEqual({
      ephemeralStorageMb: 512,
      tags: {},
    });
    expect(slimEphemeralStorage(undefined, { variables: { OTHER: '1' }, sizeMb: 4096 })).toEqual({
      ephemeralStorageMb: undefined,
      tags: {},
    });
    expect(slimEphemeralStorage(undefined, undefined)).toEqual({ ephemeralStorageMb: undefined, tags: {} });
  });

  it('keeps the owner’s own /tmp through slim and gives it back after', () => {
    const slim = { ephemeralStorageMb: 1024 };
    const tag = (value: string) => ({ 'lambda-deploy:tmp-before-slim': value });
    const vars = { LAMBDA_DEPLOY_SLIM_KEY: target.key };
    // Set before slim: more than slim needs, so kept, and remembered.
    expect(slimEphemeralStorage(slim, { variables: { A: '1' }, sizeMb: 4096 })).toEqual({
      ephemeralStorageMb: 4096,
      tags: tag('4096/4096'),
    });
    // Less than slim needs: raised, and the owner's remembered.
    const raised = slimEphemeralStorage(slim, { sizeMb: 768 });
    expect(raised).toEqual({ ephemeralStorageMb: 1024, tags: tag('768/1024') });
    // The next slim deploy finds its own size: the remembered one still counts.
    expect(slimEphemeralStorage(slim, { variables: vars, sizeMb: 1024, tags: raised.tags })).toEqual(raised);
    expect(slimEphemeralStorage(undefined, { variables: vars, sizeMb: 1024, tags: raised.tags })).toEqual({
      ephemeralStorageMb: 768,
      tags: {},
    });
    // Changed by the owner while slim: theirs from then on.
    expect(slimEphemeralStorage(slim, { variables: vars, sizeMb: 2048, tags: raised.tags })).toEqual({
      ephemeralStorageMb: 2048,
      tags: tag('2048/2048'),
    });
    expect(slimEphemeralStorage(undefined, { variables: vars, sizeMb: 640, tags: raised.tags })).toEqual({
      ephemeralStorageMb: 640,
      tags: {},
    });
    // A tag that is not ours to read: Lambda's default.
    expect(
      slimEphemeralStorage(undefined, { variables: vars, sizeMb: 1024, tags: tag('lots/1024') })
        .ephemeralStorageMb,
    ).toBe(512);
  });

  it('tells the owner of execution-role-arn the grant their role needs', () => {
    expect(ownRoleNote('arn:aws:iam::123456789012:role/mine', 'shop', target)).toContain(
      'must allow s3:GetObject on arn:aws:s3:::lambda-deploy-123456789012-eu-west-1/lambda-deploy-slim/shop/preview/*',
    );
  });
});

describe('ephemeral storage in the function configuration', () => {
  const desired: DesiredConfig = {
    runtime: 'python3.12',
    handler: 'h.h',
    memory: 256,
    timeout: 30,
    architecture: 'x86_64',
    layers: [],
    environment: {},
    roleArn: 'r',
    description: 'd',
  };
  const current: FunctionConfiguration = {
    Runtime: 'python3.12',
    Handler: 'h.h',
    MemorySize: 256,
    Timeout: 30,
    Role: 'r',
    Description: 'd',
  };

  it('is compared only when wanted, against 512 when Lambda reports none', () => {
    expect(diffConfig(current, desired)).toEqual([]);
    expect(diffConfig({ ...current, EphemeralStorage: { Size: 4096 } }, desired)).toEqual([]);
    expect(diffConfig(current, { ...desired, ephemeralStorage: 512 })).toEqual([]);
    expect(diffConfig(current, { ...desired, ephemeralStorage: 896 })).toEqual(['ephemeral-storage']);
    expect(
      diffConfig({ ...current, EphemeralStorage: { Size: 896 } }, { ...desired, ephemeralStorage: 896 }),
    ).toEqual([]);
  });

  it('is in the fingerprint when not the default, so existing fingerprints stay what they were', () => {
    const plain = configFingerprint(current);
    expect(configFingerprint({ ...current, EphemeralStorage: { Size: 512 } })).toBe(plain);
    expect(configFingerprint({ ...current, EphemeralStorage: { Size: 896 } })).not.toBe(plain);
  });
});

describe('the summary and the pull request comment', () => {
  const slim = {
    archiveBytes: 190 * 1024 * 1024,
    unpackedBytes: 380 * 1024 * 1024,
    files: 21_707,
    ephemeralStorageMb: 1024,
    measured:
      'unpack measured in this build: 3.4 s (CPU 2.9 s), plus downloading 190.0 MB from S3 while it unpacks',
    atMemory:
      'at memory 256 MB Lambda gives the function 0.14 of a vCPU (one at 1,769 MB): expect about 20.6 s of unpacking at each cold start',
    location: `s3://b/lambda-deploy-slim/shop/preview/${SHA}.tar.gz`,
  };

  it('shows the archive, where it is, the storage and the measured cold start', () => {
    const md = renderDeploySummary({ ...successOutcome(), slim });
    expect(md).toContain(
      `| **Dependencies** | slim: 190.0 MB archive, 380.0 MB unpacked into /tmp at cold start (21,707 files, \`s3://b/lambda-deploy-slim/shop/preview/${SHA}.tar.gz\`); ephemeral storage 1,024 MB (what the unpacked dependencies need) |`,
    );
    expect(md).toContain(`| **Cold start** | ${slim.measured}; ${slim.atMemory} |`);
    expect(renderDeploySummary(successOutcome())).not.toContain('Dependencies');
  });

  it("says when the function's own larger /tmp is what is set", () => {
    const md = renderDeploySummary({
      ...successOutcome(),
      slim: { ...slim, ephemeralStorageMb: 4096, neededMb: 1024 },
    });
    expect(md).toContain(
      "; ephemeral storage 4,096 MB (the function's own, kept: the unpacked dependencies need 1,024 MB) |",
    );
  });

  it('the comment keeps it short', () => {
    const md = renderDeployComment({ ...successOutcome(), slim });
    expect(md).toContain(
      '| **Dependencies** | slim: 190.0 MB archive, 380.0 MB unpacked into /tmp at cold start |',
    );
    expect(md).toContain(`| **Cold start** | ${slim.atMemory} |`);
  });
});

describe('prepareLocalSlim', () => {
  const pkg = { archivePath: '/nowhere', sha256Hex: SHA } as SlimPackage;
  const input = { project: 'shop', region: 'us-east-1', protectedStage: false, tempParent: '/tmp' };
  const deps = { logger: new RecordingLogger(), sleep: recordingSleep() };

  it('names the stand-in it needs when none is set, before anything else', async () => {
    await expect(prepareLocalSlim(pkg, { ...input, env: {} }, deps)).rejects.toThrow(
      /This package is slim: .* Set AWS_ENDPOINT_URL_S3 \(or AWS_ENDPOINT_URL\) to one, e\.g\. `npx s3rver/,
    );
    await expect(
      prepareLocalSlim(pkg, { ...input, env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' } }, deps),
    ).rejects.toThrow(/set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to its keys/);
    await expect(
      prepareLocalSlim(pkg, { ...input, env: { AWS_ENDPOINT_URL: 'localhost:9000' } }, deps),
    ).rejects.toThrow(/"localhost:9000" is not an http\(s\) URL/);
  });
});
