import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateAliasCommand,
  type UpdateAliasCommandInput,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { rollbackAlias } from '../../../src/resources/function/rollback.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';

const lambdaMock = mockClient(LambdaClient);
const lambda = new LambdaClient({ region: 'us-east-1' });
afterEach(() => {
  lambdaMock.reset();
});

function awsError(name: string, status: number, message = name) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/**
 * Lambda as it behaves: the alias moves on UpdateAlias (refused with
 * ResourceConflictException while `conflicts` last), and the function
 * reports InProgress for `inProgressPolls` polls before Successful.
 */
function modelLambda(options: {
  alias: string;
  conflicts?: number;
  inProgressPolls?: number;
  aliasSticks?: boolean;
  /** Another deploy moves live to this version right after the rollback's first read of the alias. */
  newerDeployAfterRead?: string;
}) {
  let alias = options.alias;
  let revision = 1;
  let conflicts = options.conflicts ?? 0;
  let inProgress = options.inProgressPolls ?? 0;
  let newer = options.newerDeployAfterRead;
  lambdaMock.on(UpdateAliasCommand).callsFake((input: UpdateAliasCommandInput) => {
    if (conflicts-- > 0)
      throw awsError(
        'ResourceConflictException',
        409,
        'The operation cannot be performed at this time. An update is in progress',
      );
    // Lambda refuses an update whose RevisionId is no longer the alias's.
    if (input.RevisionId !== undefined && input.RevisionId !== `r${revision}`)
      throw awsError(
        'PreconditionFailedException',
        412,
        'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
      );
    if (!options.aliasSticks) alias = input.FunctionVersion as string;
    revision++;
    return { Name: 'live', FunctionVersion: alias, RevisionId: `r${revision}` };
  });
  lambdaMock.on(GetFunctionConfigurationCommand).callsFake(() => {
    const status = inProgress-- > 0 ? 'InProgress' : 'Successful';
    return { Version: alias, LastUpdateStatus: status, State: 'Active' };
  });
  lambdaMock.on(GetAliasCommand).callsFake(() => {
    const read = { Name: 'live', FunctionVersion: alias, RevisionId: `r${revision}` };
    if (newer) {
      alias = newer;
      revision++;
      newer = undefined;
    }
    return read;
  });
  return { alias: () => alias };
}

const target = { functionName: 'shop-pr-7', previousVersion: '3', failedVersion: '4' };

describe('rollbackAlias', () => {
  it('points live back at the previous version and verifies it', async () => {
    const model = modelLambda({ alias: '4', inProgressPolls: 2 });
    const sleep = recordingSleep();
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep,
      random: () => 1,
    });
    expect(result.rolledBack).toBe(true);
    expect(result.message).toContain('points at version 3 again');
    expect(result.message).toContain('serving the previous version');
    expect(model.alias()).toBe('3');
    expect(lambdaMock).toHaveReceivedCommandWith(UpdateAliasCommand, {
      FunctionName: 'shop-pr-7',
      Name: 'live',
      FunctionVersion: '3',
    });
    // The failed version's fingerprint leaves the alias: the next push of the same code is tested again.
    const description = lambdaMock.commandCalls(UpdateAliasCommand)[0]?.args[0].input.Description ?? '';
    expect(description).not.toMatch(/fp=/);
    // The version it goes back to is ready first.
    expect(lambdaMock).toHaveReceivedCommandWith(GetFunctionConfigurationCommand, {
      FunctionName: 'shop-pr-7',
      Qualifier: '3',
    });
    expect(lambdaMock).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 3);
    expect(lambdaMock).toHaveReceivedCommandWith(GetAliasCommand, {
      FunctionName: 'shop-pr-7',
      Name: 'live',
    });
    expect(sleep.calls).toEqual([1000, 2000]);
  });

  it('waits out a ResourceConflictException while an update runs', async () => {
    const model = modelLambda({ alias: '4', conflicts: 2 });
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result.rolledBack).toBe(true);
    expect(model.alias()).toBe('3');
    expect(lambdaMock).toHaveReceivedCommandTimes(UpdateAliasCommand, 3);
  });

  it('has nothing to roll back on a first deploy, and says the next push fixes it', async () => {
    const result = await rollbackAlias(
      lambda,
      { ...target, previousVersion: '' },
      { logger: new RecordingLogger(), sleep: recordingSleep() },
    );
    expect(result.rolledBack).toBe(false);
    expect(result.message).toMatch(/Nothing to roll back to: this was the first deploy of shop-pr-7/);
    expect(result.message).toContain('failing version 4');
    expect(result.message).toContain('push again');
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  it('says LOUDLY that the failing version may be live when UpdateAlias is denied', async () => {
    modelLambda({ alias: '4' });
    lambdaMock
      .on(UpdateAliasCommand)
      .rejects(
        awsError('AccessDeniedException', 403, 'User is not authorized to perform: lambda:UpdateAlias'),
      );
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result.rolledBack).toBe(false);
    expect(result.message).toMatch(
      /^ROLLBACK FAILED: Could not point alias live of function shop-pr-7 at version 3: AccessDeniedException:/,
    );
    expect(result.message).toContain('THE STAGE MAY BE SERVING THE FAILING VERSION 4');
    expect(result.message).toContain('lambda:UpdateAlias');
    expect(result.message).toContain(
      'aws lambda update-alias --function-name shop-pr-7 --name live --function-version 3',
    );
    expect(lambdaMock).toHaveReceivedCommandTimes(UpdateAliasCommand, 1);
  });

  it('fails loudly when the alias does not end up on the previous version', async () => {
    modelLambda({ alias: '4', aliasSticks: true });
    const sleep = recordingSleep();
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep,
      maxWaitMs: 10_000,
      random: () => 1,
    });
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('alias live of shop-pr-7 still points at version 4, not 3');
    expect(result.message).toContain('THE STAGE MAY BE SERVING THE FAILING VERSION 4');
    expect(sleep.calls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });

  it('fails loudly when the conflict outlasts the wait', async () => {
    modelLambda({ alias: '4', conflicts: 1000 });
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
      maxWaitMs: 5_000,
    });
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('ResourceConflictException');
    expect(result.message).toContain('FAILING VERSION 4');
  });
});

