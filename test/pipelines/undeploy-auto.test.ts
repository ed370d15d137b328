/**
 * `command: auto` on a closed pull request (or a deleted branch) with a
 * `stage` input that is not the event's own stage (`stage:
 * preview-${{ github.event.number }}`): the stage goes when its function's
 * tags say it was deployed for this very pull request (branch) of this
 * repository, never when it is protected; else nothing is removed and the
 * run says why. The whole pipeline runs against the fake AWS.
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
import { stageTags } from '../../src/model/tags.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { eventContext } from '../support/github-context.js';

const REPO = 'octo/svc';

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws({ pageSize: 2 });
});
afterEach(() => aws.close());

const closed = (number: number): GitHubContext =>
  eventContext(
    'pull_request',
    {
      action: 'closed',
      number,
      pull_request: {
        number,
        head: { repo: { full_name: REPO } },
        base: { repo: { full_name: REPO } },
      },
      repository: { full_name: REPO },
    },
    `refs/pull/${number}/merge`,
  );

const deleted = (branch: string): GitHubContext =>
  eventContext(
    'delete',
    { ref: branch, ref_type: 'branch', repository: { full_name: REPO } },
    'refs/heads/main',
  );

/** A stage as a deploy leaves it, with the ref (and repository) the deploy tagged. */
function seed(stage: string, ref: string, repository = REPO) {
  return seedDeployedStage(aws, {
    project: 'svc',
    stage,
    gateway: 'http-api',
    tags: stageTags({ project: 'svc', stage, repository, ref }),
  });
}

/** runPipeline as the action runs it for `command: auto` and the given stage input. */
async function runAuto(ctx: GitHubContext, stage: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'undeploy-auto-'));
  const inputs: Record<string, string> = {
    name: 'svc',
    stage,
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
    const plan = makePlan(settings, ctx);
    const run = await runPipeline(settings, plan, ctx, {
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

describe('command auto, closed pull request, a stage input other than pr-N', () => {
  it('removes the stage its function says was deployed for this pull request', async () => {
    const s = seed('preview-42', 'pull/42');
    const other = seed('preview-43', 'pull/43');
    const { run, logger } = await runAuto(closed(42), 'preview-42');
    expect(run.result.kind).toBe('undeploy');
    expect(changes(aws)).toEqual([`DeleteApi ${s.apiId}`, 'DeleteFunction svc-preview-42']);
    expect(aws.account.functions.has('svc-preview-42')).toBe(false);
    expect(aws.account.functions.has(other.functionName)).toBe(true);
    expect(logger.text('info')).toContain('Stage preview-42 of svc: 2 resources removed.');
  });

  it.each([
    ['deployed for another pull request since', 'preview-42', 'pull/43', REPO, "'pull/43'"],
    ['deployed from a branch', 'staging', 'main', REPO, "'main'"],
    ['of another repository', 'preview-42', 'pull/42', 'other-org/svc', 'no function of this repository'],
  ])('keeps a stage %s, and says why', async (_, stage, ref, repository, why) => {
    seed(stage, ref, repository);
    const { run, logger } = await runAuto(closed(42), stage);
    expect(run.result).toMatchObject({ kind: 'skip' });
    const reason = run.result.kind === 'skip' ? run.result.reason : '';
    expect(reason).toContain(`pull request closed: its stage is pr-42, not the stage input "${stage}"`);
    expect(reason).toContain(why);
    expect(reason).toContain(`To remove stage ${stage} on purpose, run with command: undeploy`);
    expect(logger.text('info')).toContain(reason);
    expect(changes(aws)).toEqual([]);
    expect(aws.account.functions.has(`svc-${stage}`)).toBe(true);
  });

  it('dry-run lists what would go and removes nothing', async () => {
    seed('preview-42', 'pull/42');
    const { run } = await runAuto(closed(42), 'preview-42', { 'dry-run': 'true' });
    expect(run.result).toMatchObject({ kind: 'undeploy', outcome: { dryRun: true } });
    expect(changes(aws)).toEqual([]);
  });
});

describe('command auto, deleted branch, a stage input other than its own', () => {
  it('removes the stage deployed from the deleted branch', async () => {
    seed('feature-x-env', 'feature-x');
    const { run } = await runAuto(deleted('feature-x'), 'feature-x-env');
    expect(run.result.kind).toBe('undeploy');
    expect(aws.account.functions.has('svc-feature-x-env')).toBe(false);
  });

  it('keeps a stage deployed from another branch', async () => {
    seed('staging', 'main');
    const { run } = await runAuto(deleted('feature-x'), 'staging');
    expect(run.result).toMatchObject({ kind: 'skip' });
    expect(changes(aws)).toEqual([]);
  });

  it.each([
    ['a character AWS tags do not take', 'feat#1', 'feat-1'],
    [
      'past the 256 characters of a tag value',
      `a/${'x'.repeat(250)}/${'y'.repeat(10)}`,
      `a/${'x'.repeat(250)}/yyy`,
    ],
  ])(
    'keeps a stage deployed from another branch whose name the deleted one equals only once cleaned for a tag (%s)',
    async (_, deletedBranch, deployedFrom) => {
      // The stage's function says `feat-1`: the branch feat-1, still there, deployed it, not feat#1.
      seed('staging', deployedFrom);
      const { run } = await runAuto(deleted(deletedBranch), 'staging');
      expect(run.result).toMatchObject({ kind: 'skip' });
      const reason = run.result.kind === 'skip' ? run.result.reason : '';
      expect(reason).toContain('cannot tell');
      expect(changes(aws)).toEqual([]);
      expect(aws.account.functions.has('svc-staging')).toBe(true);
    },
  );

  it('never removes a protected stage, whatever its tags say, and asks AWS nothing', async () => {
    seed('production', 'feature-x');
    const { run } = await runAuto(deleted('feature-x'), 'production');
    expect(run.result).toMatchObject({ kind: 'skip' });
    expect(aws.calls.calls).toEqual([]);
    expect(aws.account.functions.has('svc-production')).toBe(true);
  });
});

describe('the undeploy of a closed pull request or deleted branch whose own stage is protected', () => {
  it.each([
    ['command undeploy (the reusable workflow), closed pull request', closed(5), 'undeploy', 'pr-5'],
    ['command auto, closed pull request', closed(5), 'auto', 'pr-5'],
    ['command undeploy, deleted branch', deleted('release'), 'undeploy', 'release'],
  ])('%s: keeps the stage, says so as a warning and succeeds', async (_, ctx, command, stage) => {
    seed(stage, stage === 'pr-5' ? 'pull/5' : stage);
    const { run, logger } = await runAuto(ctx, '', { command, 'protected-stages': `${stage},main` });
    expect(run.result).toMatchObject({ kind: 'skip' });
    const reason = run.result.kind === 'skip' ? run.result.reason : '';
    // The user's own list, as the settings read it (pr-5 also protects the stage of a branch named so).
    expect(reason).toMatch(
      new RegExp(
        `stage ${stage} is listed in protected-stages \\(the protected-stages input: ${stage}\\b[^)]*\\): kept`,
      ),
    );
    expect(logger.text('warning')).toContain(reason);
    expect(run.markdown).toContain(reason);
    expect(aws.calls.calls).toEqual([]);
    expect(aws.account.functions.has(`svc-${stage}`)).toBe(true);
  });
});
