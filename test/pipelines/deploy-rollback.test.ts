/**
 * A code change that fails its smoke test is rolled back inside the deploy
 * pipeline, with the session's AWS deps: a denial during the rollback is
 * worded for whoever signed in (the deploy role in the action, the user's
 * own credentials from a terminal), as every other call of the deploy is.
 */
import { expect, it } from '@jest/globals';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, changeCode, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { yourCredentialsNeed } from '../../src/aws/aws-call.js';

const OK = JSON.stringify({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' });
const CRASH = JSON.stringify({ errorType: 'KeyError', errorMessage: "'orders'" });
/** With gateway none the smoke test is a Lambda Invoke of live. */
const inputs = { gateway: 'none', 'smoke-test': 'true' };

/** Deploys version 1 (it answers), then version 2 (it crashes); `denyRollback`: GetAlias is denied once 2 was invoked. */
async function failedRedeploy(denyRollback: boolean, needs?: (permission: string) => string) {
  const fake = await startFakeAws({
    invoke: ({ version }) => {
      if (version === '1') return { payload: OK };
      if (denyRollback) fake.faults.deny('GetAlias');
      return { payload: CRASH, functionError: 'Unhandled' };
    },
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const first = await deployApp(fake, dir, { inputs, needs });
    expect(first.failure).toBeUndefined();
    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs, needs });
    return { run, live: fake.account.functions.get('shop-main')!.aliases.get('live')?.FunctionVersion };
  } finally {
    await fake.close();
    removeApp(dir);
  }
}

it('the smoke test fails, live goes back to the version before', async () => {
  const { run, live } = await failedRedeploy(false);
  expect(run.failure).toMatch(/smoke/i);
  expect(run.report.rolledBack).toBe(true);
  expect(live).toBe('1');
});

it.each([
  ['the action', undefined, 'The deploy role needs lambda:GetAlias on shop-main.'],
  ['the CLI', yourCredentialsNeed, 'Your AWS credentials need lambda:GetAlias on shop-main.'],
])('%s: a denied read of live during the rollback names who needs what', async (_who, needs, words) => {
  const { run, live } = await failedRedeploy(true, needs);
  expect(run.report.rolledBack).toBeFalsy();
  expect(run.report.rollbackMessage).toContain(
    `Could not read alias live of shop-main back: AccessDeniedException`,
  );
  expect(run.report.rollbackMessage).toContain(words);
  expect(run.failure).toContain(words);
  // Nothing moved it: the failing version stays live, and the message says so.
  expect(live).toBe('2');
});
