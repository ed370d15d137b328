import { afterEach, describe, expect, it } from '@jest/globals';
import { GetAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { yourCredentialsNeed } from '../../../src/aws/aws-call.js';
import { rollbackAlias } from '../../../src/resources/function/rollback.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/**
 * The one fake AWS with shop-pr-7 published six times and `live` on `live`
 * (the failed version 4 unless a test says otherwise).
 */
async function account(live = '4') {
  aws = await startFakeAws();
  const fake = aws;
  const fn = fake.seed.function('shop-pr-7', { versions: 6, alias: 'live' });
  fn.aliases.get('live')!.FunctionVersion = live;
  const lambda = fake.clients().lambda;
  const deps = (over: { maxWaitMs?: number } = {}) => ({
    logger: new RecordingLogger(),
    sleep: fake.clock.sleep,
    random: () => 1,
    ...over,
  });
  const alias = () => fn.aliases.get('live')!;
  const calls = (operation: string) => fake.calls.of({ operation });
  /** live as GetAlias shows it now (a read a test can make the rollback see later). */
  const read = () => lambda.send(new GetAliasCommand({ FunctionName: 'shop-pr-7', Name: 'live' }));
  return { fake, lambda, fn, deps, alias, calls, read };
}

const target = { functionName: 'shop-pr-7', previousVersion: '3', failedVersion: '4' };

describe('rollbackAlias', () => {
  it('points live back at the previous version and verifies it', async () => {
    const { fake, lambda, fn, deps, alias, calls } = await account();
    // Version 3 is not ready yet (Pending for 2.5 s): the rollback waits for it first.
    fn.versions.get('3')!.readyAt = fake.clock.now() + 2_500;
    const result = await rollbackAlias(lambda, target, deps());
    expect(result.rolledBack).toBe(true);
    expect(result.message).toContain('points at version 3 again');
    expect(result.message).toContain('serving the previous version');
    expect(alias().FunctionVersion).toBe('3');
    expect(calls('UpdateAlias')[0]!.input).toMatchObject({
      FunctionName: 'shop-pr-7',
      Name: 'live',
      FunctionVersion: '3',
    });
    // The failed version's fingerprint leaves the alias: the next push of the same code is tested again.
    expect(alias().Description).not.toMatch(/fp=/);
    // The version it goes back to is ready first.
    expect(calls('GetFunctionConfiguration').map((c) => c.input)).toEqual(
      Array(3).fill({ FunctionName: 'shop-pr-7', Qualifier: '3' }),
    );
    expect(calls('GetAlias')[0]!.input).toEqual({ FunctionName: 'shop-pr-7', Name: 'live' });
    expect(fake.clock.sleep.calls).toEqual([1000, 2000]);
  });

  it('logs no line of its own at info: the caller states the rollback once, from its message', async () => {
    const { lambda, deps } = await account();
    const d = deps();
    const result = await rollbackAlias(lambda, target, d);
    expect(result.rolledBack).toBe(true);
    // "Alias live ... now points at version 3" then "Rolled back: alias live ... points at version 3 again" said it twice.
    expect(d.logger.lines.filter((l) => l.level === 'info' || l.level === 'warning')).toEqual([]);
  });

  it('waits out a ResourceConflictException (409) while an update runs', async () => {
    const { fake, lambda, deps, alias, calls } = await account();
    fake.faults.fail('UpdateAlias', 'ResourceConflictException', {
      times: 2,
      message: 'The operation cannot be performed at this time. An update is in progress',
    });
    const result = await rollbackAlias(lambda, target, deps());
    expect(result.rolledBack).toBe(true);
    expect(alias().FunctionVersion).toBe('3');
    expect(calls('UpdateAlias').map((c) => c.status)).toEqual([409, 409, 200]);
  });

  it('has nothing to roll back on a first deploy, and says the next push fixes it', async () => {
    const { fake, lambda, deps } = await account();
    const result = await rollbackAlias(lambda, { ...target, previousVersion: '' }, deps());
    expect(result.rolledBack).toBe(false);
    expect(result.message).toMatch(/Nothing to roll back to: this was the first deploy of shop-pr-7/);
    expect(result.message).toContain('failing version 4');
    expect(result.message).toContain('push again');
    expect(fake.calls.calls).toHaveLength(0);
  });

  // A terminal user deployed with the CLI and has no push to make: the CLI's words.
  it('from a terminal, the next deploy (not a push) fixes it', async () => {
    const { lambda, deps } = await account();
    const result = await rollbackAlias(
      lambda,
      { ...target, previousVersion: '' },
      { ...deps(), surface: 'terminal' },
    );
    expect(result.message).toMatch(
      /failing version 4\. Fix the code and deploy again; the next deploy replaces it\.$/,
    );
    expect(result.message).not.toContain('push');
  });

  it('says LOUDLY that the failing version may be live when UpdateAlias is denied (403)', async () => {
    const { fake, lambda, deps, alias, calls } = await account();
    fake.faults.deny('UpdateAlias');
    const result = await rollbackAlias(lambda, target, deps());
    expect(result.rolledBack).toBe(false);
    expect(result.message).toMatch(
      /^ROLLBACK FAILED: Could not point alias live of function shop-pr-7 at version 3: AccessDeniedException:/,
    );
    expect(result.message).toContain('THE STAGE MAY BE SERVING THE FAILING VERSION 4');
    expect(result.message).toContain('lambda:UpdateAlias');
    expect(result.message).toContain(
      'aws lambda update-alias --function-name shop-pr-7 --name live --function-version 3',
    );
    expect(calls('UpdateAlias').map((c) => c.status)).toEqual([403]);
    expect(alias().FunctionVersion).toBe('4');
  });

  it('fails loudly when the alias does not end up on the previous version', async () => {
    const { fake, lambda, deps, read } = await account();
    // Every read of live answers as before the update (it does not stick).
    fake.faults.answer('GetAlias', await read(), { times: 1000 });
    const result = await rollbackAlias(lambda, target, deps({ maxWaitMs: 10_000 }));
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('alias live of shop-pr-7 still points at version 4, not 3');
    expect(result.message).toContain('THE STAGE MAY BE SERVING THE FAILING VERSION 4');
    expect(fake.clock.sleep.calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });

  it('fails loudly when the conflict outlasts the wait', async () => {
    const { fake, lambda, deps, alias } = await account();
    fake.faults.fail('UpdateAlias', 'ResourceConflictException', { times: 1000 });
    const result = await rollbackAlias(lambda, target, deps({ maxWaitMs: 5_000 }));
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('ResourceConflictException');
    expect(result.message).toContain('FAILING VERSION 4');
    expect(alias().FunctionVersion).toBe('4');
  });
});

describe('rollbackAlias racing a newer deploy', () => {
  it('a rollback racing a newer deploy leaves the newer version live', async () => {
    const { fake, lambda, deps, alias, calls, read } = await account();
    // The rollback reads live (still the failed 4); before its UpdateAlias lands, a newer deploy points live at 5.
    const stale = await read();
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'shop-pr-7', Name: 'live', FunctionVersion: '5' }),
    );
    fake.faults.answer('GetAlias', stale);
    fake.calls.clear();
    const result = await rollbackAlias(lambda, target, deps());
    expect(alias().FunctionVersion).toBe('5');
    expect(result).toMatchObject({ rolledBack: false, supersededBy: '5' });
    expect(result.message).toContain('already points at version 5, not at the failed version 4');
    expect(result.message).not.toContain('ROLLBACK FAILED');
    // The one UpdateAlias carried the RevisionId it read, and Lambda refused it (412).
    expect(calls('UpdateAlias').map((c) => [c.input.FunctionVersion, c.input.RevisionId, c.status])).toEqual([
      ['3', stale.RevisionId, 412],
    ]);
  });

  it("an UpdateAlias answered with a 5xx after it took effect: the SDK's retry is refused (412), and the rollback is still reported as done", async () => {
    const { fake, deps, alias, calls } = await account();
    const lambda = fake.clients({ maxAttempts: 3 }).lambda;
    fake.faults.failAfter('UpdateAlias');
    const result = await rollbackAlias(lambda, target, deps());
    expect(result).toMatchObject({ rolledBack: true });
    expect(result.message).toContain('points at version 3 again');
    expect(alias().FunctionVersion).toBe('3');
    expect(calls('UpdateAlias').map((c) => c.status)).toEqual([500, 412]);
  });

  it('does not touch live when a newer deploy moved it before the rollback started', async () => {
    const { lambda, deps, alias, calls } = await account('6');
    const result = await rollbackAlias(lambda, target, deps());
    expect(result).toMatchObject({ rolledBack: false, supersededBy: '6' });
    expect(alias().FunctionVersion).toBe('6');
    expect(calls('UpdateAlias')).toHaveLength(0);
  });
});

