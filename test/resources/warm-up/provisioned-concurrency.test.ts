import { afterEach, describe, expect, it } from '@jest/globals';
import { RecordingLogger } from '../../../src/util/logger.js';
import { provisionedConcurrencyCost } from '../../../src/resources/warm-up/concurrency-cost.js';
import { ensureProvisionedConcurrency } from '../../../src/resources/warm-up/provisioned-concurrency.js';
import { startFakeAws, type FakeAws, type FakeAwsOptions } from '../../../fakes/aws/index.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS with shop-main deployed (alias live); provisioned concurrency takes `provisionedConcurrencyMs` (10 s). */
async function account(options: FakeAwsOptions = {}) {
  aws = await startFakeAws(options);
  const fake = aws;
  const fn = fake.seed.function('shop-main', { alias: 'live' });
  const lambda = fake.clients().lambda;
  const deps = { logger: new RecordingLogger(), sleep: fake.clock.sleep, random: () => 1 };
  const calls = (operation: string) => fake.calls.of({ operation });
  /** Provisioned concurrency on live, set earlier and READY. */
  const settled = (requested: number) =>
    fn.provisioned.set('live', { requested, readyAt: 0, lastModified: new Date(0).toISOString() });
  return { fake, fn, lambda, deps, calls, settled };
}

describe('provisionedConcurrencyCost', () => {
  it.each([
    [1, 1024, 'x86_64', 10.8],
    [2, 256, 'x86_64', 5.4],
    [2, 256, 'arm64', 4.32],
    [10, 2048, 'arm64', 172.8],
  ] as const)('%i x %i MB %s ~ $%d per month', (count, memory, arch, usd) => {
    const cost = provisionedConcurrencyCost(count, memory, arch);
    expect(cost.monthlyUsd).toBeCloseTo(usd, 1);
    expect(cost.note).toMatch(/^Estimate: /);
    expect(cost.note).toContain(`$${usd.toFixed(2)} per month`);
  });
});

