/**
 * `target: local` with `dependencies-layer: true`: the requirements are in
 * the layer's zip, not the function's, so the local runtime must give the
 * function the layer as Lambda does (/opt/python, after the function's own
 * folder), or the function cannot import them locally.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients.js';
import type { DeployReport } from '../../src/model/outcome.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { noEventContext } from '../support/github-context.js';
import { buildWheel } from '../support/vendor-wheels.js';

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'local-deps-layer-'));
  buildWheel(join(workspace, 'wheels'), {
    name: 'tinydep',
    version: '1.0.0',
    files: { 'tinydep/__init__.py': 'VALUE = "from the layer"\n', 'shadowed.py': 'WHO = "the layer"\n' },
  });
  // The function's own shadowed.py wins over the layer's, as /var/task wins over /opt/python.
  writeFileSync(
    join(workspace, 'app.py'),
    'import tinydep, shadowed\n\ndef handler(event, context):\n    return {"statusCode": 200, "body": tinydep.VALUE + " for " + shadowed.WHO}\n',
  );
  writeFileSync(join(workspace, 'shadowed.py'), 'WHO = "the function"\n');
  writeFileSync(join(workspace, 'requirements.txt'), 'tinydep==1.0.0\n');
}, 60_000);
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

it('the function imports its requirements from the dependencies layer', async () => {
  const inputs: Record<string, string> = {
    name: 'shop',
    command: 'deploy',
    target: 'local',
    stage: 'local',
    'dependencies-layer': 'true',
    'pip-args': `--no-index --find-links ${join(workspace, 'wheels')}`,
    'smoke-contains': 'from the layer for the function',
    comment: 'false',
    deployment: 'false',
  };
  const env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: join(workspace, 'temp') };
  const settings = readSettings((name) => inputs[name], env);
  const ctx = noEventContext();
  const run = await runPipeline(settings, makePlan(settings, ctx), ctx, {
    logger: new RecordingLogger(),
    env,
    awsClients: createAwsClients,
    outDir: join(workspace, 'out'),
  });
  const report = run.result.kind === 'deploy' ? (run.result.outcome as DeployReport) : undefined;
  expect({ failure: run.failure, logs: report?.logs }).toEqual({ failure: undefined, logs: undefined });
  expect(report?.smoke.status).toBe('passed');
}, 90_000);
