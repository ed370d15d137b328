/**
 * command: report posts what the deploy itself posts today: the same pull request comment, the
 * same GitHub Deployment with the same statuses, the same job summary, from the deploy's
 * `report` output alone (against the local GitHub API recorder).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DeployReport } from '../../src/model/outcome.js';
import type { Plan } from '../../src/model/plan.js';
import type { Settings } from '../../src/model/settings.js';
import type { PipelineDeps } from '../../src/pipelines/pipeline-deps.js';
import { runReport } from '../../src/pipelines/report-pipeline.js';
import { deployReportJson, errorReportJson } from '../../src/reporting/report-json.js';
import { reportDeploy, reportDeployError, reportDeployStart } from '../../src/reporting/report.js';
import { RecordingLogger } from '../../src/util/logger.js';
import type { GitHubRecorder } from '../support/github-recorder.js';
import { startGitHubRecorder } from '../support/github-recorder.js';
import { API_KEY, failureOutcome, successOutcome, TOKEN } from '../reporting/outcomes.js';
import { ctx, options, RUN_URL } from '../reporting/report-options.js';

const URL = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
const MERGE_SHA = 'merge0000merge0000merge0000merge0000merg';
const recorders: GitHubRecorder[] = [];
afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close();
});

async function recorder(): Promise<GitHubRecorder> {
  const gh = await startGitHubRecorder();
  recorders.push(gh);
  return gh;
}

const plan = { command: 'report', stage: 'pr-12', pullRequest: 12, sha: MERGE_SHA } as Plan;
/** The report job's settings: its name and aws-region inputs; report-url and report-result when GitHub dropped report. */
const settings = (report: string, fallback: { reportUrl?: string; reportResult?: string } = {}) =>
  ({
    name: 'shop',
    awsRegion: 'us-east-1',
    report,
    reportUrl: '',
    reportResult: '',
    ...fallback,
  }) as Settings;
const deps = () => ({ logger: new RecordingLogger() }) as unknown as PipelineDeps;

/** What GitHub holds after a run: the comments, and each Deployment with its statuses. */
function posted(gh: GitHubRecorder) {
  return {
    comments: gh.comments.map((c) => ({ issue: c.issue, body: c.body })),
    deployments: gh.deployments.map((d) => ({
      ref: d.ref,
      environment: d.environment,
      description: d.description,
      transient: d.transientEnvironment,
      production: d.productionEnvironment,
      statuses: gh.statusesOf(d.id).map(({ state, environmentUrl, logUrl, description }) => ({
        state,
        environmentUrl,
        logUrl,
        description,
      })),
    })),
  };
}

/** Today's deploy: the Deployment started first, then the comment and the final status. */
async function deployToday(outcome: DeployReport, gh: GitHubRecorder) {
  const logger = new RecordingLogger();
  const opts = options(gh);
  const target = { project: 'shop', stage: 'pr-12', sha: MERGE_SHA };
  Object.assign(opts, await reportDeployStart(target, opts, { logger }));
  return reportDeploy(outcome, opts, { logger });
}

