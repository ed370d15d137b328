/**
 * slim: auto counts the attached layers, as the README promises ("function,
 * requirements and layers together"): a Python function whose requirements
 * fit Lambda's 250 MB alone but not with its `layers` is deployed slim, not
 * refused as too large.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { storedZip } from '../../fakes/aws/zip.js';
import { UNZIPPED_LIMIT_BYTES } from '../../src/packaging/size-check.js';
import { buildWheel } from '../support/vendor-wheels.js';

let wheels: string;
beforeAll(() => {
  wheels = mkdtempSync(join(tmpdir(), 'slim-layers-wheels-'));
  // 300 KB of requirements: over what the layer leaves, while the code and the loader fit.
  buildWheel(wheels, {
    name: 'bigdep',
    version: '1.0.0',
    files: { 'bigdep/__init__.py': `DATA = "${'x'.repeat(300_000)}"\n` },
  });
});
afterAll(() => rmSync(wheels, { recursive: true, force: true }));

/** A layer that leaves 150 KB of Lambda's 250 MB (its directory says so; the zip itself is tiny). */
function bigLayer(fake: Awaited<ReturnType<typeof startFakeAws>>): string {
  return fake.seed.layerVersion(
    'shared',
    storedZip({ 'python/shared.py': 'X = 1\n' }, UNZIPPED_LIMIT_BYTES - 150_000),
  );
}

async function deployWithLayer(slim: string) {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  writeFileSync(join(dir, 'app', 'requirements.txt'), 'bigdep==1.0.0\n');
  try {
    const run = await deployApp(fake, dir, {
      inputs: { layers: bigLayer(fake), slim, 'pip-args': `--no-index --find-links ${wheels}` },
    });
    return { run, fn: fake.account.functions.get('shop-main') };
  } finally {
    await fake.close();
    removeApp(dir);
  }
}

it('slim: auto, requirements that fit alone but not with the layers: deployed slim', async () => {
  const { run, fn } = await deployWithLayer('auto');
  expect(run.failure).toBeUndefined();
  expect(fn?.latest.Handler).toBe('_lambda_deploy_slim.handler');
  expect(fn?.latest.Layers?.map((l) => l.Arn)).toEqual([expect.stringContaining(':layer:shared:1')]);
  expect(run.report.slim?.location).toMatch(/lambda-deploy-slim\/shop\/production\/[0-9a-f]{64}\.tar\.gz$/);
  expect(run.logger.text()).toContain('slim: auto, and the package would be');
}, 120_000);

it('slim: false, the same: refused as too large, naming the layers, before anything is uploaded', async () => {
  const { run, fn } = await deployWithLayer('false');
  expect(run.failure).toMatch(/layers/);
  expect(run.failure).toMatch(/250/);
  expect(fn).toBeUndefined();
}, 120_000);
