/**
 * Deleting a branch removes its stage, derived from its name; another branch
 * can derive the same stage (`Feature/Login` is hashed to
 * `feature-login-1ce27709`, and a branch can be named exactly that). The
 * undeploy removes the stage only when its function was last deployed for the
 * deleted branch (tag lambda-deploy:ref) or says nothing (deployed before the
 * tag); else it keeps it and says whose it is. The whole pipeline runs against
 * the fake AWS, as the reusable workflow's undeploy-branch job runs it
 * (command: undeploy, no stage input) and as command: auto does.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changes } from '../../fakes/aws/call-summaries.js';
import { seedDeployedStage } from '../../fakes/aws/deployed-stage.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { createAwsClients } from '../../src/aws/clients.js';
import type { GitHubContext } from '../../src/model/github-context.js';
import { makePlan } from '../../src/model/plan.js';
import { branchStage } from '../../src/model/stage-name.js';
import { stageTags } from '../../src/model/tags.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { eventContext } from '../support/github-context.js';

const REPO = 'octo/svc';
const OWNER = 'Feature/Login';
const STAGE = branchStage(OWNER);
const LOOK_ALIKE = STAGE;

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

const deleted = (branch: string): GitHubContext =>
  eventContext(
    'delete',
    { ref: branch, ref_type: 'branch', repository: { full_name: REPO } },
    'refs/heads/main',
  );

/** A stage as a deploy for `ref` leaves it; `ref` undefined: deployed before the ref tag. */
function seed(stage: string, ref: string | undefined) {
  const tags = stageTags({ project: 'svc', stage, repository: REPO, ref: ref ?? '' });
  if (ref === undefined) delete tags['lambda-deploy:ref'];
  return seedDeployedStage(aws, { project: 'svc', stage, gateway: 'http-api', tags });
}

async function undeploy(ctx: GitHubContext, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'undeploy-claim-'));
  const inputs: Record<string, string> = {
    name: 'svc',
    command: 'undeploy',
    'aws-region': aws.region,
    comment: 'false',
    deployment: 'false',
    ...extra,
  };
  const env: NodeJS.ProcessEnv = {
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    ...aws.env(),
    ...aws.staticCredentialsEnv(),
  };
  const settings = readSettings((name) => inputs[name], env);
  const logger = new RecordingLogger();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  aws.calls.clear();
  try {
    const run = await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env,
      awsClients: createAwsClients,
      sleep: aws.clock.sleep,
      now: () => aws.clock.now(),
    });
    return { run, logger };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

describe("deleting the look-alike branch keeps the other branch's stage", () => {
  it.each([
    ['command: undeploy (the reusable workflow)', {}],
    ['command: auto', { command: 'auto' }],
    ['dry-run', { 'dry-run': 'true' }],
  ])('%s: nothing removed, a warning names the branch that owns it', async (_, extra) => {
    seed(STAGE, OWNER);
    const { run, logger } = await undeploy(deleted(LOOK_ALIKE), extra);
    const reason =
      `Stage ${STAGE} was last deployed for branch '${OWNER}' (function svc-${STAGE}, tag lambda-deploy:ref), ` +
      `not for branch '${LOOK_ALIKE}', whose name comes out as the same stage: kept, nothing removed. ` +
      `To remove it on purpose, run undeploy with stage: ${STAGE}.`;
    expect(run.result).toEqual({ kind: 'skip', reason });
    expect(logger.text('warning')).toContain(reason);
    expect(run.markdown).toContain(reason);
    expect(changes(aws)).toEqual([]);
    expect(aws.account.functions.has(`svc-${STAGE}`)).toBe(true);
  });
});

it("deleting the look-alike of a branch whose name the ref tag had to clean keeps that branch's stage", async () => {
  const owner = 'fix/#123-login';
  const stage = branchStage(owner);
  seed(stage, owner);
  const { run, logger } = await undeploy(deleted(stage));
  expect(run.result.kind).toBe('skip');
  expect(logger.text('warning')).toContain(
    `Stage ${stage} was last deployed for branch 'fix/-123-login' (function svc-${stage}, tag lambda-deploy:ref, which holds that name cleaned or cut as AWS requires: a character a tag may not hold became -), not for branch '${stage}'`,
  );
  expect(changes(aws)).toEqual([]);
});

describe("a deleted branch's own stage is removed as before", () => {
  it.each([
    ['deployed for that branch', OWNER, OWNER],
    ['deployed for the look-alike itself', LOOK_ALIKE, LOOK_ALIKE],
    ['deployed before the ref tag existed', OWNER, undefined],
    // The tag holds `feat-1`: the cleaned name, as that branch's own deploy wrote it.
    ['whose name the tag had to clean', 'feat#1', 'feat#1'],
  ])('%s', async (_, branch, ref) => {
    const stage = branchStage(branch);
    const s = seed(stage, ref);
    const { run } = await undeploy(deleted(branch));
    expect(run.result.kind).toBe('undeploy');
    expect(changes(aws)).toEqual([`DeleteApi ${s.apiId}`, `DeleteFunction svc-${stage}`]);
  });
});