describe('command: report', () => {
  it.each([
    ['a success', successOutcome({ url: URL, sha: MERGE_SHA })],
    ['a rolled-back failure with logs and secrets', failureOutcome({ url: URL, sha: MERGE_SHA })],
    [
      'a success with notes (keep-warm, provisioned concurrency cost)',
      {
        ...successOutcome({ url: URL, sha: MERGE_SHA }),
        notes: [
          'Kept warm by lambda-deploy-shop-pr-12-warm (rate(5 minutes)).',
          'Provisioned concurrency 2 costs about $21.90 a month.',
        ],
      },
    ],
  ])('%s: the same comment, Deployment and summary as the deploy posts', async (_what, outcome) => {
    const [today, split] = [await recorder(), await recorder()];
    const expected = await deployToday(outcome, today);
    const json = deployReportJson(outcome, { secrets: [API_KEY, TOKEN], commentLogs: true });
    const run = await runReport(settings(json), plan, options(split), deps());
    expect(posted(split)).toEqual(posted(today));
    expect(posted(split).comments).toHaveLength(1);
    expect(posted(split).deployments[0]?.statuses.map((s) => s.state)).toEqual([
      'in_progress',
      outcome.status,
    ]);
    expect(run.markdown).toBe(expected.markdown);
    expect(run.result).toEqual({ kind: 'report', stage: 'pr-12', url: URL });
  });

  it('a deploy that threw: the same failure comment and error status', async () => {
    const [today, split] = [await recorder(), await recorder()];
    const target = { project: 'shop', stage: 'pr-12', sha: MERGE_SHA };
    const logger = new RecordingLogger();
    const opts = options(today);
    Object.assign(opts, await reportDeployStart(target, opts, { logger }));
    const error = new Error('pip install failed: no matching distribution');
    const expected = await reportDeployError(error, { ...target, steps: ['Build the package'] }, opts, {
      logger,
    });
    const json = errorReportJson({ ...target, message: error.message, steps: ['Build the package'] }, []);
    const run = await runReport(settings(json), plan, options(split), deps());
    expect(posted(split)).toEqual(posted(today));
    expect(posted(split).deployments[0]?.statuses.map((s) => s.state)).toEqual(['in_progress', 'error']);
    expect(run.markdown).toBe(expected.markdown);
  });

  it('public-comment-logs false: the comment says the logs were left out, as the deploy does', async () => {
    const [today, split] = [await recorder(), await recorder()];
    const outcome = failureOutcome({ url: URL, sha: MERGE_SHA });
    const logger = new RecordingLogger();
    await reportDeploy(outcome, options(today, { commentLogs: false, deployment: false }), { logger });
    const json = deployReportJson(outcome, { secrets: [], commentLogs: false });
    await runReport(settings(json), plan, options(split, { deployment: false }), deps());
    expect(posted(split).comments).toEqual(posted(today).comments);
    expect(posted(split).comments[0]?.body).toContain('public-comment-logs: false');
  });

  it('a forged report posts nothing: the error names the input', async () => {
    const gh = await recorder();
    const json = JSON.stringify({
      ...JSON.parse(deployReportJson(successOutcome({ url: URL }), { secrets: [], commentLogs: true })),
      url: 'https://phish.example.com/login',
    });
    await expect(runReport(settings(json), plan, options(gh), deps())).rejects.toThrow(/^report: url is /);
    expect(gh.requests).toEqual([]);
  });

  it("a forged report's text fields show as text: no link, image, mention or hidden part of its own", async () => {
    const gh = await recorder();
    // What pull-request code may write into fields the deploy itself fills with its own words.
    const forged =
      '<!-- [Open the preview](https://phish.example.com/login) @octocat #7 ![x](https://t.example/p.png)';
    const slim = {
      archiveBytes: 1,
      unpackedBytes: 2,
      files: 3,
      ephemeralStorageMb: 512,
      measured: forged,
      atMemory: forged,
      location: 's3://b/k.zip',
    };
    const outcome = failureOutcome({ url: URL, sha: MERGE_SHA, slim, logsNote: forged, notes: [forged] });
    const { markdown: deploySummary } = await runReport(
      settings(deployReportJson(outcome, { secrets: [], commentLogs: true })),
      plan,
      options(gh),
      deps(),
    );
    const deployComment = gh.comments[0]?.body ?? '';
    const failed = errorReportJson({ project: 'shop', stage: 'pr-12', message: 'm', steps: [forged] }, []);
    const summary = (await runReport(settings(failed), plan, options(gh), deps())).markdown;
    const bodies = [deployComment, gh.comments[0]?.body ?? '', summary, deploySummary];
    expect(deploySummary).toContain('Open the preview');
    expect(bodies).toHaveLength(4);
    // In a code span (the log group's name under Where to look) all of that is inert.
    for (const body of bodies.map((b) => b.replace(/`[^`\n]*`/g, ''))) {
      expect(body).not.toContain('](https://phish.example.com');
      expect(body).not.toContain('![x]');
      expect(body.replace(/^<!-- lambda-deploy:[^\n]* -->/, '')).not.toContain('<!--');
      expect(body).not.toMatch(/@octocat|#7/);
    }
  });

  it("another stage than the run's own (a production environment) posts nothing", async () => {
    const gh = await recorder();
    const json = deployReportJson(successOutcome({ url: URL, stage: 'main' }), {
      secrets: [],
      commentLogs: true,
    });
    await expect(runReport(settings(json), plan, options(gh), deps())).rejects.toThrow(
      /^report: stage is "main"; expected "pr-12"/,
    );
    expect(gh.requests).toEqual([]);
    expect(ctx(gh).repository).toBe('octo/repo');
  });
});

/**
 * GitHub drops a job output that holds a value masked in the job ("Skip output 'report' since it
 * may contain secret"): a secret the report still holds is enough (a short one inside a number: one
 * under 6 characters is redacted only as a word of its own, under 3 never). The report job then gets '' for report, and still the deploy job's url output (dropped on its own
 * only when it holds a masked value) and its result (GitHub's, not an output).
 */
describe('command: report when GitHub dropped the report output', () => {
  it("success: a short comment that points at the run's log, with the URL, and a successful Deployment", async () => {
    const gh = await recorder();
    const run = await runReport(
      settings('', { reportUrl: URL, reportResult: 'success' }),
      plan,
      options(gh),
      deps(),
    );
    const body = posted(gh).comments[0]?.body ?? '';
    expect(posted(gh).comments).toHaveLength(1);
    expect(body).toMatch(
      /^<!-- lambda-deploy:shop:pr-12 -->\n\n### ✅ `shop` deploy to `pr-12`: its job succeeded\n/,
    );
    expect(body).toContain(`[${URL}](${URL})`);
    expect(body).toContain(`[the run's log](${RUN_URL})`);
    expect(body).toContain("Skip output 'report' since it may contain secret");
    expect(posted(gh).deployments[0]?.statuses).toEqual([
      expect.objectContaining({ state: 'in_progress' }),
      {
        state: 'success',
        environmentUrl: URL,
        logUrl: RUN_URL,
        description: "Deployed; the report is in the run's log",
      },
    ]);
    expect(run.markdown).toContain('its job succeeded');
    expect(run.result).toEqual({ kind: 'report', stage: 'pr-12', url: URL });
  });

  it('failure, no URL (dropped too, or none): the comment and the Deployment say it failed, without a URL', async () => {
    const gh = await recorder();
    await runReport(settings('', { reportResult: 'failure' }), plan, options(gh), deps());
    const body = posted(gh).comments[0]?.body ?? '';
    expect(body).toContain('### ❌ `shop` deploy to `pr-12`: its job failed');
    expect(body).not.toContain('execute-api');
    expect(posted(gh).deployments[0]?.statuses.map((s) => [s.state, s.environmentUrl])).toEqual([
      ['in_progress', ''],
      ['failure', ''],
    ]);
  });

  it('failure: the comment does not blame a dropped output alone: most such jobs failed before the deploy wrote a report', async () => {
    const gh = await recorder();
    await runReport(settings('', { reportResult: 'failure' }), plan, options(gh), deps());
    const body = posted(gh).comments[0]?.body ?? '';
    // A bad input, a step before the deploy (the role check, the checkout): no report was ever written.
    expect(body).toContain(
      `Why it failed is in [the run's log](${RUN_URL}): its report did not reach this job. Either the job failed before the deploy step wrote one (a bad input, a step before it), or GitHub left the output out`,
    );
    expect(body).not.toContain('What the deploy did');
  });

  it.each([
    [
      'a URL the deploy never makes',
      { reportUrl: 'https://phish.example.com/login', reportResult: 'success' },
      /^report-url: "https:\/\/phish\.example\.com\/login" is not valid; expected a URL the deploy makes in this run's region us-east-1 \(aws-region\): /,
    ],
    [
      "another region's API",
      { reportUrl: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', reportResult: 'success' },
      /^report-url: ".+" is not valid; expected a URL the deploy makes in this run's region us-east-1/,
    ],
    [
      'a result that is no job result',
      { reportResult: 'success <!-- [x](https://phish.example.com)' },
      /^report-result: "success <!-- .+" is not valid; expected success or failure \(the deploy job's result, needs\.<job>\.result\), or empty\.$/,
    ],
    [
      'a URL without a result',
      { reportUrl: URL },
      /^report: is empty; expected the JSON of the deploy step's report output/,
    ],
  ])('%s: posts nothing, the error names the input', async (_what, fallback, message) => {
    const gh = await recorder();
    await expect(runReport(settings('', fallback), plan, options(gh), deps())).rejects.toThrow(message);
    expect(gh.requests).toEqual([]);
  });

  it('a report that did arrive is what is posted: report-url and report-result are only its stand-ins', async () => {
    const [today, split] = [await recorder(), await recorder()];
    const outcome = failureOutcome({ url: URL, sha: MERGE_SHA });
    await deployToday(outcome, today);
    const json = deployReportJson(outcome, { secrets: [API_KEY, TOKEN], commentLogs: true });
    await runReport(
      settings(json, { reportUrl: URL, reportResult: 'success' }),
      plan,
      options(split),
      deps(),
    );
    expect(posted(split)).toEqual(posted(today));
  });
});

describe('command: report without the report, after earlier reports of the stage', () => {
  /** A report that arrived: a successful deploy with its URL. */
  const fullReport = () =>
    settings(
      deployReportJson(successOutcome({ url: URL, sha: MERGE_SHA }), { secrets: [], commentLogs: true }),
    );

  it("replaces the stage's sticky comment, as the full report does, rather than adding one", async () => {
    const gh = await recorder();
    await runReport(fullReport(), plan, options(gh), deps());
    await runReport(settings('', { reportResult: 'failure' }), plan, options(gh), deps());
    await runReport(settings('', { reportUrl: URL, reportResult: 'success' }), plan, options(gh), deps());
    expect(posted(gh).comments).toHaveLength(1);
    expect(posted(gh).comments[0]?.body).toContain('its job succeeded');
  });

  it('a failure leaves the earlier successful Deployment active; a success supersedes it', async () => {
    const gh = await recorder();
    await runReport(fullReport(), plan, options(gh), deps());
    await runReport(settings('', { reportResult: 'failure' }), plan, options(gh), deps());
    const last = () => posted(gh).deployments.map((d) => d.statuses.at(-1)?.state);
    expect(last()).toEqual(['success', 'failure']);
    await runReport(settings('', { reportUrl: URL, reportResult: 'success' }), plan, options(gh), deps());
    expect(last()).toEqual(['inactive', 'failure', 'success']);
  });

  it('a branch stage (a push, no pull request): no comment, a Deployment of that stage only', async () => {
    const gh = await recorder();
    const push = { command: 'report', stage: 'feature-x', sha: MERGE_SHA } as Plan;
    const pushCtx = { ...ctx(gh), eventName: 'push', payload: {}, ref: 'refs/heads/feature-x' };
    const opts = options(gh, { ctx: pushCtx, pullRequest: undefined });
    await runReport(settings('', { reportResult: 'failure' }), push, opts, deps());
    expect(posted(gh).comments).toEqual([]);
    expect(posted(gh).deployments.map((d) => [d.environment, d.ref, d.statuses.map((s) => s.state)])).toEqual(
      [['shop/feature-x', MERGE_SHA, ['in_progress', 'failure']]],
    );
  });
});
