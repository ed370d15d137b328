/**
 * smoke-test: false deploys without probing the URL; the log says so, so an
 * empty "Smoke test" group does not read as a check that passed.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

let aws: FakeAws;
let dir: string;
beforeEach(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
  dir = appFolder();
});
afterEach(async () => {
  await aws.close();
  removeApp(dir);
});

it('smoke-test: false: the deploy succeeds and its log says the URL was not checked', async () => {
  const { report, logger } = await deployApp(aws, dir, { inputs: { 'smoke-test': 'false' } });
  expect(report.status).toBe('success');
  expect(report.smoke?.status).toBe('skipped');
  expect(logger.text('info')).toContain(
    `Smoke test skipped (smoke-test: false): nothing checked that ${report.url} answers.`,
  );
});

it("in a terminal, the skipped smoke test names the CLI's flag", async () => {
  const inputs = { 'smoke-test': 'false' };
  const { report, logger } = await deployApp(aws, dir, { inputs, surface: 'terminal' });
  expect(logger.text('info')).toContain(
    `Smoke test skipped (--smoke-test false): nothing checked that ${report.url} answers.`,
  );
});
