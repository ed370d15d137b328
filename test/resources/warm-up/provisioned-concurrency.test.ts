import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ProvisionedConcurrencyConfigNotFoundException,
  PutProvisionedConcurrencyConfigCommand,
  ResourceConflictException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';
import { provisionedConcurrencyCost } from '../../../src/resources/warm-up/concurrency-cost.js';
import { ensureProvisionedConcurrency } from '../../../src/resources/warm-up/provisioned-concurrency.js';

const lambda = new LambdaClient({ region: 'eu-west-1' });
const mock = mockClient(lambda);
let deps: { logger: RecordingLogger; sleep: ReturnType<typeof recordingSleep>; random: () => number };

const notFound = () =>
  new ProvisionedConcurrencyConfigNotFoundException({
    message: 'No Provisioned Concurrency Config found',
    $metadata: {},
  });
const config = (
  requested: number,
  status: 'IN_PROGRESS' | 'READY' | 'FAILED',
  allocated = 0,
  reason?: string,
) => ({
  RequestedProvisionedConcurrentExecutions: requested,
  AllocatedProvisionedConcurrentExecutions: allocated,
  AvailableProvisionedConcurrentExecutions: allocated,
  Status: status,
  StatusReason: reason,
});

beforeEach(() => {
  mock.reset();
  deps = { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 };
});

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
    mock
      .on(GetProvisionedConcurrencyConfigCommand)
      .rejectsOnce(notFound())
      .resolvesOnce(config(2, 'IN_PROGRESS'))
      .resolvesOnce(config(2, 'IN_PROGRESS', 1))
      .resolves(config(2, 'READY', 2));
    mock.on(PutProvisionedConcurrencyConfigCommand).resolves(config(2, 'IN_PROGRESS'));

    const result = await ensureProvisionedConcurrency(
      lambda,
      { functionName: 'shop-main', count: 2, memoryMb: 256, architecture: 'x86_64' },
      deps,
    );

    expect(result.action).toBe('set');
    expect(result.costNote).toContain('$5.40 per month');
    expect(mock).toHaveReceivedCommandWith(PutProvisionedConcurrencyConfigCommand, {
      FunctionName: 'shop-main',
      Qualifier: 'live',
      ProvisionedConcurrentExecutions: 2,
    });
    expect(mock).toHaveReceivedCommandTimes(GetProvisionedConcurrencyConfigCommand, 4);
    // Polled on the injected sleep, never for real.
    expect(deps.sleep.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('unchanged and READY: one read, nothing written', async () => {
    mock.on(GetProvisionedConcurrencyConfigCommand).resolves(config(2, 'READY', 2));
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 2 }, deps);
    expect(result.action).toBe('unchanged');
    expect(mock.calls()).toHaveLength(1);
  });

  it('same count re-provisioning after live moved: waits, writes nothing', async () => {
    mock
      .on(GetProvisionedConcurrencyConfigCommand)
      .resolvesOnce(config(2, 'IN_PROGRESS'))
      .resolves(config(2, 'READY', 2));
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 2 }, deps);
    expect(result.action).toBe('unchanged');
    expect(mock).not.toHaveReceivedCommand(PutProvisionedConcurrencyConfigCommand);
  });

  it('FAILED stops with the reason Lambda gave', async () => {
    mock
      .on(GetProvisionedConcurrencyConfigCommand)
      .resolvesOnce(config(1, 'READY', 1))
      .resolves(config(5, 'FAILED', 0, 'Insufficient unreserved concurrency'));
    mock.on(PutProvisionedConcurrencyConfigCommand).resolves(config(5, 'IN_PROGRESS'));
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 5 }, deps),
    ).rejects.toThrow(/FAILED: Insufficient unreserved concurrency/);
  });

  it('retries the write while the alias is still updating', async () => {
    mock
      .on(GetProvisionedConcurrencyConfigCommand)
      .rejectsOnce(notFound())
      .resolves(config(1, 'READY', 1));
    mock
      .on(PutProvisionedConcurrencyConfigCommand)
      .rejectsOnce(
        new ResourceConflictException({ message: 'An update is in progress for resource', $metadata: {} }),
      )
      .resolves(config(1, 'IN_PROGRESS'));
    const result = await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 1 }, deps);
    expect(result.action).toBe('set');
    expect(mock).toHaveReceivedCommandTimes(PutProvisionedConcurrencyConfigCommand, 2);
  });

  it('times out on the injected clock when it never becomes READY', async () => {
    mock
      .on(GetProvisionedConcurrencyConfigCommand)
      .rejectsOnce(notFound())
      .resolves(config(3, 'IN_PROGRESS'));
    mock.on(PutProvisionedConcurrencyConfigCommand).resolves(config(3, 'IN_PROGRESS'));
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 3, maxWaitMs: 60_000 }, deps),
    ).rejects.toThrow(/Timed out .* IN_PROGRESS, 0\/3 allocated/);
  });

  it('count 0 or unset removes an existing config', async () => {
    mock.on(GetProvisionedConcurrencyConfigCommand).resolves(config(2, 'READY', 2));
    mock.on(DeleteProvisionedConcurrencyConfigCommand).resolves({});
    expect(
      (await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 0 }, deps)).action,
    ).toBe('removed');
    expect(mock).toHaveReceivedCommandWith(DeleteProvisionedConcurrencyConfigCommand, {
      FunctionName: 'shop-main',
      Qualifier: 'live',
    });
  });

  it('unset with none configured, or without permission to look: nothing to do', async () => {
    mock.on(GetProvisionedConcurrencyConfigCommand).rejects(notFound());
    expect((await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main' }, deps)).action).toBe(
      'none',
    );
    mock.reset();
    mock.on(GetProvisionedConcurrencyConfigCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    expect((await ensureProvisionedConcurrency(lambda, { functionName: 'shop-main' }, deps)).action).toBe(
      'none',
    );
    expect(mock).not.toHaveReceivedCommand(DeleteProvisionedConcurrencyConfigCommand);
    // With a count, a denied read is an error naming the permission.
    await expect(
      ensureProvisionedConcurrency(lambda, { functionName: 'shop-main', count: 1 }, deps),
    ).rejects.toThrow(/lambda:GetProvisionedConcurrencyConfig/);
  });
});
