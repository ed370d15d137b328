/**
 * A delete that takes effect and is then answered with a 5xx (or a dropped
 * connection) is sent again by the SDK (maxAttempts 5, as the action's own
 * clients): the retry meets a resource that is gone. Undeploy must take that
 * as done, not fail the PR's cleanup or leave the rest of the stage behind.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { seedDeployedStage } from '../../fakes/aws/deployed-stage.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { functionName } from '../../src/model/stage-name.js';
import { undeployStage, type UndeployTarget } from '../../src/pipelines/undeploy.js';
import { RecordingLogger } from '../../src/util/logger.js';

const PROJECT = 'shop';

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

function target(stage: string): UndeployTarget {
  return {
    project: PROJECT,
    repository: 'acme/shop',
    stage,
    functionName: functionName(PROJECT, stage),
    removeLogs: true,
    dryRun: false,
    protectedStages: ['main'],
  };
}

function stageLeft(): number {
  const a = aws.account;
  return (
    a.functions.size +
    a.httpApis.size +
    a.restApis.size +
    a.usagePlans.size +
    a.apiKeys.size +
    a.rules.size +
    [...a.logGroups.keys()].filter((g) => g.startsWith('/aws/lambda/shop-')).length
  );
}

const cases: [string, 'http-api' | 'rest-api' | 'function-url' | 'none', boolean][] = [
  ['DeleteApi', 'http-api', false],
  ['DeleteFunction', 'http-api', false],
  ['RemoveTargets', 'http-api', true],
  ['DeleteRule', 'http-api', true],
  ['DeleteLogGroup', 'none', false],
  ['DeleteUsagePlanKey', 'rest-api', false],
  ['UpdateUsagePlan', 'rest-api', false],
  ['DeleteUsagePlan', 'rest-api', false],
  ['DeleteApiKey', 'rest-api', false],
  ['DeleteRestApi', 'rest-api', false],
  ['DeleteFunctionUrlConfig', 'function-url', false],
];

describe('undeploy: a delete that took effect before its 5xx', () => {
  for (const [operation, gateway, keepWarm] of cases) {
    for (const reset of [false, true]) {
      it(`${operation} (${gateway}${keepWarm ? ', keep-warm' : ''}), ${reset ? 'connection dropped' : '500'}: the stage is gone and the run succeeds`, async () => {
        seedDeployedStage(aws, { project: PROJECT, stage: 'pr-4', gateway, keepWarm });
        aws.faults.failAfter(operation, { reset });
        const logger = new RecordingLogger();
        await undeployStage(aws.clients({ maxAttempts: 5 }), target('pr-4'), {
          logger,
          sleep: aws.clock.sleep,
          random: () => 1,
        });
        expect(aws.calls.of({ operation }).length).toBeGreaterThanOrEqual(2);
        expect(stageLeft()).toBe(0);
      });
    }
  }
});

describe('undeploy: a refused detach is still a failure', () => {
  it('BadRequestException on a stage the plan still lists: the run stops and says what it could not do', async () => {
    const s = seedDeployedStage(aws, { project: PROJECT, stage: 'pr-5', gateway: 'rest-api' });
    aws.faults.fail('UpdateUsagePlan', 'BadRequestException', { message: 'Invalid API Stage specified' });
    await expect(
      undeployStage(aws.clients(), target('pr-5'), { logger: new RecordingLogger(), sleep: aws.clock.sleep }),
    ).rejects.toThrow(`Could not detach ${s.apiId}:pr-5 from usage plan`);
    expect(aws.calls.of({ operation: 'GetUsagePlan' })).toHaveLength(1);
    expect(aws.account.restApis.size).toBe(1);
  });
});
