/**
 * What a failed deploy posts (the job summary, the PR comment, the step's
 * failure) shows no value the job log masks, whichever step learned it.
 */
import { expect, it } from '@jest/globals';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { OTHER_ACCOUNT_ID } from '../../fakes/aws/account.js';

const KEY_VALUE = 'Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK';

it("the stage's API key, masked when read, stays out of the report when the front door fails after reading it", async () => {
  const fake = await startFakeAws({ apiKeyValue: () => KEY_VALUE });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const inputs = { gateway: 'rest-api', 'api-key': 'true' };
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    // The function logged the key its callers sent; then the next deploy's front door fails after reading the key.
    fake.setFunctionLogs('shop-main', [`[ERROR] caller key ${KEY_VALUE} over quota`]);
    fake.faults.deny('GetUsagePlans');
    const run = await deployApp(fake, dir, { inputs });

    expect(run.failure).toContain('Could not list the usage plans for stage main');
    expect(run.logger.secrets).toContain(KEY_VALUE);
    expect(run.report.logs).toContain('caller key *** over quota');
    expect(run.failure).not.toContain(KEY_VALUE);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("a value set in the console stays out of an error that quotes the function's variables (Lambda's 4 KB limit)", async () => {
  const PASTED = 'pk9f2Qm7Zr4Lw8Xb';
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    expect((await deployApp(fake, dir)).failure).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    fn.latest.Environment = { Variables: { PAYMENT_KEY: PASTED, CATALOG: 'c'.repeat(3_000) } };
    // The workflow adds a variable: with the one kept from the console, over 4 KB.
    const run = await deployApp(fake, dir, { inputs: { environment: `BANNER=${'b'.repeat(1_500)}` } });

    expect(run.failure).toContain('exceeded the 4KB limit. String measured: {');
    expect(run.failure).toContain('"PAYMENT_KEY":"***"');
    expect(run.logger.secrets).toContain(PASTED);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it('a key the owner disabled is replaced: the report names the new key, the log names both ids and neither value', async () => {
  const values = ['Rk7zQ2pXv9L4mN8sT1wY6bC3dF5gH0jK', 'Zq8wE3rT6yU1iO4pA7sD0fG5hJ2kL9xC'];
  let made = 0;
  const fake = await startFakeAws({ apiKeyValue: () => values[made++]! });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const inputs = { gateway: 'rest-api', 'api-key': 'true' };
    const first = await deployApp(fake, dir, { inputs });
    expect(first.failure).toBeUndefined();
    const leaked = first.report.apiKeyId!;
    fake.account.apiKeys.get(leaked)!.enabled = false;
    const run = await deployApp(fake, dir, { inputs });

    expect(run.failure).toBeUndefined();
    const fresh = run.report.apiKeyId!;
    expect(fresh).not.toBe(leaked);
    expect(fake.account.apiKeys.get(fresh)).toMatchObject({ enabled: true, value: values[1] });
    expect(fake.account.apiKeys.has(leaked)).toBe(false);
    expect(run.logger.text('warning')).toContain(`The API key ${leaked} of stage main is disabled`);
    expect(run.logger.text('warning')).toContain(
      `aws apigateway get-api-key --api-key ${fresh} --include-value`,
    );
    expect(run.logger.secrets).toContain(values[1]);
    for (const value of values) expect(run.logger.text()).not.toContain(value);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it('each line of a multi-line value set in the console is masked, and stays out of the logs the report quotes (one event per line)', async () => {
  const LINES = ['svc-a:Q7w2e9R4t6Y1', 'svc-b:T5y8u1I3o0P2'];
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const inputs = { gateway: 'rest-api', 'api-key': 'true' };
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    fn.latest.Environment = {
      Variables: { ...fn.latest.Environment?.Variables, SERVICE_KEYS: LINES.join('\n') },
    };
    // The function printed the value: CloudWatch keeps each of its lines as an event of its own.
    fake.setFunctionLogs('shop-main', ['[ERROR] keys in use:', ...LINES]);
    fake.faults.deny('GetUsagePlans');
    const run = await deployApp(fake, dir, { inputs });

    expect(run.failure).toContain('Could not list the usage plans for stage main');
    // The runner masks line by line: each line is registered on its own.
    expect(run.logger.secrets).toEqual(expect.arrayContaining(LINES));
    expect(run.report.logs).toContain('keys in use:');
    for (const line of LINES) expect(run.report.logs).not.toContain(line);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("a short password set in the console (DB_PASSWORD=k3y9) stays out of the logs the report quotes, by its variable's name, as a word", async () => {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const inputs = { gateway: 'rest-api', 'api-key': 'true' };
    expect((await deployApp(fake, dir, { inputs })).failure).toBeUndefined();
    const fn = fake.account.functions.get('shop-main')!;
    fn.latest.Environment = {
      Variables: { ...fn.latest.Environment?.Variables, DB_PASSWORD: 'k3y9', LEVEL: 'info' },
    };
    fake.setFunctionLogs('shop-main', ['[ERROR] login failed for app with k3y9 (level info, pool k3y99)']);
    fake.faults.deny('GetUsagePlans');
    const run = await deployApp(fake, dir, { inputs });

    expect(run.failure).toContain('Could not list the usage plans for stage main');
    expect(run.report.logs).toContain('login failed for app with *** (level info, pool k3y99)');
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("a value equal to execution-role-arn's account stays masked when the deploy signs in to another account", async () => {
  // Before sign-in the role ARN is taken to name the account (a value equal to it is in function-arn);
  // signed in elsewhere, that value is no part of any output and must be masked like any other.
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, {
      inputs: {
        'execution-role-arn': `arn:aws:iam::${OTHER_ACCOUNT_ID}:role/elsewhere`,
        environment: `PARTNER_ACCOUNT=${OTHER_ACCOUNT_ID}`,
      },
    });

    expect(run.logger.secrets).toContain(OTHER_ACCOUNT_ID);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
