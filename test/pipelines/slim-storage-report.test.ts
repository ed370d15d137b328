/**
 * The report of a slim deploy says the ephemeral storage the function is
 * set to, and why: slim sets the larger of what the unpacked dependencies
 * need and the owner's own size (see slimEphemeralStorage), so the summary
 * must not show slim's need when the owner's larger size is what is set.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { renderDeploySummary } from '../../src/reporting/summary.js';
import { buildWheel } from '../support/vendor-wheels.js';

let wheels: string;
beforeAll(() => {
  wheels = mkdtempSync(join(tmpdir(), 'slim-storage-wheels-'));
  buildWheel(wheels, { name: 'tinydep', version: '1.0.0', files: { 'tinydep/__init__.py': 'VALUE = 1\n' } });
});
afterAll(() => rmSync(wheels, { recursive: true, force: true }));

it("a slim deploy's summary shows the owner's larger /tmp that is set, and what slim needs", async () => {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  writeFileSync(join(dir, 'app', 'requirements.txt'), 'tinydep==1.0.0\n');
  const inputs = (slim: string) => ({ slim, 'pip-args': `--no-index --find-links ${wheels}` });
  try {
    const plain = await deployApp(fake, dir, { inputs: inputs('false') });
    expect(plain.failure).toBeUndefined();
    // Set in the console, as the owner's code needs it.
    const fn = fake.account.functions.get('shop-main')!;
    fn.latest.EphemeralStorage = { Size: 4096 };

    const run = await deployApp(fake, dir, { inputs: inputs('true') });
    expect(run.failure).toBeUndefined();
    expect(fn.latest.EphemeralStorage).toEqual({ Size: 4096 });
    expect(run.report.slim?.ephemeralStorageMb).toBe(4096);
    expect(renderDeploySummary(run.report)).toMatch(
      /; ephemeral storage 4,096 MB \(the function's own, kept: the unpacked dependencies need \d{3} MB\) \|/,
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
}, 120_000);

it('says the size is what slim needs when that is what is set', async () => {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  writeFileSync(join(dir, 'app', 'requirements.txt'), 'tinydep==1.0.0\n');
  try {
    const run = await deployApp(fake, dir, {
      inputs: { slim: 'true', 'pip-args': `--no-index --find-links ${wheels}` },
    });
    expect(run.failure).toBeUndefined();
    const set = fake.account.functions.get('shop-main')!.latest.EphemeralStorage?.Size;
    expect(run.report.slim?.ephemeralStorageMb).toBe(set);
    expect(renderDeploySummary(run.report)).toContain(
      `; ephemeral storage ${set} MB (what the unpacked dependencies need) |`,
    );
  } finally {
    await fake.close();
    removeApp(dir);
  }
}, 120_000);
