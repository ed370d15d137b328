import { afterEach, describe, expect, it } from '@jest/globals';
import { createGitHubApi } from '../../src/reporting/github-api.js';
import { isPullRequestStage } from '../../src/reporting/deployment.js';
import { reportDeploy, reportUndeploy } from '../../src/reporting/report.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import type { GitHubRecorder } from '../support/github-recorder.js';
import { failureOutcome, successOutcome, TOKEN, undeployOutcome } from './outcomes.js';
import { closeRecorder, ctx, HEAD_SHA, options, RUN_URL, start } from './report-options.js';

afterEach(closeRecorder);

describe('GitHub Deployment', () => {
  it('records success with the environment URL, on the pull request head', async () => {
    const gh = await start();
    const result = await reportDeploy(successOutcome(), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(gh.deployments).toHaveLength(1);
    expect(gh.deployments[0]).toMatchObject({
      ref: HEAD_SHA,
      environment: 'shop/pr-12',
      transientEnvironment: true,
      productionEnvironment: false,
      autoMerge: false,
      requiredContexts: [],
    });
    expect(result.deploymentId).toBe(gh.deployments[0]?.id);
    expect(gh.statusesOf(result.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
    expect(gh.statuses[1]).toMatchObject({
      environmentUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
      logUrl: RUN_URL,
      description: 'Version 5 is live',
    });
  });

  it('records failure with the run as log URL, and the URL the stage still answers at (the previous version after a rollback)', async () => {
    const gh = await start();
    await reportDeploy(failureOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    const final = gh.statuses.at(-1);
    expect(final).toMatchObject({
      state: 'failure',
      logUrl: RUN_URL,
      environmentUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
      description: 'Failed; rolled back to version 4',
    });
  });

  it('a failed first deploy still links "View deployment" to the stage (it serves the failing version); none when it got no URL', async () => {
    const gh = await start();
    const deps = { logger: new RecordingLogger() };
    const first = { rolledBack: false, version: '1', previousVersion: '', failedVersion: undefined };
    await reportDeploy(failureOutcome(first), options(gh, { comment: false }), deps);
    expect(gh.statuses.at(-1)).toMatchObject({
      state: 'failure',
      logUrl: RUN_URL,
      environmentUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com',
    });
    // Stopped before the front door (or gateway none): no URL, so none is claimed.
    await reportDeploy(failureOutcome({ ...first, url: '' }), options(gh, { comment: false }), deps);
    expect(gh.statuses.at(-1)).toMatchObject({ state: 'failure', logUrl: RUN_URL, environmentUrl: '' });
  });

  it('keeps a long failure description within GitHub’s 140 characters', async () => {
    const gh = await start();
    const result = await reportDeploy(
      failureOutcome({ rolledBack: false, error: 'x'.repeat(500) }),
      options(gh, { comment: false }),
      {
        logger: new RecordingLogger(),
      },
    );
    expect(result.warnings).toEqual([]);
    expect(gh.statuses.at(-1)?.description).toHaveLength(140);
  });

  it('cuts the failure description on one line and never inside a character (emoji, CJK)', async () => {
    const gh = await start();
    // "Failed: " is 8 characters: the emoji's two UTF-16 halves sit at 139 and 140.
    const error = `${'x'.repeat(131)}😀 and\nmore lines\r\n${'界'.repeat(50)}`;
    await reportDeploy(failureOutcome({ rolledBack: false, error }), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    const description = gh.statuses.at(-1)?.description ?? '';
    expect(description.length).toBeLessThanOrEqual(140);
    expect(description).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(description).toBe(`Failed: ${'x'.repeat(131)}…`);
    await reportDeploy(
      failureOutcome({ rolledBack: false, error: 'one\ntwo\r\n  three' }),
      options(gh, { comment: false }),
      { logger: new RecordingLogger() },
    );
    expect(gh.statuses.at(-1)?.description).toBe('Failed: one two three');
  });

  it('marks a protected branch stage as production, not transient', async () => {
    const gh = await start();
    const c = { ...ctx(gh), eventName: 'push', payload: {}, sha: HEAD_SHA };
    await reportDeploy(
      successOutcome({ stage: 'main', sha: HEAD_SHA }),
      options(gh, { ctx: c, pullRequest: undefined }),
      { logger: new RecordingLogger() },
    );
    expect(gh.deployments[0]).toMatchObject({
      environment: 'shop/main',
      transientEnvironment: false,
      productionEnvironment: true,
      ref: HEAD_SHA,
    });
  });

  it('finishes a deployment started earlier instead of creating another', async () => {
    const gh = await start();
    const first = await reportDeploy(successOutcome(), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    await reportDeploy(successOutcome(), options(gh, { comment: false, deploymentId: first.deploymentId }), {
      logger: new RecordingLogger(),
    });
    expect(gh.deployments).toHaveLength(1);
    expect(gh.statusesOf(first.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
      'success',
    ]);
  });

  it('marks every deployment of the environment inactive after undeploy, on every page', async () => {
    const gh = await start({ maxPerPage: 2 });
    for (let i = 0; i < 3; i++)
      await reportDeploy(successOutcome(), options(gh, { comment: false }), {
        logger: new RecordingLogger(),
      });
    await reportDeploy(successOutcome({ stage: 'pr-13' }), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    // The two earlier ones were already inactive (superseded): only the newest needed a status.
    expect(result.deactivated).toBe(1);
    const pr12 = gh.deployments.filter((d) => d.environment === 'shop/pr-12');
    for (const d of pr12) expect(gh.statusesOf(d.id).at(-1)?.state).toBe('inactive');
    const pr13 = gh.deployments.find((d) => d.environment === 'shop/pr-13');
    expect(gh.statusesOf(pr13?.id as number).at(-1)?.state).toBe('success');
  });

  it('undeploy writes a status only to our deployments not already inactive (a long-lived stage has hundreds)', async () => {
    const gh = await start({ maxPerPage: 2 });
    // Five deploys of the branch stage: GitHub's auto_inactive already made the first four inactive.
    for (let i = 0; i < 5; i++)
      await reportDeploy(successOutcome({ stage: 'feature-x' }), options(gh, { comment: false }), {
        logger: new RecordingLogger(),
      });
    const ours = gh.deployments.filter((d) => d.environment === 'shop/feature-x');
    expect(ours.map((d) => gh.statusesOf(d.id).at(-1)?.state)).toEqual([
      'inactive',
      'inactive',
      'inactive',
      'inactive',
      'success',
    ]);
    const before = gh.requests.length;
    const result = await reportUndeploy(
      undeployOutcome({ stage: 'feature-x' }),
      options(gh, { pullRequest: undefined, comment: false }),
      { logger: new RecordingLogger() },
    );
    const writes = gh.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path.endsWith('/statuses'))
      .map((r) => r.path);
    expect(writes).toEqual([`/repos/octo/repo/deployments/${ours[4]!.id}/statuses`]);
    expect(result.deactivated).toBe(1);
    for (const d of ours) expect(gh.statusesOf(d.id).at(-1)?.state).toBe('inactive');
  });

  it('after undeploy of pr-1 leaves the deployments of pr-12 (a stage its name is a prefix of) alone', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    for (const stage of ['pr-1', 'pr-12'])
      await reportDeploy(successOutcome({ stage }), options(gh, { comment: false }), { logger });
    const result = await reportUndeploy(undeployOutcome({ stage: 'pr-1' }), options(gh, { comment: false }), {
      logger,
    });
    expect(result.deactivated).toBe(1);
    const [one, twelve] = gh.deployments;
    expect([one?.environment, twelve?.environment]).toEqual(['shop/pr-1', 'shop/pr-12']);
    expect(gh.statusesOf(one?.id as number).at(-1)?.state).toBe('inactive');
    expect(gh.statusesOf(twelve?.id as number).at(-1)?.state).toBe('success');
  });

  it("after undeploy leaves another tool's deployment of the same environment active", async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    // The team's own release tool deploys to an environment of the same name.
    gh.deployments.push({
      ...(gh.deployments[0] as (typeof gh.deployments)[number]),
      id: 777,
      creator: 'release-tool[bot]',
    });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.deactivated).toBe(1);
    expect(gh.statusesOf(777)).toEqual([]);
  });

  it("after undeploy leaves a deployment of the same token's login that another step made (not our description)", async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    // Another step of the workflow deploys with the same github.token to an environment of the same name.
    gh.deployments.push({
      ...(gh.deployments[0] as (typeof gh.deployments)[number]),
      id: 778,
      description: 'Deploy docs preview',
    });
    const result = await reportUndeploy(undeployOutcome(), options(gh), { logger: new RecordingLogger() });
    expect(result.deactivated).toBe(1);
    expect(gh.statusesOf(778)).toEqual([]);
  });

  it('leaves deployments alone on a dry run', async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    const result = await reportUndeploy(undeployOutcome({ dryRun: true }), options(gh, { comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(result.deactivated).toBeUndefined();
    expect(gh.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
  });
});

describe('pull request stages are transient environments; protected stages production', () => {
  it.each([
    ['pr-12', true],
    ['pr-12-fix', false],
    ['xpr-12', false],
    ['main', false],
  ])('%s: transient %s', (stage, transient) => {
    expect(isPullRequestStage(stage)).toBe(transient);
  });

  it('a protected stage is production; a pull request stage named in protected-stages is still not', async () => {
    const gh = await start();
    const logger = new RecordingLogger();
    await reportDeploy(
      successOutcome({ stage: 'pr-12' }),
      options(gh, { comment: false, protectedStages: ['pr-12'] }),
      {
        logger,
      },
    );
    expect(gh.deployments[0]).toMatchObject({ transientEnvironment: true, productionEnvironment: false });
  });
});

describe('a new success leaves only itself active', () => {
  /** The newest status of each deployment of an environment, oldest deployment first. */
  const states = (gh: GitHubRecorder, environment: string) =>
    gh.deployments
      .filter((d) => d.environment === environment)
      .map((d) => gh.statusesOf(d.id).at(-1)?.state ?? 'none');

  it.each([
    ['a pull request stage (transient: GitHub does not do it)', 'pr-12', 'shop/pr-12'],
    ['a protected stage (production: GitHub does not do it)', 'main', 'shop/main'],
  ])(
    '%s: our earlier successful deployment goes inactive; a failed one and another tool’s stay',
    async (_, stage, environment) => {
      const gh = await start();
      const logger = new RecordingLogger();
      const deploy = (outcome: Parameters<typeof reportDeploy>[0]) =>
        reportDeploy(outcome, options(gh, { comment: false }), { logger });
      await deploy(successOutcome({ stage }));
      await deploy(failureOutcome({ stage }));
      // The team's release tool deployed to an environment of the same name, successfully.
      const theirs = {
        ...(gh.deployments[0] as (typeof gh.deployments)[number]),
        id: 777,
        creator: 'release-tool[bot]',
      };
      gh.deployments.push(theirs);
      gh.statuses.push({
        id: 778,
        deploymentId: 777,
        state: 'success',
        environmentUrl: '',
        logUrl: '',
        description: '',
      });
      await deploy(successOutcome({ stage }));
      expect(states(gh, environment)).toEqual(['inactive', 'failure', 'success', 'success']);
      expect(gh.statusesOf(777)).toHaveLength(1);
      expect(gh.statuses.filter((s) => s.state === 'inactive')[0]?.description).toBe(
        'Superseded by a newer deploy',
      );
      expect(logger.text('warning')).toBe('');
    },
  );

  it('a branch stage is left to GitHub (auto_inactive): no status of ours is read', async () => {
    const gh = await start();
    const c = { ...ctx(gh), eventName: 'push', payload: {} };
    const deploy = () =>
      reportDeploy(
        successOutcome({ stage: 'feature-x' }),
        options(gh, { ctx: c, comment: false, pullRequest: undefined }),
        {
          logger: new RecordingLogger(),
        },
      );
    await deploy();
    await deploy();
    expect(states(gh, 'shop/feature-x')).toEqual(['inactive', 'success']);
    expect(gh.requests.filter((r) => r.method === 'GET' && r.path.includes('/deployments'))).toEqual([]);
  });

  it('a failed deploy leaves the earlier success active: it still serves', async () => {
    const gh = await start();
    await reportDeploy(successOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    await reportDeploy(failureOutcome(), options(gh, { comment: false }), { logger: new RecordingLogger() });
    expect(states(gh, 'shop/pr-12')).toEqual(['success', 'failure']);
  });
});

describe('a Deployment is never left in progress by one failed answer', () => {
  it('the final status is sent again after a 502 (a second status of the same state is harmless)', async () => {
    let left = 1;
    const gh = await start({
      deny: (r) =>
        r.method === 'POST' &&
        /\/statuses$/.test(r.path) &&
        (r.body as { state?: string } | undefined)?.state === 'success' &&
        left-- > 0
          ? { status: 502, message: 'Server Error' }
          : undefined,
    });
    const sleep = recordingSleep();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo', sleep });
    const result = await reportDeploy(successOutcome(), options(gh, { api, comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(result.warnings).toEqual([]);
    expect(gh.statusesOf(result.deploymentId as number).map((s) => s.state)).toEqual([
      'in_progress',
      'success',
    ]);
    expect(sleep.calls).toHaveLength(1);
  });

  it('creating the Deployment itself is not repeated after a 502 (it may exist already): a warning', async () => {
    const gh = await start({
      deny: (r) =>
        r.method === 'POST' && /\/deployments$/.test(r.path)
          ? { status: 502, message: 'Server Error' }
          : undefined,
    });
    const sleep = recordingSleep();
    const api = createGitHubApi({ token: TOKEN, apiUrl: gh.url, repository: 'octo/repo', sleep });
    const result = await reportDeploy(successOutcome(), options(gh, { api, comment: false }), {
      logger: new RecordingLogger(),
    });
    expect(result.warnings).toEqual([expect.stringContaining('Could not record the GitHub Deployment')]);
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