describe('ensureProvisionedConcurrency', () => {
  it('sets it on live and waits until READY, with the cost in the result', async () => {
    const { fake, fn, lambda, deps, calls } = await account();
    const result = await ensureProvisionedConcurrency(
      lambda,
      { functionName: 'shop-main', count: 2, memoryMb: 256, architecture: 'x86_64' },
      deps,
    );

    expect(result.action).toBe('set');
    expect(result.costNote).toContain('$5.40 per month');
    expect(calls('PutProvisionedConcurrencyConfig')[0]!.input).toMatchObject({
      FunctionName: 'shop-main',
      Qualifier: 'live',
      ProvisionedConcurrentExecutions: 2,
    });
    expect(calls('GetProvisionedConcurrencyConfig')[0]).toMatchObject({
      status: 404,
      error: 'ProvisionedConcurrencyConfigNotFoundException',
    });
    expect(calls('GetProvisionedConcurrencyConfig').length).toBeGreaterThanOrEqual(3);
    expect(fn.provisioned.get('live')!.requested).toBe(2);
    // Polled on the injected sleep, never for real: the 10 s Lambda takes went by on the fake's clock.
    expect(fake.clock.sleep.calls.length).toBeGreaterThanOrEqual(2);
    expect(fake.clock.sleep.calls.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
  });

  it('unchanged and READY: one read, nothing written', async () => {
    const { fake, lambda, deps, settled } = await account();
    settled(2);
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 2 }, deps);
    expect(result.action).toBe('unchanged');
    expect(fake.calls.operations('lambda')).toEqual(['GetProvisionedConcurrencyConfig']);
  });

  it('same count re-provisioning after live moved: waits, writes nothing', async () => {
    const { fake, fn, lambda, deps, calls } = await account();
    // live moved to a new version: Lambda provisions the same count for it again.
    fn.provisioned.set('live', { requested: 2, readyAt: fake.clock.now() + 3_000, lastModified: '' });
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 2 }, deps);
    expect(result.action).toBe('unchanged');
    expect(calls('PutProvisionedConcurrencyConfig')).toHaveLength(0);
    expect(calls('GetProvisionedConcurrencyConfig').length).toBeGreaterThanOrEqual(2);
  });

  it('FAILED stops with the reason Lambda gave', async () => {
    const { fake, lambda, deps, settled } = await account();
    settled(1);
    // Every read after the write shows what Lambda reports when the account lacks the concurrency.
    fake.faults
      .answer('GetProvisionedConcurrencyConfig', {
        RequestedProvisionedConcurrentExecutions: 1,
        AvailableProvisionedConcurrentExecutions: 1,
        AllocatedProvisionedConcurrentExecutions: 1,
        Status: 'READY',
      })
      .answer(
        'GetProvisionedConcurrencyConfig',
        {
          RequestedProvisionedConcurrentExecutions: 5,
          AvailableProvisionedConcurrentExecutions: 0,
          AllocatedProvisionedConcurrentExecutions: 0,
          Status: 'FAILED',
          StatusReason: 'Insufficient unreserved concurrency',
        },
        { times: 100 },
      );
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 5 }, deps),
    ).rejects.toThrow(/FAILED: Insufficient unreserved concurrency/);
  });

  it('a branch stage deployed with the preview role: Put denied says the preview role may not set provisioned concurrency, and why', async () => {
    const { fake, lambda, deps } = await account();
    fake.faults.deny('PutProvisionedConcurrencyConfig');
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 2 }, deps),
    ).rejects.toThrow(
      "The preview role may not set provisioned concurrency: it takes from the account's unreserved concurrency, which production's functions share " +
        '(a pull request could throttle production) and is billed every hour. Set provisioned-concurrency only on stages deployed with the production role.',
    );
  });

  it('retries the write while the alias is still updating (409)', async () => {
    const { fake, lambda, deps, calls } = await account();
    fake.faults.fail('PutProvisionedConcurrencyConfig', 'ResourceConflictException', {
      message: 'An update is in progress for resource',
    });
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 1 }, deps);
    expect(result.action).toBe('set');
    expect(calls('PutProvisionedConcurrencyConfig').map((c) => c.status)).toEqual([409, 202]);
  });

  it('times out on the injected clock when it never becomes READY', async () => {
    const { lambda, deps } = await account({ timings: { provisionedConcurrencyMs: 3_600_000 } });
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 3, maxWaitMs: 60_000 }, deps),
    ).rejects.toThrow(/Timed out .* IN_PROGRESS, 0\/3 allocated/);
  });

  it('count 0 or unset removes an existing config', async () => {
    const { fn, lambda, deps, calls, settled } = await account();
    settled(2);
    expect(
      (await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 0 }, deps)).action,
    ).toBe('removed');
    expect(calls('DeleteProvisionedConcurrencyConfig')[0]!.input).toMatchObject({
      FunctionName: 'shop-main',
      Qualifier: 'live',
    });
    expect(fn.provisioned.size).toBe(0);
  });

  it('unset with none configured, or without permission to look: nothing to do', async () => {
    const { fake, lambda, deps, calls } = await account();
    expect((await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main' }, deps)).action).toBe(
      'none',
    );
    fake.faults.deny('GetProvisionedConcurrencyConfig');
    expect((await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main' }, deps)).action).toBe(
      'none',
    );
    expect(calls('DeleteProvisionedConcurrencyConfig')).toHaveLength(0);
    // With a count, a denied read is an error naming the permission.
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 1 }, deps),
    ).rejects.toThrow(/lambda:GetProvisionedConcurrencyConfig/);
  });

  it('Lambda throttling (429) on the read and the write is waited out', async () => {
    const { fake, lambda, deps, calls } = await account();
    fake.faults.throttle('GetProvisionedConcurrencyConfig', 1).throttle('PutProvisionedConcurrencyConfig', 1);
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 1 }, deps);
    expect(result.action).toBe('set');
    expect(calls('PutProvisionedConcurrencyConfig').map((c) => c.status)).toEqual([429, 202]);
  });
});
