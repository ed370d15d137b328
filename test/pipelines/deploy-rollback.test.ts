/**
 * A code change that fails its smoke test is rolled back inside the deploy
 * pipeline, with the session's AWS deps: a denial during the rollback is
 * worded for whoever signed in (the deploy role in the action, the user's
 * own credentials from a terminal), as every other call of the deploy is.
 */
import { expect, it } from '@jest/globals';
import { ACCOUNT_ID, REGION, startFakeAws } from '../../fakes/aws/index.js';
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
  // The rollback is one info line, where it happened: what went back to which version.
  const said = run.report.rollbackMessage!;
  expect(said).toBe(
    'Rolled back: alias live of shop-main points at version 1 again; the stage is serving the previous version (version 2 failed the smoke test).',
  );
  const shown = run.logger.lines.filter((l) => l.level !== 'debug');
  expect(shown.filter((l) => /roll/i.test(l.message))).toEqual([{ level: 'info', message: said }]);
  // The error is said once, as the step's failure, and does not say the rollback again.
  expect(run.failure).toBe(run.report.error);
  expect(shown.filter((l) => l.message.includes(run.report.error!))).toEqual([]);
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
  // Nothing moved it: the failing version stays live, and the message says so, once: in the failure.
  expect(live).toBe('2');
  expect(run.failure).toBe(`${run.report.error!} ${run.report.rollbackMessage!}`);
  const shown = run.logger.lines.filter((l) => l.level !== 'debug');
  expect(shown.filter((l) => l.message.includes('ROLLBACK FAILED'))).toEqual([]);
});

/**
 * On a busy stage the version that serves meanwhile (1) logs far more than
 * the failed one (2) in the deploy's window: the logs shown are version 2's,
 * not the first few hundred lines of version 1's traffic and its errors.
 */
