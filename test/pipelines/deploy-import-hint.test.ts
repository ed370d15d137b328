/**
 * A deploy whose Python function cannot import a module (a requirement the
 * user forgot) fails its smoke test; the failure says which distribution to
 * add, from Lambda's answer or from the function's CloudWatch lines.
 */
import { expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';

const IMPORT_ERROR = "Unable to import module 'app': No module named 'yaml'";
const inputs = { gateway: 'none', 'smoke-test': 'true' };
const HINT =
  'yaml is neither in the package nor in its requirements: add PyYAML (the distribution that provides yaml) to a requirements.txt in `path` (or the file the `requirements` input names)';

it("Lambda's answer to the smoke invoke names the module: the failure says to add its distribution", async () => {
  const fake = await startFakeAws({
    invoke: () => ({
      payload: JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: IMPORT_ERROR }),
      functionError: 'Unhandled',
    }),
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, { inputs });
    expect(run.report.error).toBe(
      `Smoke test failed: Invoke shop-main:live raised an error (Unhandled): Runtime.ImportModuleError: ${IMPORT_ERROR}.`,
    );
    // Its own field, and its own line of the step's failure (the ::error:: annotation).
    expect(run.report.hint).toBe(HINT);
    const [cause, fix, ...rest] = run.failure!.split('\n');
    expect(cause).toMatch(/^Smoke test failed: .*No module named 'yaml'\. Nothing to roll back to/);
    expect([fix, ...rest]).toEqual([`Fix: ${HINT}`]);
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it('a deploy from a terminal says the fix with the CLI flags, not the action inputs', async () => {
  const fake = await startFakeAws({
    invoke: () => ({
      payload: JSON.stringify({ errorType: 'Runtime.ImportModuleError', errorMessage: IMPORT_ERROR }),
      functionError: 'Unhandled',
    }),
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  try {
    const run = await deployApp(fake, dir, { inputs, surface: 'terminal' });
    expect(run.report.hint).toBe(
      'yaml is neither in the package nor in its requirements: add PyYAML (the distribution that provides yaml) to a requirements.txt in the --path folder (or the file --requirements names)',
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
});

it("only the function's CloudWatch lines name the module: the hint is read there, and a comment in the requirements is no listing", async () => {
  const fake = await startFakeAws({
    invoke: () => ({ payload: 'Internal error', functionError: 'Unhandled' }),
  });
  fake.seed.setup('shop');
  const dir = appFolder();
  writeFileSync(join(dir, 'app', 'pyproject.toml'), '[project]\nname = "shop"\n# PyYAML later\n');
  try {
    const day = fake.clock.date().toISOString().slice(0, 10).replace(/-/g, '/');
    fake.setFunctionLogs('shop-main', [
      {
        message: `[ERROR] Runtime.ImportModuleError: ${IMPORT_ERROR}`,
        logStreamName: `${day}/[1]0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a`,
      },
    ]);
    const run = await deployApp(fake, dir, { inputs });
    expect(run.report.logs).toContain(IMPORT_ERROR);
    // Once: in the errors section; the last lines say they leave it out.
    expect(run.report.logs!.split('\n').filter((line) => line.includes(IMPORT_ERROR))).toHaveLength(1);
    expect(run.report.logs).toMatch(
      /^--- errors \(1 distinct\) ---\n.*\n--- last 1 line ---\n… 1 line shown under errors$/,
    );
    expect(run.report.error).toMatch(
      /^Smoke test failed: Invoke shop-main:live raised an error \(Unhandled\)/,
    );
    expect(run.report.hint).toBe(
      'yaml is neither in the package nor in its requirements: add PyYAML (the distribution that provides yaml) to pyproject.toml',
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
});
