/** deployFunction and its helpers (src/resources/function/function-versions.ts): the function's versions: which are kept, and a version's own environment values. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { deployFunction } from '../../../src/resources/function/lambda-function.js';
import { versionEnvironmentValues } from '../../../src/resources/function/function-versions.js';
import { depsFor } from '../../fake-aws/helpers.js';
import { account, aws, input, zipA, zipB } from './function-fixtures.js';

afterEach(() => aws?.close());

describe('deployFunction on the awkward paths Lambda has', () => {
  it("versionEnvironmentValues reads a version's own values, not $LATEST's; undecryptable ones are an error", async () => {
    const { fake, lambda } = await account();
    await deployFunction(lambda, input(zipA, { environment: { KEY: 'old-value-1' } }), depsFor(fake));
    await deployFunction(lambda, input(zipB, { environment: { KEY: 'new-value-2' } }), depsFor(fake));
    expect(await versionEnvironmentValues(lambda, 'shop-main', '1', depsFor(fake))).toEqual([
      ['KEY', 'old-value-1'],
    ]);
    fake.faults.answer('GetFunctionConfiguration', {
      Version: '1',
      Environment: { Error: { ErrorCode: 'KMSAccessDeniedException', Message: 'KMS access denied' } },
    });
    await expect(versionEnvironmentValues(lambda, 'shop-main', '1', depsFor(fake))).rejects.toThrow(
      'Could not read the environment variables of version 1 of function shop-main: KMSAccessDeniedException KMS access denied',
    );
  });
});

describe('deployFunction against the stateful fake', () => {
  it('keeps the newest versions, the live one and the previous one; pages through the list (50 a page)', async () => {
    const { fake, lambda, fn, count, inputsOf } = await account();
    for (let i = 0; i < 60; i++) {
      await deployFunction(
        lambda,
        input(i % 2 ? zipB : zipA, { memory: 128 + i, keepVersions: 100 }),
        depsFor(fake),
      );
    }
    expect(fn().versions.size).toBe(60);
    // Someone points live back at an old version (a manual rollback).
    fn().aliases.get('live')!.FunctionVersion = '7';
    fake.calls.clear();
    await deployFunction(lambda, input(zipA, { memory: 1000, keepVersions: 3 }), depsFor(fake));
    expect([...fn().versions.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(['7', '59', '60', '61']);
    expect(fn().aliases.get('live')?.FunctionVersion).toBe('61');
    // 62 entries ($LATEST and 61 versions), 50 a page.
    expect(inputsOf('ListVersionsByFunction').map((i) => i.Marker === undefined)).toEqual([true, false]);
    expect(count('DeleteFunction')).toBe(57);
    expect(inputsOf('DeleteFunction').every((i) => typeof i.Qualifier === 'string')).toBe(true);
  });
});