describe('rollbackAlias racing a newer deploy', () => {
  it('a rollback racing a newer deploy leaves the newer version live', async () => {
    // The rollback reads live (still the failed 4); before its UpdateAlias lands, a newer deploy points live at 5.
    const model = modelLambda({ alias: '4', newerDeployAfterRead: '5' });
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
      random: () => 1,
    });
    expect(model.alias()).toBe('5');
    expect(result).toMatchObject({ rolledBack: false, supersededBy: '5' });
    expect(result.message).toContain('already points at version 5, not at the failed version 4');
    expect(result.message).not.toContain('ROLLBACK FAILED');
    // The one UpdateAlias carried the RevisionId it read, and Lambda refused it.
    expect(lambdaMock).toHaveReceivedCommandTimes(UpdateAliasCommand, 1);
    expect(lambdaMock).toHaveReceivedCommandWith(UpdateAliasCommand, {
      FunctionVersion: '3',
      RevisionId: 'r1',
    });
  });

  it('does not touch live when a newer deploy moved it before the rollback started', async () => {
    const model = modelLambda({ alias: '6' });
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
      random: () => 1,
    });
    expect(result).toMatchObject({ rolledBack: false, supersededBy: '6' });
    expect(model.alias()).toBe('6');
    expect(lambdaMock).toHaveReceivedCommandTimes(UpdateAliasCommand, 0);
  });
});

describe('rollbackAlias verification', () => {
  it('fails loudly when the alias cannot be read back', async () => {
    modelLambda({ alias: '4' });
    lambdaMock
      .on(GetAliasCommand)
      .rejects(awsError('AccessDeniedException', 403, 'not authorized to perform lambda:GetAlias'));
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
    });
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('Could not read alias live of shop-pr-7 back');
    expect(result.message).toContain('lambda:GetAlias permission');
    expect(result.message).toContain('FAILING VERSION 4');
  });

  it('fails loudly when part of the traffic still goes elsewhere', async () => {
    modelLambda({ alias: '4' });
    lambdaMock
      .on(GetAliasCommand)
      .resolvesOnce({ FunctionVersion: '4' })
      .resolves({ FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: { '4': 0.5 } } });
    const result = await rollbackAlias(lambda, target, {
      logger: new RecordingLogger(),
      sleep: recordingSleep(),
      maxWaitMs: 3_000,
    });
    expect(result.rolledBack).toBe(false);
    expect(result.message).toContain('still sends part of the traffic to version 4');
  });
});
