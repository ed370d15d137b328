/** deployFunction and its helpers (src/resources/function/function-code.ts): the function's code: Lambda's CodeSha256 checked against the package, and an artifact it cannot read. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { account, aws, codeOf, input, zipA, zipB, zipC, type Package } from './function-fixtures.js';

afterEach(() => aws?.close());

describe('deployFunction against the stateful fake', () => {
  it('a CodeSha256 mismatch fails the deploy and keeps live', async () => {
    const { fake, lambda, fn, count } = await account();
    await deployFunction(lambda, input(zipA), depsFor(fake));
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    // Between the upload of zip B and Lambda reading it, someone writes other bytes under its key.
    fake.seed.object('b', zipB.key, zipC.bytes);
    fake.calls.clear();
    await expect(deployFunction(lambda, input(zipB), depsFor(fake))).rejects.toThrow(
      /Lambda reports CodeSha256 \S+ for the updated code of function shop-main, but the package built here has .*was changed between the upload and Lambda reading it\. Not published; alias live stays where it was/,
    );
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('1');
    expect(count('PublishVersion')).toBe(0);
    expect(count('UpdateAlias')).toBe(0);
  });

  describe('an object swapped under its key between the upload and Lambda reading it', () => {
    // The artifact folder is shared: the preview role may write lambda-deploy/{name}/* too, so a
    // pull request's job can overwrite a production package's key in a loop and win the race.
    const dir = mkdtempSync(join(tmpdir(), 'lambda-deploy-swap-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const local = (zip: Package) => {
      const zipPath = join(dir, `${zip.codeSha256.replace(/\W/g, '')}.zip`);
      writeFileSync(zipPath, zip.bytes);
      return { ...codeOf(zip), zipPath };
    };

    it('an update: the package goes in the request instead, and $LATEST never keeps the planted code', async () => {
      const { fake, lambda, fn, inputsOf } = await account();
      await deployFunction(lambda, input(zipA), depsFor(fake));
      fake.seed.object('b', zipB.key, zipC.bytes);
      fake.calls.clear();
      const deps = depsFor(fake);
      const result = await deployFunction(lambda, input(zipB, { code: local(zipB) }), deps);
      expect(fn().latest.CodeSha256).toBe(zipB.codeSha256);
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(result.version);
      expect(fn().versions.get(result.version)?.config.CodeSha256).toBe(zipB.codeSha256);
      const updates = inputsOf('UpdateFunctionCode');
      expect(updates.map((u) => (u.ZipFile ? 'request' : u.S3Key))).toEqual([zipB.key, 'request']);
      expect(deps.logger.text('warning')).toContain(
        `Lambda read other code than this package from s3://b/${zipB.key} (CodeSha256 ${zipC.codeSha256}, this package's ${zipB.codeSha256})`,
      );
    });

    it('a new function: its first code is replaced the same way before anything is published', async () => {
      const { fake, lambda, fn } = await account();
      fake.seed.object('b', zipA.key, zipC.bytes);
      const result = await deployFunction(lambda, input(zipA, { code: local(zipA) }), depsFor(fake));
      expect(fn().latest.CodeSha256).toBe(zipA.codeSha256);
      expect([...fn().versions.values()].map((v) => v.config.CodeSha256)).toEqual([zipA.codeSha256]);
      expect(fn().aliases.get('live')?.FunctionVersion).toBe(result.version);
    });
  });

  it('a CodeSha256 mismatch on the first deploy creates no alias', async () => {
    const { fake, lambda, fn } = await account();
    fake.seed.object('b', zipA.key, zipC.bytes);
    await expect(deployFunction(lambda, input(zipA), depsFor(fake))).rejects.toThrow(
      /for the new function of function shop-main/,
    );
    expect(fn().aliases.size).toBe(0);
    expect(fn().versions.size).toBe(0);
  });

  it('Lambda unable to read the artifact: the error says which permission', async () => {
    const { fake, lambda } = await account();
    await expect(
      deployFunction(
        lambda,
        input(zipA, { code: { bucket: 'b', key: 'missing', codeSha256: zipA.codeSha256 } }),
        depsFor(fake),
      ),
    ).rejects.toThrow(/Could not create function shop-main: .*NoSuchKey.*s3:GetObject/);
  });
});
