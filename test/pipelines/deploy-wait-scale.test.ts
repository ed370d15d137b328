/**
 * LAMBDA_DEPLOY_WAIT_SCALE read by the deploy itself (runPipeline): the waits for the
 * new function are shorter but still made, and a malformed value stops the run before
 * any AWS request, naming the variable.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';

let aws: FakeAws | undefined;
let dir: string | undefined;
afterEach(async () => {
  await aws?.close();
  if (dir) removeApp(dir);
  aws = dir = undefined;
});

async function start(): Promise<{ aws: FakeAws; dir: string }> {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
  return { aws, dir };
}

describe('LAMBDA_DEPLOY_WAIT_SCALE in the environment of a deploy', () => {
  it('unset: the function is waited for with 1 s pauses', async () => {
    const { aws, dir } = await start();
    const run = await deployApp(aws, dir);
    expect(run.failure).toBeUndefined();
    expect(aws.clock.sleep.calls).toContain(1_000);
    expect(aws.clock.sleep.calls.every((ms) => ms >= 1_000)).toBe(true);
    expect(aws.calls.of({ operation: 'GetFunctionConfiguration' }).length).toBeGreaterThan(1);
    expect(run.logger.lines.map((l) => l.message).join('\n')).not.toContain('LAMBDA_DEPLOY_WAIT_SCALE');
  });

  it('0.05: the same checks of the new function (Pending, then Active) with 50 ms pauses', async () => {
    const { aws, dir } = await start();
    const run = await deployApp(aws, dir, { env: { LAMBDA_DEPLOY_WAIT_SCALE: '0.05' } });
    expect(run.failure).toBeUndefined();
    expect(aws.clock.sleep.calls).toContain(50);
    expect(aws.clock.sleep.calls).not.toContain(1_000);
    // The new function was read again after a pause: once Pending, then Active (the fake refuses a
    // change to a Pending function, so the deploy could not have ended well without the wait).
    expect(aws.calls.of({ operation: 'GetFunctionConfiguration' }).length).toBeGreaterThan(1);
    // Whoever reads the log sees why the waits check so often (set in the step or by a build step).
    expect(run.logger.lines).toContainEqual({
      level: 'info',
      message:
        'LAMBDA_DEPLOY_WAIT_SCALE is 0.05: the pauses between the checks of a wait (a function becoming ready, smoke test attempts) are 0.05 of the usual; every wait keeps its time limit.',
    });
  });

  it('a malformed value stops the run before any AWS request, naming the variable and the expected form', async () => {
    const { aws, dir } = await start();
    await expect(deployApp(aws, dir, { env: { LAMBDA_DEPLOY_WAIT_SCALE: '0' } })).rejects.toThrow(
      'LAMBDA_DEPLOY_WAIT_SCALE is "0"; expected a plain decimal from 0.05 to 1, such as 0.05 or 0.5',
    );
    expect(aws.calls.calls).toEqual([]);
  });
});
