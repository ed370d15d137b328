/**
 * dependencies-layer: true reuses the version of `{project}-deps` whose
 * description carries the content key. A prune running meanwhile may delete
 * that version between the deploy's lookup and CreateFunction /
 * UpdateFunctionConfiguration, which Lambda then refuses
 * (InvalidParameterValueException: "Layer version … does not exist."). The
 * deploy publishes the layer again, once, and goes on with the new version.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { buildWheel } from '../support/vendor-wheels.js';

let wheels: string;
beforeAll(() => {
  wheels = mkdtempSync(join(tmpdir(), 'layer-pruned-wheels-'));
  buildWheel(wheels, { name: 'smalldep', version: '1.0.0', files: { 'smalldep/__init__.py': 'X = 1\n' } });
});
afterAll(() => rmSync(wheels, { recursive: true, force: true }));

const LAYER = 'shop-deps';
const versions = (fake: FakeAws) => [...(fake.account.layers.get(LAYER)?.versions.keys() ?? [])];

/** As a prune would: the layer version goes once `operation` has been answered (the deploy's lookup, or a publish). */
function pruneAfter(fake: FakeAws, operation: string, times = 1): void {
  const add = fake.calls.add.bind(fake.calls);
  let left = times;
  fake.calls.add = (call) => {
    const entry = add(call);
    if (call.operation === operation && left > 0) {
      left--;
      const layer = fake.account.layers.get(LAYER);
      for (const v of layer?.versions.keys() ?? []) layer!.versions.delete(v);
    }
    return entry;
  };
}

async function twoDeploys(second: Record<string, string>, prune: (fake: FakeAws) => void) {
  const fake = await startFakeAws();
  fake.seed.setup('shop');
  const dir = appFolder();
  writeFileSync(join(dir, 'app', 'requirements.txt'), 'smalldep==1.0.0\n');
  const inputs = { 'dependencies-layer': 'true', 'pip-args': `--no-index --find-links ${wheels}` };
  try {
    const first = await deployApp(fake, dir, { inputs });
    expect(first.failure).toBeUndefined();
    expect(versions(fake)).toEqual([1]);
    prune(fake);
    fake.calls.clear();
    const run = await deployApp(fake, dir, { inputs: { ...inputs, ...second } });
    return { fake, run, calls: fake.calls.operations('lambda') };
  } finally {
    await fake.close();
    removeApp(dir);
  }
}

it.each([
  ['a new stage (CreateFunction)', { stage: 'feature-x' }, 'shop-feature-x', 'CreateFunction'],
  [
    'a changed configuration (UpdateFunctionConfiguration)',
    { memory: '512' },
    'shop-main',
    'UpdateFunctionConfiguration',
  ],
])(
  'the reused layer version pruned meanwhile, %s: published again, once, and the deploy succeeds',
  async (_, second, name, refused) => {
    const { fake, run, calls } = await twoDeploys(second, (f) => pruneAfter(f, 'GetLayerVersion'));
    expect(run.failure).toBeUndefined();
    const refusals = fake.calls.of({ operation: refused }).filter((c) => c.status === 400);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ error: 'InvalidParameterValueException' });
    expect(calls.filter((c) => c === 'PublishLayerVersion')).toHaveLength(1);
    expect(versions(fake)).toEqual([2]);
    expect(fake.account.functions.get(name)?.latest.Layers?.map((l) => l.Arn)).toEqual([
      expect.stringMatching(/:layer:shop-deps:2$/),
    ]);
    expect(run.logger.text('warning')).toMatch(/shop-deps:1 .*no longer exists.*publishing/s);
  },
  120_000,
);

it('pruned again after the new publish: the deploy fails as Lambda says, without a third try', async () => {
  const { fake, run, calls } = await twoDeploys({ memory: '512' }, (f) => {
    pruneAfter(f, 'GetLayerVersion');
    pruneAfter(f, 'PublishLayerVersion');
  });
  expect(run.failure).toMatch(/Layer version arn:aws:lambda:[^ ]+:layer:shop-deps:2 does not exist/);
  expect(calls.filter((c) => c === 'PublishLayerVersion')).toHaveLength(1);
  expect(
    fake.calls.of({ operation: 'UpdateFunctionConfiguration' }).filter((c) => c.status === 400),
  ).toHaveLength(2);
}, 120_000);