it("the logs shown are the failed version's, not those of the version serving the stage meanwhile", async () => {
  const fake = await startFakeAws({
    invoke: ({ version }) =>
      version === '1' ? { payload: OK } : { payload: CRASH, functionError: 'Unhandled' },
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    const day = fake.clock.date().toISOString().slice(0, 10).replace(/-/g, '/');
    fake.setFunctionLogs('shop-main', [
      ...Array.from({ length: 600 }, (_, i) => ({
        message: i === 3 ? '[ERROR] TimeoutError: a caller of version 1' : `GET /orders/${i} 200`,
        logStreamName: `${day}/[1]0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a`,
      })),
      { message: "[ERROR] KeyError: 'orders'", logStreamName: `${day}/[2]0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b` },
    ]);
    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs });

    expect(run.report.rolledBack).toBe(true);
    expect(run.report.logs).toContain("KeyError: 'orders'");
    expect(run.report.logs).not.toContain('version 1');
    expect(run.report.logs).not.toContain('GET /orders');
    expect(run.report.logsNote).toBeUndefined();
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

/**
 * A function set (in the console) to log to a custom group shared with other
 * functions: Lambda names its streams `YYYY/MM/DD/{function}[{version}]id`
 * there. The failure's lines come from that group, and no other function's.
 */
it("the logs of a function that logs to a custom group come from that group, and only this function's", async () => {
  const fake = await startFakeAws({
    invoke: ({ version }) =>
      version === '1' ? { payload: OK } : { payload: CRASH, functionError: 'Unhandled' },
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    fake.account.functions.get('shop-main')!.latest.LoggingConfig = {
      LogFormat: 'Text',
      LogGroup: '/shop/all',
    };
    const day = fake.clock.date().toISOString().slice(0, 10).replace(/-/g, '/');
    fake.seed.logGroup('/shop/all');
    fake.account.logGroups.get('/shop/all')!.events = [
      { message: '[ERROR] billing: card declined', logStreamName: `${day}/shop-billing[7]0c0c0c0c` },
      { message: "[ERROR] KeyError: 'orders'", logStreamName: `${day}/shop-main[2]0b0b0b0b` },
    ];
    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs });

    expect(run.report.rolledBack).toBe(true);
    expect(run.report.logs).toContain("KeyError: 'orders'");
    expect(run.report.logs).not.toContain('billing');
    // The window starts 30 s before the deploy, on the fake's clock just before midnight: two days.
    const reads = fake.calls.of({ operation: 'FilterLogEvents' }).map((c) => c.input);
    expect(reads.map((i) => [i.logGroupName, i.logStreamNamePrefix])).toEqual([
      ['/shop/all', '2024/12/31/shop-main[2]'],
      ['/shop/all', `${day}/shop-main[2]`],
    ]);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

/** On real AWS the deploy role setup makes may not read a custom group: the note names the grant, the deploy reports as usual. */
it('a custom group the deploy role may not read: the note names the group and the ARN to grant', async () => {
  const fake = await startFakeAws({
    invoke: ({ version }) =>
      version === '1' ? { payload: OK } : { payload: CRASH, functionError: 'Unhandled' },
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    fake.account.functions.get('shop-main')!.latest.LoggingConfig = {
      LogFormat: 'Text',
      LogGroup: '/shop/all',
    };
    fake.seed.logGroup('/shop/all');
    fake.faults.deny('FilterLogEvents');
    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs });

    expect(run.report.rolledBack).toBe(true);
    expect(run.report.logs).toBe('');
    expect(run.report.logsNote).toContain(
      `grant the deploy role logs:FilterLogEvents on arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/shop/all and arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/shop/all:* `,
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

/**
 * The version `live` goes back to may hold older values than $LATEST: here the
 * key was rotated in a deploy that failed and was rolled back, so $LATEST (what
 * the deploy reads) holds the new key while version 1, live again, still holds
 * the old one. Version 1 served the stage until live moved, so its lines are in
 * the deploy's log window.
 */
it("the rolled-back version's older environment values are hidden like the current ones", async () => {
  const OLD_KEY = 'pk-old-Zr4Lw8Xb2Qm7';
  const NEW_KEY = 'pk-new-Hy6Tc3Vn9Jd1';
  const fake = await startFakeAws({
    invoke: ({ version, config }) => {
      if (version === '1') return { payload: OK };
      const key = config.Environment?.Variables?.PAYMENT_KEY ?? '';
      return {
        payload: JSON.stringify({ errorType: 'KeyError', errorMessage: `bad key ${key}` }),
        functionError: 'Unhandled',
      };
    },
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const withKey = (key: string) => ({ inputs: { ...inputs, environment: `PAYMENT_KEY=${key}` } });
    expect((await deployApp(fake, dir, withKey(OLD_KEY))).failure).toBeUndefined();
    changeCode(dir);
    // The key rotated along with a change that failed: rolled back to version 1 (the old key).
    expect((await deployApp(fake, dir, withKey(NEW_KEY))).report.rolledBack).toBe(true);
    // Version 1, live, logged its key while it served; then the next change fails too.
    fake.setFunctionLogs('shop-main', [
      'START RequestId: 1d2e Version: 1',
      `[ERROR] PaymentError: key ${OLD_KEY} refused`,
      'END RequestId: 1d2e',
    ]);
    changeCode(dir);
    const run = await deployApp(fake, dir, withKey(NEW_KEY));

    expect(run.report.rolledBack).toBe(true);
    expect(run.report.version).toBe('1');
    expect(run.report.logs).toContain('PaymentError: key *** refused');
    expect(run.logger.secrets).toContain(OLD_KEY);
    const shown = [run.logger.text(), run.failure, JSON.stringify(run.report)].join('\n');
    expect(shown).not.toContain(OLD_KEY);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("the failed version's logs are shown even when the environment of the version that served meanwhile cannot be read: its lines are not read", async () => {
  const fake = await startFakeAws({
    invoke: ({ version }) => {
      if (version === '1') return { payload: OK };
      fake.faults.deny('GetFunctionConfiguration');
      return { payload: CRASH, functionError: 'Unhandled' };
    },
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const keep = { inputs: { ...inputs, rollback: 'false' } };
    expect((await deployApp(fake, dir, keep)).failure).toBeUndefined();
    const day = fake.clock.date().toISOString().slice(0, 10).replace(/-/g, '/');
    fake.setFunctionLogs('shop-main', [
      { message: '[ERROR] something version 1 said', logStreamName: `${day}/[1]0a0a0a0a` },
      { message: "[ERROR] KeyError: 'orders'", logStreamName: `${day}/[2]0b0b0b0b` },
    ]);
    changeCode(dir);
    fake.calls.clear();
    const run = await deployApp(fake, dir, keep);

    expect(run.failure).toMatch(/smoke/i);
    expect(run.report.logs).toContain("KeyError: 'orders'");
    expect(run.report.logs).not.toContain('version 1');
    expect(run.report.logsNote).toBeUndefined();
    // Version 2's streams only (of each day of a window that starts before the fake's midnight).
    const prefixes = fake.calls.of({ operation: 'FilterLogEvents' }).map((c) => c.input.logStreamNamePrefix);
    expect(prefixes).toContain(`${day}/[2]`);
    expect(prefixes.every((p) => String(p).endsWith('/[2]'))).toBe(true);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

/**
 * provisioned-concurrency: live moved to the new version, whose environments
 * then fail to initialize (Lambda's provisioned concurrency ends FAILED). The
 * deploy fails before its smoke test; the stage must still be left on the
 * version that passed, not on one that cannot start.
 */
it('provisioned concurrency FAILED on the new version: live goes back to the version before', async () => {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const pc = { inputs: { ...inputs, 'provisioned-concurrency': '1' } };
    expect((await deployApp(fake, dir, pc)).failure).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    fn.provisionedInitFailures = new Map([['2', 'FUNCTION_ERROR_INIT_FAILURE']]);
    changeCode(dir);
    const run = await deployApp(fake, dir, pc);

    expect(run.failure).toContain('FAILED: FUNCTION_ERROR_INIT_FAILURE');
    expect(fn.aliases.get('live')?.FunctionVersion).toBe('1');
    expect(run.report.rolledBack).toBe(true);
    expect(run.report.version).toBe('1');
    expect(run.report.failedVersion).toBe('2');
    expect(run.report.rollbackMessage).toBe(
      'Rolled back: alias live of shop-main points at version 1 again; the stage is serving the previous version (version 2 failed this deploy).',
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it('gateway none honours smoke-status: a 404 of the new version fails a smoke-status of 200 and is rolled back', async () => {
  const NOT_FOUND = JSON.stringify({ statusCode: 404, body: 'Not Found' });
  const fake = await startFakeAws({
    invoke: ({ version }) => ({ payload: version === '1' ? OK : NOT_FOUND }),
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const strict = { ...inputs, 'smoke-status': '200' };
    expect((await deployApp(fake, dir, { inputs: strict })).failure).toBeUndefined();
    changeCode(dir);
    const run = await deployApp(fake, dir, { inputs: strict });
    expect(run.report.smoke).toMatchObject({ status: 'failed', lastStatus: 404 });
    expect(run.report.rolledBack).toBe(true);
    expect(fake.account.functions.get('shop-main')!.aliases.get('live')?.FunctionVersion).toBe('1');
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it('a deploy that fails part way says its error once, in the failure (debug shows where it happened)', async () => {
  const fake = await startFakeAws({ invoke: () => ({ payload: OK }) });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    fake.faults.deny('CreateFunction');
    const run = await deployApp(fake, dir, { inputs });
    const said = run.report.error!;
    expect(said).toContain('AccessDeniedException');
    expect(run.failure).toContain(said);
    const levels = run.logger.lines.filter((l) => l.message.includes(said)).map((l) => l.level);
    expect(levels).toEqual(['debug']);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