describe('rollbackAlias verification', () => {
  it('fails loudly when the alias cannot be read back (403)', async () => {
    const { fake, lambda, deps } = await account();
    fake.faults.deny('GetAlias');
    const result = await rollbackAlias(lambda, target, deps());
    expect(result.rolledBack).toBe(false);
    expect(result.message).toMatch(
      /^ROLLBACK FAILED: Could not read alias live of shop-pr-7 back: AccessDenied.*\. The deploy role needs lambda:GetAlias on shop-pr-7\. THE STAGE MAY BE SERVING THE FAILING VERSION 4\./,
    );
  });

  it('from a terminal, a denial names your credentials, not the deploy role', async () => {
    const { fake, lambda, deps } = await account();
    fake.faults.deny('GetAlias');
    const result = await rollbackAlias(lambda, target, { ...deps(), needs: yourCredentialsNeed });
    expect(result.message).toContain('Your AWS credentials need lambda:GetAlias on shop-pr-7.');
    expect(result.message).not.toContain('deploy role');
  });

  it('fails loudly when part of the traffic still goes elsewhere', async () => {
    const { fake, lambda, deps, read } = await account();
    const before = await read();
    // live after the update, as GetAlias shows a weighted alias: 3, with half the traffic still on 4.
    const weighted = {
      ...before,
      FunctionVersion: '3',
      RoutingConfig: { AdditionalVersionWeights: { '4': 0.5 } },
    };
    fake.faults.answer('GetAlias', before, { times: 1 }).answer('GetAlias', weighted, { times: 1000 });
    const result = await rollbackAlias(lambda, target, deps({ maxWaitMs: 3_000 }));
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('still sends part of the traffic to version 4');
  });
});
