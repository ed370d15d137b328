/**
 * serve --watch's reloads install the requirements again only when they
 * changed: seen in the log (pip's install step), with a real pip installing
 * local wheels.
 */
import { afterAll, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients.js';
import type { GitHubContext } from '../../src/model/github-context.js';
import { makePlan } from '../../src/model/plan.js';
import { deployLocally } from '../../src/pipelines/local-deploy/deploy-local.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { testPython } from '../support/vendor-wheels.js';
import { buildWheel } from '../packaging/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-reload-installs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const handler = (greeting: string) =>
  `import json, greetlib\n\ndef handler(event, context):\n    return {"statusCode": 200, "body": json.dumps({"says": "${greeting}", "lib": greetlib.VERSION})}\n`;

test('a reload after a code edit reuses the installed requirements; one after a requirements edit installs them again', async () => {
  const wheels = join(dir, 'wheels');
  mkdirSync(wheels);
  await buildWheel(wheels, 'greetlib', '1.0.0', 'VERSION = "1.0.0"\n');
  await buildWheel(wheels, 'greetlib', '1.1.0', 'VERSION = "1.1.0"\n');
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'app.py'), handler('hello'));
  writeFileSync(join(app, 'requirements.txt'), 'greetlib==1.0.0\n');
  const inputs: Record<string, string> = {
    name: 'shop',
    path: 'app',
    handler: 'app.handler',
    target: 'local',
    'smoke-test': 'false',
    'pip-args': `--no-index --find-links ${wheels}`,
  };
  const env = {
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: join(dir, 'runner-temp'),
    LAMBDA_DEPLOY_PYTHON: testPython(),
  };
  const settings = readSettings((name) => inputs[name], env);
  const ctx = { eventName: 'push', payload: {}, ref: 'refs/heads/main', repository: 'octo/shop' };
  const logger = new RecordingLogger();
  const { report, stage } = await deployLocally(settings, makePlan(settings, ctx as GitHubContext), {
    logger,
    env: { ...process.env, ...env },
    awsClients: createAwsClients,
    localPort: 0,
    outDir: join(dir, 'out'),
    keepLocalRunning: true,
  });
  const answer = async () => (await (await fetch(stage!.url)).json()) as { says: string; lib: string };
  const installs = () => logger.text().match(/Installing requirements \(requirements\.txt\)/g)?.length ?? 0;
  try {
    expect(report.error).toBeUndefined();
    expect(await answer()).toEqual({ says: 'hello', lib: '1.0.0' });
    expect(installs()).toBe(1);

    writeFileSync(join(app, 'app.py'), handler('howdy'));
    await stage!.reload();
    expect(await answer()).toEqual({ says: 'howdy', lib: '1.0.0' });
    expect(installs()).toBe(1);
    expect(logger.text('debug')).toContain(
      'Requirements unchanged (requirements.txt): the previous install reused',
    );

    writeFileSync(join(app, 'requirements.txt'), 'greetlib==1.1.0\n');
    await stage!.reload();
    expect(await answer()).toEqual({ says: 'howdy', lib: '1.1.0' });
    expect(installs()).toBe(2);
  } finally {
    await stage?.stop();
  }
}, 90_000);
